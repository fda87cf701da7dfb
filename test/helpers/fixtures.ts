import { env } from "cloudflare:test";
import { expect } from "vitest";
import { type CallResult, call, hoursFromNow, unique } from "./api";

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
export const WINDOW_MS = 28 * DAY_MS;

/**
 * Asserts an error answer: the status, the code, and the exact envelope
 * `{error: {code, message, details?}}` with nothing else at either level.
 */
export function expectError(res: CallResult, status: number, code: string) {
  expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code });
  expect(Object.keys(res.body)).toEqual(["error"]);
  const error = res.body.error;
  for (const key of Object.keys(error)) expect(["code", "message", "details"]).toContain(key);
  expect(typeof error.message).toBe("string");
  expect(error.message.length).toBeGreaterThan(0);
  return error as { code: string; message: string; details?: unknown };
}

/** Like expectError for 400 VALIDATION_FAILED, plus: details is a non-empty array of {path, message}. */
export function expectFieldIssues(res: CallResult) {
  const error = expectError(res, 400, "VALIDATION_FAILED");
  expect(Array.isArray(error.details)).toBe(true);
  const details = error.details as { path: unknown; message: unknown }[];
  expect(details.length).toBeGreaterThan(0);
  for (const issue of details) {
    expect(Object.keys(issue).sort()).toEqual(["message", "path"]);
    expect(typeof issue.path).toBe("string");
    expect(typeof issue.message).toBe("string");
  }
  return details as { path: string; message: string }[];
}

export interface SlotBody {
  startsAt: string;
  durationMinutes: number;
  sessionType: "ONE_TO_ONE" | "GROUP";
  maxParticipants?: number;
}

export function slotBody(overrides: Partial<SlotBody> = {}): SlotBody {
  return { startsAt: hoursFromNow(24), durationMinutes: 60, sessionType: "ONE_TO_ONE", ...overrides };
}

/** Simulates bookings (which do not exist yet) by writing seats_taken directly. */
export async function setSeatsTaken(slotId: string, seats: number) {
  const result = await env.DB.prepare("UPDATE slots SET seats_taken = ? WHERE id = ?")
    .bind(seats, slotId)
    .run();
  expect(result.meta.changes).toBe(1);
}

/** Inserts a slot row directly into D1 (e.g. one that has already ended). Returns its id. */
export async function insertSlotRow(
  providerId: string,
  startsAt: number,
  durationMinutes: number,
  seatsTaken = 0,
  status = "OPEN",
): Promise<string> {
  const id = unique("slot_raw_");
  await env.DB.prepare(
    `INSERT INTO slots (id, provider_id, starts_at, ends_at, duration_minutes, session_type, max_participants,
                        seats_taken, status, price_amount, currency, pattern_id, version, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, 'ONE_TO_ONE', 1, ?, ?, 1000, 'usd', NULL, 1, ?, ?)`,
  )
    .bind(
      id,
      providerId,
      startsAt,
      startsAt + durationMinutes * 60_000,
      durationMinutes,
      seatsTaken,
      status,
      Date.now(),
      Date.now(),
    )
    .run();
  return id;
}

export async function slotRowExists(id: string): Promise<boolean> {
  const row = await env.DB.prepare("SELECT id FROM slots WHERE id = ?").bind(id).first();
  return row !== null;
}

/** All slots of a provider through the API, ascending. */
export async function listProviderSlots(token: string, providerId: string): Promise<any[]> {
  const res = await call("GET", `/api/slots?providerId=${encodeURIComponent(providerId)}`, { token });
  expect(res.status).toBe(200);
  return res.body.slots;
}

/** Local calendar date (YYYY-MM-DD), wall-clock time (HH:mm) and ISO weekday (Mon=1) of an instant in a zone. */
export function localParts(instant: string | number, timeZone: string) {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    weekday: "short",
    hourCycle: "h23",
  }).formatToParts(new Date(instant));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  const weekdays = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
  return {
    date: `${get("year")}-${get("month")}-${get("day")}`,
    time: `${get("hour")}:${get("minute")}`,
    weekday: weekdays.indexOf(get("weekday")) + 1,
  };
}

export const ALL_WEEKDAYS = [1, 2, 3, 4, 5, 6, 7];

export function daily(startTime: string) {
  return ALL_WEEKDAYS.map((weekday) => ({ weekday, startTime }));
}
