import type { Deps } from "../deps";
import type { AuthUser } from "../domain/identity";
import { DAY_MS, HOUR_MS, SECOND_MS } from "../shared/time";
import { type CalendarLesson, lessonEvent, renderCalendar } from "./lesson-calendar";

/** How far back the feed reaches; everything upcoming (at most 28 days) is in it. */
export const FEED_PAST_MS = 30 * DAY_MS;

/** What calendar apps call a subscription, and how often they are asked to fetch it again. */
const FEED_HEADER = { name: "Lectern lessons", refreshSeconds: HOUR_MS / SECOND_MS };

/**
 * The caller's lessons from 30 days ago onwards, the same file for the download
 * (GET /api/me/calendar.ics) and the subscribed feed: a provider's teaching sessions, a student's
 * bookings followed through reschedules (one event per lesson, moved in place). Lessons that are
 * off show as STATUS:CANCELLED, so a subscribed calendar drops them. Each event comes from
 * `lessonEvent`, as in the emails.
 */
export async function buildCalendarFeed(deps: Deps, user: AuthUser): Promise<string> {
  const since = deps.now() - FEED_PAST_MS;
  const lessons =
    user.role === "provider"
      ? await providerLessons(deps, user.id, since)
      : await studentLessons(deps, user.id, since);
  return renderCalendar({ method: "PUBLISH", lessons, stamp: deps.now(), feed: FEED_HEADER });
}

async function providerLessons(deps: Deps, providerId: string, since: number): Promise<CalendarLesson[]> {
  const rows = await deps.records.calendar.providerLessons(providerId, since);
  const seats = await deps.records.calendar.seatsOf(rows.map((r) => r.sessionId));
  return rows.map((row) => {
    const cancelled = row.status === "CANCELLED";
    // After a cancellation everyone's seat is cancelled too; name who was booked.
    const studentNames = (seats.get(row.sessionId) ?? [])
      .filter((seat) => cancelled || seat.status === "CONFIRMED")
      .map((seat) => seat.name);
    return lessonEvent(
      {
        ref: { kind: "session", sessionId: row.sessionId, slotVersion: row.slotVersion },
        startsAt: row.startsAt,
        endsAt: row.endsAt,
        cancelled,
      },
      { role: "provider", studentNames, group: row.sessionType === "GROUP" },
    );
  });
}

async function studentLessons(deps: Deps, studentId: string, since: number): Promise<CalendarLesson[]> {
  const rows = await deps.records.calendar.studentLessons(studentId, since);
  return rows.map((row) =>
    lessonEvent(
      {
        ref: { kind: "booking", firstBookingId: row.firstBookingId, moves: row.moves },
        startsAt: row.startsAt,
        endsAt: row.endsAt,
        cancelled: row.cancelled,
      },
      { role: "student", providerName: row.providerName },
    ),
  );
}
