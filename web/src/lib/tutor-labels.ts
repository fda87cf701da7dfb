/** Words for tutor profiles: language names and the initials shown where there is no photo. */
import { displayLocale } from "./locale";

const languageNames = new Map<string, Intl.DisplayNames | null>();

/** "de-AT" → "Austrian German" in the reader's language (the signed-in user's); the tag itself if unknown. */
export function languageName(tag: string, locale = displayLocale()): string {
  let names = languageNames.get(locale);
  if (names === undefined) {
    try {
      names = new Intl.DisplayNames([locale], { type: "language" });
    } catch {
      names = null;
    }
    languageNames.set(locale, names);
  }
  try {
    return names?.of(tag) ?? tag;
  } catch {
    return tag;
  }
}

/** The canonical form of a BCP 47 tag ("EN-gb" → "en-GB"), or undefined if it is not one. */
export function canonicalLanguage(text: string): string | undefined {
  const trimmed = text.trim();
  if (trimmed.length < 2 || trimmed.length > 35) return undefined;
  try {
    return Intl.getCanonicalLocales(trimmed)[0];
  } catch {
    return undefined;
  }
}

/** "Ada Lovelace" → "AL": up to two initials. */
export function initials(name: string): string {
  return name
    .trim()
    .split(/\s+/u)
    .slice(0, 2)
    .map((word) => [...word][0]?.toUpperCase() ?? "")
    .join("");
}
