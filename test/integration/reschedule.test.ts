// POST /api/bookings/:id/reschedule (API.md v2 "Cancellation policy, reschedule, no-shows"): the
// seat moves between two slot objects all or nothing, on the same payment.
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { MoveTerms } from "../../durable-objects/move-state";
import type { SlotSnapshot } from "../../durable-objects/slot";
import type { StripeStandin } from "../../scripts/stripe-standin/handler";
import { DEFAULT_CANCELLATION_POLICY } from "../../src/shared/cancellation-policy";
import { call, type TestUser } from "../helpers/api";
import { bookOk, countRows, getBooking, getSlot, holdsOf, refundsFor, slotStub } from "../helpers/bookings";
import { expectError } from "../helpers/fixtures";
import { deliverAll, installStripeStandin } from "../helpers/stripe";
import { world } from "../helpers/world";

let standin: StripeStandin;
beforeEach(() => {
  standin = installStripeStandin();
});
afterEach(() => {
  vi.restoreAllMocks();
});

const RATE = 6000;

function reschedule(token: string, bookingId: string, slotId: string) {
  return call("POST", `/api/bookings/${bookingId}/reschedule`, { token, body: { slotId } });
}

function setPolicy(provider: TestUser, rescheduleMinNoticeHours: number) {
  return call("PUT", "/api/me/provider-profile", {
    token: provider.token,
    body: {
      hourlyRate: RATE,
      currency: "usd",
      cancellationPolicy: { tiers: [{ minNoticeHours: 0, refundPercent: 100 }], rescheduleMinNoticeHours },
    },
  });
}

async function session(token: string, sessionId: string) {
  const res = await call("GET", `/api/sessions/${sessionId}`, { token });
  expect(res.status).toBe(200);
  return res.body;
}

const intent = (id: string) => standin.store.paymentIntents.get(id);

/** A confirmed booking on `slot`, paid, with webhooks delivered. */
async function confirmedWorld(options: { sourceMinutes?: number; targetMinutes?: number } = {}) {
  const w = await world({
    stripe: standin,
    hourlyRate: RATE,
    slot: { startsInHours: 30, durationMinutes: options.sourceMinutes ?? 60 },
  });
  const target = await w.addSlot({ startsInHours: 54, durationMinutes: options.targetMinutes ?? 60 });
  const student = await w.student();
  const booking = await w.paidBooking(student);
  return {
    provider: w.provider,
    addSlot: w.addSlot,
    newStudent: w.student,
    paidBooking: w.paidBooking,
    source: w.slot,
    target,
    student,
    booking,
  };
}

/** The booking did not move: still CONFIRMED where it was, nothing refunded, the target untouched. */
async function expectNotMoved(
  student: TestUser,
  booking: { id: string; slotId: string; paymentIntentId: string },
  targetId: string,
  targetSeats = 0,
) {
  const now = await getBooking(student.token, booking.id);
  expect(now).toMatchObject({ status: "CONFIRMED", slotId: booking.slotId, amountRefunded: 0 });
  expect(now.rescheduledTo).toBeUndefined();
  expect(refundsFor(standin, booking.paymentIntentId)).toEqual([]);
  expect(await countRows("SELECT COUNT(*) AS n FROM bookings WHERE rescheduled_from = ?", booking.id)).toBe(
    0,
  );
  expect((await getSlot(student.token, targetId)).seatsTaken).toBe(targetSeats);
}

/** What the coordinator sends the slot objects, built from D1 as src/services/reschedule.ts does. */
async function moveInput(
  booking: { id: string; slotId: string; paymentIntentId: string; amount: number },
  targetId: string,
  newBookingId: string,
) {
  const row = await env.DB.prepare(
    "SELECT version, max_participants, price_amount, currency, starts_at, ends_at FROM slots WHERE id = ?",
  )
    .bind(targetId)
    .first<{
      version: number;
      max_participants: number;
      price_amount: number;
      currency: string;
      starts_at: number;
      ends_at: number;
    }>();
  if (!row) throw new Error(`no slot ${targetId}`);
  const slot: SlotSnapshot = {
    slotId: targetId,
    version: row.version,
    capacity: row.max_participants,
    priceAmount: row.price_amount,
    currency: row.currency,
    startsAt: row.starts_at,
    endsAt: row.ends_at,
  };
  const studentId = (
    await env.DB.prepare("SELECT student_id FROM bookings WHERE id = ?")
      .bind(booking.id)
      .first<{ student_id: string }>()
  )?.student_id as string;
  const terms: MoveTerms = {
    fromBookingId: booking.id,
    fromSlotId: booking.slotId,
    studentId,
    intentId: booking.paymentIntentId,
    amount: row.price_amount,
    fromAmount: booking.amount,
    currency: row.currency,
  };
  return { slot, newBookingId, terms };
}

