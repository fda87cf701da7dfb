/**
 * Whose way of writing dates the SPA uses: the signed-in user's locale (User.locale), else the
 * browser's. One module-level value, set where the app learns who is signed in, so every
 * formatter in lib/format.ts follows it without each page passing it down. No imports: the
 * sign-in state loads it with the first page, and the formatters load with the pages that use them.
 */

const FALLBACK_LOCALE = "en-US";

/** `locale` in canonical form ("de-de" → "de-DE"), en-US for a malformed tag. */
function safeLocale(locale: string): string {
  try {
    return Intl.getCanonicalLocales(locale)[0] ?? FALLBACK_LOCALE;
  } catch {
    return FALLBACK_LOCALE;
  }
}

/** The browser's language as a canonical BCP 47 tag ("de-de" → "de-DE"), en-US when it has none. */
export function browserLocale(): string {
  const nav = (globalThis as { navigator?: { language?: string } }).navigator;
  return safeLocale(nav?.language || FALLBACK_LOCALE);
}

let current: string | undefined;

/** The locale dates are written in now. */
export function displayLocale(): string {
  current ??= browserLocale();
  return current;
}

/** Follow `locale` (the signed-in user's); undefined or null goes back to the browser's. */
export function setDisplayLocale(locale: string | null | undefined): void {
  current = locale ? safeLocale(locale) : browserLocale();
}
