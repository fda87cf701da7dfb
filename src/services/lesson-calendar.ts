import ical, {
  ICalAttendeeRole,
  ICalAttendeeStatus,
  ICalCalendarMethod,
  ICalEventStatus,
} from "ical-generator";
import { describeStudents, type LessonTime } from "../domain/email-templates";

/**
 * A lesson as an iCalendar (RFC 5545) event: the one builder behind every email attachment, the
 * download and the subscribed feed, so a lesson has one UID, SEQUENCE, title and status wherever a
 * calendar meets it. Pure: no clock (the DTSTAMP comes in), no I/O. Written by ical-generator
 * (no dependencies, runs in workerd); times are UTC ("Z"), so no VTIMEZONE is needed.
 */

/**
 * Which event a lesson is in one person's calendar.
 * - `booking`, a student's lesson: their booking followed through reschedules. Each move makes a
 *   new booking whose `rescheduled_from` points back, so the chain's first booking names the event
 *   for good and the number of moves counts its changes.
 * - `session`, a provider's lesson: the teaching session of their slot (one per slot); the slot's
 *   `version` rises with every change of its time or shape.
 */
export type LessonRef =
  | { kind: "booking"; firstBookingId: string; moves: number }
  | { kind: "session"; sessionId: string; slotVersion: number };

/** The UID of a lesson's event: the same in invites, cancellations, the download and the feed. */
export function lessonUid(ref: LessonRef): string {
  return `${ref.kind === "booking" ? ref.firstBookingId : ref.sessionId}@lectern`;
}

/**
 * SEQUENCE, a count of the changes the event went through, derived from data so no revision has
 * to be stored: a student's moves (each reschedule adds a booking to the chain), or a slot's edits
 * (`version` starts at 1), plus one once the lesson is off. A cancellation is final, so the count
 * only ever rises.
 */
export function lessonSequence(ref: LessonRef, cancelled: boolean): number {
  const changes = ref.kind === "booking" ? ref.moves : ref.slotVersion - 1;
  return Math.max(0, changes) + (cancelled ? 1 : 0);
}

/** A lesson as the database knows it for one person: which event, its time, and whether it is off. */
export interface Lesson extends LessonTime {
  ref: LessonRef;
  /** The session was cancelled, or this person's booking was. */
  cancelled: boolean;
}

/** Whose calendar the event goes into; the title names the other side. */
export type LessonViewer =
  | { role: "student"; providerName: string }
  | { role: "provider"; studentNames: readonly string[]; group: boolean };

/** One VEVENT: the lesson with its identity, title and description for one viewer. */
export interface CalendarLesson extends LessonTime {
  uid: string;
  sequence: number;
  cancelled: boolean;
  title: string;
  description: string;
}

interface Person {
  name: string;
  email: string;
}

/** The event of `lesson` as `viewer` sees it; the only place lesson titles are worded. */
export function lessonEvent(lesson: Lesson, viewer: LessonViewer): CalendarLesson {
  const event = {
    uid: lessonUid(lesson.ref),
    sequence: lessonSequence(lesson.ref, lesson.cancelled),
    startsAt: lesson.startsAt,
    endsAt: lesson.endsAt,
    cancelled: lesson.cancelled,
  };
  if (viewer.role === "student") {
    return {
      ...event,
      title: `Lesson with ${viewer.providerName}`,
      description: `Lectern lesson with your instructor ${viewer.providerName}.`,
    };
  }
  const kind = viewer.group ? "Group lesson" : "Lesson";
  const names = viewer.studentNames;
  return {
    ...event,
    title: names.length > 0 ? `${kind} with ${describeStudents(names)}` : `${kind} (no students booked)`,
    description:
      names.length > 0
        ? `Lectern ${kind.toLowerCase()} you teach. Students: ${names.join(", ")}.`
        : `Lectern ${kind.toLowerCase()} you teach.`,
  };
}

/**
 * The .ics attached to an email for one attendee: METHOD:REQUEST for a lesson that stands,
 * METHOD:CANCEL (STATUS:CANCELLED, higher SEQUENCE) for one that is off. The organizer is
 * Lectern's sender address, so replies never reach a person.
 */
export function buildLessonInvite(input: {
  lesson: Lesson;
  viewer: LessonViewer;
  organizer: Person;
  attendee: Person;
  /** DTSTAMP (epoch ms). */
  stamp: number;
}): string {
  return renderCalendar({
    method: input.lesson.cancelled ? "CANCEL" : "REQUEST",
    lessons: [lessonEvent(input.lesson, input.viewer)],
    stamp: input.stamp,
    organizer: input.organizer,
    attendee: input.attendee,
  });
}

/** What a subscribed calendar is called, and how often its app should fetch it again. */
export interface FeedHeader {
  name: string;
  refreshSeconds: number;
}

/** iCalendar text (CRLF lines, folded at 75 octets) of `lessons`. */
export function renderCalendar(input: {
  method: "PUBLISH" | "REQUEST" | "CANCEL";
  lessons: readonly CalendarLesson[];
  /** DTSTAMP: when this calendar was produced (epoch ms). */
  stamp: number;
  organizer?: Person;
  attendee?: Person;
  /** For a feed: X-WR-CALNAME and the refresh hint (REFRESH-INTERVAL, X-PUBLISHED-TTL). */
  feed?: FeedHeader;
}): string {
  const calendar = ical({
    prodId: { company: "Lectern", product: "Lessons", language: "EN" },
    scale: "GREGORIAN",
    method: ICalCalendarMethod[input.method],
    name: input.feed?.name ?? null,
    ttl: input.feed?.refreshSeconds ?? null,
  });
  for (const lesson of input.lessons) {
    calendar.createEvent({
      id: lesson.uid,
      sequence: lesson.sequence,
      stamp: new Date(input.stamp),
      start: new Date(lesson.startsAt),
      end: new Date(lesson.endsAt),
      summary: lesson.title,
      description: lesson.description,
      status: lesson.cancelled ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
      organizer: input.organizer ? contact(input.organizer) : null,
      attendees: input.attendee
        ? [
            {
              ...contact(input.attendee),
              role: ICalAttendeeRole.REQ,
              status: ICalAttendeeStatus.ACCEPTED,
              rsvp: false,
            },
          ]
        : [],
    });
  }
  // Every content line ends in CRLF (RFC 5545 3.1), the last one included.
  return `${calendar.toString()}\r\n`;
}

/**
 * A CN parameter value: ical-generator quotes it but backslash-escapes quotes, which RFC 5545
 * does not allow inside a quoted value, so those characters go (and an emptied name falls back
 * to the address).
 */
function contact(person: Person): Person {
  const name = person.name.replace(/["\\\p{Cc}]/gu, "").trim();
  return { name: name || person.email, email: person.email };
}
