/** Currencies Stripe charges in that Lectern offers (lowercase ISO 4217). */
export const CHARGE_CURRENCIES: ReadonlySet<string> = new Set([
  "usd",
  "eur",
  "gbp",
  "chf",
  "cad",
  "aud",
  "nzd",
  "jpy",
  "sek",
  "nok",
  "dkk",
  "pln",
  "czk",
  "huf",
  "ron",
  "bgn",
  "isk",
  "sgd",
  "hkd",
  "inr",
  "brl",
  "mxn",
  "zar",
  "ils",
  "aed",
  "thb",
  "myr",
  "php",
  "idr",
  "krw",
  "twd",
  "try",
]);

/**
 * Stripe refuses charges below about 0.50 in the major unit (50 minor units for most currencies);
 * such a slot cannot be paid for.
 */
export const MIN_CHARGE_MINOR_UNITS = 50;
