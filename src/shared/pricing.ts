/**
 * Price per seat in minor units: round(hourlyRate × durationMinutes / 60), halves rounded up.
 * The server prices slots with it and the slot form previews the same number.
 */
export function priceForDuration(hourlyRate: number, durationMinutes: number): number {
  return Math.floor((hourlyRate * durationMinutes + 30) / 60);
}

const digitsByCurrency = new Map<string, number>();

/** Digits after the decimal point of a currency's major unit (USD 2, JPY 0), from CLDR via Intl; 2 if unknown. */
export function minorDigits(currency: string): number {
  const code = currency.toUpperCase();
  let digits = digitsByCurrency.get(code);
  if (digits === undefined) {
    try {
      digits =
        new Intl.NumberFormat("en", { style: "currency", currency: code }).resolvedOptions()
          .maximumFractionDigits ?? 2;
    } catch {
      digits = 2;
    }
    digitsByCurrency.set(code, digits);
  }
  return digits;
}
