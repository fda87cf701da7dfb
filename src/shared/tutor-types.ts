/**
 * Tutor profiles and discovery: the JSON shapes beyond api-types.ts, the limits both sides check,
 * and the two text rules (subject and language matching) that the worker and the SPA must agree
 * on. No imports but types, so the browser bundle takes it as it is.
 */
import type { Money, ProviderSummary } from "./api-types";

/** An upcoming OPEN slot with a seat left, as Find a tutor lists it. */
export interface OpenSlotTime {
  id: string;
  startsAt: string;
  endsAt: string;
  price: Money;
}

/**
 * A tutor in `GET /api/providers` and `GET /api/providers/:id`. `nextOpenSlots`: up to
 * TUTOR_LIMITS.nextOpenSlots bookable slots (OPEN, a seat left, starting after now) by start;
 * when the list was filtered by `freeFrom`/`freeTo`, only those starting inside that window.
 */
export interface TutorListing extends ProviderSummary {
  nextOpenSlots: OpenSlotTime[];
}

/** The query of `GET /api/providers` (all optional; instants ISO 8601, prices minor units per hour). */
export interface TutorSearchQuery {
  subject?: string;
  language?: string;
  minPrice?: string;
  maxPrice?: string;
  currency?: string;
  freeFrom?: string;
  freeTo?: string;
}

export const TUTOR_LIMITS = {
  /** Headline: code points after trimming. */
  headlineChars: 120,
  subjects: 10,
  subjectChars: 40,
  languages: 10,
  /** What `PUT /api/me/provider-profile/photo` accepts at most. */
  photoBytes: 2 * 1024 * 1024,
  /** `freeTo - freeFrom` at most (a week plus a day, for zones on either side of UTC). */
  freeWindowDays: 8,
  nextOpenSlots: 3,
} as const;

export const PHOTO_TYPES = ["image/jpeg", "image/png", "image/webp"] as const;
export type PhotoType = (typeof PHOTO_TYPES)[number];

/** How a subject is written when stored: trimmed, NFC, inner runs of white space as one space. */
export function cleanSubject(subject: string): string {
  return subject.normalize("NFC").trim().replace(/\s+/gu, " ");
}

/** What two subjects are compared by: "Maths" and " MATHS " are the same subject. */
export function subjectKey(subject: string): string {
  return cleanSubject(subject).toLowerCase();
}

/** The first of each subject by {@link subjectKey}, cleaned, in the given order. */
export function dedupeSubjects(subjects: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const subject of subjects) {
    const key = subjectKey(subject);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(cleanSubject(subject));
  }
  return out;
}

/** "de-AT" → "de". */
export function baseLanguage(tag: string): string {
  return (tag.split("-")[0] ?? "").toLowerCase();
}

/**
 * True when a tutor's language tag serves a wanted one: the same tag, or one is the base
 * language of the other ("de" finds "de-AT" and "de-AT" finds "de"; "de-AT" does not find
 * "de-CH"). Tags compare case-insensitively, as BCP 47 says.
 */
export function languageMatches(tutorTag: string, wanted: string): boolean {
  const tutor = tutorTag.toLowerCase();
  const want = wanted.toLowerCase();
  return tutor === want || baseLanguage(tutor) === want || tutor === baseLanguage(want);
}
