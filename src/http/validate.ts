import { zValidator } from "@hono/zod-validator";
import type { ValidationTargets } from "hono";
import type { ZodType } from "zod";
import { AppError } from "../domain/errors";

export interface FieldIssue {
  path: string;
  message: string;
}

/**
 * zod validation for any request part, with one shared hook so every 400 has the same shape:
 * VALIDATION_FAILED with `details: [{ path, message }]`.
 */
export function validate<Target extends keyof ValidationTargets, Schema extends ZodType>(
  target: Target,
  schema: Schema,
) {
  return zValidator(target, schema, (result) => {
    if (!result.success) {
      const details: FieldIssue[] = result.error.issues.map((issue) => ({
        path: issue.path.map(String).join("."),
        message: issue.message,
      }));
      throw new AppError("VALIDATION_FAILED", describe(target, details), details);
    }
  });
}

function describe(target: string, issues: FieldIssue[]): string {
  const first = issues[0];
  if (!first) return `Invalid ${target}.`;
  const where = first.path ? `${first.path}: ` : "";
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : "";
  return `Invalid ${target}: ${where}${first.message}${more}.`;
}
