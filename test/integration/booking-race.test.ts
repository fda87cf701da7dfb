import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { StripeStandin } from "../../scripts/stripe-standin/handler";
import { registerUser, unique } from "../helpers/api";
import { book, countRows, getSlot, intentsForSlot, students } from "../helpers/bookings";
import { expectError } from "../helpers/fixtures";
import { installStripeStandin } from "../helpers/stripe";
import { world } from "../helpers/world";

let standin: StripeStandin;
beforeEach(() => {
  standin = installStripeStandin();
});
afterEach(() => {
  vi.restoreAllMocks();
});

function statusCounts(results: { status: number; body: any }[]) {
  const counts: Record<string, number> = {};
  for (const r of results) {
    const key = r.status === 201 ? "201" : `${r.status} ${r.body?.error?.code}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

describe("concurrent bookings through the worker", () => {
  it("40 students racing for a 5-seat GROUP slot: exactly 5 × 201 and 35 × 409 SLOT_FULL", async () => {
    const { provider, slot } = await world({ slot: { seats: 5 } });
    const racers = await students(40);

    const results = await Promise.all(racers.map((s) => book(s.token, slot.id)));

    expect(statusCounts(results)).toEqual({ "201": 5, "409 SLOT_FULL": 35 });
    for (const r of results.filter((r) => r.status === 409)) expectError(r, 409, "SLOT_FULL");
    const winners = results.filter((r) => r.status === 201);
    for (const w of winners) {
      expect(w.body.booking).toMatchObject({ slotId: slot.id, status: "PENDING_PAYMENT", amount: 6000 });
      expect(w.body.payment.clientSecret).toMatch(/^pi_.+_secret_/);
    }
    expect(new Set(winners.map((w) => w.body.booking.studentId)).size).toBe(5);
    expect(new Set(winners.map((w) => w.body.booking.id)).size).toBe(5);

    expect(await getSlot(provider.token, slot.id)).toMatchObject({
      seatsTaken: 5,
      seatsLeft: 0,
      status: "FULL",
    });
    expect(
      await countRows(
        "SELECT COUNT(*) AS n FROM bookings WHERE slot_id = ? AND status = 'PENDING_PAYMENT'",
        slot.id,
      ),
    ).toBe(5);
    expect(await countRows("SELECT COUNT(*) AS n FROM bookings WHERE slot_id = ?", slot.id)).toBe(5);

    const intents = intentsForSlot(standin, slot.id);
    expect(intents).toHaveLength(5);
    expect(new Set(intents.map((pi) => pi.metadata.bookingId))).toEqual(
      new Set(winners.map((w) => w.body.booking.id)),
    );
    for (const pi of intents) expect(pi).toMatchObject({ amount: 6000, capture_method: "manual" });
  });

  it("8 students racing for a ONE_TO_ONE slot: exactly 1 × 201, 7 × 409 SLOT_FULL", async () => {
    const { provider, slot } = await world({ slot: { sessionType: "ONE_TO_ONE" } });
    const racers = await students(8);

    const results = await Promise.all(racers.map((s) => book(s.token, slot.id)));

    expect(statusCounts(results)).toEqual({ "201": 1, "409 SLOT_FULL": 7 });
    expect(await getSlot(provider.token, slot.id)).toMatchObject({
      seatsTaken: 1,
      seatsLeft: 0,
      status: "FULL",
    });
    expect(await countRows("SELECT COUNT(*) AS n FROM bookings WHERE slot_id = ?", slot.id)).toBe(1);
    expect(intentsForSlot(standin, slot.id)).toHaveLength(1);
  });

  it("one student firing 5 parallel bookings without a key: 1 × 201, 4 × 409 ALREADY_BOOKED", async () => {
    const { provider, slot } = await world({ slot: { seats: 5 } });
    const student = await registerUser("student");

    const results = await Promise.all(Array.from({ length: 5 }, () => book(student.token, slot.id)));

    expect(statusCounts(results)).toEqual({ "201": 1, "409 ALREADY_BOOKED": 4 });
    for (const r of results.filter((r) => r.status === 409)) expectError(r, 409, "ALREADY_BOOKED");
    expect(await getSlot(provider.token, slot.id)).toMatchObject({
      seatsTaken: 1,
      seatsLeft: 4,
      status: "OPEN",
    });
    expect(
      await countRows(
        "SELECT COUNT(*) AS n FROM bookings WHERE slot_id = ? AND student_id = ?",
        slot.id,
        student.id,
      ),
    ).toBe(1);
    expect(intentsForSlot(standin, slot.id)).toHaveLength(1);
  });
});

describe("Idempotency-Key on POST /api/slots/:id/bookings", () => {
  it("the same key twice in sequence → 201 both times, same booking id and clientSecret, one intent", async () => {
    const { slot } = await world({ slot: { seats: 3 } });
    const student = await registerUser("student");
    const key = unique("idem-");

    const first = await book(student.token, slot.id, key);
    const second = await book(student.token, slot.id, key);

    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body.booking.id).toBe(first.body.booking.id);
    expect(second.body.payment.clientSecret).toBe(first.body.payment.clientSecret);
    expect(second.body.payment.paymentIntentId).toBe(first.body.payment.paymentIntentId);
    expect(typeof first.body.payment.clientSecret).toBe("string");
    expect(intentsForSlot(standin, slot.id)).toHaveLength(1);
    expect(await countRows("SELECT COUNT(*) AS n FROM bookings WHERE slot_id = ?", slot.id)).toBe(1);
  });

  it("the same key 5 times in parallel → 201 each, one booking id, one clientSecret, one intent", async () => {
    const { slot } = await world({ slot: { seats: 3 } });
    const student = await registerUser("student");
    const key = unique("idem-");

    const results = await Promise.all(Array.from({ length: 5 }, () => book(student.token, slot.id, key)));

    expect(results.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
    expect(new Set(results.map((r) => r.body.booking.id)).size).toBe(1);
    expect(new Set(results.map((r) => r.body.payment.clientSecret)).size).toBe(1);
    expect(results[0]!.body.payment.clientSecret).toMatch(/^pi_.+_secret_/);
    expect(intentsForSlot(standin, slot.id)).toHaveLength(1);
    expect(await countRows("SELECT COUNT(*) AS n FROM bookings WHERE slot_id = ?", slot.id)).toBe(1);
  });

  it("a different key from the same student → 409 ALREADY_BOOKED", async () => {
    const { slot } = await world({ slot: { seats: 3 } });
    const student = await registerUser("student");
    expect((await book(student.token, slot.id, unique("idem-"))).status).toBe(201);

    expectError(await book(student.token, slot.id, unique("idem-")), 409, "ALREADY_BOOKED");
    expect(intentsForSlot(standin, slot.id)).toHaveLength(1);
  });

  it("the same key on another slot → 400 VALIDATION_FAILED, nothing booked there", async () => {
    const first = await world({ slot: { seats: 3 } });
    const other = await world({ slot: { seats: 3 } });
    const student = await registerUser("student");
    const key = unique("idem-");
    expect((await book(student.token, first.slot.id, key)).status).toBe(201);

    expectError(await book(student.token, other.slot.id, key), 400, "VALIDATION_FAILED");
    expect(intentsForSlot(standin, other.slot.id)).toHaveLength(0);
    expect(await countRows("SELECT COUNT(*) AS n FROM bookings WHERE slot_id = ?", other.slot.id)).toBe(0);
    expect((await getSlot(other.provider.token, other.slot.id)).seatsTaken).toBe(0);
    // The key stays bound to the first slot's booking.
    const replay = await book(student.token, first.slot.id, key);
    expect(replay.status).toBe(201);
    const rows = await env.DB.prepare("SELECT id FROM bookings WHERE student_id = ?").bind(student.id).all();
    expect(rows.results).toHaveLength(1);
  });
});