/** Makes the target's MOVING hold look past its deadline and runs the target's alarm. */
async function lapseMoveAndRunAlarm(targetId: string, newBookingId: string) {
  const stub = slotStub(targetId);
  const aged = await runInDurableObject(stub, (_instance, state) => {
    return state.storage.sql.exec(
      "UPDATE holds SET expires_at = ? WHERE booking_id = ? AND status = 'MOVING'",
      Date.now() - 1,
      newBookingId,
    ).rowsWritten;
  });
  expect(aged).toBeGreaterThan(0); // the row and its index entry
  expect(await runDurableObjectAlarm(stub)).toBe(true);
}

/** Runs everything the object has queued now (as its alarm would after the backoff). */
async function runQueuedEffects(slotId: string) {
  const stub = slotStub(slotId);
  await runInDurableObject(stub, async (instance, state) => {
    state.storage.sql.exec("UPDATE outbox SET due_at = 0");
    await instance.alarm();
  });
}

describe("reschedule: happy path", () => {
  it("moves a confirmed seat to a same-price slot on the same payment, with no refund", async () => {
    const { provider, source, target, student, booking } = await confirmedWorld();
    const oldSessionId = booking.sessionId as string;

    const res = await reschedule(student.token, booking.id, target.id);
    expect(res.status).toBe(200);
    const moved = res.body.booking;
    expect(moved).toMatchObject({
      slotId: target.id,
      studentId: student.id,
      status: "CONFIRMED",
      rescheduledFrom: booking.id,
      paymentIntentId: booking.paymentIntentId,
      amount: target.price.amount,
      currency: "usd",
    });
    expect(moved.id).not.toBe(booking.id);
    expect(typeof moved.sessionId).toBe("string");
    expect(moved.sessionId).not.toBe(oldSessionId);
    await deliverAll(standin);

    // The old booking still shows the payment it shared (not REQUIRES_PAYMENT).
    expect(await getBooking(student.token, booking.id)).toMatchObject({
      status: "CANCELLED",
      cancelledBy: "RESCHEDULE",
      rescheduledTo: moved.id,
      amountRefunded: 0,
      paymentStatus: "SUCCEEDED",
    });
    expect(await getBooking(student.token, moved.id)).toMatchObject({
      status: "CONFIRMED",
      rescheduledFrom: booking.id,
      paymentStatus: "SUCCEEDED",
      amountRefunded: 0,
    });
    // Stripe: the one intent, captured in full, never refunded and no second intent.
    expect(intent(booking.paymentIntentId)).toMatchObject({ status: "succeeded", amount_received: RATE });
    expect(refundsFor(standin, booking.paymentIntentId)).toEqual([]);
    expect(
      [...standin.store.paymentIntents.values()].filter((pi) => pi.metadata.slotId === target.id),
    ).toEqual([]);

    const newSession = await session(student.token, moved.sessionId);
    expect(newSession.slotId).toBe(target.id);
    expect(newSession.participants).toEqual([
      expect.objectContaining({ userId: student.id, status: "CONFIRMED" }),
    ]);
    const oldSession = await session(provider.token, oldSessionId);
    expect(oldSession.participants).toEqual([
      expect.objectContaining({ userId: student.id, status: "CANCELLED" }),
    ]);

    expect((await getSlot(student.token, target.id)).seatsTaken).toBe(1);
    expect((await getSlot(student.token, source.id)).seatsTaken).toBe(0);
    expect((await holdsOf(source.id)).find((h) => h.booking_id === booking.id)?.status).toBe("MOVED");
    expect((await holdsOf(target.id)).find((h) => h.booking_id === moved.id)?.status).toBe("CONFIRMED");

    const conversations = await call("GET", "/api/conversations", { token: student.token });
    expect(conversations.status).toBe(200);
    const withProvider = conversations.body.conversations.filter((c: { memberIds: string[] }) =>
      c.memberIds.includes(provider.id),
    );
    expect(withProvider).toHaveLength(1);
  });

  it("refunds exactly the difference on the same intent when the target is cheaper", async () => {
    // 45 minutes at 6000/h: 4500, so 1500 goes back.
    const { target, student, booking } = await confirmedWorld({ targetMinutes: 45 });
    expect(target.price.amount).toBe(Math.round((RATE * 45) / 60));
    const difference = booking.amount - target.price.amount;
    expect(difference).toBe(1500);

    const res = await reschedule(student.token, booking.id, target.id);
    expect(res.status).toBe(200);
    const moved = res.body.booking;
    expect(moved).toMatchObject({ amount: 4500, paymentIntentId: booking.paymentIntentId });
    await deliverAll(standin);
    await runQueuedEffects(target.id);
    await deliverAll(standin);

    const refunds = refundsFor(standin, booking.paymentIntentId);
    expect(refunds.map((r) => r.amount)).toEqual([difference]);
    expect(intent(booking.paymentIntentId)).toMatchObject({ amount_received: RATE });
    expect(await getBooking(student.token, moved.id)).toMatchObject({
      status: "CONFIRMED",
      amount: 4500,
      amountRefunded: difference,
    });
    expect(await getBooking(student.token, booking.id)).toMatchObject({
      status: "CANCELLED",
      rescheduledTo: moved.id,
    });
  });

  it("answers a repeated identical request with the same new booking and no second refund", async () => {
    const { target, student, booking } = await confirmedWorld({ targetMinutes: 30 });
    const first = await reschedule(student.token, booking.id, target.id);
    expect(first.status).toBe(200);
    await deliverAll(standin);

    const again = await reschedule(student.token, booking.id, target.id);
    expect(again.status).toBe(200);
    expect(again.body.booking.id).toBe(first.body.booking.id);
    expect(again.body.booking).toMatchObject({ status: "CONFIRMED", rescheduledFrom: booking.id });
    await deliverAll(standin);
    expect(refundsFor(standin, booking.paymentIntentId).map((r) => r.amount)).toEqual([3000]);
    expect(await countRows("SELECT COUNT(*) AS n FROM bookings WHERE rescheduled_from = ?", booking.id)).toBe(
      1,
    );
    expect((await getSlot(student.token, target.id)).seatsTaken).toBe(1);
  });
});

