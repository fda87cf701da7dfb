import { z } from "zod";
import { isValidTimeZone } from "../domain/time-zones";
import { POLICY_LIMITS, policyProblems } from "../shared/cancellation-policy";
import { MAX_GROUP_SEATS, MAX_NAME_CHARS, MAX_SLOT_MINUTES, MIN_SLOT_MINUTES } from "../shared/limits";

const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** True when the calendar and clock fields exist (no February 30, no 24:00). */
function realDateTime(match: RegExpExecArray): boolean {
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map((part) => Number(part ?? 0));
  const date = new Date(Date.UTC(year ?? 0, (month ?? 1) - 1, day ?? 1));
  return (
    date.getUTCMonth() === (month ?? 1) - 1 &&
    date.getUTCDate() === day &&
    (hour ?? 0) < 24 &&
    (minute ?? 0) < 60 &&
    (second ?? 0) < 60
  );
}

/** ISO 8601 instant with an explicit zone (Z or ±hh:mm), parsed to epoch ms. */
export const instant = z
  .string()
  .max(40)
  .meta({ format: "date-time", description: "ISO 8601 with a zone, e.g. 2026-12-01T09:00:00Z" })
  .transform((value, ctx) => {
    const match = ISO_INSTANT.exec(value);
    const ms = Date.parse(value);
    if (!match || Number.isNaN(ms) || !realDateTime(match)) {
      ctx.addIssue({
        code: "custom",
        message: "must be a real ISO 8601 timestamp with a zone, e.g. 2026-12-01T09:00:00Z",
      });
      return z.NEVER;
    }
    return ms;
  });

/**
 * A person's display name: 1..MAX_NAME_CHARS (100) characters (code points, so an emoji counts once) after trimming,
 * and no control characters anywhere (CR, LF, tab, NUL, C1, …): names end up in email headers.
 */
export const personName = z
  .string()
  .refine(
    (value) => !/\p{Cc}/u.test(value),
    "must not contain control characters such as line breaks or tabs",
  )
  .trim()
  .min(1, "is required")
  .refine((value) => [...value].length <= MAX_NAME_CHARS, `must be at most ${MAX_NAME_CHARS} characters`);

export const timeZone = z
  .string()
  .max(64)
  .refine(isValidTimeZone, "must be an IANA time zone such as Europe/Berlin");

export const localDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date YYYY-MM-DD")
  .refine((value) => {
    const date = new Date(`${value}T00:00:00Z`);
    return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value);
  }, "is not a real calendar date");

export const sessionType = z.enum(["ONE_TO_ONE", "GROUP"]);

export const durationMinutes = z
  .number()
  .int()
  .min(MIN_SLOT_MINUTES, `must be at least ${MIN_SLOT_MINUTES} minutes`)
  .max(MAX_SLOT_MINUTES, `must be at most ${MAX_SLOT_MINUTES} minutes (${MAX_SLOT_MINUTES / 60} hours)`);

/** Any seat count a slot may have; resolveCapacity checks it against the session type. */
export const seats = z.number().int().min(1).max(MAX_GROUP_SEATS);

export const id = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, "is not a valid id");

export const idParam = z.object({ id });

/** A BCP 47 language tag, stored in its canonical form ("de-de" → "de-DE"). */
export const locale = z
  .string()
  .min(2)
  .max(35)
  .transform((value, ctx) => {
    try {
      const [canonical] = Intl.getCanonicalLocales(value);
      if (canonical) return canonical;
    } catch {
      // reported below
    }
    ctx.addIssue({ code: "custom", message: "is not a BCP 47 language tag such as en-GB or de-DE" });
    return z.NEVER;
  });

/** A provider's cancellation policy (API.md v2): 1..5 tiers, strictly decreasing notice, the last at 0 h. */
export const cancellationPolicy = z
  .object({
    tiers: z
      .array(
        z.object({
          minNoticeHours: z.number().int().min(0).max(POLICY_LIMITS.maxNoticeHours),
          refundPercent: z.number().int().min(0).max(100),
        }),
      )
      .min(1)
      .max(POLICY_LIMITS.maxTiers),
    rescheduleMinNoticeHours: z.number().int().min(0).max(POLICY_LIMITS.maxNoticeHours),
  })
  .superRefine((policy, ctx) => {
    for (const problem of policyProblems(policy)) {
      ctx.addIssue({
        code: "custom",
        message: problem.message,
        path: problem.path
          .split(".")
          .slice(1)
          .map((part) => (/^\d+$/.test(part) ? Number(part) : part)),
      });
    }
  });
