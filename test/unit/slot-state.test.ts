import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type CancelDecision,
  decideAuthorization,
  decideHold,
  decideIntentCanceled,
  decideStudentCancel,
  decideSucceeded,
  dueForExpiry,
  type Hold,
  type HoldRequest,
  type HoldStatus,
  holdsSeat,
  type SlotFacts,
  seatsTaken,
} from "../../durable-objects/slot-state";

const NOW = Date.parse("2027-03-01T10:00:00Z");
const HOLD_MS = 600_000;
/** A lesson 30 hours away, not started: every v1 rule applies as before. */
const SLOT: SlotFacts = {
  startsAt: NOW + 30 * 3_600_000,
  endsAt: NOW + 31 * 3_600_000,
  session: "SCHEDULED",
};
const ALL_STATUSES: HoldStatus[] = ["HELD", "CAPTURING", "CONFIRMED", "EXPIRED", "CANCELLED", "RELEASED"];

let seq = 0;
function hold(overrides: Partial<Hold> = {}): Hold {
  seq += 1;
  return {
    bookingId: `bkg_${seq}`,
    studentId: `stu_${seq}`,
    status: "HELD",
    expiresAt: NOW + HOLD_MS,
    idempotencyKey: null,
    ...overrides,
  };
}

function request(overrides: Partial<HoldRequest> = {}): HoldRequest {
  return {
    bookingId: "bkg_new",
    studentId: "stu_new",
    idempotencyKey: null,
    capacity: 1,
    holdMs: HOLD_MS,
    now: NOW,
    ...overrides,
  };
}

describe("holdsSeat / seatsTaken / dueForExpiry", () => {
  it.each([
    { status: "HELD", expiresAt: NOW + 1, seat: true, due: false },
    { status: "HELD", expiresAt: NOW, seat: false, due: true },
    { status: "HELD", expiresAt: NOW - 1, seat: false, due: true },
    { status: "CAPTURING", expiresAt: NOW - 1, seat: true, due: false },
    { status: "CONFIRMED", expiresAt: NOW - 1, seat: true, due: false },
    { status: "CAPTURING", expiresAt: NOW + 1, seat: true, due: false },
    { status: "CONFIRMED", expiresAt: NOW + 1, seat: true, due: false },
    { status: "EXPIRED", expiresAt: NOW + 1, seat: false, due: false },
    { status: "CANCELLED", expiresAt: NOW + 1, seat: false, due: false },
    { status: "RELEASED", expiresAt: NOW + 1, seat: false, due: false },
    { status: "EXPIRED", expiresAt: NOW - 1, seat: false, due: false },
  ] as const)(
    "$status expiring at now+($expiresAt - now) → seat $seat, due $due",
    ({ status, expiresAt, seat, due }) => {
      const h = hold({ status, expiresAt });
      expect(holdsSeat(h, NOW)).toBe(seat);
      expect(seatsTaken([h], NOW)).toBe(seat ? 1 : 0);
      expect(dueForExpiry([h], NOW)).toEqual(due ? [h] : []);
    },
  );

  it("counts only seat-holding holds among many, and lists only the lapsed HELD ones as due", () => {
    const lapsed = hold({ expiresAt: NOW - 5 });
    const atEdge = hold({ expiresAt: NOW });
    const holds = [
      hold(),
      hold({ status: "CAPTURING" }),
      hold({ status: "CONFIRMED" }),
      lapsed,
      atEdge,
      hold({ status: "EXPIRED" }),
      hold({ status: "CANCELLED" }),
      hold({ status: "RELEASED" }),
    ];
    expect(seatsTaken(holds, NOW)).toBe(3);
    expect(seatsTaken([], NOW)).toBe(0);
    expect(dueForExpiry(holds, NOW)).toEqual([lapsed, atEdge]);
    // A minute later the fresh HELD one has not lapsed yet (600 s hold).
    expect(seatsTaken(holds, NOW + 60_000)).toBe(3);
    // Past the hold, only CAPTURING and CONFIRMED still hold seats.
    expect(seatsTaken(holds, NOW + HOLD_MS)).toBe(2);
  });
});