describe("reschedule: refusals leave everything as it was", () => {
  it("returns 409 RESCHEDULE_PRICE_HIGHER for a dearer target", async () => {
    const { target, student, booking } = await confirmedWorld({ targetMinutes: 90 });
    const error = expectError(
      await reschedule(student.token, booking.id, target.id),
      409,
      "RESCHEDULE_PRICE_HIGHER",
    );
    expect(error.message.length).toBeGreaterThan(0);
    await expectNotMoved(student, booking, target.id);
  });

  it("returns 409 RESCHEDULE_NOT_ALLOWED for another provider's slot", async () => {
    const { student, booking } = await confirmedWorld();
    const other = await world({ stripe: standin, hourlyRate: RATE, slot: { startsInHours: 54 } });
    expectError(await reschedule(student.token, booking.id, other.slot.id), 409, "RESCHEDULE_NOT_ALLOWED");
    await expectNotMoved(student, booking, other.slot.id);
  });

  it("returns 409 RESCHEDULE_NOT_ALLOWED for another session type", async () => {
    const { student, booking, addSlot } = await confirmedWorld();
    const group = await addSlot({ startsInHours: 80, seats: 3 });
    expectError(await reschedule(student.token, booking.id, group.id), 409, "RESCHEDULE_NOT_ALLOWED");
    await expectNotMoved(student, booking, group.id);
  });

  it("returns 409 SLOT_FULL when the target's only seat is taken", async () => {
    const { target, student, booking, paidBooking, newStudent } = await confirmedWorld();
    const other = await newStudent();
    await paidBooking(other, target);
    expectError(await reschedule(student.token, booking.id, target.id), 409, "SLOT_FULL");
    await expectNotMoved(student, booking, target.id, 1);
  });

  it("returns 409 ALREADY_BOOKED when the student already has a seat in the target", async () => {
    const w = await world({ stripe: standin, hourlyRate: RATE, slot: { startsInHours: 30, seats: 3 } });
    const target = await w.addSlot({ startsInHours: 54, seats: 3 });
    const student = await w.student();
    const booking = await w.paidBooking(student);
    await w.paidBooking(student, target);
    expectError(await reschedule(student.token, booking.id, target.id), 409, "ALREADY_BOOKED");
    await expectNotMoved(student, booking, target.id, 1);
  });

  it("returns 409 SLOT_NOT_BOOKABLE for a cancelled target", async () => {
    const { provider, target, student, booking, paidBooking, newStudent } = await confirmedWorld();
    const other = await newStudent();
    const otherBooking = await paidBooking(other, target);
    expect(
      (await call("POST", `/api/sessions/${otherBooking.sessionId}/cancel`, { token: provider.token }))
        .status,
    ).toBe(200);
    expect((await getSlot(student.token, target.id)).status).toBe("CANCELLED");
    expectError(await reschedule(student.token, booking.id, target.id), 409, "SLOT_NOT_BOOKABLE");
    await expectNotMoved(student, booking, target.id);
  });

  it("returns 409 SLOT_NOT_BOOKABLE for a target that has already started", async () => {
    const { target, student, booking } = await confirmedWorld();
    const now = Date.now();
    await env.DB.prepare("UPDATE slots SET starts_at = ?, ends_at = ? WHERE id = ?")
      .bind(now - 10 * 60_000, now + 50 * 60_000, target.id)
      .run();
    expectError(await reschedule(student.token, booking.id, target.id), 409, "SLOT_NOT_BOOKABLE");
    await expectNotMoved(student, booking, target.id);
  });

  it("returns 409 BOOKING_NOT_ACTIVE for a booking still waiting for payment", async () => {
    const w = await world({ stripe: standin, hourlyRate: RATE, slot: { startsInHours: 30 } });
    const student = await w.student();
    const target = await w.addSlot({ startsInHours: 54 });
    const pending = await bookOk(student.token, w.slot.id);
    expectError(await reschedule(student.token, pending.bookingId, target.id), 409, "BOOKING_NOT_ACTIVE");
    expect(await getBooking(student.token, pending.bookingId)).toMatchObject({ status: "PENDING_PAYMENT" });
    expect((await getSlot(student.token, target.id)).seatsTaken).toBe(0);
  });

  it("returns 409 BOOKING_NOT_ACTIVE for a cancelled booking", async () => {
    const { target, student, booking } = await confirmedWorld();
    expect((await call("POST", `/api/bookings/${booking.id}/cancel`, { token: student.token })).status).toBe(
      200,
    );
    await deliverAll(standin);
    expectError(await reschedule(student.token, booking.id, target.id), 409, "BOOKING_NOT_ACTIVE");
    expect((await getSlot(student.token, target.id)).seatsTaken).toBe(0);
    expect(await countRows("SELECT COUNT(*) AS n FROM bookings WHERE rescheduled_from = ?", booking.id)).toBe(
      0,
    );
  });

  it("returns 403 FORBIDDEN when another student asks", async () => {
    const { target, booking, student, newStudent } = await confirmedWorld();
    const stranger = await newStudent();
    expectError(await reschedule(stranger.token, booking.id, target.id), 403, "FORBIDDEN");
    await expectNotMoved(student, booking, target.id);
  });
});

