import { and, asc, eq, gte, inArray } from "drizzle-orm";
import { sessionParticipants, slots, teachingSessions, users } from "../db/schema";
import type { Deps } from "../deps";
import { describeStudents, type LessonTime } from "../domain/email-templates";
import type { AuthUser } from "../http/context";

/** How far back the feed reaches; everything upcoming (at most 28 days) is in it. */
export const FEED_PAST_MS = 30 * 24 * 3_600_000;
const FEED_LIMIT = 500;
/** D1 allows 100 bound parameters per statement. */
const IN_CHUNK = 90;
const PRODUCT_ID = "-//Lectern//Lessons//EN";

/** The same UID in invites, cancellations and the feed, so calendars update one event. */
export function lessonUid(sessionId: string): string {
  return `${sessionId}@lectern`;
}

export interface CalendarLesson extends LessonTime {
  sessionId: string;
  title: string;
  description: string;
  cancelled: boolean;
}

interface Person {
  name: string;
  email: string;
}

/**
 * iCalendar (RFC 5545) for our one shape of event. Written by hand rather than with the `ics`
 * package: ics validates with yup, whose ESM build cannot load in the vitest workerd runtime.
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

/**
 * The .ics attached to a confirmation (METHOD:REQUEST) or a cancellation (METHOD:CANCEL) for
 * one attendee. The organizer is Lectern's sender address, so replies never reach a person.
 */
export function buildLessonInvite(input: {
  lesson: CalendarLesson;
  method: "REQUEST" | "CANCEL";
  organizer: Person;
  attendee: Person;
  stamp: number;
}): string {
  return renderCalendar({
    method: input.method,
    lessons: [{ ...input.lesson, cancelled: input.method === "CANCEL" }],
    stamp: input.stamp,
    organizer: input.organizer,
    attendee: input.attendee,
  });
}

/**
 * The caller's lessons from 30 days ago onwards: a provider's teaching sessions, a student's
 * sessions (those they cancelled or that were cancelled show as STATUS:CANCELLED, so a
 * subscribed calendar drops them).
 */
export async function buildCalendarFeed(deps: Deps, user: AuthUser): Promise<string> {
  const since = deps.now() - FEED_PAST_MS;
  const lessons =
    user.role === "provider"
      ? await providerLessons(deps, user.id, since)
      : await studentLessons(deps, user.id, since);
  return renderCalendar({ method: "PUBLISH", lessons, stamp: deps.now() });
}

async function providerLessons(deps: Deps, providerId: string, since: number): Promise<CalendarLesson[]> {
  const rows = await deps.db
    .select({
      sessionId: teachingSessions.id,
      status: teachingSessions.status,
      startsAt: slots.startsAt,
      endsAt: slots.endsAt,
      sessionType: slots.sessionType,
    })
    .from(teachingSessions)
    .innerJoin(slots, eq(slots.id, teachingSessions.slotId))
    .where(and(eq(teachingSessions.providerId, providerId), gte(slots.startsAt, since)))
    .orderBy(asc(slots.startsAt))
    .limit(FEED_LIMIT);
  const names = await loadParticipants(
    deps,
    rows.map((r) => r.sessionId),
  );
  return rows.map((row) => {
    const cancelled = row.status === "CANCELLED";
    const people = names.get(row.sessionId) ?? [];
    // After a cancellation everyone's seat is cancelled too; name who was booked.
    const shown = people.filter((p) => cancelled || p.status === "CONFIRMED").map((p) => p.name);
    const kind = row.sessionType === "GROUP" ? "Group lesson" : "Lesson";
    return {
      sessionId: row.sessionId,
      startsAt: row.startsAt,
      endsAt: row.endsAt,
      cancelled,
      title: shown.length > 0 ? `${kind} with ${describeStudents(shown)}` : `${kind} (no students booked)`,
      description:
        shown.length > 0
          ? `Lectern ${kind.toLowerCase()} you teach. Students: ${shown.join(", ")}.`
          : `Lectern ${kind.toLowerCase()} you teach.`,
    };
  });
}

async function studentLessons(deps: Deps, studentId: string, since: number): Promise<CalendarLesson[]> {
  const rows = await deps.db
    .select({
      sessionId: teachingSessions.id,
      status: teachingSessions.status,
      participation: sessionParticipants.status,
      startsAt: slots.startsAt,
      endsAt: slots.endsAt,
      providerName: users.name,
    })
    .from(sessionParticipants)
    .innerJoin(teachingSessions, eq(teachingSessions.id, sessionParticipants.sessionId))
    .innerJoin(slots, eq(slots.id, teachingSessions.slotId))
    .innerJoin(users, eq(users.id, teachingSessions.providerId))
    .where(and(eq(sessionParticipants.userId, studentId), gte(slots.startsAt, since)))
    .orderBy(asc(slots.startsAt))
    .limit(FEED_LIMIT);
  return rows.map((row) => ({
    sessionId: row.sessionId,
    startsAt: row.startsAt,
    endsAt: row.endsAt,
    cancelled: row.status === "CANCELLED" || row.participation === "CANCELLED",
    title: `Lesson with ${row.providerName}`,
    description: `Lectern lesson with your instructor ${row.providerName}.`,
  }));
}

export interface Participant {
  id: string;
  email: string;
  name: string;
  timezone: string;
  status: "CONFIRMED" | "CANCELLED";
}

/** Each session's participants (any status) with what emails and the feed need, in booking order. */
export async function loadParticipants(
  deps: Deps,
  sessionIds: string[],
): Promise<Map<string, Participant[]>> {
  const bySession = new Map<string, Participant[]>();
  for (let i = 0; i < sessionIds.length; i += IN_CHUNK) {
    const rows = await deps.db
      .select({
        sessionId: sessionParticipants.sessionId,
        status: sessionParticipants.status,
        id: users.id,
        email: users.email,
        name: users.name,
        timezone: users.timezone,
      })
      .from(sessionParticipants)
      .innerJoin(users, eq(users.id, sessionParticipants.userId))
      .where(inArray(sessionParticipants.sessionId, sessionIds.slice(i, i + IN_CHUNK)))
      .orderBy(asc(sessionParticipants.joinedAt), asc(users.name));
    for (const { sessionId, ...participant } of rows) {
      const list = bySession.get(sessionId) ?? [];
      list.push(participant);
      bySession.set(sessionId, list);
    }
  }
  return bySession;
}
