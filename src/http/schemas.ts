import { z } from "zod";
import { isValidTimeZone } from "../domain/time-zones";

/** ISO 8601 instant with an explicit zone (Z or ±hh:mm), parsed to epoch ms. */
export const instant = z
  .string()
  .max(40)
  .regex(
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/,
    "must be an ISO 8601 timestamp with a zone, e.g. 2026-12-01T09:00:00Z",
  )
  .transform((value, ctx) => {
    const ms = Date.parse(value);
    if (Number.isNaN(ms)) {
      ctx.addIssue({ code: "custom", message: "is not a real date and time" });
      return z.NEVER;
    }
    return ms;
  });

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
  .min(15, "must be at least 15 minutes")
  .max(480, "must be at most 480 minutes (8 hours)");

export const seats = z.number().int().min(1).max(20);

export const id = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, "is not a valid id");

export const idParam = z.object({ id });
