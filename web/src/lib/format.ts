/**
 * Display formatting: money in minor units, instants in the user's zone. Dates and amounts are
 * written in the signed-in user's locale (lib/locale.ts) by the formatter the worker's emails use
 * (src/shared/date-format.ts), so the app and the inbox agree; pass `locale` to override.
 */
import * as dates from "../../../src/shared/date-format";
import { minorDigits } from "../../../src/shared/pricing";
import { displayLocale } from "./locale";

const moneyFormatters = new Map<string, Intl.NumberFormat>();

function moneyFormatter(currency: string): Intl.NumberFormat {
  const locale = displayLocale();
  const key = `${locale}|${currency.toUpperCase()}`;
  let formatter = moneyFormatters.get(key);
  if (!formatter) {
    formatter = new Intl.NumberFormat(locale, { style: "currency", currency: currency.toUpperCase() });
    moneyFormatters.set(key, formatter);
  }
  return formatter;
}

export { minorDigits };

/** 4500 "usd" → "$45.00". */
export function formatMoney(amount: number, currency: string): string {
  try {
    return moneyFormatter(currency).format(amount / 10 ** minorDigits(currency));
  } catch {
    return `${amount} ${currency.toUpperCase()} (minor units)`;
  }
}

/** "45" or "45.50" → 4500 / 4550 in minor units; undefined if it is not a plain positive amount. */
export function toMinorUnits(text: string, currency: string): number | undefined {
  const digits = minorDigits(currency);
  const cleaned = text.trim().replace(",", ".");
  const pattern = digits === 0 ? /^\d+$/ : new RegExp(`^\\d+(\\.\\d{1,${digits}})?$`);
  if (!pattern.test(cleaned)) return undefined;
  return Math.round(Number(cleaned) * 10 ** digits);
}

/** 4550 "usd" → "45.50" for an input field. */
export function fromMinorUnits(amount: number, currency: string): string {
  const digits = minorDigits(currency);
  return (amount / 10 ** digits).toFixed(digits);
}

const toMs = (instant: string | number) => (typeof instant === "number" ? instant : Date.parse(instant));

const reader = (zone: string, locale: string) => ({ locale, timeZone: zone });

/** "Mon 30 Nov, 09:45 CET" (en-GB), "Mon, Nov 30, 9:45 AM GMT+1" (en-US) in `zone`, the zone named. */
export function formatDateTime(instant: string | number, zone: string, locale = displayLocale()): string {
  return dates.formatDateTime(toMs(instant), reader(zone, locale));
}

/** "09:45" (en-GB) or "9:45 AM" (en-US) in `zone`; the page says which zone. */
export function formatTime(instant: string | number, zone: string, locale = displayLocale()): string {
  return dates.formatTime(toMs(instant), reader(zone, locale));
}

/** "Mon 30 Nov" in `zone`. */
export function formatDay(instant: string | number, zone: string, locale = displayLocale()): string {
  return dates.formatDay(toMs(instant), reader(zone, locale));
}

/** "Monday, 30 November 2026" (or "Mon 30 Nov" with style "day") for a date key "2026-11-30". */
export function formatDateKey(
  date: string,
  style: "day" | "longDay" = "longDay",
  locale = displayLocale(),
): string {
  return dates.formatDateKey(date, locale, style);
}

/** "Mon 30 Nov, 09:45–10:45 CET" in `zone`, the zone named (at both ends if the clocks change). */
export function formatRange(
  start: string | number,
  end: string | number,
  zone: string,
  locale = displayLocale(),
): string {
  return dates.formatDateTimeRange(toMs(start), toMs(end), reader(zone, locale));
}

/** "09:45–10:45" in `zone`, clock times only, for a list under a day heading. */
export function formatTimeRange(
  start: string | number,
  end: string | number,
  zone: string,
  locale = displayLocale(),
): string {
  return dates.formatTimeRange(toMs(start), toMs(end), reader(zone, locale));
}

/** 90 → "1 h 30 min". */
export function formatDuration(minutes: number): string {
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (hours === 0) return `${rest} min`;
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}

/** "Europe/Berlin" → "Europe/Berlin (GMT+1)". */
export function zoneLabel(zone: string, at = Date.now()): string {
  try {
    const name = new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "shortOffset" })
      .formatToParts(at)
      .find((part) => part.type === "timeZoneName")?.value;
    return name ? `${zone.replaceAll("_", " ")} (${name})` : zone;
  } catch {
    return zone;
  }
}

/** 125 → "2:05". */
export function formatCountdown(seconds: number): string {
  const safe = Math.max(0, Math.floor(seconds));
  return `${Math.floor(safe / 60)}:${String(safe % 60).padStart(2, "0")}`;
}

export const SESSION_TYPE_LABEL = { ONE_TO_ONE: "One-to-one", GROUP: "Group" } as const;
