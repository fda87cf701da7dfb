/**
 * The tutor profile's field rules as zod schemas, shared by the profile body (routes/me.ts) and the
 * search query (routes/providers.ts). Lengths count code points after cleaning, as elsewhere.
 */
import { z } from "zod";
import { locale } from "../http/schemas";
import { cleanSubject, dedupeSubjects, TUTOR_LIMITS } from "../shared/tutor-types";

const noControls = (value: string) => !/\p{Cc}/u.test(value);
const CONTROLS_MESSAGE = "must not contain control characters such as line breaks or tabs";
const codePoints = (value: string) => [...value].length;

/** One line under the name: at most 120 characters, "" (or null) clears it. */
export const headline = z
  .string()
  .max(TUTOR_LIMITS.headlineChars * 4, `must be at most ${TUTOR_LIMITS.headlineChars} characters`)
  .refine(noControls, CONTROLS_MESSAGE)
  .transform((value) => value.normalize("NFC").trim())
  .refine(
    (value) => codePoints(value) <= TUTOR_LIMITS.headlineChars,
    `must be at most ${TUTOR_LIMITS.headlineChars} characters`,
  )
  .nullable();

/** A subject: 1..40 characters once trimmed, inner white space collapsed. */
export const subjectName = z
  .string()
  .max(TUTOR_LIMITS.subjectChars * 4, `must be at most ${TUTOR_LIMITS.subjectChars} characters`)
  .refine(noControls, CONTROLS_MESSAGE)
  .transform(cleanSubject)
  .refine((value) => value.length > 0, "must not be empty")
  .refine(
    (value) => codePoints(value) <= TUTOR_LIMITS.subjectChars,
    `must be at most ${TUTOR_LIMITS.subjectChars} characters`,
  );

/** Up to 10 subjects; the first spelling of each wins ("Maths", "maths" → "Maths"). */
export const subjectList = z
  .array(subjectName)
  .max(TUTOR_LIMITS.subjects, `at most ${TUTOR_LIMITS.subjects} subjects`)
  .transform(dedupeSubjects);

/** Up to 10 BCP 47 tags, canonical ("EN-gb" → "en-GB") and without repeats. */
export const languageList = z
  .array(locale)
  .max(TUTOR_LIMITS.languages, `at most ${TUTOR_LIMITS.languages} languages`)
  .transform((tags) => [...new Set(tags)]);
