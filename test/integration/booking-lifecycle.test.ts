import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { type StripeStandin, signatureHeader } from "../../scripts/stripe-standin/handler";
import { LOCAL_STRIPE_KEY, LOCAL_WEBHOOK_SECRET } from "../../src/adapters/stripe-payments";
import { call, registerUser, unique } from "../helpers/api";
import {
  book,
  bookOk,
  countRows,
  d1Booking,
  eventsFor,
  getBooking,
  getSlot,
  holdsOf,
  lapseHolds,
  postEvent,
  refundsFor,
  runAlarm,
  setHoldStatus,
} from "../helpers/bookings";
import { runCron } from "../helpers/cron";
import { expectError, HOUR_MS, insertSlotRow } from "../helpers/fixtures";
import { confirmWithCard, deliverAll, installStripeStandin } from "../helpers/stripe";
import { world } from "../helpers/world";

const PRICE = 6000; // 60 minutes at 6000/h

let standin: StripeStandin;
beforeEach(() => {
  standin = installStripeStandin();
});
afterEach(() => {
  vi.restoreAllMocks();
});

function intent(id: string) {
  const found = standin.store.paymentIntents.get(id);
  if (!found) throw new Error(`no intent ${id} at the stand-in`);
  return found;
}

/** Calls the stand-in with the app's secret key, as the Stripe dashboard or a script would. */
function stripeAdmin(path: string, form: Record<string, string> = {}) {
  return standin.fetch(`http://127.0.0.1:12111${path}`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${LOCAL_STRIPE_KEY}`,
      "content-type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams(form).toString(),
  });
}

describe("hold expiry", () => {
  it("EXPIRED through the alarm: seat free, intent canceled, another student can book", async () => {
    const { provider, slot } = await world();
    const student = await registerUser("student");
    const { bookingId, intentId } = await bookOk(student.token, slot.id);
    expect(await getSlot(provider.token, slot.id)).toMatchObject({
      seatsTaken: 1,
      seatsLeft: 0,
      status: "FULL",
    });
    const [held] = await holdsOf(slot.id);
    expect(held).toMatchObject({ booking_id: bookingId, status: "HELD" });
    expect(held!.expires_at).toBeGreaterThan(Date.now() + 500_000);

    expect(await lapseHolds(slot.id)).toBeGreaterThan(0);
    expect(await runAlarm(slot.id)).toBe(true);

    expect(await getBooking(student.token, bookingId)).toMatchObject({ status: "EXPIRED" });
    expect(await getSlot(provider.token, slot.id)).toMatchObject({
      seatsTaken: 0,
      seatsLeft: 1,
      status: "OPEN",
    });
    expect(intent(intentId).status).toBe("canceled");
    expect((await holdsOf(slot.id))[0]).toMatchObject({ status: "EXPIRED" });
    expect((await d1Booking(bookingId))?.payment_status).toBe("CANCELED");

    const next = await registerUser("student");
    const second = await book(next.token, slot.id);
    expect(second.status).toBe(201);
    expect(second.body.booking.status).toBe("PENDING_PAYMENT");
    // The first booking stays expired; a stale canceled webhook changes nothing.
    await deliverAll(standin);
    expect((await getBooking(student.token, bookingId)).status).toBe("EXPIRED");
    expect((await getBooking(next.token, second.body.booking.id)).status).toBe("PENDING_PAYMENT");
  });

  it("a lapsed hold frees its seat for the next booking before the alarm runs", async () => {
    const { provider, slot } = await world();
    const first = await registerUser("student");
    const second = await registerUser("student");
    const a = await bookOk(first.token, slot.id);
    expectError(await book(second.token, slot.id), 409, "SLOT_FULL");

    await lapseHolds(slot.id);
    const b = await book(second.token, slot.id);

    expect(b.status).toBe(201);
    expect(b.body.booking).toMatchObject({ status: "PENDING_PAYMENT", studentId: second.id });
    expect((await getBooking(first.token, a.bookingId)).status).toBe("EXPIRED");
    expect(intent(a.intentId).status).toBe("canceled");
    expect(await getSlot(provider.token, slot.id)).toMatchObject({ seatsTaken: 1, seatsLeft: 0 });
    expect(
      await countRows(
        "SELECT COUNT(*) AS n FROM bookings WHERE slot_id = ? AND status = 'PENDING_PAYMENT'",
        slot.id,
      ),
    ).toBe(1);
  });

  it("the lapsed student may book again (ALREADY_BOOKED only for a live hold)", async () => {
    const { slot } = await world({ slot: { seats: 3 } });
    const student = await registerUser("student");
    const first = await bookOk(student.token, slot.id);
    expectError(await book(student.token, slot.id), 409, "ALREADY_BOOKED");
    await lapseHolds(slot.id);
    const again = await book(student.token, slot.id);
    expect(again.status).toBe(201);
    expect(again.body.booking.id).not.toBe(first.bookingId);
    expect((await getBooking(student.token, first.bookingId)).status).toBe("EXPIRED");
  });
});

describe("decline, then retry", () => {
  it("payment_failed keeps the hold with lastPaymentError; a good card then CONFIRMS and clears it", async () => {
    const { provider, slot } = await world();
    const student = await registerUser("student");
    const { bookingId, intentId } = await bookOk(student.token, slot.id);

    expect((await confirmWithCard(standin, intentId, "pm_card_chargeDeclined")).status).toBe(402);
    expect((await deliverAll(standin)).every((s) => s === 200)).toBe(true);

    const declined = await getBooking(student.token, bookingId);
    expect(declined.status).toBe("PENDING_PAYMENT");
    expect(declined.lastPaymentError).toEqual(expect.stringMatching(/declined/i));
    expect(await getSlot(provider.token, slot.id)).toMatchObject({ seatsTaken: 1, status: "FULL" });
    expect((await holdsOf(slot.id))[0]).toMatchObject({ status: "HELD" });
    expectError(await book((await registerUser("student")).token, slot.id), 409, "SLOT_FULL");

    expect((await confirmWithCard(standin, intentId, "pm_card_visa")).status).toBe(200);
    expect((await deliverAll(standin)).every((s) => s === 200)).toBe(true);

    const paid = await getBooking(student.token, bookingId);
    expect(paid).toMatchObject({ status: "CONFIRMED", paymentStatus: "SUCCEEDED" });
    expect(paid).not.toHaveProperty("lastPaymentError");
    expect(intent(intentId)).toMatchObject({ status: "succeeded", amount_received: PRICE });
  });
});

describe("authorization after the hold is gone", () => {
  async function expectReleasedNeverCharged(bookingId: string, intentId: string, token: string) {
    expect(intent(intentId)).toMatchObject({ status: "canceled", amount_received: 0 });
    expect(eventsFor(standin, intentId, "charge.captured")).toHaveLength(0);
    expect(refundsFor(standin, intentId)).toHaveLength(0);
    const booking = await getBooking(token, bookingId);
    expect(booking.status).toBe("EXPIRED");
    expect(booking.paymentStatus).toBe("CANCELED");
  }

  it("hold lapsed (alarm not yet run), then the card authorizes → released, never captured, EXPIRED", async () => {
    const { provider, slot } = await world();
    const student = await registerUser("student");
    const { bookingId, intentId } = await bookOk(student.token, slot.id);
    await lapseHolds(slot.id);

    expect((await confirmWithCard(standin, intentId)).status).toBe(200);
    expect(intent(intentId).status).toBe("requires_capture");
    expect((await deliverAll(standin)).every((s) => s === 200)).toBe(true);

    await expectReleasedNeverCharged(bookingId, intentId, student.token);
    expect(await getSlot(provider.token, slot.id)).toMatchObject({ seatsTaken: 0, seatsLeft: 1 });
  });

  it("alarm expired the hold but its cancel call failed; a later authorization is released, not captured", async () => {
    const { provider, slot } = await world();
    const student = await registerUser("student");
    const { bookingId, intentId } = await bookOk(student.token, slot.id);
    standin.injectFailure({
      method: "POST",
      path: "/v1/payment_intents/*/cancel",
      status: 500,
      shouldRetry: false,
      times: 1,
    });

    await lapseHolds(slot.id);
    expect(await runAlarm(slot.id)).toBe(true);
    expect((await getBooking(student.token, bookingId)).status).toBe("EXPIRED");
    expect(intent(intentId).status).toBe("requires_payment_method");

    expect((await confirmWithCard(standin, intentId)).status).toBe(200);
    expect((await deliverAll(standin)).every((s) => s === 200)).toBe(true);

    await expectReleasedNeverCharged(bookingId, intentId, student.token);
    expect(await getSlot(provider.token, slot.id)).toMatchObject({ seatsTaken: 0, seatsLeft: 1 });
  });
});

describe("webhook delivery: duplicates and order", () => {
  it("every event delivered twice → one capture, one TeachingSession, one participant, CONFIRMED", async () => {
    const { provider, slot } = await world();
    const student = await registerUser("student");
    const { bookingId, intentId } = await bookOk(student.token, slot.id);
    expect((await confirmWithCard(standin, intentId)).status).toBe(200);

    const results = [];
    for (let round = 0; round < 6; round++) {
      const batch = await standin.deliverPending({ duplicate: true });
      if (batch.length === 0) break;
      results.push(...batch);
    }
    expect(results.length).toBeGreaterThanOrEqual(8);
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(results.filter((r) => JSON.parse(r.body).duplicate === true)).toHaveLength(results.length / 2);

    const booking = await getBooking(provider.token, bookingId);
    expect(booking).toMatchObject({ status: "CONFIRMED", paymentStatus: "SUCCEEDED" });
    expect(eventsFor(standin, intentId, "charge.captured")).toHaveLength(1);
    expect(eventsFor(standin, intentId, "payment_intent.succeeded")).toHaveLength(1);
    expect(intent(intentId)).toMatchObject({ status: "succeeded", amount_received: PRICE });
    expect(refundsFor(standin, intentId)).toHaveLength(0);
    expect(await countRows("SELECT COUNT(*) AS n FROM teaching_sessions WHERE slot_id = ?", slot.id)).toBe(1);
    expect(
      await countRows(
        `SELECT COUNT(*) AS n FROM session_participants sp JOIN teaching_sessions ts ON ts.id = sp.session_id
          WHERE ts.slot_id = ?`,
        slot.id,
      ),
    ).toBe(1);
    expect(booking.sessionId).toMatch(/^ses_/);
    expect(await getSlot(provider.token, slot.id)).toMatchObject({ seatsTaken: 1, status: "FULL" });
  });

  it("a successful payment's events in reverse order → CONFIRMED", async () => {
    const { slot } = await world();
    const student = await registerUser("student");
    const { bookingId, intentId } = await bookOk(student.token, slot.id);
    expect((await confirmWithCard(standin, intentId)).status).toBe(200);

    for (let round = 0; round < 5; round++) {
      const batch = await standin.deliverPending({ order: "reverse" });
      if (batch.length === 0) break;
      expect(batch.every((r) => r.status === 200)).toBe(true);
    }

    const booking = await getBooking(student.token, bookingId);
    expect(booking).toMatchObject({ status: "CONFIRMED", paymentStatus: "SUCCEEDED" });
    expect(booking).not.toHaveProperty("lastPaymentError");
    expect(eventsFor(standin, intentId, "charge.captured")).toHaveLength(1);
  });

  it("a payment_failed from an earlier attempt arriving after succeeded (and replayed) never moves CONFIRMED back", async () => {
    const { slot } = await world();
    const student = await registerUser("student");
    const { bookingId, intentId } = await bookOk(student.token, slot.id);
    expect((await confirmWithCard(standin, intentId, "pm_card_chargeDeclined")).status).toBe(402);
    expect((await confirmWithCard(standin, intentId, "pm_card_visa")).status).toBe(200);
    const [failed] = eventsFor(standin, intentId, "payment_intent.payment_failed");
    const [authorized] = eventsFor(standin, intentId, "payment_intent.amount_capturable_updated");
    expect(failed).toBeDefined();
    expect(authorized).toBeDefined();

    // Only the authorization first: the app captures, Stripe emits charge.captured + succeeded.
    expect((await postEvent(authorized)).status).toBe(200);
    const [succeeded] = eventsFor(standin, intentId, "payment_intent.succeeded");
    expect(succeeded).toBeDefined();
    const rest = eventsFor(standin, intentId).filter(
      (e) => e.id !== authorized!.id && e.id !== failed!.id && e.type !== "payment_intent.created",
    );
    // Newest first, then the old failure, then the failure again.
    for (const event of [...rest].reverse()) expect((await postEvent(event)).status).toBe(200);
    expect((await getBooking(student.token, bookingId)).status).toBe("CONFIRMED");
    const late = await postEvent(failed);
    expect(late.status).toBe(200);
    const replay = await postEvent(failed);
    expect(replay.status).toBe(200);
    expect(replay.body.duplicate).toBe(true);

    const booking = await getBooking(student.token, bookingId);
    expect(booking).toMatchObject({ status: "CONFIRMED", paymentStatus: "SUCCEEDED" });
    expect(booking).not.toHaveProperty("lastPaymentError");
    expect((await d1Booking(bookingId))?.last_payment_error).toBeNull();
  });
});

describe("POST /api/webhooks/stripe signature", () => {
  async function pendingBookingEvent() {
    const { slot } = await world();
    const student = await registerUser("student");
    const booked = await bookOk(student.token, slot.id);
    // A forged "succeeded" for a real pending booking: if accepted it would confirm it.
    const forged = {
      id: `evt_${unique("forged")}`,
      object: "event",
      type: "payment_intent.succeeded",
      created: Math.floor(Date.now() / 1000),
      livemode: false,
      api_version: "2026-10-28.endive",
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      data: {
        object: {
          ...intent(booked.intentId),
          status: "succeeded",
          amount_received: PRICE,
        },
      },
    };
    return { student, booked, forged, payload: JSON.stringify(forged) };
  }

  async function expectUntouched(token: string, bookingId: string) {
    expect((await getBooking(token, bookingId)).status).toBe("PENDING_PAYMENT");
  }

  it("400 INVALID_SIGNATURE: body signed with another secret", async () => {
    const { student, booked, payload } = await pendingBookingEvent();
    const header = await signatureHeader(payload, "whsec_not_ours", Math.floor(Date.now() / 1000));
    const res = await call("POST", "/api/webhooks/stripe", {
      rawBody: payload,
      headers: { "content-type": "application/json", "stripe-signature": header },
    });
    expectError(res, 400, "INVALID_SIGNATURE");
    await expectUntouched(student.token, booked.bookingId);
  });

  it("400 INVALID_SIGNATURE: no Stripe-Signature header", async () => {
    const { student, booked, payload } = await pendingBookingEvent();
    const res = await call("POST", "/api/webhooks/stripe", {
      rawBody: payload,
      headers: { "content-type": "application/json" },
    });
    expectError(res, 400, "INVALID_SIGNATURE");
    await expectUntouched(student.token, booked.bookingId);
  });

  it("400 INVALID_SIGNATURE: tampered body carrying a valid header of another body", async () => {
    const { student, booked, forged } = await pendingBookingEvent();
    const harmless = JSON.stringify({ ...forged, type: "payment_intent.created" });
    const header = await signatureHeader(harmless, LOCAL_WEBHOOK_SECRET, Math.floor(Date.now() / 1000));
    const res = await call("POST", "/api/webhooks/stripe", {
      rawBody: JSON.stringify(forged),
      headers: { "content-type": "application/json", "stripe-signature": header },
    });
    expectError(res, 400, "INVALID_SIGNATURE");
    await expectUntouched(student.token, booked.bookingId);
    // Control: the very same header with the body it signed is accepted.
    const ok = await call("POST", "/api/webhooks/stripe", {
      rawBody: harmless,
      headers: { "content-type": "application/json", "stripe-signature": header },
    });
    expect(ok.status).toBe(200);
  });
});

describe("student cancels", () => {
  it("pending: 403 for the provider and another student; 200 CANCELLED, seat free, intent canceled; again → 409 BOOKING_NOT_ACTIVE", async () => {
    const { provider, slot } = await world();
    const student = await registerUser("student");
    const stranger = await registerUser("student");
    const { bookingId, intentId } = await bookOk(student.token, slot.id);

    expectError(
      await call("POST", `/api/bookings/${bookingId}/cancel`, { token: provider.token }),
      403,
      "FORBIDDEN",
    );
    expectError(
      await call("POST", `/api/bookings/${bookingId}/cancel`, { token: stranger.token }),
      403,
      "FORBIDDEN",
    );
    expect((await getBooking(student.token, bookingId)).status).toBe("PENDING_PAYMENT");

    const res = await call("POST", `/api/bookings/${bookingId}/cancel`, { token: student.token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: bookingId, status: "CANCELLED" });
    expect(await getSlot(provider.token, slot.id)).toMatchObject({
      seatsTaken: 0,
      seatsLeft: 1,
      status: "OPEN",
    });
    expect(intent(intentId).status).toBe("canceled");
    expect(refundsFor(standin, intentId)).toHaveLength(0);

    expectError(
      await call("POST", `/api/bookings/${bookingId}/cancel`, { token: student.token }),
      409,
      "BOOKING_NOT_ACTIVE",
    );
    // Authorization comes before state.
    expectError(
      await call("POST", `/api/bookings/${bookingId}/cancel`, { token: provider.token }),
      403,
      "FORBIDDEN",
    );
    // The seat really is free.
    expect((await book(stranger.token, slot.id)).status).toBe(201);
    await deliverAll(standin);
    expect((await getBooking(student.token, bookingId)).status).toBe("CANCELLED");
  });

  it("confirmed: 200 CANCELLED with paymentStatus REFUNDED, exactly one full refund, seat free", async () => {
    const { provider, slot, paidBooking } = await world({ stripe: standin });
    const student = await registerUser("student");
    const { id: bookingId, paymentIntentId: intentId } = await paidBooking(student);

    const res = await call("POST", `/api/bookings/${bookingId}/cancel`, { token: student.token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: bookingId, status: "CANCELLED", paymentStatus: "REFUNDED" });
    const refunds = refundsFor(standin, intentId);
    expect(refunds).toHaveLength(1);
    expect(refunds[0]).toMatchObject({ amount: PRICE, status: "succeeded" });
    expect(await getSlot(provider.token, slot.id)).toMatchObject({
      seatsTaken: 0,
      seatsLeft: 1,
      status: "OPEN",
    });

    // The refund's own webhooks (refund.created, charge.refunded) change nothing further.
    expect((await deliverAll(standin)).every((s) => s === 200)).toBe(true);
    expect(refundsFor(standin, intentId)).toHaveLength(1);
    expect(await getBooking(student.token, bookingId)).toMatchObject({
      status: "CANCELLED",
      paymentStatus: "REFUNDED",
    });
    const row = await d1Booking(bookingId);
    expect(row).toMatchObject({ refunded_amount: PRICE, refund_id: refunds[0]!.id });
    expect(
      await countRows(
        "SELECT COUNT(*) AS n FROM session_participants WHERE booking_id = ? AND status = 'CANCELLED'",
        bookingId,
      ),
    ).toBe(1);
    expectError(
      await call("POST", `/api/bookings/${bookingId}/cancel`, { token: student.token }),
      409,
      "BOOKING_NOT_ACTIVE",
    );
    expect(refundsFor(standin, intentId)).toHaveLength(1);
  });
});

describe("reading bookings", () => {
  it("GET /api/bookings/:id: 200 for the student and the provider, 403 for a third user, 404 when missing", async () => {
    const { provider, slot } = await world();
    const student = await registerUser("student");
    const third = await registerUser("student");
    const otherProvider = await registerUser("provider");
    const { bookingId, intentId } = await bookOk(student.token, slot.id);

    const mine = await getBooking(student.token, bookingId);
    expect(mine).toMatchObject({
      id: bookingId,
      slotId: slot.id,
      studentId: student.id,
      status: "PENDING_PAYMENT",
      amount: PRICE,
      currency: "usd",
      paymentIntentId: intentId,
    });
    expect(Date.parse(mine.holdExpiresAt)).toBeGreaterThan(Date.now());
    expect(mine.holdExpiresAt).toMatch(/Z$/);
    expect((await getBooking(provider.token, bookingId)).id).toBe(bookingId);
    expectError(await call("GET", `/api/bookings/${bookingId}`, { token: third.token }), 403, "FORBIDDEN");
    expectError(
      await call("GET", `/api/bookings/${bookingId}`, { token: otherProvider.token }),
      403,
      "FORBIDDEN",
    );
    expectError(
      await call("GET", `/api/bookings/${unique("bkg_missing")}`, { token: student.token }),
      404,
      "NOT_FOUND",
    );
    expectError(await call("GET", `/api/bookings/${bookingId}`), 401, "UNAUTHENTICATED");
  });

  it("GET /api/me/bookings: a student sees only their bookings; a provider sees the bookings on their slots", async () => {
    const first = await world({ slot: { seats: 3 } });
    const second = await world();
    const student = await registerUser("student");
    const other = await registerUser("student");
    const a = await bookOk(student.token, first.slot.id);
    const b = await bookOk(student.token, second.slot.id);
    const c = await bookOk(other.token, first.slot.id);

    const mine = await call("GET", "/api/me/bookings", { token: student.token });
    expect(mine.status).toBe(200);
    expect(mine.body.bookings.map((x: any) => x.id).sort()).toEqual([a.bookingId, b.bookingId].sort());
    expect(mine.body.bookings.every((x: any) => x.studentId === student.id)).toBe(true);

    const theirs = await call("GET", "/api/me/bookings", { token: other.token });
    expect(theirs.body.bookings.map((x: any) => x.id)).toEqual([c.bookingId]);

    const providerView = await call("GET", "/api/me/bookings", { token: first.provider.token });
    expect(providerView.status).toBe(200);
    expect(providerView.body.bookings.map((x: any) => x.id).sort()).toEqual(
      [a.bookingId, c.bookingId].sort(),
    );
    const secondProviderView = await call("GET", "/api/me/bookings", { token: second.provider.token });
    expect(secondProviderView.body.bookings.map((x: any) => x.id)).toEqual([b.bookingId]);
  });
});

describe("who and what can be booked", () => {
  it("403 FORBIDDEN: a provider trying to book", async () => {
    const { slot } = await world();
    const otherProvider = await registerUser("provider");
    expectError(await book(otherProvider.token, slot.id), 403, "FORBIDDEN");
    expect(standin.store.paymentIntents.size).toBe(0);
  });

  it("409 SLOT_NOT_BOOKABLE: a past slot, a started slot, a cancelled slot", async () => {
    const { provider } = await world();
    const student = await registerUser("student");
    const past = await insertSlotRow(provider.id, Date.now() - 3 * HOUR_MS, 60);
    const started = await insertSlotRow(provider.id, Date.now() - 10 * 60_000, 60);
    const cancelled = await insertSlotRow(provider.id, Date.now() + 5 * HOUR_MS, 60, 0, "CANCELLED");
    for (const id of [past, started, cancelled]) {
      expectError(await book(student.token, id), 409, "SLOT_NOT_BOOKABLE");
      expect(await countRows("SELECT COUNT(*) AS n FROM bookings WHERE slot_id = ?", id)).toBe(0);
    }
    expect(standin.store.paymentIntents.size).toBe(0);
  });

  it("409 SLOT_NOT_BOOKABLE: a slot priced 0 (provider without a profile)", async () => {
    const provider = await registerUser("provider");
    const created = await call("POST", "/api/slots", {
      token: provider.token,
      body: {
        startsAt: new Date(Math.ceil((Date.now() + 30 * HOUR_MS) / 60_000) * 60_000).toISOString(),
        durationMinutes: 60,
        sessionType: "ONE_TO_ONE",
      },
    });
    expect(created.status).toBe(201);
    expect(created.body.price.amount).toBe(0);
    const student = await registerUser("student");
    expectError(await book(student.token, created.body.id), 409, "SLOT_NOT_BOOKABLE");
    expect(standin.store.paymentIntents.size).toBe(0);
  });

  it("404 NOT_FOUND: an unknown slot", async () => {
    const student = await registerUser("student");
    expectError(await book(student.token, unique("slot_missing")), 404, "NOT_FOUND");
  });

  it("409 SLOT_HAS_BOOKINGS: PATCH and DELETE of a slot with a pending booking", async () => {
    const { provider, slot } = await world();
    const student = await registerUser("student");
    await bookOk(student.token, slot.id);

    expectError(
      await call("PATCH", `/api/slots/${slot.id}`, { token: provider.token, body: { durationMinutes: 30 } }),
      409,
      "SLOT_HAS_BOOKINGS",
    );
    expectError(
      await call("DELETE", `/api/slots/${slot.id}`, { token: provider.token }),
      409,
      "SLOT_HAS_BOOKINGS",
    );
    expect(await getSlot(provider.token, slot.id)).toMatchObject({ durationMinutes: 60, seatsTaken: 1 });
  });
});

describe("money captured without a seat", () => {
  it("succeeded for an EXPIRED hold → refunded in full automatically, Payment REFUNDED with a reason", async () => {
    const { provider, slot } = await world();
    const student = await registerUser("student");
    const { bookingId, intentId } = await bookOk(student.token, slot.id);
    expect(await setHoldStatus(slot.id, bookingId, "EXPIRED")).toBeGreaterThan(0);

    expect((await confirmWithCard(standin, intentId)).status).toBe(200);
    expect((await stripeAdmin(`/v1/payment_intents/${intentId}/capture`)).status).toBe(200);
    expect(intent(intentId)).toMatchObject({ status: "succeeded", amount_received: PRICE });
    expect((await deliverAll(standin)).every((s) => s === 200)).toBe(true);

    const refunds = refundsFor(standin, intentId);
    expect(refunds).toHaveLength(1);
    expect(refunds[0]).toMatchObject({ amount: PRICE, status: "succeeded" });
    const row = await d1Booking(bookingId);
    expect(row?.payment_status).toBe("REFUNDED");
    expect(row?.refund_reason).toEqual(expect.any(String));
    expect(row?.refund_reason?.length).toBeGreaterThan(0);
    expect(row?.refunded_amount).toBe(PRICE);
    expect(row?.status).not.toBe("CONFIRMED");
    expect(await countRows("SELECT COUNT(*) AS n FROM teaching_sessions WHERE slot_id = ?", slot.id)).toBe(0);
    expect(await getSlot(provider.token, slot.id)).toMatchObject({ seatsTaken: 0, seatsLeft: 1 });
  });

  it("succeeded for a hold that lapsed before its alarm ran → refunded, not CONFIRMED", async () => {
    const { provider, slot } = await world();
    const student = await registerUser("student");
    const { bookingId, intentId } = await bookOk(student.token, slot.id);
    await lapseHolds(slot.id);

    expect((await confirmWithCard(standin, intentId)).status).toBe(200);
    expect((await stripeAdmin(`/v1/payment_intents/${intentId}/capture`)).status).toBe(200);
    // succeeded arrives first (events may come out of order): nothing has re-armed the alarm yet,
    // so the object still has the hold as HELD, though its time is up.
    const [succeeded] = eventsFor(standin, intentId, "payment_intent.succeeded");
    expect((await postEvent(succeeded)).status).toBe(200);
    expect((await deliverAll(standin)).every((s) => s === 200)).toBe(true);

    const row = await d1Booking(bookingId);
    expect(row?.status).not.toBe("CONFIRMED");
    expect(row?.payment_status).toBe("REFUNDED");
    expect(refundsFor(standin, intentId)).toHaveLength(1);
    expect(await getSlot(provider.token, slot.id)).toMatchObject({ seatsTaken: 0, seatsLeft: 1 });
  });
});

describe("reconcile cron (*/5 * * * *)", () => {
  async function rewindHold(slotId: string, bookingId: string) {
    const past = Date.now() - 2 * 60_000;
    await lapseHolds(slotId, bookingId);
    const result = await env.DB.prepare("UPDATE bookings SET hold_expires_at = ? WHERE id = ?")
      .bind(past, bookingId)
      .run();
    expect(result.meta.changes).toBe(1);
  }

  it("settles a pending booking whose hold lapsed but whose alarm never ran: EXPIRED, seat free, intent canceled", async () => {
    const { provider, slot } = await world();
    const student = await registerUser("student");
    const { bookingId, intentId } = await bookOk(student.token, slot.id);
    await rewindHold(slot.id, bookingId);
    expect((await getBooking(student.token, bookingId)).status).toBe("PENDING_PAYMENT");

    await runCron("*/5 * * * *");

    expect((await getBooking(student.token, bookingId)).status).toBe("EXPIRED");
    expect(await getSlot(provider.token, slot.id)).toMatchObject({
      seatsTaken: 0,
      seatsLeft: 1,
      status: "OPEN",
    });
    expect(intent(intentId).status).toBe("canceled");
    expect((await holdsOf(slot.id))[0]).toMatchObject({ status: "EXPIRED" });
  });

  it("leaves a pending booking alone while its hold is still valid", async () => {
    const { slot } = await world();
    const student = await registerUser("student");
    const { bookingId, intentId } = await bookOk(student.token, slot.id);
    await runCron("*/5 * * * *");
    expect((await getBooking(student.token, bookingId)).status).toBe("PENDING_PAYMENT");
    expect(intent(intentId).status).toBe("requires_payment_method");
  });

  it("confirms a booking from its own capture's answer, without waiting for the succeeded webhook", async () => {
    const { provider, slot } = await world();
    const student = await registerUser("student");
    const { bookingId, intentId } = await bookOk(student.token, slot.id);
    expect((await confirmWithCard(standin, intentId)).status).toBe(200);
    // Deliver only the first round (authorization → capture); the succeeded event is never delivered.
    await standin.deliverPending();
    expect(intent(intentId).status).toBe("succeeded");
    expect(await getBooking(student.token, bookingId)).toMatchObject({
      status: "CONFIRMED",
      paymentStatus: "SUCCEEDED",
    });
    expect(refundsFor(standin, intentId)).toHaveLength(0);
    expect(await getSlot(provider.token, slot.id)).toMatchObject({ seatsTaken: 1, status: "FULL" });
  });

  it("confirms a booking whose capture landed but whose answer and succeeded webhook were lost", async () => {
    const { provider, slot } = await world();
    const student = await registerUser("student");
    const { bookingId, intentId } = await bookOk(student.token, slot.id);
    standin.injectFailure({
      method: "POST",
      path: "/v1/payment_intents/*/capture",
      when: "after",
      status: 500,
      shouldRetry: false,
      times: 1,
    });
    expect((await confirmWithCard(standin, intentId)).status).toBe(200);
    await standin.deliverPending();
    expect(intent(intentId).status).toBe("succeeded");
    expect((await getBooking(student.token, bookingId)).status).toBe("PENDING_PAYMENT");
    standin.store.events.length = 0;
    await rewindHold(slot.id, bookingId);
    await env.DB.prepare("UPDATE payments SET updated_at = 0 WHERE booking_id = ?").bind(bookingId).run();
    await env.DB.prepare("UPDATE bookings SET updated_at = 0 WHERE id = ?").bind(bookingId).run();

    await runCron("*/5 * * * *");

    expect(await getBooking(student.token, bookingId)).toMatchObject({
      status: "CONFIRMED",
      paymentStatus: "SUCCEEDED",
    });
    expect(refundsFor(standin, intentId)).toHaveLength(0);
    expect(await getSlot(provider.token, slot.id)).toMatchObject({ seatsTaken: 1, status: "FULL" });
  });
});