describe("decideHold", () => {
  it("NEW: grants a fresh HELD hold expiring holdMs from now, carrying the key", () => {
    const decision = decideHold([], request({ idempotencyKey: "k1", capacity: 3 }));
    expect(decision).toEqual({
      kind: "new",
      hold: {
        bookingId: "bkg_new",
        studentId: "stu_new",
        status: "HELD",
        expiresAt: NOW + HOLD_MS,
        idempotencyKey: "k1",
      },
    });
  });

  it("REPLAY: the same student's same idempotency key replays the first hold, whatever its state", () => {
    for (const status of ALL_STATUSES) {
      const first = hold({ studentId: "stu_new", idempotencyKey: "k1", status, expiresAt: NOW - 1 });
      // Even with the slot full of others, a replay is a replay.
      const others = [hold({ status: "CONFIRMED" }), hold({ status: "CONFIRMED" })];
      const decision = decideHold([...others, first], request({ idempotencyKey: "k1", capacity: 2 }));
      expect(decision).toEqual({ kind: "replay", hold: first });
    }
  });

  it("REPLAY is per student: another student's identical key does not replay their hold", () => {
    const someoneElse = hold({ studentId: "stu_other", idempotencyKey: "k1" });
    const decision = decideHold([someoneElse], request({ idempotencyKey: "k1", capacity: 2 }));
    expect(decision.kind).toBe("new");
  });

  it("a null key never replays: a second keyless attempt by a holder is ALREADY_BOOKED", () => {
    const mine = hold({ studentId: "stu_new", idempotencyKey: null });
    const decision = decideHold([mine], request({ idempotencyKey: null, capacity: 5 }));
    expect(decision).toMatchObject({ kind: "refused", code: "ALREADY_BOOKED" });
  });

  it.each([
    { status: "HELD", expiresAt: NOW + 1, code: "ALREADY_BOOKED" },
    { status: "CAPTURING", expiresAt: NOW - 1, code: "ALREADY_BOOKED" },
    { status: "CONFIRMED", expiresAt: NOW - 1, code: "ALREADY_BOOKED" },
    { status: "HELD", expiresAt: NOW, code: null },
    { status: "HELD", expiresAt: NOW - 1, code: null },
    { status: "EXPIRED", expiresAt: NOW + 1, code: null },
    { status: "CANCELLED", expiresAt: NOW + 1, code: null },
    { status: "RELEASED", expiresAt: NOW + 1, code: null },
  ] as const)(
    "ALREADY_BOOKED: own earlier $status hold (expiry now+($expiresAt - now)) with a new key → $code",
    ({ status, expiresAt, code }) => {
      const mine = hold({ studentId: "stu_new", idempotencyKey: "old", status, expiresAt });
      const decision = decideHold([mine], request({ idempotencyKey: "new", capacity: 5 }));
      if (code) {
        expect(decision).toMatchObject({ kind: "refused", code });
        if (decision.kind === "refused") expect(decision.message.length).toBeGreaterThan(0);
      } else {
        expect(decision.kind).toBe("new");
      }
    },
  );

  it("ALREADY_BOOKED wins over SLOT_FULL for a student who already has the last seat", () => {
    const mine = hold({ studentId: "stu_new", status: "CONFIRMED" });
    const decision = decideHold([mine], request({ capacity: 1 }));
    expect(decision).toMatchObject({ kind: "refused", code: "ALREADY_BOOKED" });
  });

  it.each([
    { capacity: 1, taken: 0, code: null },
    { capacity: 1, taken: 1, code: "SLOT_FULL" },
    { capacity: 5, taken: 4, code: null },
    { capacity: 5, taken: 5, code: "SLOT_FULL" },
    { capacity: 20, taken: 19, code: null },
    { capacity: 20, taken: 20, code: "SLOT_FULL" },
    { capacity: 2, taken: 3, code: "SLOT_FULL" },
  ])("SLOT_FULL: capacity $capacity with $taken seats taken → $code", ({ capacity, taken, code }) => {
    const kinds: HoldStatus[] = ["HELD", "CAPTURING", "CONFIRMED"];
    const holds = Array.from({ length: taken }, (_, i) => hold({ status: kinds[i % 3] }));
    const decision = decideHold(holds, request({ capacity }));
    if (code) {
      expect(decision).toMatchObject({ kind: "refused", code });
      if (decision.kind === "refused") expect(decision.message.length).toBeGreaterThan(0);
    } else {
      expect(decision.kind).toBe("new");
    }
  });

  it("lapsed HELD holds and finished holds do not count toward SLOT_FULL", () => {
    const holds = [
      hold({ expiresAt: NOW - 1 }),
      hold({ expiresAt: NOW }),
      hold({ status: "EXPIRED" }),
      hold({ status: "CANCELLED" }),
      hold({ status: "RELEASED" }),
      hold({ status: "CONFIRMED" }),
    ];
    expect(decideHold(holds, request({ capacity: 2 })).kind).toBe("new");
    expect(decideHold(holds, request({ capacity: 1 }))).toMatchObject({ kind: "refused", code: "SLOT_FULL" });
    // One millisecond earlier the edge hold still counted.
    expect(decideHold(holds, request({ capacity: 2, now: NOW - 1 }))).toMatchObject({
      kind: "refused",
      code: "SLOT_FULL",
    });
  });
});

