/**
 * Dates for people: an instant (epoch ms) written in a person's IANA zone and BCP 47 locale, with
 * the zone named ("Mon 30 Nov, 09:45 CET" for en-GB in Berlin). The one formatter behind the
 * worker's emails and the SPA, so a lesson reads the same in the inbox and in the app.
 *
 * Pure and engine-neutral: only Intl, no imports, so workerd and the browser run it as it is.
 * Output uses plain spaces: ICU versions differ in where they put narrow and thin no-break
 * spaces ("9:45\u202fAM", "09:45\u2009–\u200910:45"), and the same words must come out of both.
 */

/** Who reads a date: their locale (BCP 47) and zone (IANA). Unknown values fall back, never throw. */
export interface DateReader {
  locale: string;
  timeZone: string;
}

export const FALLBACK_LOCALE = "en-US";
export const FALLBACK_TIME_ZONE = "UTC";

/** ISO weekdays: Monday 1 … Sunday 7. */
export type IsoWeekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

type Style = "dateTime" | "time" | "day" | "longDay" | "longDateTime";

const HOUR_MINUTE = { hour: "numeric", minute: "2-digit" } as const;

const STYLES: Record<Style, Intl.DateTimeFormatOptions> = {
  dateTime: { weekday: "short", day: "numeric", month: "short", ...HOUR_MINUTE, timeZoneName: "short" },
  time: HOUR_MINUTE,
  day: { weekday: "short", day: "numeric", month: "short" },
  longDay: { weekday: "long", day: "numeric", month: "long", year: "numeric" },
  longDateTime: {
    weekday: "long",
    day: "numeric",
    month: "long",
    year: "numeric",
    ...HOUR_MINUTE,
    timeZoneName: "short",
  },
};

/** Formatters are costly to build; a worker renders many emails for few locale × zone pairs. */
const MAX_CACHED = 256;
const formatters = new Map<string, Intl.DateTimeFormat>();

/** `locale` in canonical form ("de-de" → "de-DE"), or en-US for a malformed tag. */
export function safeLocale(locale: string | null | undefined): string {
  if (!locale) return FALLBACK_LOCALE;
  try {
    return Intl.getCanonicalLocales(locale)[0] ?? FALLBACK_LOCALE;
  } catch {
    return FALLBACK_LOCALE;
  }
}

/** `timeZone` if the runtime knows it, else UTC. */
export function safeTimeZone(timeZone: string | null | undefined): string {
  if (!timeZone) return FALLBACK_TIME_ZONE;
  try {
    new Intl.DateTimeFormat(FALLBACK_LOCALE, { timeZone });
    return timeZone;
  } catch {
    return FALLBACK_TIME_ZONE;
  }
}

function formatter(style: Style, reader: DateReader): Intl.DateTimeFormat {
  const key = `${style}|${reader.locale}|${reader.timeZone}`;
  let found = formatters.get(key);
  if (!found) {
    const options = { ...STYLES[style], timeZone: safeTimeZone(reader.timeZone) };
    found = new Intl.DateTimeFormat(safeLocale(reader.locale), options);
    if (formatters.size >= MAX_CACHED) formatters.clear();
    formatters.set(key, found);
  }
  return found;
}

/** ICU's narrow, thin and no-break spaces as plain spaces (see the module note). */
export function plainSpaces(text: string): string {
  return text.replace(/[\u00a0\u2009\u202f]/g, " ");
}

/** "Mon 30 Nov, 09:45 CET" (en-GB), "Mon, Nov 30, 3:45 AM EST" (en-US), "Mo., 30. Nov., 09:45 MEZ". */
export function formatDateTime(at: number, reader: DateReader): string {
  return plainSpaces(formatter("dateTime", reader).format(at));
}

/**
 * The clock time alone: "09:45" (en-GB, de-DE), "3:45 AM" (en-US). Cut from the date-and-time
 * pattern because engines drop the locale's leading zero ("9:45") when asked for a time only.
 */
export function formatTime(at: number, reader: DateReader): string {
  const parts = formatter("dateTime", reader).formatToParts(at);
  const isClock = (type: string) => type === "hour" || type === "minute" || type === "dayPeriod";
  const clock = parts.map((part, index) => (isClock(part.type) ? index : -1)).filter((i) => i >= 0);
  const first = clock[0];
  const last = clock[clock.length - 1];
  if (first === undefined || last === undefined) return plainSpaces(formatter("time", reader).format(at));
  return plainSpaces(
    parts
      .slice(first, last + 1)
      .map((part) => part.value)
      .join(""),
  );
}

/** "Mon 30 Nov" (en-GB), "Mo., 30. Nov." (de-DE), "11月30日(月)" (ja-JP). */
export function formatDay(at: number, reader: DateReader): string {
  return plainSpaces(formatter("day", reader).format(at));
}