describe("reschedule: the booking's own policy decides the notice", () => {
  it("returns 409 RESCHEDULE_TOO_LATE when the policy booked under needs 48 h and 30 h are left", async () => {
    const w = await world({ stripe: standin, hourlyRate: RATE, slot: false });
    expect((await setPolicy(w.provider, 48)).status).toBe(200);
    const source = await w.addSlot({ startsInHours: 30 });
    const target = await w.addSlot({ startsInHours: 80 });
    const student = await w.student();
    const booking = await w.paidBooking(student, source);
    expect(booking.cancellationPolicy).toMatchObject({ rescheduleMinNoticeHours: 48 });

    expectError(await reschedule(student.token, booking.id, target.id), 409, "RESCHEDULE_TOO_LATE");
    await expectNotMoved(student, booking, target.id);

    // Relaxing the policy afterwards does not change the booking's terms.
    expect((await setPolicy(w.provider, 0)).status).toBe(200);
    expectError(await reschedule(student.token, booking.id, target.id), 409, "RESCHEDULE_TOO_LATE");
    await expectNotMoved(student, booking, target.id);
  });

  it("ignores a stricter policy the provider set after the booking was made", async () => {
    const { provider, target, student, booking } = await confirmedWorld();
    expect(booking.cancellationPolicy).toMatchObject({ rescheduleMinNoticeHours: 0 });
    expect((await setPolicy(provider, 48)).status).toBe(200);
    const res = await reschedule(student.token, booking.id, target.id);
    expect(res.status).toBe(200);
    expect(res.body.booking).toMatchObject({ slotId: target.id, status: "CONFIRMED" });
  });
});

