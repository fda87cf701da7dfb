import type { ValidationTargets } from "hono";
import { validator } from "hono-openapi";
import type { ZodType } from "zod";
import { AppError } from "../domain/errors";

export interface FieldIssue {
  path: string;
  message: string;
}

/**
 * zod validation for any request part, with one shared hook so every 400 has the same shape:
 * VALIDATION_FAILED with `details: [{ path, message }]`. Built on hono-openapi's validator, so the
 * schema that checks a request is also the one GET /api/openapi.json shows for it.
 */
export function validate<Target extends keyof ValidationTargets, Schema extends ZodType>(
  target: Target,
  schema: Schema,
) {
  return validator(target, schema, (result) => {
    if (!result.success) {
      const details: FieldIssue[] = result.error.map((issue) => ({
        path: joinPath(issue.path),
        message: issue.message,
      }));
      throw new AppError("VALIDATION_FAILED", describe(target, details), details);
    }
  });
}

/** A Standard Schema issue path (keys, or segments carrying a key) as "a.0.b". */
function joinPath(path: readonly (PropertyKey | { readonly key: PropertyKey })[] | undefined): string {
  return (path ?? []).map((part) => String(typeof part === "object" ? part.key : part)).join(".");
}

function describe(target: string, issues: FieldIssue[]): string {
  const first = issues[0];
  if (!first) return `Invalid ${target}.`;
  const where = first.path ? `${first.path}: ` : "";
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : "";
  return `Invalid ${target}: ${where}${first.message}${more}.`;
}
