/**
 * Wall-clock dates and times in an IANA zone, without a date library: the browser's Intl data
 * says what a zone's clock shows at an instant, and the inverse is found by trying the zone's
 * offsets around the wanted time. Dates are "YYYY-MM-DD" keys, times "HH:mm", instants epoch ms.
 */
import type { IsoWeekday } from "../../../src/shared/date-format";
import { DAY_MS } from "../../../src/shared/time";
import { canonicalZone, listCanonicalZones } from "./time-zones";

export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const partsFormatters = new Map<string, Intl.DateTimeFormat>();

function partsFormatter(zone: string): Intl.DateTimeFormat {
  let formatter = partsFormatters.get(zone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    partsFormatters.set(zone, formatter);
  }
  return formatter;
}

/** What a clock in `zone` shows at instant `ms`. */
export function wallClock(ms: number, zone: string): WallClock {
  const fields: Record<string, number> = {};
  for (const part of partsFormatter(zone).formatToParts(ms)) {
    if (part.type !== "literal") fields[part.type] = Number(part.value);
  }
  return {
    year: fields.year ?? 1970,
    month: fields.month ?? 1,
    day: fields.day ?? 1,
    hour: (fields.hour ?? 0) % 24,
    minute: fields.minute ?? 0,
    second: fields.second ?? 0,
  };
}

/** The zone's offset from UTC at instant `ms`, in ms (Berlin in winter: +3,600,000). */
export function offsetAt(ms: number, zone: string): number {
  const c = wallClock(ms, zone);
  const asUtc = Date.UTC(c.year, c.month - 1, c.day, c.hour, c.minute, c.second);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

function parseDate(date: string): [number, number, number] | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!match) return undefined;
  return [Number(match[1]), Number(match[2]), Number(match[3])];
}

function parseTime(time: string): [number, number] | undefined {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(time);
  if (!match) return undefined;
  return [Number(match[1]), Number(match[2])];
}

/**
 * The instant at which a clock in `zone` shows `date` `time`. A time that happens twice (the
 * clocks fall back) gives the earlier instant, as the server's weekly patterns do; a time that
 * never happens (the clocks jump forward) or malformed input gives undefined.
 */
export function zonedToInstant(date: string, time: string, zone: string): number | undefined {
  const d = parseDate(date);
  const t = parseTime(time);
  if (!d || !t) return undefined;
  const asUtc = Date.UTC(d[0], d[1] - 1, d[2], t[0], t[1]);
  // Any transition near the wanted time lies between these two offsets.
  const offsets = new Set([
    offsetAt(asUtc - DAY_MS, zone),
    offsetAt(asUtc + DAY_MS, zone),
    offsetAt(asUtc, zone),
  ]);
  const matches = [...offsets]
    .map((offset) => asUtc - offset)
    .filter((candidate) => {
      const c = wallClock(candidate, zone);
      return c.year === d[0] && c.month === d[1] && c.day === d[2] && c.hour === t[0] && c.minute === t[1];
    })
    .sort((a, b) => a - b);
  return matches[0];
}

const pad = (value: number, width = 2) => String(value).padStart(width, "0");

/** The calendar date ("YYYY-MM-DD") in `zone` at instant `ms`. */
export function dateKey(ms: number, zone: string): string {
  const c = wallClock(ms, zone);
  return `${pad(c.year, 4)}-${pad(c.month)}-${pad(c.day)}`;
}

/** The clock time ("HH:mm") in `zone` at instant `ms`. */
export function timeKey(ms: number, zone: string): string {
  const c = wallClock(ms, zone);
  return `${pad(c.hour)}:${pad(c.minute)}`;
}

/** `date` moved by `days` calendar days. */
export function addDays(date: string, days: number): string {
  const d = parseDate(date);
  if (!d) throw new Error(`not a date: ${date}`);
  const moved = new Date(Date.UTC(d[0], d[1] - 1, d[2] + days));
  return `${pad(moved.getUTCFullYear(), 4)}-${pad(moved.getUTCMonth() + 1)}-${pad(moved.getUTCDate())}`;
}

/** ISO weekday of a date: Monday 1 … Sunday 7. */
export function weekdayOf(date: string): number {
  const d = parseDate(date);
  if (!d) throw new Error(`not a date: ${date}`);
  const day = new Date(Date.UTC(d[0], d[1] - 1, d[2])).getUTCDay();
  return day === 0 ? 7 : day;
}

/**
 * The first day of the week holding `date`: the Monday on or before it, or the `firstDay`
 * (ISO weekday, e.g. 7 for a Sunday-first locale: `firstDayOfWeek(locale)`) on or before it.
 */
export function startOfWeek(date: string, firstDay: IsoWeekday = 1): string {
  return addDays(date, -((weekdayOf(date) - firstDay + 7) % 7));
}

/** The first instant of `date` in `zone` (midnight, or the first minute after a skipped midnight). */
export function startOfDay(date: string, zone: string): number {
  for (let minutes = 0; minutes < 24 * 60; minutes += 15) {
    const time = `${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
    const instant = zonedToInstant(date, time, zone);
    if (instant !== undefined) return instant;
  }
  throw new Error(`no start of day for ${date} in ${zone}`);
}

/** The zone this browser is set to, by its current IANA name ("Asia/Kolkata"), or UTC when it cannot tell. */
export function detectTimeZone(): string {
  try {
    return canonicalZone(Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC");
  } catch {
    return "UTC";
  }
}

/** IANA zones for a picker by current names (no "Asia/Calcutta"), always including `extra` (the user's zone). */
export function listTimeZones(...extra: string[]): string[] {
  return [...new Set([...listCanonicalZones(), ...extra.filter(Boolean).map(canonicalZone)])].sort();
}
