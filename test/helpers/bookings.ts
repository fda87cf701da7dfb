import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import type { SlotObject } from "../../durable-objects/slot";
import { type StripeStandin, signatureHeader } from "../../scripts/stripe-standin/handler";
import type { PaymentIntent, StripeEvent } from "../../scripts/stripe-standin/store";
import { LOCAL_WEBHOOK_SECRET } from "../../src/adapters/stripe-payments";
import { type CallResult, call, hoursFromNow, registerProvider, registerUser, type TestUser } from "./api";
import { confirmWithCard, deliverAll } from "./stripe";

export interface OpenSlot {
  provider: TestUser;
  slot: any;
}

/** A provider with an hourly rate and one future slot (60 minutes: price = hourlyRate). */
export async function openSlot(
  options: { sessionType?: "ONE_TO_ONE" | "GROUP"; maxParticipants?: number; hourlyRate?: number } = {},
): Promise<OpenSlot> {
  const provider = await registerProvider(options.hourlyRate ?? 6000);
  const body: Record<string, unknown> = {
    startsAt: hoursFromNow(30),
    durationMinutes: 60,
    sessionType: options.sessionType ?? "ONE_TO_ONE",
  };
  if (options.maxParticipants !== undefined) body.maxParticipants = options.maxParticipants;
  const res = await call("POST", "/api/slots", { token: provider.token, body });
  if (res.status !== 201) throw new Error(`create slot failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { provider, slot: res.body };
}

export function students(count: number): Promise<TestUser[]> {
  return Promise.all(Array.from({ length: count }, () => registerUser("student")));
}

export function book(token: string, slotId: string, idempotencyKey?: string): Promise<CallResult> {
  return call("POST", `/api/slots/${slotId}/bookings`, {
    token,
    ...(idempotencyKey ? { headers: { "idempotency-key": idempotencyKey } } : {}),
  });
}

/** Books and insists on 201; returns {bookingId, intentId, clientSecret}. */
export async function bookOk(token: string, slotId: string, idempotencyKey?: string) {
  const res = await book(token, slotId, idempotencyKey);
  if (res.status !== 201) throw new Error(`booking failed: ${res.status} ${JSON.stringify(res.body)}`);
  return {
    bookingId: res.body.booking.id as string,
    intentId: res.body.payment.paymentIntentId as string,
    clientSecret: res.body.payment.clientSecret as string,
    body: res.body,
  };
}

export async function getSlot(token: string, slotId: string) {
  const res = await call("GET", `/api/slots/${slotId}`, { token });
  expect(res.status).toBe(200);
  return res.body;
}

export async function getBooking(token: string, bookingId: string) {
  const res = await call("GET", `/api/bookings/${bookingId}`, { token });
  expect(res.status).toBe(200);
  return res.body;
}

export function slotStub(slotId: string): DurableObjectStub<SlotObject> {
  const namespace = env.SLOT as unknown as DurableObjectNamespace<SlotObject>;
  return namespace.get(namespace.idFromName(slotId));
}

/** Rewrites the object's holds so they lapsed a moment ago (optionally only one booking's). */
export async function lapseHolds(slotId: string, bookingId?: string): Promise<number> {
  return runInDurableObject(slotStub(slotId), (_instance, state) => {
    const past = Date.now() - 1;
    const cursor = bookingId
      ? state.storage.sql.exec("UPDATE holds SET expires_at = ? WHERE booking_id = ?", past, bookingId)
      : state.storage.sql.exec("UPDATE holds SET expires_at = ?", past);
    return cursor.rowsWritten;
  });
}

/** Sets a hold's status directly in the object's SQLite. */
export async function setHoldStatus(slotId: string, bookingId: string, status: string): Promise<number> {
  return runInDurableObject(slotStub(slotId), (_instance, state) => {
    return state.storage.sql.exec("UPDATE holds SET status = ? WHERE booking_id = ?", status, bookingId)
      .rowsWritten;
  });
}

export async function holdsOf(slotId: string) {
  return runInDurableObject(slotStub(slotId), (_instance, state) =>
    state.storage.sql
      .exec<{ booking_id: string; status: string; expires_at: number }>(
        "SELECT booking_id, status, expires_at FROM holds",
      )
      .toArray(),
  );
}

export function runAlarm(slotId: string): Promise<boolean> {
  return runDurableObjectAlarm(slotStub(slotId));
}

export function intentsForSlot(standin: StripeStandin, slotId: string): PaymentIntent[] {
  return [...standin.store.paymentIntents.values()].filter((pi) => pi.metadata.slotId === slotId);
}

export function refundsFor(standin: StripeStandin, intentId: string) {
  return [...standin.store.refunds.values()].filter((r) => r.payment_intent === intentId);
}

export function eventsFor(standin: StripeStandin, intentId: string, type?: string): StripeEvent[] {
  return standin.store.events.filter((e) => {
    const object = e.data.object as { id?: string; payment_intent?: string };
    const matches = object.id === intentId || object.payment_intent === intentId;
    return matches && (type === undefined || e.type === type);
  });
}

/** POSTs one event to the webhook endpoint, signed like the stand-in signs it (or with `secret`). */
export async function postEvent(event: unknown, secret = LOCAL_WEBHOOK_SECRET): Promise<CallResult> {
  const payload = JSON.stringify(event, null, 2);
  const signature = await signatureHeader(payload, secret, Math.floor(Date.now() / 1000));
  return call("POST", "/api/webhooks/stripe", {
    rawBody: payload,
    headers: { "content-type": "application/json", "stripe-signature": signature },
  });
}

export async function d1Booking(bookingId: string) {
  return env.DB.prepare(
    `SELECT b.status, b.last_payment_error, b.hold_expires_at, b.session_id, p.status AS payment_status,
            p.refund_id, p.refunded_amount, p.refund_reason
       FROM bookings b LEFT JOIN payments p ON p.booking_id = b.id WHERE b.id = ?`,
  )
    .bind(bookingId)
    .first<{
      status: string;
      last_payment_error: string | null;
      hold_expires_at: number;
      session_id: string | null;
      payment_status: string | null;
      refund_id: string | null;
      refunded_amount: number | null;
      refund_reason: string | null;
    }>();
}

export async function countRows(sql: string, ...binds: unknown[]): Promise<number> {
  const row = await env.DB.prepare(sql)
    .bind(...binds)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

export interface SlotSpec {
  startsInHours?: number;
  sessionType?: "ONE_TO_ONE" | "GROUP";
  maxParticipants?: number;
  durationMinutes?: number;
}

export async function createOpenSlot(provider: TestUser, spec: SlotSpec = {}) {
  const sessionType = spec.sessionType ?? "ONE_TO_ONE";
  const res = await call("POST", "/api/slots", {
    token: provider.token,
    body: {
      startsAt: hoursFromNow(spec.startsInHours ?? 0.5),
      durationMinutes: spec.durationMinutes ?? 60,
      sessionType,
      ...(sessionType === "GROUP" ? { maxParticipants: spec.maxParticipants ?? 5 } : {}),
    },
  });
  expect(res.status).toBe(201);
  return res.body;
}

/** Books and pays (test card, webhooks delivered) for `student`; returns the CONFIRMED booking. */
export async function bookAndPay(standin: StripeStandin, student: TestUser, slotId: string) {
  const booked = await bookOk(student.token, slotId);
  expect((await confirmWithCard(standin, booked.intentId)).status).toBe(200);
  await deliverAll(standin);
  const booking = await call("GET", `/api/bookings/${booked.bookingId}`, { token: student.token });
  expect(booking.body.status).toBe("CONFIRMED");
  return booking.body;
}

/** A provider, a slot starting in `startsInHours`, and `students` confirmed students with their session. */
export async function confirmedSession(standin: StripeStandin, spec: SlotSpec & { students?: number } = {}) {
  const provider = await registerProvider(6000);
  const count = spec.students ?? 1;
  const slot = await createOpenSlot(provider, {
    ...spec,
    ...(count > 1 && !spec.sessionType ? { sessionType: "GROUP", maxParticipants: Math.max(count, 2) } : {}),
  });
  const students: TestUser[] = [];
  const bookings = [];
  for (let i = 0; i < count; i++) {
    const student = await registerUser("student");
    students.push(student);
    bookings.push(await bookAndPay(standin, student, slot.id));
  }
  return { provider, slot, students, bookings, sessionId: bookings[0].sessionId as string };
}