describe("reschedule: concurrency", () => {
  it("gives a 1-to-1 target to exactly one of two students moving in at once; the other gets 409 SLOT_FULL", async () => {
    const w = await world({ stripe: standin, hourlyRate: RATE, slot: false });
    const target = await w.addSlot({ startsInHours: 60 });
    const [a, b] = [await w.student(), await w.student()];
    const slotA = await w.addSlot({ startsInHours: 30 });
    const slotB = await w.addSlot({ startsInHours: 31 });
    const bookingA = await w.paidBooking(a, slotA);
    const bookingB = await w.paidBooking(b, slotB);

    const results = await Promise.all([
      reschedule(a.token, bookingA.id, target.id),
      reschedule(b.token, bookingB.id, target.id),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    const loserIndex = results.findIndex((r) => r.status === 409);
    expectError(results[loserIndex] as (typeof results)[number], 409, "SLOT_FULL");
    const [loser, loserBooking, loserSlot] = loserIndex === 0 ? [a, bookingA, slotA] : [b, bookingB, slotB];
    await deliverAll(standin);

    expect(await getBooking(loser.token, loserBooking.id)).toMatchObject({
      status: "CONFIRMED",
      slotId: loserSlot.id,
    });
    expect((await getSlot(loser.token, loserSlot.id)).seatsTaken).toBe(1);
    expect((await getSlot(loser.token, target.id)).seatsTaken).toBe(1);
    expect(
      await countRows(
        "SELECT COUNT(*) AS n FROM bookings WHERE slot_id = ? AND status = 'CONFIRMED'",
        target.id,
      ),
    ).toBe(1);
    expect(refundsFor(standin, loserBooking.paymentIntentId)).toEqual([]);
  });
});

describe("reschedule: the two objects converge when the coordinator dies between steps", () => {
  it("abandons a move whose source never gave its seat up: hold RELEASED, move fenced, booking stays", async () => {
    const { source, target, student, booking } = await confirmedWorld();
    const newBookingId = `bkg_crashA${Date.now().toString(36)}`;
    const targetStub = slotStub(target.id);
    const sourceStub = slotStub(source.id);

    const kept = await targetStub.moveIn(await moveInput(booking, target.id, newBookingId));
    expect(kept).toEqual({ ok: true, value: { bookingId: newBookingId, status: "MOVING" } });
    expect(await targetStub.seatsTaken()).toBe(1);

    // The coordinator died here. The deadline passes; the target asks the source.
    await lapseMoveAndRunAlarm(target.id, newBookingId);
    expect((await holdsOf(target.id)).find((h) => h.booking_id === newBookingId)?.status).toBe("RELEASED");
    expect(await targetStub.seatsTaken()).toBe(0);

    // A late moveOut for that move is refused: it was fenced off for good.
    const late = await sourceStub.moveOut({
      bookingId: booking.id,
      newBookingId,
      policy: DEFAULT_CANCELLATION_POLICY,
    });
    expect(late).toMatchObject({ ok: false, error: { code: "BOOKING_NOT_ACTIVE" } });
    // And a late completeMove too.
    const complete = await targetStub.completeMove(newBookingId);
    expect(complete).toMatchObject({ ok: false, error: { code: "BOOKING_NOT_ACTIVE" } });

    expect((await holdsOf(source.id)).find((h) => h.booking_id === booking.id)?.status).toBe("CONFIRMED");
    expect(await getBooking(student.token, booking.id)).toMatchObject({
      status: "CONFIRMED",
      slotId: source.id,
    });
    expect(await countRows("SELECT COUNT(*) AS n FROM bookings WHERE id = ?", newBookingId)).toBe(0);
    expect((await getSlot(student.token, target.id)).seatsTaken).toBe(0);
    expect((await getSlot(student.token, source.id)).seatsTaken).toBe(1);

    // The seat is free again: a real reschedule into it now goes through.
    const retry = await reschedule(student.token, booking.id, target.id);
    expect(retry.status).toBe(200);
    expect(retry.body.booking.id).not.toBe(newBookingId);
  });

  it("completes a move whose source gave its seat up: D1 ends as after the happy path", async () => {
    const { provider, source, target, student, booking } = await confirmedWorld();
    const newBookingId = `bkg_crashB${Date.now().toString(36)}`;
    const targetStub = slotStub(target.id);
    const sourceStub = slotStub(source.id);

    expect((await targetStub.moveIn(await moveInput(booking, target.id, newBookingId))).ok).toBe(true);
    expect(
      await sourceStub.moveOut({ bookingId: booking.id, newBookingId, policy: DEFAULT_CANCELLATION_POLICY }),
    ).toEqual({ ok: true, value: "moved" });
    // The coordinator died before completeMove: D1 has not heard yet.
    expect(await getBooking(student.token, booking.id)).toMatchObject({ status: "CONFIRMED" });

    await lapseMoveAndRunAlarm(target.id, newBookingId);
    await deliverAll(standin);

    const moved = await getBooking(student.token, newBookingId);
    expect(moved).toMatchObject({
      slotId: target.id,
      status: "CONFIRMED",
      rescheduledFrom: booking.id,
      paymentIntentId: booking.paymentIntentId,
      amount: target.price.amount,
      amountRefunded: 0,
    });
    expect(await getBooking(student.token, booking.id)).toMatchObject({
      status: "CANCELLED",
      rescheduledTo: newBookingId,
    });
    expect(refundsFor(standin, booking.paymentIntentId)).toEqual([]);
    expect((await getSlot(student.token, target.id)).seatsTaken).toBe(1);
    expect((await getSlot(student.token, source.id)).seatsTaken).toBe(0);
    expect((await session(student.token, moved.sessionId)).participants).toEqual([
      expect.objectContaining({ userId: student.id, status: "CONFIRMED" }),
    ]);
    expect((await session(provider.token, booking.sessionId)).participants).toEqual([
      expect.objectContaining({ userId: student.id, status: "CANCELLED" }),
    ]);
    // A repeated request from the student now answers with that booking.
    const again = await reschedule(student.token, booking.id, target.id);
    expect(again.status).toBe(200);
    expect(again.body.booking.id).toBe(newBookingId);
  });

  it("writes D1 on the retry when the move's D1 batch failed once, with one booking and one refund", async () => {
    const { target, student, booking } = await confirmedWorld({ targetMinutes: 30 });
    // The move's D1 batch (it inserts the new booking) fails while this trigger exists.
    const trigger = `fail_move_${booking.id.replace(/[^A-Za-z0-9_]/g, "_")}`;
    await env.DB.prepare(
      `CREATE TRIGGER ${trigger} BEFORE INSERT ON bookings WHEN NEW.rescheduled_from = '${booking.id}'
       BEGIN SELECT RAISE(ABORT, 'simulated D1 outage'); END`,
    ).run();
    let first: Awaited<ReturnType<typeof reschedule>>;
    try {
      first = await reschedule(student.token, booking.id, target.id);
    } finally {
      await env.DB.prepare(`DROP TRIGGER IF EXISTS ${trigger}`).run();
    }
    // The seats moved in the objects; D1 had not heard when the request answered, which still
    // answers with the moved booking (D1 follows from the target's outbox).
    expect(first.status).toBe(200);
    expect(first.body.booking).toMatchObject({
      status: "CONFIRMED",
      rescheduledFrom: booking.id,
      amount: 3000,
    });
    expect(first.body.booking.sessionId).toBeUndefined();
    const pending = (await runInDurableObject(slotStub(target.id), (instance) => instance.inspect())).effects;
    expect(pending.map((e) => e.kind)).toContain("move_in");

    await runQueuedEffects(target.id);
    await deliverAll(standin);
    const again = await reschedule(student.token, booking.id, target.id);
    expect(again.status).toBe(200);
    const moved = again.body.booking;
    expect(moved).toMatchObject({ status: "CONFIRMED", amount: 3000, rescheduledFrom: booking.id });

    // Completing again and running the alarm again changes nothing.
    expect(await slotStub(target.id).completeMove(moved.id)).toEqual({ ok: true, value: "confirmed" });
    await runQueuedEffects(target.id);
    await deliverAll(standin);

    expect(await countRows("SELECT COUNT(*) AS n FROM bookings WHERE rescheduled_from = ?", booking.id)).toBe(
      1,
    );
    expect(refundsFor(standin, booking.paymentIntentId).map((r) => r.amount)).toEqual([3000]);
    expect(await getBooking(student.token, moved.id)).toMatchObject({
      status: "CONFIRMED",
      amountRefunded: 3000,
      paymentIntentId: booking.paymentIntentId,
    });
    expect(await getBooking(student.token, booking.id)).toMatchObject({
      status: "CANCELLED",
      rescheduledTo: moved.id,
    });
    expect((await getSlot(student.token, target.id)).seatsTaken).toBe(1);
    expect((await runInDurableObject(slotStub(target.id), (instance) => instance.inspect())).effects).toEqual(
      [],
    );
  });

  it("is idempotent when completeMove and the alarm run again after a successful cheaper move", async () => {
    const { target, student, booking } = await confirmedWorld({ targetMinutes: 45 });
    const res = await reschedule(student.token, booking.id, target.id);
    expect(res.status).toBe(200);
    const moved = res.body.booking;
    await deliverAll(standin);

    const targetStub = slotStub(target.id);
    for (let i = 0; i < 2; i++) {
      expect(await targetStub.completeMove(moved.id)).toEqual({ ok: true, value: "confirmed" });
      await runQueuedEffects(target.id);
      await deliverAll(standin);
    }
    expect(await countRows("SELECT COUNT(*) AS n FROM bookings WHERE rescheduled_from = ?", booking.id)).toBe(
      1,
    );
    expect(refundsFor(standin, booking.paymentIntentId).map((r) => r.amount)).toEqual([1500]);
    expect(await getBooking(student.token, moved.id)).toMatchObject({
      status: "CONFIRMED",
      amountRefunded: 1500,
    });
  });
});

describe("reschedule: the freed seat", () => {
  it("offers the seat left behind to the first student on the source slot's waitlist", async () => {
    const { source, target, student, booking, newStudent } = await confirmedWorld();
    const waiting = await newStudent();
    const joined = await call("POST", `/api/slots/${source.id}/waitlist`, { token: waiting.token });
    expect(joined.status).toBe(201);
    expect(joined.body).toMatchObject({ status: "WAITING", position: 1 });

    const before = Date.now();
    expect((await reschedule(student.token, booking.id, target.id)).status).toBe(200);

    const mine = await call("GET", "/api/me/waitlist", { token: waiting.token });
    expect(mine.status).toBe(200);
    expect(mine.body.entries).toEqual([
      expect.objectContaining({ id: joined.body.id, slotId: source.id, status: "OFFERED" }),
    ]);
    const expiresAt = Date.parse(mine.body.entries[0].offerExpiresAt);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 900_000 - 5_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 900_000 + 5_000);

    // The offered student takes the seat.
    const taken = await bookOk(waiting.token, source.id);
    expect(taken.bookingId).toMatch(/^bkg/);
  });
});

describe("reschedule: more races and follow-ups", () => {
  it("answers two identical concurrent requests with the same new booking and one refund", async () => {
    const { target, student, booking } = await confirmedWorld({ targetMinutes: 30 });
    const results = await Promise.all([
      reschedule(student.token, booking.id, target.id),
      reschedule(student.token, booking.id, target.id),
    ]);
    expect(results.map((r) => r.status)).toEqual([200, 200]);
    expect(results[0]?.body.booking.id).toBe(results[1]?.body.booking.id);
    await deliverAll(standin);
    await runQueuedEffects(target.id);
    expect(await countRows("SELECT COUNT(*) AS n FROM bookings WHERE rescheduled_from = ?", booking.id)).toBe(
      1,
    );
    expect(refundsFor(standin, booking.paymentIntentId).map((r) => r.amount)).toEqual([3000]);
    expect((await getSlot(student.token, target.id)).seatsTaken).toBe(1);
  });

  it("moves a booking sent to two targets at once into exactly one of them", async () => {
    const { target, student, booking, addSlot } = await confirmedWorld();
    const second = await addSlot({ startsInHours: 80 });
    const results = await Promise.all([
      reschedule(student.token, booking.id, target.id),
      reschedule(student.token, booking.id, second.id),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    const winner = results.find((r) => r.status === 200)?.body.booking;
    const loser = results.find((r) => r.status === 409) as (typeof results)[number];
    expectError(loser, 409, "BOOKING_NOT_ACTIVE");
    await deliverAll(standin);
    expect(await countRows("SELECT COUNT(*) AS n FROM bookings WHERE rescheduled_from = ?", booking.id)).toBe(
      1,
    );
    const loserSlotId = winner.slotId === target.id ? second.id : target.id;
    expect((await getSlot(student.token, winner.slotId)).seatsTaken).toBe(1);
    expect((await getSlot(student.token, loserSlotId)).seatsTaken).toBe(0);
    expect(await slotStub(loserSlotId).seatsTaken()).toBe(0);
    expect(await getBooking(student.token, booking.id)).toMatchObject({
      status: "CANCELLED",
      rescheduledTo: winner.id,
    });
  });

  it("either moves or cancels, never both, when the student cancels while rescheduling", async () => {
    const { source, target, student, booking } = await confirmedWorld();
    const [moved, cancelled] = await Promise.all([
      reschedule(student.token, booking.id, target.id),
      call("POST", `/api/bookings/${booking.id}/cancel`, { token: student.token }),
    ]);
    await deliverAll(standin);
    await runQueuedEffects(source.id);
    await runQueuedEffects(target.id);
    await deliverAll(standin);
    const refunded = refundsFor(standin, booking.paymentIntentId).reduce((sum, r) => sum + r.amount, 0);
    const newBookings = await countRows(
      "SELECT COUNT(*) AS n FROM bookings WHERE rescheduled_from = ?",
      booking.id,
    );
    if (moved.status === 200) {
      expectError(cancelled, 409, "BOOKING_NOT_ACTIVE");
      expect({ refunded, newBookings }).toEqual({ refunded: 0, newBookings: 1 });
      expect((await getSlot(student.token, target.id)).seatsTaken).toBe(1);
    } else {
      expect(cancelled.status).toBe(200);
      expect(moved.status).toBe(409);
      expect({ refunded, newBookings }).toEqual({ refunded: RATE, newBookings: 0 });
      expect((await getSlot(student.token, target.id)).seatsTaken).toBe(0);
      expect(await slotStub(target.id).seatsTaken()).toBe(0);
    }
    expect((await getSlot(student.token, source.id)).seatsTaken).toBe(0);
  });

  it("returns 409 SLOT_FULL for a target whose free seat is offered to a waitlisted student", async () => {
    const { target, student, booking, paidBooking, newStudent } = await confirmedWorld();
    const seated = await newStudent();
    const seatedBooking = await paidBooking(seated, target);
    const waiting = await newStudent();
    expect((await call("POST", `/api/slots/${target.id}/waitlist`, { token: waiting.token })).status).toBe(
      201,
    );
    expect(
      (await call("POST", `/api/bookings/${seatedBooking.id}/cancel`, { token: seated.token })).status,
    ).toBe(200);
    const line = await call("GET", "/api/me/waitlist", { token: waiting.token });
    expect(line.body.entries[0]).toMatchObject({ status: "OFFERED" });

    expectError(await reschedule(student.token, booking.id, target.id), 409, "SLOT_FULL");
    await expectNotMoved(student, booking, target.id, 1);
  });

  it("refunds exactly the new price when the student cancels a booking moved to a cheaper slot", async () => {
    const { target, student, booking } = await confirmedWorld({ targetMinutes: 45 });
    const moved = (await reschedule(student.token, booking.id, target.id)).body.booking;
    await deliverAll(standin);
    const cancel = await call("POST", `/api/bookings/${moved.id}/cancel`, { token: student.token });
    expect(cancel.status).toBe(200);
    await deliverAll(standin);
    expect(
      refundsFor(standin, booking.paymentIntentId)
        .map((r) => r.amount)
        .sort((x, y) => x - y),
    ).toEqual([1500, 4500]);
    expect(await getBooking(student.token, moved.id)).toMatchObject({
      status: "CANCELLED",
      paymentStatus: "REFUNDED",
      amountRefunded: RATE,
    });
  });

  it("moves a booking twice, each time to a cheaper slot, refunding each difference once", async () => {
    const { target, student, booking, addSlot } = await confirmedWorld({ targetMinutes: 45 });
    const third = await addSlot({ startsInHours: 80, durationMinutes: 30 });
    const first = (await reschedule(student.token, booking.id, target.id)).body.booking;
    await deliverAll(standin);
    const again = await reschedule(student.token, first.id, third.id);
    expect(again.status).toBe(200);
    const second = again.body.booking;
    await deliverAll(standin);
    expect(second).toMatchObject({ slotId: third.id, amount: 3000, rescheduledFrom: first.id });
    expect(refundsFor(standin, booking.paymentIntentId).map((r) => r.amount)).toEqual([1500, 1500]);
    expect(await getBooking(student.token, second.id)).toMatchObject({
      status: "CONFIRMED",
      amountRefunded: 3000,
    });
    expect(await getBooking(student.token, first.id)).toMatchObject({
      status: "CANCELLED",
      rescheduledTo: second.id,
    });
    expect((await getSlot(student.token, target.id)).seatsTaken).toBe(0);
    expect((await getSlot(student.token, third.id)).seatsTaken).toBe(1);
  });

  it("keeps the student's seat or money when the target is cancelled after the source gave its seat up", async () => {
    const w = await world({ stripe: standin, hourlyRate: RATE, slot: { startsInHours: 30, seats: 3 } });
    const target = await w.addSlot({ startsInHours: 54, seats: 3 });
    const [student, other] = [await w.student(), await w.student()];
    const booking = await w.paidBooking(student);
    const otherBooking = await w.paidBooking(other, target);
    const newBookingId = `bkg_crashC${Date.now().toString(36)}`;

    expect((await slotStub(target.id).moveIn(await moveInput(booking, target.id, newBookingId))).ok).toBe(
      true,
    );
    expect(
      await slotStub(w.slot.id).moveOut({
        bookingId: booking.id,
        newBookingId,
        policy: DEFAULT_CANCELLATION_POLICY,
      }),
    ).toEqual({ ok: true, value: "moved" });
    // The coordinator died before completeMove; then the provider cancels the target lesson.
    const cancel = await call("POST", `/api/sessions/${otherBooking.sessionId}/cancel`, {
      token: w.provider.token,
    });
    expect(cancel.status).toBe(200);
    await runQueuedEffects(target.id);
    await runQueuedEffects(w.slot.id);
    await deliverAll(standin);

    const old = await getBooking(student.token, booking.id);
    const sourceHold = (await holdsOf(w.slot.id)).find((h) => h.booking_id === booking.id);
    const refunded = refundsFor(standin, booking.paymentIntentId).reduce((sum, r) => sum + r.amount, 0);
    // Either the seat is still the student's (D1 and the source object agree) or all the money is back.
    const seatKept = old.status === "CONFIRMED" && sourceHold?.status === "CONFIRMED";
    expect({ d1: old.status, sourceObject: sourceHold?.status, refunded, seatKept }).toSatisfy(
      (s: { seatKept: boolean; refunded: number }) => s.seatKept || s.refunded === RATE,
    );
  });
});
