import { Temporal } from "temporal-polyfill";
import type { Skipped, WeeklyStart } from "../shared/api-types";
import { BOOKING_WINDOW_MS } from "../shared/limits";
import { MINUTE_MS } from "../shared/time";
import { type Interval, overlaps } from "./slot-rules";

export type { Skipped, WeeklyStart };

export interface PatternShape {
  timezone: string;
  weekly: WeeklyStart[];
  durationMinutes: number;
  /** First local date (YYYY-MM-DD) that may hold a slot. */
  startsOn?: string | null;
  /** Last local date (YYYY-MM-DD) that may hold a slot, inclusive. */
  endsOn?: string | null;
}

export interface Expansion {
  /** Candidate start instants (epoch ms), ascending. */
  starts: number[];
  skipped: Skipped[];
  /** Everything up to this instant has been considered; a later top-up continues after it. */
  windowEnd: number;
}

/**
 * Expands a weekly pattern into start instants in `(after, now + 28 days]`, not before `now`,
 * within startsOn..endsOn. Wall-clock times stay put across DST; a time that does not exist
 * (spring-forward gap) is skipped with a reason, and an ambiguous one (fall-back) takes the
 * earlier instant.
 */
export function expandPattern(shape: PatternShape, now: number, after = Number.NEGATIVE_INFINITY): Expansion {
  const zone = shape.timezone;
  let lower = Math.max(now, after === Number.NEGATIVE_INFINITY ? now : after + 1);
  let upper = now + BOOKING_WINDOW_MS;
  if (shape.startsOn) {
    lower = Math.max(lower, Temporal.PlainDate.from(shape.startsOn).toZonedDateTime(zone).epochMilliseconds);
  }
  if (shape.endsOn) {
    const dayAfterEnd = Temporal.PlainDate.from(shape.endsOn).add({ days: 1 }).toZonedDateTime(zone);
    upper = Math.min(upper, dayAfterEnd.epochMilliseconds - 1);
  }
  const windowEnd = now + BOOKING_WINDOW_MS;
  if (lower > upper) return { starts: [], skipped: [], windowEnd };

  const starts: number[] = [];
  const skipped: Skipped[] = [];
  const lastDate = Temporal.Instant.fromEpochMilliseconds(upper).toZonedDateTimeISO(zone).toPlainDate();
  let date = Temporal.Instant.fromEpochMilliseconds(lower).toZonedDateTimeISO(zone).toPlainDate();
  while (Temporal.PlainDate.compare(date, lastDate) <= 0) {
    for (const entry of shape.weekly) {
      if (entry.weekday !== date.dayOfWeek) continue;
      const wallClock = date.toPlainDateTime(Temporal.PlainTime.from(entry.startTime));
      const resolved = wallClock.toZonedDateTime(zone, { disambiguation: "compatible" });
      const instant = resolved.epochMilliseconds;
      if (instant < lower || instant > upper) continue;
      if (!resolved.toPlainDateTime().equals(wallClock)) {
        skipped.push({
          startsAt: new Date(instant).toISOString(),
          reason: `DST_GAP: ${entry.startTime} does not exist on ${date.toString()} in ${zone} (the clocks jump forward).`,
        });
        continue;
      }
      starts.push(instant);
    }
    date = date.add({ days: 1 });
  }
  starts.sort((a, b) => a - b);
  return { starts, skipped, windowEnd };
}

/**
 * Drops candidates that overlap an existing slot or an earlier candidate, with a reason each.
 * `existing` are the provider's live slots.
 */
export function planAgainstExisting(
  starts: number[],
  durationMinutes: number,
  existing: Interval[],
): { accepted: number[]; skipped: Skipped[] } {
  const accepted: number[] = [];
  const skipped: Skipped[] = [];
  const taken: Interval[] = [...existing];
  for (const startsAt of starts) {
    const candidate = { startsAt, endsAt: startsAt + durationMinutes * MINUTE_MS };
    const clash = taken.find((slot) => overlaps(slot, candidate));
    if (clash) {
      skipped.push({
        startsAt: new Date(startsAt).toISOString(),
        reason: `SLOT_OVERLAP: clashes with a slot from ${new Date(clash.startsAt).toISOString()} to ${new Date(clash.endsAt).toISOString()}.`,
      });
      continue;
    }
    accepted.push(startsAt);
    taken.push(candidate);
  }
  return { accepted, skipped };
}
