import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import type { SlotObject } from "../../durable-objects/slot";
import { type StripeStandin, signatureHeader } from "../../scripts/stripe-standin/handler";
import type { PaymentIntent, StripeEvent } from "../../scripts/stripe-standin/store";
import { LOCAL_WEBHOOK_SECRET } from "../../src/adapters/stripe-payments";
import { type CallResult, call, registerUser, type TestUser } from "./api";
import { type SlotSpec, world } from "./world";

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

/** @deprecated Use `world({ provider, slot })` from ./world; kept for notifications.test.ts. */
export async function createOpenSlot(
  provider: TestUser,
  spec: {
    startsInHours?: number;
    sessionType?: "ONE_TO_ONE" | "GROUP";
    maxParticipants?: number;
    durationMinutes?: number;
  } = {},
) {
  const sessionType = spec.sessionType ?? "ONE_TO_ONE";
  const slot: SlotSpec = { startsInHours: spec.startsInHours ?? 0.5, sessionType };
  if (spec.durationMinutes !== undefined) slot.durationMinutes = spec.durationMinutes;
  if (sessionType === "GROUP") slot.seats = spec.maxParticipants ?? 5;
  return (await world({ provider, slot })).slot;
}

/** @deprecated Use `w.paidBooking(student)` from ./world; kept for notifications.test.ts. */
export { bookAndPay } from "./world";