describe("decideHold on a closed (cancelled) slot", () => {
  it("SLOT_NOT_BOOKABLE: a closed slot grants no new hold, even with seats free", () => {
    const decision = decideHold([], request({ capacity: 5, closed: true }));
    expect(decision).toMatchObject({ kind: "refused", code: "SLOT_NOT_BOOKABLE" });
    expect(decideHold([], request({ capacity: 5, closed: false })).kind).toBe("new");
  });

  it("REPLAY still answers the first hold of the same key after the slot closed", () => {
    const first = hold({ studentId: "stu_new", idempotencyKey: "k1", status: "CANCELLED" });
    expect(decideHold([first], request({ idempotencyKey: "k1", closed: true }))).toEqual({
      kind: "replay",
      hold: first,
    });
  });
});

describe("decideAuthorization", () => {
  it.each([
    { status: undefined, expiresAt: NOW + 1, action: "release" },
    { status: "HELD", expiresAt: NOW + HOLD_MS, action: "capture" },
    { status: "HELD", expiresAt: NOW + 1, action: "capture" },
    { status: "HELD", expiresAt: NOW, action: "release" },
    { status: "HELD", expiresAt: NOW - 1, action: "release" },
    { status: "CAPTURING", expiresAt: NOW - 1, action: "ignore" },
    { status: "CONFIRMED", expiresAt: NOW - 1, action: "ignore" },
    { status: "EXPIRED", expiresAt: NOW + 1, action: "release" },
    { status: "CANCELLED", expiresAt: NOW + 1, action: "release" },
    { status: "RELEASED", expiresAt: NOW + 1, action: "release" },
  ] as const)(
    "$status hold expiring at now+($expiresAt - now) → $action",
    ({ status, expiresAt, action }) => {
      const h = status ? hold({ status, expiresAt }) : undefined;
      expect(decideAuthorization(h, SLOT, NOW)).toBe(action);
    },
  );
});

describe("decideSucceeded", () => {
  it.each([
    { status: undefined, action: "refund" },
    { status: "HELD", action: "confirm" },
    { status: "HELD", expiresAt: NOW, action: "refund" },
    { status: "CAPTURING", action: "confirm" },
    { status: "CONFIRMED", action: "keep" },
    { status: "EXPIRED", action: "refund" },
    { status: "CANCELLED", action: "refund" },
    { status: "RELEASED", action: "refund" },
  ] as const)("$status hold (expires $expiresAt) → $action", (row) => {
    const h = row.status
      ? hold({ status: row.status, ...("expiresAt" in row ? { expiresAt: row.expiresAt } : {}) })
      : undefined;
    expect(decideSucceeded(h, SLOT, NOW)).toBe(row.action);
  });
});

