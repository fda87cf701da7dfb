// One test per defect of issue #8 ("Money core"), named after it. Each failed on the main
// before the money core was rewritten.
import { createExecutionContext, env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { StripeStandin } from "../../scripts/stripe-standin/handler";
import { LOCAL_STRIPE_KEY } from "../../src/adapters/stripe-payments";
import worker from "../../src/index";
import { call, registerUser, type TestUser } from "../helpers/api";
import { bookOk, getBooking, postEvent, refundsFor, slotStub } from "../helpers/bookings";
import { runCron } from "../helpers/cron";
import { openRoom } from "../helpers/sockets";
import { confirmWithCard, deliverAll, installStripeStandin } from "../helpers/stripe";
import { world } from "../helpers/world";

let standin: StripeStandin;
beforeEach(() => {
  standin = installStripeStandin();
});
afterEach(() => {
  vi.restoreAllMocks();
});

const post = (path: string, token: string) => call("POST", path, { token });

function stripeAdmin(path: string, form: Record<string, string> = {}, idempotencyKey?: string) {
  return standin.fetch(`http://127.0.0.1:12111${path}`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${LOCAL_STRIPE_KEY}`,
      "content-type": "application/x-www-form-urlencoded",
      ...(idempotencyKey ? { "idempotency-key": idempotencyKey } : {}),
    },
    body: new URLSearchParams(form).toString(),
  });
}

const intent = (id: string) => standin.store.paymentIntents.get(id)!;

/** Runs the slot object's queued effects now (as its alarm would after the backoff). */
async function runDueEffects(slotId: string) {
  const stub = slotStub(slotId);
  await runInDurableObject(stub, (_instance, state) => {
    state.storage.sql.exec("UPDATE outbox SET due_at = 0");
  });
  await runDurableObjectAlarm(stub);
}

/** Makes a booking's rows look quiet for a while, so the reconcile job picks it up. */
async function ageRows(bookingId: string) {
  await env.DB.prepare("UPDATE bookings SET updated_at = 0 WHERE id = ?").bind(bookingId).run();
  await env.DB.prepare("UPDATE payments SET updated_at = 0 WHERE booking_id = ?").bind(bookingId).run();
}

describe("#1 charged after the lesson ended", () => {
  it("releases, never captures, a payment that arrives after the session ended", async () => {
    const { provider, slot, paidBooking } = await world({
      stripe: standin,
      slot: { seats: 3, startsInHours: 0.5 },
    });
    const [a, b] = [await registerUser("student"), await registerUser("student")];
    const paid = await paidBooking(a);
    const late = await bookOk(b.token, slot.id);
    expect((await post(`/api/sessions/${paid.sessionId}/start`, provider.token)).status).toBe(200);
    expect((await post(`/api/sessions/${paid.sessionId}/end`, provider.token)).status).toBe(200);

    // Ending released the unpaid hold at once: nothing left to pay.
    expect(await getBooking(b.token, late.bookingId)).toMatchObject({ status: "EXPIRED" });
    expect(intent(late.intentId).status).toBe("canceled");
    const pay = await confirmWithCard(standin, late.intentId);
    expect(pay.status).toBe(400);
    await deliverAll(standin);
    expect(intent(late.intentId).amount_received).toBe(0);
    expect(await getBooking(b.token, late.bookingId)).toMatchObject({
      status: "EXPIRED",
      paymentStatus: "CANCELED",
      amountRefunded: 0,
    });
  });

  it("releases an authorization that arrives after the slot's end, even if the provider never ended it", async () => {
    const { slot } = await world({ slot: { seats: 3, startsInHours: 0.5 } });
    const student = await registerUser("student");
    const { bookingId, intentId } = await bookOk(student.token, slot.id);
    await runInDurableObject(slotStub(slot.id), (_instance, state) => {
      state.storage.sql.exec("UPDATE meta SET value = ? WHERE key = 'ends_at'", String(Date.now() - 1));
    });
    expect((await confirmWithCard(standin, intentId)).status).toBe(200);
    await deliverAll(standin);
    expect(intent(intentId)).toMatchObject({ status: "canceled", amount_received: 0 });
    expect((await getBooking(student.token, bookingId)).status).not.toBe("CONFIRMED");
  });

  it("retries a failed capture with a new idempotency key per attempt until it lands", async () => {
    const { slot } = await world({ slot: { startsInHours: 20 } });
    const student = await registerUser("student");
    const { bookingId, intentId } = await bookOk(student.token, slot.id);
    standin.injectFailure({
      method: "POST",
      path: "/v1/payment_intents/*/capture",
      status: 500,
      times: 2,
      shouldRetry: false,
    });
    expect((await confirmWithCard(standin, intentId)).status).toBe(200);
    await deliverAll(standin);
    expect(intent(intentId).status).toBe("requires_capture");
    await runDueEffects(slot.id);
    await runDueEffects(slot.id);
    expect(intent(intentId).status).toBe("succeeded");
    expect(await getBooking(student.token, bookingId)).toMatchObject({
      status: "CONFIRMED",
      paymentStatus: "SUCCEEDED",
    });
    // Each attempt was a new request (a replayed key would have repeated the 500 for 24 hours).
    const keys = vi
      .mocked(globalThis.fetch)
      .mock.calls.filter(([input]) =>
        String(input instanceof Request ? input.url : input).endsWith("/capture"),
      )
      .map(([input, init]) =>
        new Headers(input instanceof Request ? input.headers : init?.headers).get("idempotency-key"),
      );
    expect(new Set(keys)).toEqual(
      new Set([1, 2, 3].map((attempt) => `booking-${bookingId}-capture-${attempt}`)),
    );
  });
});

describe("#2 a full refund after a partial dashboard refund short-changed the student", () => {
  it("refunds the remainder: 500 refunded in the dashboard, then the cancel returns 5500 more", async () => {
    const { paidBooking } = await world({ stripe: standin, slot: { startsInHours: 20 } });
    const student = await registerUser("student");
    const booking = await paidBooking(student);
    expect(
      (await stripeAdmin("/v1/refunds", { payment_intent: booking.paymentIntentId, amount: "500" })).status,
    ).toBe(200);
    await deliverAll(standin);
    expect(await getBooking(student.token, booking.id)).toMatchObject({
      status: "CONFIRMED",
      paymentStatus: "PARTIALLY_REFUNDED",
      amountRefunded: 500,
    });

    expect((await post(`/api/bookings/${booking.id}/cancel`, student.token)).status).toBe(200);
    await deliverAll(standin);
    const refunds = refundsFor(standin, booking.paymentIntentId);
    expect(refunds.map((r) => r.amount).sort((x, y) => x - y)).toEqual([500, 5500]);
    expect(await getBooking(student.token, booking.id)).toMatchObject({
      status: "CANCELLED",
      paymentStatus: "REFUNDED",
      amountRefunded: 6000,
    });
  });
});

describe("#3 refund failures and lost events went unseen", () => {
  async function cancelledWithFailingRefund() {
    const { provider, slot } = await world({ slot: { startsInHours: 20 } });
    const student = await registerUser("student");
    const { bookingId, intentId } = await bookOk(student.token, slot.id);
    expect((await confirmWithCard(standin, intentId, "pm_card_refundFail")).status).toBe(200);
    await deliverAll(standin);
    expect((await post(`/api/bookings/${bookingId}/cancel`, student.token)).status).toBe(200);
    await deliverAll(standin);
    return { provider, slot, student, bookingId, intentId };
  }

  it("keeps a pending refund REFUND_PENDING, then REFUND_FAILED when Stripe says it failed", async () => {
    const { student, bookingId, intentId } = await cancelledWithFailingRefund();
    expect(await getBooking(student.token, bookingId)).toMatchObject({
      status: "CANCELLED",
      paymentStatus: "REFUND_PENDING",
      amountRefunded: 0,
    });
    expect(standin.settleRefunds()).toBe(1);
    await deliverAll(standin);
    expect(await getBooking(student.token, bookingId)).toMatchObject({
      paymentStatus: "REFUND_FAILED",
      amountRefunded: 0,
    });
    const row = await env.DB.prepare("SELECT status, failure_reason FROM refunds WHERE payment_intent_id = ?")
      .bind(intentId)
      .first<{ status: string; failure_reason: string }>();
    expect(row).toMatchObject({ status: "failed", failure_reason: "expired_or_canceled_card" });
    // Not retried by itself: one refund at Stripe, flagged for people.
    expect(refundsFor(standin, intentId)).toHaveLength(1);
  });

  it("finds the failure through the reconcile job when every refund event was lost", async () => {
    const { student, bookingId } = await cancelledWithFailingRefund();
    standin.settleRefunds();
    expect(standin.dropPending()).toBeGreaterThan(0);
    await ageRows(bookingId);
    await runCron();
    expect(await getBooking(student.token, bookingId)).toMatchObject({ paymentStatus: "REFUND_FAILED" });
  });

  it("records every money fact in the append-only ledger", async () => {
    const { bookingId } = await cancelledWithFailingRefund();
    standin.settleRefunds();
    await deliverAll(standin);
    const { results } = await env.DB.prepare(
      "SELECT kind, amount FROM money_ledger WHERE booking_id = ? ORDER BY kind",
    )
      .bind(bookingId)
      .all<{ kind: string; amount: number }>();
    expect(results).toEqual([
      { kind: "authorized", amount: 6000 },
      { kind: "captured", amount: 6000 },
      { kind: "refund_created", amount: 6000 },
      { kind: "refund_failed", amount: 6000 },
    ]);
  });
});

describe("#4 instructor cancel met a capture in flight", () => {
  it("voids the authorization: CANCELED, nothing captured, no refund and no refund email", async () => {
    const { provider, slot, paidBooking } = await world({
      stripe: standin,
      slot: { seats: 3, startsInHours: 20 },
    });
    const first = await paidBooking(await registerUser("student"));
    const late = await registerUser("student");
    const { bookingId, intentId } = await bookOk(late.token, slot.id);
    standin.injectFailure({
      method: "POST",
      path: "/v1/payment_intents/*/capture",
      status: 500,
      times: 3,
      shouldRetry: false,
    });
    expect((await confirmWithCard(standin, intentId)).status).toBe(200);
    await deliverAll(standin);
    expect(intent(intentId).status).toBe("requires_capture");

    expect((await post(`/api/sessions/${first.sessionId}/cancel`, provider.token)).status).toBe(200);
    await runDueEffects(slot.id);
    await deliverAll(standin);

    expect(intent(intentId)).toMatchObject({ status: "canceled", amount_received: 0 });
    expect(refundsFor(standin, intentId)).toHaveLength(0);
    expect(await getBooking(late.token, bookingId)).toMatchObject({
      status: "CANCELLED",
      paymentStatus: "CANCELED",
      amountRefunded: 0,
    });
    await runCron();
    const refundMail = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM email_outbox WHERE user_id = ? AND kind = 'booking-refund'",
    )
      .bind(late.id)
      .first<{ n: number }>();
    expect(refundMail?.n).toBe(0);
  });
});

describe("#5 hold hoarding", () => {
  it("answers 409 TOO_MANY_HOLDS to a 4th unpaid hold across slots, and allows it once one is cancelled", async () => {
    const { addSlot } = await world({ slot: false });
    const slots = [];
    for (let i = 0; i < 4; i++) slots.push(await addSlot({ startsInHours: 20 + 2 * i }));
    const student = await registerUser("student");
    const held = [];
    for (const slot of slots.slice(0, 3)) held.push(await bookOk(student.token, slot.id));
    const fourth = await call("POST", `/api/slots/${slots[3].id}/bookings`, { token: student.token });
    expect(fourth.status).toBe(409);
    expect(fourth.body.error.code).toBe("TOO_MANY_HOLDS");
    expect((await call("GET", `/api/slots/${slots[3].id}`, { token: student.token })).body.seatsLeft).toBe(1);

    expect((await post(`/api/bookings/${held[0]!.bookingId}/cancel`, student.token)).status).toBe(200);
    expect((await call("POST", `/api/slots/${slots[3].id}/bookings`, { token: student.token })).status).toBe(
      201,
    );
  });

  it("lets exactly 3 of 6 concurrent bookings by one student through", async () => {
    const { addSlot } = await world({ slot: false });
    const slots = [];
    for (let i = 0; i < 6; i++) slots.push(await addSlot({ startsInHours: 40 + 2 * i }));
    const student = await registerUser("student");
    const answers = await Promise.all(
      slots.map((slot) => call("POST", `/api/slots/${slot.id}/bookings`, { token: student.token })),
    );
    expect(answers.filter((a) => a.status === 201)).toHaveLength(3);
    expect(answers.filter((a) => a.status === 409).map((a) => a.body.error.code)).toEqual([
      "TOO_MANY_HOLDS",
      "TOO_MANY_HOLDS",
      "TOO_MANY_HOLDS",
    ]);
  });
});

describe("#6 an idempotent retry after a provider error returned a dead booking", () => {
  it("leaves no booking after a 502, and the same Idempotency-Key then books for real", async () => {
    const { slot } = await world({ slot: { startsInHours: 20 } });
    const student = await registerUser("student");
    standin.injectFailure({
      method: "POST",
      path: "/v1/payment_intents",
      status: 503,
      times: 1,
      shouldRetry: false,
    });
    const headers = { "idempotency-key": "retry-after-503" };
    const failed = await call("POST", `/api/slots/${slot.id}/bookings`, { token: student.token, headers });
    expect(failed.status).toBe(502);
    expect(failed.body.error.code).toBe("PAYMENT_PROVIDER_ERROR");
    const left = await env.DB.prepare("SELECT COUNT(*) AS n FROM bookings WHERE slot_id = ?")
      .bind(slot.id)
      .first<{ n: number }>();
    expect(left?.n).toBe(0);

    const retry = await call("POST", `/api/slots/${slot.id}/bookings`, { token: student.token, headers });
    expect(retry.status).toBe(201);
    expect(retry.body.booking.status).toBe("PENDING_PAYMENT");
    expect(retry.body.payment.clientSecret).toMatch(/_secret_/);
    const again = await call("POST", `/api/slots/${slot.id}/bookings`, { token: student.token, headers });
    expect(again.body.booking.id).toBe(retry.body.booking.id);
  });
});

describe("#7 webhook bodies were trusted", () => {
  it("does not confirm a booking from a signed payment_intent.succeeded for an unpaid intent", async () => {
    const { slot } = await world({ slot: { startsInHours: 20 } });
    const student = await registerUser("student");
    const { bookingId, intentId } = await bookOk(student.token, slot.id);
    const forged = {
      id: "evt_forged_succeeded",
      object: "event",
      type: "payment_intent.succeeded",
      data: { object: { ...intent(intentId), status: "succeeded", amount_received: 6000 } },
    };
    expect((await postEvent(forged)).status).toBe(200);
    expect(await getBooking(student.token, bookingId)).toMatchObject({
      status: "PENDING_PAYMENT",
      paymentStatus: "REQUIRES_PAYMENT",
    });
  });

  it("does not cancel a paid booking from a signed charge.refunded without a real refund", async () => {
    const { paidBooking } = await world({ stripe: standin, slot: { startsInHours: 20 } });
    const student = await registerUser("student");
    const booking = await paidBooking(student);
    const charge = standin.store.charges.get(intent(booking.paymentIntentId).latest_charge!)!;
    const forged = {
      id: "evt_forged_refunded",
      object: "event",
      type: "charge.refunded",
      data: { object: { ...charge, refunded: true, amount_refunded: 6000 } },
    };
    expect((await postEvent(forged)).status).toBe(200);
    expect(await getBooking(student.token, booking.id)).toMatchObject({
      status: "CONFIRMED",
      paymentStatus: "SUCCEEDED",
      amountRefunded: 0,
    });
  });

  it.each([
    { name: "no data", event: { id: "evt_a", type: "payment_intent.succeeded" } },
    {
      name: "data.object null",
      event: { id: "evt_b", type: "payment_intent.succeeded", data: { object: null } },
    },
    { name: "an array", event: [] },
    { name: "null", event: null },
    { name: "type null", event: { id: "evt_c", type: null, data: { object: { id: "pi_x" } } } },
  ])("answers 400 VALIDATION_FAILED, not 500, to a signed event with $name", async ({ event }) => {
    const res = await postEvent(event);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("VALIDATION_FAILED");
  });

  it("answers 200 to a signed event of a type the app does not use", async () => {
    const res = await postEvent({
      id: "evt_other",
      type: "customer.created",
      data: { object: { id: "cus_1" } },
    });
    expect(res.status).toBe(200);
  });
});

describe("lost webhooks (found by the money model)", () => {
  it("captures a payment authorized in time whose webhook never came, when its hold lapses", async () => {
    const { provider, slot } = await world({ slot: { startsInHours: 20 } });
    const student = await registerUser("student");
    const { bookingId, intentId } = await bookOk(student.token, slot.id);
    expect((await confirmWithCard(standin, intentId)).status).toBe(200);
    expect(standin.dropPending()).toBeGreaterThan(0);
    expect(intent(intentId).status).toBe("requires_capture");
    // Authorized a few seconds before the hold ran out (Stripe stamps whole seconds).
    standin.store.charges.get(intent(intentId).latest_charge!)!.created -= 5;

    // The hold runs out before anyone heard of the authorization; its alarm asks Stripe first.
    await runInDurableObject(slotStub(slot.id), (_instance, state) => {
      state.storage.sql.exec(
        "UPDATE holds SET expires_at = ? WHERE booking_id = ?",
        Date.now() - 1,
        bookingId,
      );
    });
    await runDurableObjectAlarm(slotStub(slot.id));

    expect(intent(intentId)).toMatchObject({ status: "succeeded", amount_received: 6000 });
    expect(await getBooking(student.token, bookingId)).toMatchObject({
      status: "CONFIRMED",
      paymentStatus: "SUCCEEDED",
    });
    expect((await call("GET", `/api/slots/${slot.id}`, { token: provider.token })).body.seatsTaken).toBe(1);
  });

  it("releases a late authorization when the seat went to someone else meanwhile", async () => {
    const { slot } = await world({ slot: { startsInHours: 20 } });
    const [first, second] = [await registerUser("student"), await registerUser("student")];
    const late = await bookOk(first.token, slot.id);
    expect((await confirmWithCard(standin, late.intentId)).status).toBe(200);
    standin.dropPending();
    // Authorized in time: only the seat being taken since decides.
    standin.store.charges.get(intent(late.intentId).latest_charge!)!.created -= 5;
    await runInDurableObject(slotStub(slot.id), (_instance, state) => {
      state.storage.sql.exec(
        "UPDATE holds SET expires_at = ? WHERE booking_id = ?",
        Date.now() - 1,
        late.bookingId,
      );
    });
    // A new booking expires the lapsed hold and takes the seat before the alarm runs.
    const taken = await bookOk(second.token, slot.id);
    await runDueEffects(slot.id);
    expect(intent(late.intentId)).toMatchObject({ status: "canceled", amount_received: 0 });
    expect((await getBooking(first.token, late.bookingId)).status).toBe("EXPIRED");
    expect((await getBooking(second.token, taken.bookingId)).status).toBe("PENDING_PAYMENT");
  });

  it("records a full dashboard refund whose events were all lost, and gives the seat up", async () => {
    const { slot, paidBooking } = await world({ stripe: standin, slot: { startsInHours: 20 } });
    const student = await registerUser("student");
    const booking = await paidBooking(student, slot);
    expect((await stripeAdmin("/v1/refunds", { payment_intent: booking.paymentIntentId })).status).toBe(200);
    expect(standin.dropPending()).toBeGreaterThan(0);

    await runCron();

    expect(await getBooking(student.token, booking.id)).toMatchObject({
      status: "CANCELLED",
      paymentStatus: "REFUNDED",
      amountRefunded: 6000,
    });
    const ledger = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM money_ledger WHERE booking_id = ? AND kind = 'refund_succeeded'",
    )
      .bind(booking.id)
      .first<{ n: number }>();
    expect(ledger?.n).toBe(1);
  });
});

describe("#8 student cancel was decided outside the slot object", () => {
  it("refuses a cancel once the slot's start has passed, though the provider never pressed start", async () => {
    const { slot, paidBooking } = await world({ stripe: standin, slot: { startsInHours: 20 } });
    const student = await registerUser("student");
    const booking = await paidBooking(student);
    await runInDurableObject(slotStub(slot.id), (_instance, state) => {
      state.storage.sql.exec("UPDATE meta SET value = ? WHERE key = 'starts_at'", String(Date.now() - 1));
    });
    const res = await post(`/api/bookings/${booking.id}/cancel`, student.token);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("SESSION_ALREADY_STARTED");
    expect(await getBooking(student.token, booking.id)).toMatchObject({
      status: "CONFIRMED",
      amountRefunded: 0,
    });
    expect(refundsFor(standin, booking.paymentIntentId)).toHaveLength(0);
  });

  it("a cancel racing the start either refunds before the start or is refused after it, never both", async () => {
    for (let round = 0; round < 3; round++) {
      const { provider, paidBooking } = await world({ stripe: standin, slot: { startsInHours: 0.5 } });
      const student = await registerUser("student");
      const booking = await paidBooking(student);
      const [started, cancelled] = await Promise.all([
        post(`/api/sessions/${booking.sessionId}/start`, provider.token),
        post(`/api/bookings/${booking.id}/cancel`, student.token),
      ]);
      expect(started.status).toBe(200);
      await deliverAll(standin);
      const view = await getBooking(student.token, booking.id);
      if (cancelled.status === 200) {
        expect(view).toMatchObject({ status: "CANCELLED", paymentStatus: "REFUNDED" });
      } else {
        expect(cancelled.body.error.code).toBe("SESSION_ALREADY_STARTED");
        expect(view).toMatchObject({ status: "CONFIRMED", amountRefunded: 0 });
      }
    }
  });
});

describe("#10 smaller money and account defects", () => {
  it("lets the student pay a pending booking from another tab: GET /api/bookings/:id/payment", async () => {
    const { provider, slot } = await world({ slot: { startsInHours: 20 } });
    const student = await registerUser("student");
    const booked = await bookOk(student.token, slot.id);
    const res = await call("GET", `/api/bookings/${booked.bookingId}/payment`, { token: student.token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ paymentIntentId: booked.intentId, clientSecret: booked.clientSecret });
    expect(
      (await call("GET", `/api/bookings/${booked.bookingId}/payment`, { token: provider.token })).status,
    ).toBe(403);
    await confirmWithCard(standin, booked.intentId);
    await deliverAll(standin);
    const after = await call("GET", `/api/bookings/${booked.bookingId}/payment`, { token: student.token });
    expect(after.status).toBe(409);
    expect(after.body.error.code).toBe("BOOKING_NOT_ACTIVE");
  });

  it("closes that session's live-room sockets at once on logout", async () => {
    const { slot, paidBooking } = await world({ stripe: standin, slot: { startsInHours: 20 } });
    const student: TestUser = await registerUser("student");
    await paidBooking(student);
    const room = await openRoom(slot.id, student.token);
    expect(room.status).toBe(101);
    const closed = new Promise<number>((resolve) =>
      room.socket!.ws.addEventListener("close", (e) => resolve(e.code)),
    );
    expect((await post("/api/auth/logout", student.token)).status).toBe(204);
    expect(await closed).toBe(4401);
  });

  it("refuses the 11th chat message within 10 seconds with an error frame, storing nothing", async () => {
    const { slot, paidBooking } = await world({ stripe: standin, slot: { startsInHours: 20 } });
    const student = await registerUser("student");
    await paidBooking(student);
    const socket = (await openRoom(slot.id, student.token)).socket!;
    for (let i = 0; i < 11; i++) socket.send({ type: "chat", text: `message ${i}` });
    const error = await socket.next((m) => m.type === "error");
    expect(error.code).toBe("RATE_LIMITED");
    await socket.next((m) => m.type === "chat" && m.text === "message 9");
    const stored = await runInDurableObject(
      slotStub(slot.id),
      (_instance, state) => state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM chat").one().n,
    );
    expect(stored).toBe(10);
    socket.close();
  });
});

describe("request bodies over 64 KB", () => {
  const worker64 = async (body: BodyInit, headers: Record<string, string> = {}) =>
    worker.fetch(
      new Request("http://127.0.0.1:8787/api/auth/login", {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body,
        // @ts-expect-error: workerd needs duplex for a streamed body
        duplex: "half",
      }),
      env,
      createExecutionContext(),
    );

  function chunked(bytes: number): ReadableStream<Uint8Array> {
    let sent = 0;
    return new ReadableStream({
      pull(controller) {
        if (sent >= bytes) return controller.close();
        const size = Math.min(8192, bytes - sent);
        controller.enqueue(new TextEncoder().encode("x".repeat(size)));
        sent += size;
      },
    });
  }

  it.each([70 * 1024, 128 * 1024, 1024 * 1024])(
    "answers 400 VALIDATION_FAILED to a chunked body of %i bytes",
    async (bytes) => {
      const res = await worker64(chunked(bytes));
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("VALIDATION_FAILED");
    },
  );

  it("answers a small chunked body normally (the body is kept for the route)", async () => {
    const body = JSON.stringify({ email: "nobody@example.test", password: "not the password" });
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(body));
        controller.close();
      },
    });
    const res = await worker64(stream);
    expect(res.status).toBe(401);
  });

  it("refuses from the Content-Length header alone", async () => {
    const res = await worker64("x".repeat(70 * 1024), { "content-length": String(70 * 1024) });
    expect(res.status).toBe(400);
  });
});
