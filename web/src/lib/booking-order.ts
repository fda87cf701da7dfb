import type { Booking, Slot } from "../api/types";

/** A booking with its slot (undefined when the slot could not be loaded). */
export interface BookingRow {
  booking: Booking;
  slot: Slot | undefined;
}

/** One lesson (slot) on the teacher's list, with every booking its students made. */
export interface LessonRow {
  slotId: string;
  slot: Slot | undefined;
  rows: BookingRow[];
}

const ACTIVE = new Set<Booking["status"]>(["CONFIRMED", "PENDING_PAYMENT"]);

/** Still ahead or under way, and holding or paid: it belongs under "Upcoming". */
export function isUpcoming(row: BookingRow, now: number): boolean {
  return ACTIVE.has(row.booking.status) && (!row.slot || Date.parse(row.slot.endsAt) > now);
}

function startOf(slot: Slot | undefined): number | undefined {
  return slot ? Date.parse(slot.startsAt) : undefined;
}

/**
 * Orders by the lesson's start: soonest first (`"asc"`, upcoming) or latest first (`"desc"`,
 * past). Rows whose slot is unknown go last either way; ties keep their order.
 */
export function byStart<T extends { slot: Slot | undefined }>(list: T[], direction: "asc" | "desc"): T[] {
  const sign = direction === "asc" ? 1 : -1;
  return [...list].sort((a, b) => {
    const x = startOf(a.slot);
    const y = startOf(b.slot);
    if (x === undefined || y === undefined) return (x === undefined ? 1 : 0) - (y === undefined ? 1 : 0);
    return sign * (x - y);
  });
}

/** The student's list split into upcoming (soonest first) and past or cancelled (latest first). */
export function splitBookings(
  rows: BookingRow[],
  now: number,
): { upcoming: BookingRow[]; past: BookingRow[] } {
  return {
    upcoming: byStart(
      rows.filter((row) => isUpcoming(row, now)),
      "asc",
    ),
    past: byStart(
      rows.filter((row) => !isUpcoming(row, now)),
      "desc",
    ),
  };
}

/**
 * The teacher's list: one entry per lesson with all its students (a group lesson is one entry,
 * not one per student). A lesson is upcoming while any of its bookings is; its students are in
 * booking order, active ones first.
 */
export function groupByLesson(rows: BookingRow[], now: number): { upcoming: LessonRow[]; past: LessonRow[] } {
  const lessons = new Map<string, LessonRow>();
  for (const row of rows) {
    const lesson = lessons.get(row.booking.slotId);
    if (lesson) lesson.rows.push(row);
    else lessons.set(row.booking.slotId, { slotId: row.booking.slotId, slot: row.slot, rows: [row] });
  }
  const all = [...lessons.values()].map((lesson) => ({
    ...lesson,
    rows: [...lesson.rows].sort(
      (a, b) => Number(ACTIVE.has(b.booking.status)) - Number(ACTIVE.has(a.booking.status)),
    ),
  }));
  const ahead = (lesson: LessonRow) => lesson.rows.some((row) => isUpcoming(row, now));
  return {
    upcoming: byStart(all.filter(ahead), "asc"),
    past: byStart(
      all.filter((lesson) => !ahead(lesson)),
      "desc",
    ),
  };
}