describe("decideIntentCanceled", () => {
  it.each([
    { status: undefined, next: undefined },
    { status: "HELD", next: "EXPIRED" },
    { status: "CAPTURING", next: "RELEASED" },
    { status: "CONFIRMED", next: undefined },
    { status: "EXPIRED", next: undefined },
    { status: "CANCELLED", next: undefined },
    { status: "RELEASED", next: undefined },
  ] as const)("$status hold → $next", ({ status, next }) => {
    const h = status ? hold({ status }) : undefined;
    expect(decideIntentCanceled(h)).toBe(next);
  });

  it("a lapsed HELD hold also becomes EXPIRED", () => {
    expect(decideIntentCanceled(hold({ expiresAt: NOW - 1 }))).toBe("EXPIRED");
  });
});

describe("decideStudentCancel", () => {
  it.each([
    { status: undefined, expiresAt: NOW + 1, kind: "refused" },
    { status: "HELD", expiresAt: NOW + 1, kind: "release" },
    { status: "HELD", expiresAt: NOW, kind: "refused" },
    { status: "HELD", expiresAt: NOW - 1, kind: "refused" },
    { status: "CAPTURING", expiresAt: NOW + 1, kind: "refused" },
    { status: "CONFIRMED", expiresAt: NOW - 1, kind: "refund" },
    { status: "EXPIRED", expiresAt: NOW + 1, kind: "refused" },
    { status: "CANCELLED", expiresAt: NOW + 1, kind: "refused" },
    { status: "RELEASED", expiresAt: NOW + 1, kind: "refused" },
  ] as const)("$status hold expiring at now+($expiresAt - now) → $kind", ({ status, expiresAt, kind }) => {
    const h = status ? hold({ status, expiresAt }) : undefined;
    const decision: CancelDecision = decideStudentCancel(h, SLOT, NOW);
    expect(decision.kind).toBe(kind);
    if (decision.kind === "refused") {
      expect(decision.code).toBe("BOOKING_NOT_ACTIVE");
      expect(decision.message.length).toBeGreaterThan(0);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Property: a model of one slot, driven like durable-objects/slot.ts drives the pure functions.
// ---------------------------------------------------------------------------------------------

type Command =
  | { type: "book"; student: number; key: number | null }
  | { type: "authorize"; pick: number }
  | { type: "decline"; pick: number }
  | { type: "succeed"; pick: number }
  | { type: "expire"; advanceMs: number }
  | { type: "lateTick"; advanceMs: number }
  | { type: "cancel"; pick: number }
  | { type: "canceledIntent"; pick: number };

type BookingStatus = "PENDING_PAYMENT" | "CONFIRMED" | "EXPIRED" | "CANCELLED";

interface ModelHold extends Hold {
  /** How the hold became CONFIRMED: only through a succeed decision on a seat-holding hold. */
  confirmedVia?: "capture" | "succeed";
  wasCaptureDecided: boolean;
  refunded: boolean;
}

class SlotModel {
  holds: ModelHold[] = [];
  /** The D1 side: what the outbox effects write (releaseBooking, confirmBooking, recordRefund …). */
  bookings = new Map<string, BookingStatus>();
  now = NOW;
  private nextId = 0;
  readonly violations: string[] = [];

  constructor(readonly capacity: number) {}

  private pick(index: number): ModelHold | undefined {
    if (this.holds.length === 0) return undefined;
    return this.holds[index % this.holds.length];
  }

  private fail(message: string) {
    this.violations.push(message);
  }

  private expireDue() {
    for (const due of dueForExpiry(this.holds, this.now)) {
      const h = this.holds.find((x) => x.bookingId === due.bookingId)!;
      h.status = "EXPIRED";
      this.release(h.bookingId, "EXPIRED");
    }
  }

  /** releaseBooking: only a PENDING_PAYMENT booking moves. */
  private release(bookingId: string, status: "EXPIRED" | "CANCELLED") {
    if (this.bookings.get(bookingId) === "PENDING_PAYMENT") this.bookings.set(bookingId, status);
  }

  apply(command: Command) {
    switch (command.type) {
      case "book": {
        this.expireDue();
        this.nextId += 1;
        const decision = decideHold(this.holds, {
          bookingId: `b${this.nextId}`,
          studentId: `s${command.student}`,
          idempotencyKey: command.key === null ? null : `key${command.key}`,
          capacity: this.capacity,
          holdMs: HOLD_MS,
          now: this.now,
        });
        if (decision.kind === "new") {
          this.holds.push({ ...decision.hold, wasCaptureDecided: false, refunded: false });
          this.bookings.set(decision.hold.bookingId, "PENDING_PAYMENT");
        } else if (decision.kind === "replay") {
          if (decision.hold.studentId !== `s${command.student}`) this.fail("replayed another student's hold");
        }
        return;
      }
      case "authorize": {
        const h = this.pick(command.pick);
        if (!h) return;
        const action = decideAuthorization(h, SLOT, this.now);
        if (action === "capture") {
          if (!holdsSeat(h, this.now)) this.fail(`capture decided for ${h.bookingId} without a seat`);
          h.status = "CAPTURING";
          h.wasCaptureDecided = true;
        }
        return;
      }
      case "decline":
        // payment_failed: recordPaymentFailure only writes lastPaymentError; no seat decision.
        return;
      case "succeed": {
        const h = this.pick(command.pick);
        if (!h) return;
        const hadSeat = holdsSeat(h, this.now);
        const action = decideSucceeded(h, SLOT, this.now);
        if (action === "keep") {
          if (h.status !== "CONFIRMED") this.fail(`kept ${h.bookingId} (${h.status}) that was not confirmed`);
        } else if (action === "confirm") {
          if (!hadSeat) this.fail(`confirmed ${h.bookingId} (${h.status}) that held no seat`);
          if (h.status !== "CONFIRMED") h.confirmedVia = h.status === "CAPTURING" ? "capture" : "succeed";
          h.status = "CONFIRMED";
          if (this.bookings.get(h.bookingId) === "PENDING_PAYMENT")
            this.bookings.set(h.bookingId, "CONFIRMED");
        } else {
          if (hadSeat) this.fail(`refund decided for ${h.bookingId} (${h.status}) that holds a seat`);
          h.refunded = true;
          const booking = this.bookings.get(h.bookingId);
          if (booking === "PENDING_PAYMENT" || booking === "CONFIRMED")
            this.bookings.set(h.bookingId, "CANCELLED");
        }
        return;
      }
      case "expire":
        this.now += command.advanceMs;
        this.expireDue();
        return;
      case "lateTick":
        // The clock moves but the alarm has not run yet.
        this.now += command.advanceMs;
        return;
      case "cancel": {
        const h = this.pick(command.pick);
        if (!h) return;
        const decision = decideStudentCancel(h, SLOT, this.now);
        if (decision.kind === "refused") return;
        h.status = "CANCELLED";
        if (decision.kind === "release") this.release(h.bookingId, "CANCELLED");
        else {
          h.refunded = true;
          const booking = this.bookings.get(h.bookingId);
          if (booking === "PENDING_PAYMENT" || booking === "CONFIRMED")
            this.bookings.set(h.bookingId, "CANCELLED");
        }
        return;
      }
      case "canceledIntent": {
        const h = this.pick(command.pick);
        if (!h) return;
        const next = decideIntentCanceled(h);
        if (next) {
          h.status = next;
          this.release(h.bookingId, "EXPIRED");
        }
        return;
      }
    }
  }

  check(strictLedger: boolean) {
    const taken = seatsTaken(this.holds, this.now);
    if (taken > this.capacity) this.fail(`seatsTaken ${taken} > capacity ${this.capacity}`);
    const seatHolders = this.holds.filter((h) => holdsSeat(h, this.now));
    if (taken !== seatHolders.length)
      this.fail(`seatsTaken ${taken} != holdsSeat count ${seatHolders.length}`);
    const students = seatHolders.map((h) => h.studentId);
    if (new Set(students).size !== students.length) this.fail(`a student holds two seats: ${students}`);
    for (const h of this.holds) {
      if (h.status === "CONFIRMED" && !h.confirmedVia) this.fail(`${h.bookingId} CONFIRMED without a path`);
      if (h.confirmedVia === "capture" && !h.wasCaptureDecided)
        this.fail(`${h.bookingId} confirmed via capture that was never decided`);
      if (h.refunded && holdsSeat(h, this.now)) this.fail(`${h.bookingId} refunded yet holds a seat`);
    }
    // In step with the bookings (D1 counts PENDING_PAYMENT and CONFIRMED, as recountSeats does).
    const booked = [...this.bookings.values()].filter(
      (s) => s === "PENDING_PAYMENT" || s === "CONFIRMED",
    ).length;
    if (strictLedger && booked !== taken) this.fail(`bookings count ${booked} != seatsTaken ${taken}`);
    if (!strictLedger && booked < taken) this.fail(`bookings count ${booked} < seatsTaken ${taken}`);
    for (const h of this.holds) {
      const booking = this.bookings.get(h.bookingId);
      if (h.status === "CONFIRMED" && booking !== "CONFIRMED")
        this.fail(`${h.bookingId} CONFIRMED in the object but ${booking} in the bookings`);
    }
  }
}

const pickArb = fc.nat({ max: 50 });
const baseCommands = [
  fc.record({
    type: fc.constant("book" as const),
    student: fc.nat({ max: 24 }),
    key: fc.option(fc.nat({ max: 3 }), { nil: null }),
  }),
  fc.record({ type: fc.constant("authorize" as const), pick: pickArb }),
  fc.record({ type: fc.constant("decline" as const), pick: pickArb }),
  fc.record({ type: fc.constant("succeed" as const), pick: pickArb }),
  fc.record({ type: fc.constant("expire" as const), advanceMs: fc.integer({ min: 1, max: 2 * HOLD_MS }) }),
  fc.record({ type: fc.constant("cancel" as const), pick: pickArb }),
  fc.record({ type: fc.constant("canceledIntent" as const), pick: pickArb }),
];
const lateTick = fc.record({
  type: fc.constant("lateTick" as const),
  advanceMs: fc.integer({ min: 1, max: 2 * HOLD_MS }),
});

function runModel(capacity: number, commands: Command[], strictLedger: boolean) {
  const model = new SlotModel(capacity);
  for (const [i, command] of commands.entries()) {
    model.apply(command);
    model.check(strictLedger);
    if (model.violations.length > 0) {
      throw new Error(`step ${i} ${JSON.stringify(command)}: ${model.violations.join("; ")}`);
    }
  }
}

describe("slot model (property)", () => {
  it("keeps seats ≤ capacity, one seat per student, confirmations earned, refunds seatless, in step with bookings", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.oneof(...baseCommands), { minLength: 1, maxLength: 120 }),
        (capacity, commands) => runModel(capacity, commands, true),
      ),
      { numRuns: 400 },
    );
  });

  it("keeps the same invariants when the alarm runs late (lapsed HELD holds linger)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.oneof(...baseCommands, lateTick), { minLength: 1, maxLength: 120 }),
        (capacity, commands) => runModel(capacity, commands, false),
      ),
      { numRuns: 400 },
    );
  });

  it("the model itself catches overbooking (sanity check of the checker)", () => {
    const model = new SlotModel(1);
    model.holds.push(
      { ...hold({ studentId: "a" }), wasCaptureDecided: false, refunded: false },
      { ...hold({ studentId: "b" }), wasCaptureDecided: false, refunded: false },
    );
    model.check(false);
    expect(model.violations.join(" ")).toMatch(/seatsTaken 2 > capacity 1/);
  });
});