/** "Monday, 30 November 2026" (en-GB). */
export function formatLongDay(at: number, reader: DateReader): string {
  return plainSpaces(formatter("longDay", reader).format(at));
}

/**
 * A span with the zone named once, or at both ends when the clocks change inside it: ICU's
 * formatRange names one zone for both ends, which would put a start before Lord Howe's
 * half-hour jump at the wrong offset.
 */
function formatSpan(
  style: "dateTime" | "longDateTime",
  start: number,
  end: number,
  reader: DateReader,
): string {
  const format = formatter(style, reader);
  if (formatZoneName(start, reader) !== formatZoneName(end, reader)) {
    return plainSpaces(`${format.format(start)} – ${format.format(end)}`);
  }
  return plainSpaces(format.formatRange(start, end));
}

/**
 * A lesson's span: "Mon 30 Nov, 09:45–10:45 CET" (en-GB), "Mon, Nov 30, 3:45 – 4:45 AM EST"
 * (en-US); a span over midnight names both days, one over a clock change both zones.
 */
export function formatDateTimeRange(start: number, end: number, reader: DateReader): string {
  return formatSpan("dateTime", start, end, reader);
}

/** The same span in full, for an email body: "Monday, 30 November 2026, 09:45–10:45 CET". */
export function formatLongDateTimeRange(start: number, end: number, reader: DateReader): string {
  return formatSpan("longDateTime", start, end, reader);
}

/** Clock times only, for a calendar cell under a day heading: "09:45–10:45", "3:45 – 4:45 AM". */
export function formatTimeRange(start: number, end: number, reader: DateReader): string {
  return plainSpaces(formatter("time", reader).formatRange(start, end));
}

/** The zone's short name at `at`, as the other formats print it: "CET", "MESZ", "EST", "GMT+5:30". */
export function formatZoneName(at: number, reader: DateReader): string {
  const part = formatter("dateTime", reader)
    .formatToParts(at)
    .find((p) => p.type === "timeZoneName");
  return part?.value ?? safeTimeZone(reader.timeZone);
}

/** A calendar date key ("2026-11-30") as a day heading, e.g. "Mon 30 Nov" or "Monday, 30 November 2026". */
export function formatDateKey(date: string, locale: string, style: "day" | "longDay" = "longDay"): string {
  const at = Date.parse(`${date}T12:00:00Z`);
  if (Number.isNaN(at)) return date;
  const reader = { locale, timeZone: "UTC" };
  return style === "day" ? formatDay(at, reader) : formatLongDay(at, reader);
}

interface WeekInfo {
  firstDay: number;
}

/** Intl.Locale as engines ship it: `getWeekInfo()` (current), `weekInfo` (older V8), or neither. */
type LocaleWithWeek = Intl.Locale & { getWeekInfo?: () => WeekInfo; weekInfo?: WeekInfo };

/** Regions (CLDR) whose weeks start on Sunday or Saturday; everyone else starts on Monday. */
const SUNDAY_REGIONS = new Set(
  "AG AS BD BR BS BT BW BZ CA CO DM DO ET GT GU HK HN ID IL IN JM JP KE KH KR LA MH MM MO MT MX MZ NI NP PA PE PH PK PR PT PY SA SG SV TH TT TW UM US VE VI WS YE ZA ZW".split(
    " ",
  ),
);
const SATURDAY_REGIONS = new Set("AE AF BH DJ DZ EG IQ IR JO KW LY OM QA SD SY".split(" "));

/** The first day of the week by the fallback table alone (engines without week data). */
export function firstDayOfWeekByRegion(locale: string): IsoWeekday {
  let region: string | undefined;
  try {
    region = new Intl.Locale(safeLocale(locale)).maximize().region;
  } catch {
    region = undefined;
  }
  if (!region) return 1;
  if (SUNDAY_REGIONS.has(region)) return 7;
  if (SATURDAY_REGIONS.has(region)) return 6;
  return 1;
}

/** The first day of `locale`'s week (ISO: Monday 1 … Sunday 7): en-US and ja-JP 7, en-GB and de-DE 1. */
export function firstDayOfWeek(locale: string): IsoWeekday {
  try {
    const tag = new Intl.Locale(safeLocale(locale)) as LocaleWithWeek;
    const info = typeof tag.getWeekInfo === "function" ? tag.getWeekInfo() : tag.weekInfo;
    const day = info?.firstDay;
    if (day !== undefined && Number.isInteger(day) && day >= 1 && day <= 7) return day as IsoWeekday;
  } catch {
    // the table below
  }
  return firstDayOfWeekByRegion(locale);
}
