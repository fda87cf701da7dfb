import { describeStudents, type LessonTime } from "../domain/email-templates";

/**
 * A lesson as an iCalendar (RFC 5545) event: the one builder behind every email attachment and
 * the calendar feed, so a lesson has one UID, title and status wherever a calendar meets it.
 * Pure: no clock (the DTSTAMP comes in), no I/O.
 */

const PRODUCT_ID = "-//Lectern//Lessons//EN";

/** The same UID in invites, cancellations and the feed, so calendars update one event. */
export function lessonUid(sessionId: string): string {
  return `${sessionId}@lectern`;
}

/** A lesson as the database knows it: its session, its time, and whether it is off for this viewer. */
export interface Lesson extends LessonTime {
  sessionId: string;
  /** The session was cancelled, or this viewer's seat was. */
  cancelled: boolean;
}

/** Whose calendar the event goes into; the title names the other side. */
export type LessonViewer =
  | { role: "student"; providerName: string }
  | { role: "provider"; studentNames: readonly string[]; group: boolean };

/** One VEVENT: the lesson with its title and description for one viewer. */
export interface CalendarLesson extends Lesson {
  title: string;
  description: string;
}

interface Person {
  name: string;
  email: string;
}

/** The event of `lesson` as `viewer` sees it; the only place lesson titles are worded. */
export function lessonEvent(lesson: Lesson, viewer: LessonViewer): CalendarLesson {
  if (viewer.role === "student") {
    return {
      ...lesson,
      title: `Lesson with ${viewer.providerName}`,
      description: `Lectern lesson with your instructor ${viewer.providerName}.`,
    };
  }
  const kind = viewer.group ? "Group lesson" : "Lesson";
  const names = viewer.studentNames;
  return {
    ...lesson,
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

/**
 * iCalendar for our one shape of event. Written by hand rather than with the `ics` package:
 * ics validates with yup, whose ESM build cannot load in the vitest workerd runtime.
 */
export function renderCalendar(input: {
  method: "PUBLISH" | "REQUEST" | "CANCEL";
  lessons: readonly CalendarLesson[];
  /** DTSTAMP: when this calendar was produced (epoch ms). */
  stamp: number;
  organizer?: Person;
  attendee?: Person;
}): string {
  const lines = [
    "BEGIN:VCALENDAR",
    "VERSION:2.0",
    `PRODID:${PRODUCT_ID}`,
    "CALSCALE:GREGORIAN",
    `METHOD:${input.method}`,
    "X-WR-CALNAME:Lectern",
  ];
  for (const lesson of input.lessons) {
    lines.push(
      "BEGIN:VEVENT",
      `UID:${lessonUid(lesson.sessionId)}`,
      `DTSTAMP:${icsDateTime(input.stamp)}`,
      `DTSTART:${icsDateTime(lesson.startsAt)}`,
      `DTEND:${icsDateTime(lesson.endsAt)}`,
      `SUMMARY:${icsText(lesson.title)}`,
      `DESCRIPTION:${icsText(lesson.description)}`,
      `STATUS:${lesson.cancelled ? "CANCELLED" : "CONFIRMED"}`,
      // A cancellation must carry a higher SEQUENCE than the invite for clients to apply it.
      `SEQUENCE:${lesson.cancelled ? 1 : 0}`,
    );
    if (input.organizer)
      lines.push(`ORGANIZER;CN=${icsParam(input.organizer.name)}:mailto:${input.organizer.email}`);
    if (input.attendee) {
      lines.push(
        `ATTENDEE;CN=${icsParam(input.attendee.name)};ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;RSVP=FALSE:mailto:${input.attendee.email}`,
      );
    }
    lines.push("END:VEVENT");
  }
  lines.push("END:VCALENDAR");
  return `${lines.map(foldLine).join("\r\n")}\r\n`;
}

/** 20270615T120000Z */
export function icsDateTime(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/\.\d{3}Z$/, "Z")
    .replaceAll("-", "")
    .replaceAll(":", "");
}

/** TEXT value escaping (RFC 5545 3.3.11). */
export function icsText(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/;/g, "\\;").replace(/,/g, "\\,").replace(/\r?\n/g, "\\n");
}

/** A parameter value: quoted, without the characters a quoted value may not hold. */
function icsParam(value: string): string {
  return `"${value.replace(/["\r\n]/g, "")}"`;
}

/** Content lines longer than 75 octets continue on the next line after CRLF + space. */
function foldLine(line: string): string {
  const encoder = new TextEncoder();
  if (encoder.encode(line).length <= 75) return line;
  const parts: string[] = [];
  let current = "";
  let size = 0;
  for (const char of line) {
    const bytes = encoder.encode(char).length;
    const limit = parts.length === 0 ? 75 : 74;
    if (size + bytes > limit) {
      parts.push(current);
      current = "";
      size = 0;
    }
    current += char;
    size += bytes;
  }
  parts.push(current);
  return parts.join("\r\n ");
}
