/** The locales a person can pick on Account: a short list of common ones, named in their own language. */
import { safeLocale } from "../../../src/shared/date-format";

const COMMON = [
  "ar-EG",
  "cs-CZ",
  "da-DK",
  "de-AT",
  "de-CH",
  "de-DE",
  "en-AU",
  "en-CA",
  "en-GB",
  "en-IN",
  "en-US",
  "es-ES",
  "es-MX",
  "fi-FI",
  "fr-CA",
  "fr-FR",
  "he-IL",
  "hi-IN",
  "it-IT",
  "ja-JP",
  "ko-KR",
  "nb-NO",
  "nl-NL",
  "pl-PL",
  "pt-BR",
  "pt-PT",
  "ru-RU",
  "sv-SE",
  "tr-TR",
  "uk-UA",
  "zh-CN",
  "zh-TW",
];

export interface LocaleOption {
  tag: string;
  /** "Deutsch (Deutschland) · German (Germany)"; the tag itself when the engine has no names. */
  label: string;
}

function nameOf(tag: string, inLocale: string): string | undefined {
  try {
    return new Intl.DisplayNames([inLocale], { type: "language", languageDisplay: "standard" }).of(tag);
  } catch {
    return undefined;
  }
}

/** The common locales plus `current` (if it is not one of them), sorted by their English names. */
export function localeOptions(current: string): LocaleOption[] {
  const tags = [...new Set([...COMMON, safeLocale(current)])];
  return tags
    .map((tag) => {
      const own = nameOf(tag, tag);
      const english = nameOf(tag, "en");
      const label = !own ? tag : english && english !== own ? `${own} · ${english}` : own;
      return { tag, label, sortKey: english ?? tag };
    })
    .sort((a, b) => a.sortKey.localeCompare(b.sortKey, "en"))
    .map(({ tag, label }) => ({ tag, label }));
}
