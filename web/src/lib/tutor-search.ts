/**
 * Find a tutor's filters: what the page (and its URL) keeps, and how it becomes API queries.
 * "Free in my week" is days of the coming week and a time-of-day range on the student's clock;
 * each chosen day is one window (one query, the API takes one window), and the answers are merged.
 * Pure and DOM-free, so it is tested in Node.
 */
import type { OpenSlotTime, TutorListing, TutorSearchQuery } from "../../../src/shared/tutor-types";
import { TUTOR_LIMITS } from "../../../src/shared/tutor-types";
import { toMinorUnits } from "./format";
import { addDays, dateKey, startOfDay, zonedToInstant } from "./zoned-time";

export interface TutorFilters {
  subject: string;
  language: string;
  /** Hourly price bounds as typed, in the currency's major unit ("45" or "45.50"). */
  minPrice: string;
  maxPrice: string;
  currency: string;
  /** Dates ("YYYY-MM-DD") of the coming week in the student's zone. */
  days: string[];
  /** "HH:mm" on the student's clock, or "" for the start / end of the day. */
  from: string;
  to: string;
}

export const NO_FILTERS: TutorFilters = {
  subject: "",
  language: "",
  minPrice: "",
  maxPrice: "",
  currency: "",
  days: [],
  from: "",
  to: "",
};

const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The filters a URL's query names (unknown or malformed parts are dropped). */
export function filtersFromQuery(query: Record<string, string | undefined>): TutorFilters {
  const text = (name: string) => (query[name] ?? "").slice(0, 100);
  const time = (name: string) => (TIME.test(query[name] ?? "") ? (query[name] as string) : "");
  return {
    subject: text("subject"),
    language: text("language"),
    minPrice: text("minPrice"),
    maxPrice: text("maxPrice"),
    currency: /^[a-z]{3}$/.test(query.currency ?? "") ? (query.currency as string) : "",
    days: (query.days ?? "").split(",").filter((day) => DATE.test(day)),
    from: time("from"),
    to: time("to"),
  };
}

/** The URL query of the filters: only what is set. */
export function filtersToQuery(filters: TutorFilters): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of ["subject", "language", "minPrice", "maxPrice", "from", "to"] as const) {
    const value = filters[name].trim();
    if (value) out[name] = value;
  }
  if (filters.days.length > 0) out.days = filters.days.join(",");
  if (out.minPrice || out.maxPrice) out.currency = filters.currency;
  return out;
}

/** How many filters are set (the time range counts only with days, as it does nothing without). */
export function activeFilterCount(filters: TutorFilters): number {
  return (
    (filters.subject.trim() ? 1 : 0) +
    (filters.language ? 1 : 0) +
    (filters.minPrice.trim() || filters.maxPrice.trim() ? 1 : 0) +
    (filters.days.length > 0 ? 1 : 0)
  );
}

/** Today and the next `count - 1` dates in `zone`. */
export function comingDays(now: number, zone: string, count = 7): string[] {
  const today = dateKey(now, zone);
  return Array.from({ length: count }, (_, i) => addDays(today, i));
}

/** The first instant the clock in `zone` shows `time` on `date` or, in a spring-forward gap, the first one after. */
function instantAtOrAfter(date: string, time: string, zone: string): number {
  const exact = zonedToInstant(date, time, zone);
  if (exact !== undefined) return exact;
  const [hours, minutes] = time.split(":").map(Number);
  for (let step = 1; step <= 180; step++) {
    const total = (hours ?? 0) * 60 + (minutes ?? 0) + step;
    if (total >= 24 * 60) break;
    const later = `${String(Math.floor(total / 60)).padStart(2, "0")}:${String(total % 60).padStart(2, "0")}`;
    const instant = zonedToInstant(date, later, zone);
    if (instant !== undefined) return instant;
  }
  return startOfDay(addDays(date, 1), zone);
}

export interface FreeWindow {
  freeFrom: string;
  freeTo: string;
}

/**
 * One window per chosen day: from `from` (or midnight) to `to` (or the next midnight) on that
 * day's clock in `zone`. A range whose end is not after its start ("22:00" to "01:00") runs past
 * midnight into the next day. DST days have their real length.
 */
export function freeWindows(days: readonly string[], from: string, to: string, zone: string): FreeWindow[] {
  return [...new Set(days)].sort().map((day) => {
    const start = from ? instantAtOrAfter(day, from, zone) : startOfDay(day, zone);
    const overnight = from !== "" && to !== "" && to <= from;
    const end = to
      ? instantAtOrAfter(overnight ? addDays(day, 1) : day, to, zone)
      : startOfDay(addDays(day, 1), zone);
    return { freeFrom: new Date(start).toISOString(), freeTo: new Date(end).toISOString() };
  });
}

export type SearchPlan =
  | { ok: true; queries: TutorSearchQuery[] }
  | { ok: false; issues: Record<string, string> };

/** The API queries for the filters (one per chosen day), or the fields that need a change. */
export function planSearch(filters: TutorFilters, zone: string): SearchPlan {
  const issues: Record<string, string> = {};
  const base: TutorSearchQuery = {};
  if (filters.subject.trim()) base.subject = filters.subject.trim();
  if (filters.language) base.language = filters.language;
  const bounds = { minPrice: filters.minPrice.trim(), maxPrice: filters.maxPrice.trim() };
  for (const name of ["minPrice", "maxPrice"] as const) {
    if (!bounds[name]) continue;
    const minor = toMinorUnits(bounds[name], filters.currency || "usd");
    if (minor === undefined) issues[name] = "Enter an amount such as 30 or 30.50.";
    else base[name] = String(minor);
  }
  if (base.minPrice && base.maxPrice && Number(base.minPrice) > Number(base.maxPrice)) {
    issues.maxPrice = "The highest price is below the lowest.";
  }
  if ((base.minPrice || base.maxPrice) && filters.currency) base.currency = filters.currency;
  if (Object.keys(issues).length > 0) return { ok: false, issues };
  if (filters.days.length === 0) return { ok: true, queries: [base] };
  return {
    ok: true,
    queries: freeWindows(filters.days, filters.from, filters.to, zone).map((window) => ({
      ...base,
      ...window,
    })),
  };
}

const byStart = (a: OpenSlotTime, b: OpenSlotTime) =>
  a.startsAt === b.startsAt ? (a.id < b.id ? -1 : 1) : a.startsAt < b.startsAt ? -1 : 1;

/**
 * The tutors of several answers (one per day window) as one list: each tutor once, in the API's
 * order (name, then id), with the earliest next open slots of all the answers.
 */
export function mergeListings(answers: readonly TutorListing[][]): TutorListing[] {
  if (answers.length === 1) return answers[0] ?? [];
  const merged = new Map<string, TutorListing>();
  for (const list of answers) {
    for (const tutor of list) {
      const seen = merged.get(tutor.id);
      const slots = new Map([...(seen?.nextOpenSlots ?? []), ...tutor.nextOpenSlots].map((s) => [s.id, s]));
      merged.set(tutor.id, {
        ...(seen ?? tutor),
        nextOpenSlots: [...slots.values()].sort(byStart).slice(0, TUTOR_LIMITS.nextOpenSlots),
      });
    }
  }
  return [...merged.values()].sort((a, b) =>
    a.name === b.name ? (a.id < b.id ? -1 : 1) : a.name < b.name ? -1 : 1,
  );
}
