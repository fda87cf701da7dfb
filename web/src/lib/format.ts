/** Display formatting: money in minor units, instants in the user's zone. Locale: the browser's. */

const moneyFormatters = new Map<string, Intl.NumberFormat>();

function moneyFormatter(currency: string): Intl.NumberFormat {
  const key = currency.toUpperCase();
  let formatter = moneyFormatters.get(key);
  if (!formatter) {
    formatter = new Intl.NumberFormat(undefined, { style: "currency", currency: key });
    moneyFormatters.set(key, formatter);
  }
  return formatter;
}

/** Digits after the decimal point for a currency (USD 2, JPY 0). */
export function minorDigits(currency: string): number {
  try {
    return moneyFormatter(currency).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

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

const dateFormatters = new Map<string, Intl.DateTimeFormat>();

function dateFormatter(zone: string, kind: "dateTime" | "time" | "day" | "longDay"): Intl.DateTimeFormat {
  const key = `${zone}|${kind}`;
  let formatter = dateFormatters.get(key);
  if (!formatter) {
    const time = { hour: "2-digit", minute: "2-digit", hourCycle: "h23" } as const;
    const options: Intl.DateTimeFormatOptions =
      kind === "time"
        ? time
        : kind === "day"
          ? { weekday: "short", day: "numeric", month: "short" }
          : kind === "longDay"
            ? { weekday: "long", day: "numeric", month: "long", year: "numeric" }
            : { weekday: "short", day: "numeric", month: "short", ...time };
    formatter = new Intl.DateTimeFormat(undefined, { ...options, timeZone: zone });
    dateFormatters.set(key, formatter);
  }
  return formatter;
}

const toMs = (instant: string | number) => (typeof instant === "number" ? instant : Date.parse(instant));

/** "Tue, 3 Dec, 10:30" in `zone`. */
export function formatDateTime(instant: string | number, zone: string): string {
  return dateFormatter(zone, "dateTime").format(toMs(instant));
}

/** "10:30" in `zone`. */
export function formatTime(instant: string | number, zone: string): string {
  return dateFormatter(zone, "time").format(toMs(instant));
}

/** "Tue, 3 Dec" in `zone`. */
export function formatDay(instant: string | number, zone: string): string {
  return dateFormatter(zone, "day").format(toMs(instant));
}

/** "Tuesday, 3 December 2026" for a date key "2026-12-03". */
export function formatDateKey(date: string, style: "day" | "longDay" = "longDay"): string {
  return dateFormatter("UTC", style).format(Date.parse(`${date}T12:00:00Z`));
}

/** "Tue, 3 Dec, 10:30–11:30" in `zone`. */
export function formatRange(start: string | number, end: string | number, zone: string): string {
  return `${formatDateTime(start, zone)}–${formatTime(end, zone)}`;
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
