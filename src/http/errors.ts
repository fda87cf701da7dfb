import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { AppError, type ErrorCode } from "../domain/errors";
import { assertNever } from "../shared/assert-never";

/** The one place where an error code becomes an HTTP status. */
export function statusFor(code: ErrorCode): ContentfulStatusCode {
  switch (code) {
    case "VALIDATION_FAILED":
    case "INVALID_SIGNATURE":
      return 400;
    case "UNAUTHENTICATED":
    case "INVALID_CREDENTIALS":
      return 401;
    case "FORBIDDEN":
      return 403;
    case "NOT_FOUND":
      return 404;
    case "EMAIL_TAKEN":
    case "SLOT_IN_PAST":
    case "SLOT_BEYOND_WINDOW":
    case "SLOT_OVERLAP":
    case "SLOT_HAS_BOOKINGS":
    case "SLOT_FULL":
    case "ALREADY_BOOKED":
    case "SLOT_NOT_BOOKABLE":
    case "BOOKING_NOT_ACTIVE":
    case "TOO_MANY_HOLDS":
    case "SLOT_NOT_FULL":
    case "ALREADY_WAITLISTED":
    case "RESCHEDULE_TOO_LATE":
    case "RESCHEDULE_NOT_ALLOWED":
    case "RESCHEDULE_PRICE_HIGHER":
    case "SESSION_NOT_STARTED":
    case "SESSION_ALREADY_STARTED":
    case "SESSION_ENDED":
    case "SESSION_TOO_EARLY":
      return 409;
    case "RATE_LIMITED":
      return 429;
    case "PAYMENT_PROVIDER_ERROR":
      return 502;
    case "INTERNAL":
      return 500;
    default:
      return assertNever(code, "error code");
  }
}

export function errorBody(code: ErrorCode, message: string, details?: unknown) {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

export function respondWithError(c: Context, err: AppError): Response {
  return c.json(errorBody(err.code, err.message, err.details), statusFor(err.code));
}

/** app.onError: AppErrors map through statusFor; hono's own 4xx become VALIDATION_FAILED; the rest is logged. */
export function handleError(err: Error, c: Context): Response {
  if (err instanceof AppError) return respondWithError(c, err);
  if (err instanceof HTTPException && err.status < 500) {
    if (err.status === 401) return respondWithError(c, new AppError("UNAUTHENTICATED", "Sign in first."));
    return respondWithError(c, new AppError("VALIDATION_FAILED", err.message || "The request is malformed."));
  }
  console.error("unhandled error", c.req.method, c.req.path, err);
  return respondWithError(
    c,
    new AppError("INTERNAL", "Something went wrong on our side; nothing was changed."),
  );
}

export function handleNotFound(c: Context): Response {
  return respondWithError(c, new AppError("NOT_FOUND", `No route for ${c.req.method} ${c.req.path}.`));
}
