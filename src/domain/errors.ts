/** Every error code the API can answer with (see shared API.md). */
export type ErrorCode =
  | "VALIDATION_FAILED"
  | "UNAUTHENTICATED"
  | "FORBIDDEN"
  | "NOT_FOUND"
  | "RATE_LIMITED"
  | "EMAIL_TAKEN"
  | "INVALID_CREDENTIALS"
  | "SLOT_IN_PAST"
  | "SLOT_BEYOND_WINDOW"
  | "SLOT_OVERLAP"
  | "SLOT_HAS_BOOKINGS"
  | "SLOT_FULL"
  | "ALREADY_BOOKED"
  | "SLOT_NOT_BOOKABLE"
  | "BOOKING_NOT_ACTIVE"
  | "TOO_MANY_HOLDS"
  | "SLOT_NOT_FULL"
  | "ALREADY_WAITLISTED"
  | "RESCHEDULE_TOO_LATE"
  | "RESCHEDULE_NOT_ALLOWED"
  | "RESCHEDULE_PRICE_HIGHER"
  | "SESSION_NOT_STARTED"
  | "SESSION_ALREADY_STARTED"
  | "SESSION_ENDED"
  | "SESSION_TOO_EARLY"
  | "INVALID_SIGNATURE"
  | "PAYMENT_PROVIDER_ERROR"
  | "INTERNAL";

export interface ErrorInfo {
  code: ErrorCode;
  message: string;
  details?: unknown;
}

/** Expected failures travel as values; see `AppError` for the thrown form. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: ErrorInfo };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = (
  code: ErrorCode,
  message: string,
  details?: unknown,
): { ok: false; error: ErrorInfo } => ({
  ok: false,
  error: details === undefined ? { code, message } : { code, message, details },
});

/** The one error type: carries an API error code; the HTTP edge maps it to a status. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details?: unknown;
  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = "AppError";
    this.code = code;
    this.details = details;
  }
  static from(info: ErrorInfo): AppError {
    return new AppError(info.code, info.message, info.details);
  }
}

/** Returns the value of a successful result, or throws its error as an AppError. */
export function unwrap<T>(result: Result<T>): T {
  if (!result.ok) throw AppError.from(result.error);
  return result.value;
}
