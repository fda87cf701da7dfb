import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Effect } from "../../durable-objects/slot-effects";
import {
  type CancelDecision,
  decideAuthorization,
  decideCapture,
  decideFromStripe,
  decideHold,
  decideInstructorCancel,
  decideIntentCanceled,
  decideSessionEnd,
  decideStudentCancel,
  decideSucceeded,
  dueForExpiry,
  type Hold,
  type HoldRequest,
  type HoldStatus,
  holdCapReached,
  holdsSeat,
  lessonOpen,
  MAX_UNPAID_HOLDS,
  refundDue,
  type SessionState,
  type SlotFacts,
  type Step,
  seatsTaken,
  studentCancelSteps,
} from "../../durable-objects/slot-state";
import {
  hasFailedRefund,
  type IntentStatus,
  type MoneySnapshot,
  paymentStatusOf,
  type RefundFact,
  refundedAmount,
  refundRemainder,
} from "../../src/domain/payment-state";

const NOW = Date.parse("2027-03-01T10:00:00Z");
const HOLD_MS = 600_000;
const PRICE = 5_000;
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
// v2: the lesson's facts (clock, session state) and Stripe's money state in every decision.
// ---------------------------------------------------------------------------------------------

/** A lesson an hour from NOW, an hour long. */
const STARTS = NOW + 3_600_000;
const ENDS = STARTS + 3_600_000;
const BEFORE_START = STARTS - 1;
const DURING = STARTS + 1_800_000;
const AFTER_END = ENDS + 60_000;
const INTENT = "pi_model";

function lesson(session: SessionState = "SCHEDULED"): SlotFacts {
  return { startsAt: STARTS, endsAt: ENDS, session };
}

/** A hold that is fresh (not lapsed) at `at`, with its PaymentIntent. */
function freshHold(status: HoldStatus, at: number, overrides: Partial<Hold> = {}): Hold {
  return hold({ status, expiresAt: at + HOLD_MS, paymentIntentId: INTENT, ...overrides });
}

let refundSeq = 0;
function stripeRefund(amount: number, status: RefundFact["status"], created = 1_800_000_000): RefundFact {
  refundSeq += 1;
  return { id: `re_${refundSeq}`, amount, status, created, failureReason: null };
}

function money(status: IntentStatus, overrides: Partial<MoneySnapshot> = {}): MoneySnapshot {
  return {
    intentId: INTENT,
    status,
    amount: PRICE,
    captured: status === "succeeded" ? PRICE : 0,
    currency: "usd",
    chargeId: status === "succeeded" ? "ch_model" : null,
    lastPaymentError: null,
    refunds: [],
    ...overrides,
  };
}

describe("lessonOpen", () => {
  it.each([
    { session: "SCHEDULED", at: NOW, open: true },
    { session: "SCHEDULED", at: BEFORE_START, open: true },
    { session: "SCHEDULED", at: STARTS, open: true },
    { session: "SCHEDULED", at: ENDS - 1, open: true },
    { session: "SCHEDULED", at: ENDS, open: false },
    { session: "SCHEDULED", at: AFTER_END, open: false },
    { session: "IN_PROGRESS", at: BEFORE_START, open: true },
    { session: "IN_PROGRESS", at: DURING, open: true },
    { session: "IN_PROGRESS", at: ENDS, open: false },
    { session: "COMPLETED", at: DURING, open: false },
    { session: "COMPLETED", at: BEFORE_START, open: false },
    { session: "CANCELLED", at: NOW, open: false },
    { session: "CANCELLED", at: DURING, open: false },
  ] as const)("$session at startsAt+($at - startsAt) ms → open $open", ({ session, at, open }) => {
    expect(lessonOpen(lesson(session), at)).toBe(open);
  });
});

describe("decideAuthorization with the lesson's facts", () => {
  const rows = (
    [
      ["a fresh HELD seat before the lesson", "HELD", "SCHEDULED", BEFORE_START, "capture"],
      ["a fresh HELD seat past startsAt, provider not started", "HELD", "SCHEDULED", DURING, "capture"],
      ["a fresh HELD seat during the lesson", "HELD", "IN_PROGRESS", DURING, "capture"],
      ["a fresh HELD seat 1 ms before the slot's end", "HELD", "IN_PROGRESS", ENDS - 1, "capture"],
      ["a HELD seat at the slot's end", "HELD", "SCHEDULED", ENDS, "release"],
      ["a HELD seat after the slot's end", "HELD", "IN_PROGRESS", AFTER_END, "release"],
      ["a HELD seat after the session COMPLETED early", "HELD", "COMPLETED", DURING, "release"],
      ["a HELD seat after the session was CANCELLED", "HELD", "CANCELLED", BEFORE_START, "release"],
      ["a CAPTURING seat in a COMPLETED session", "CAPTURING", "COMPLETED", DURING, "ignore"],
      ["a CONFIRMED seat after the slot's end", "CONFIRMED", "SCHEDULED", AFTER_END, "ignore"],
      ["an EXPIRED hold in an open lesson", "EXPIRED", "IN_PROGRESS", DURING, "release"],
      ["a CANCELLED hold in a cancelled lesson", "CANCELLED", "CANCELLED", DURING, "release"],
    ] as const
  ).map(([name, status, session, at, action]) => ({ name, status, session, at, action }));

  it.each(rows)("$name → $action", ({ status, session, at, action }) => {
    expect(decideAuthorization(freshHold(status, at), lesson(session), at)).toBe(action);
  });

  it("releases, never captures, a HELD seat whose hold lapsed even in an open lesson", () => {
    const lapsed = hold({ expiresAt: DURING, paymentIntentId: INTENT });
    expect(decideAuthorization(lapsed, lesson("IN_PROGRESS"), DURING)).toBe("release");
    expect(decideAuthorization(lapsed, lesson("IN_PROGRESS"), DURING - 1)).toBe("capture");
  });

  it("releases, never captures, an authorization that arrives after the session ended", () => {
    for (const session of ["COMPLETED", "CANCELLED"] as const) {
      for (const at of [NOW, BEFORE_START, DURING]) {
        expect(decideAuthorization(freshHold("HELD", at), lesson(session), at)).toBe("release");
      }
    }
  });
});

describe("decideCapture (right before the capture call)", () => {
  const lessonStates = [
    { lessonName: "scheduled, before start", session: "SCHEDULED", at: BEFORE_START, open: true },
    { lessonName: "in progress", session: "IN_PROGRESS", at: DURING, open: true },
    { lessonName: "scheduled, past its end", session: "SCHEDULED", at: AFTER_END, open: false },
    { lessonName: "in progress, at its end", session: "IN_PROGRESS", at: ENDS, open: false },
    { lessonName: "completed", session: "COMPLETED", at: DURING, open: false },
    { lessonName: "cancelled", session: "CANCELLED", at: BEFORE_START, open: false },
  ] as const;
  const rows = ALL_STATUSES.flatMap((status) =>
    lessonStates.map((l) => ({
      ...l,
      status,
      verdict: status !== "CAPTURING" ? "skip" : l.open ? "go" : "abandon",
    })),
  );

  it.each(rows)("$status hold, lesson $lessonName → $verdict", ({ status, session, at, verdict }) => {
    expect(decideCapture(freshHold(status, at), lesson(session), at)).toBe(verdict);
  });

  it("skips a hold it does not know", () => {
    expect(decideCapture(undefined, lesson(), BEFORE_START)).toBe("skip");
  });

  it("goes for a CAPTURING hold whose HELD time has long lapsed (the seat is kept while capturing)", () => {
    const capturing = hold({ status: "CAPTURING", expiresAt: NOW - HOLD_MS });
    expect(decideCapture(capturing, lesson(), BEFORE_START)).toBe("go");
  });
});

describe("decideSucceeded with the lesson's facts", () => {
  const rows = (
    [
      ["a CAPTURING seat in an open lesson", "CAPTURING", "IN_PROGRESS", DURING, "confirm"],
      [
        "a CAPTURING seat whose capture landed past the end",
        "CAPTURING",
        "IN_PROGRESS",
        AFTER_END,
        "confirm",
      ],
      ["a fresh HELD seat in an open lesson", "HELD", "SCHEDULED", DURING, "confirm"],
      ["a fresh HELD seat at the slot's end", "HELD", "SCHEDULED", ENDS, "refund"],
      ["a fresh HELD seat after the session COMPLETED", "HELD", "COMPLETED", DURING, "refund"],
      ["a fresh HELD seat after the session was CANCELLED", "HELD", "CANCELLED", BEFORE_START, "refund"],
      ["a CONFIRMED seat after the lesson ended", "CONFIRMED", "COMPLETED", AFTER_END, "keep"],
      ["a RELEASED hold (lesson ended while capturing)", "RELEASED", "COMPLETED", DURING, "refund"],
      ["a CANCELLED hold in an open lesson", "CANCELLED", "SCHEDULED", BEFORE_START, "refund"],
      ["an EXPIRED hold in an open lesson", "EXPIRED", "IN_PROGRESS", DURING, "refund"],
    ] as const
  ).map(([name, status, session, at, action]) => ({ name, status, session, at, action }));

  it.each(rows)("$name → $action", ({ status, session, at, action }) => {
    expect(decideSucceeded(freshHold(status, at), lesson(session), at)).toBe(action);
  });
});

describe("decideFromStripe", () => {
  const sync = (bookingId: string) => ({ kind: "sync_payment", bookingId, intentId: INTENT }) as const;
  const ENDED = "The lesson had ended before the payment arrived; nothing was charged.";
  const CANCELLED = "The lesson was cancelled before the payment arrived; nothing was charged.";

  it("knows nothing of a hold it does not have", () => {
    for (const status of ["requires_capture", "succeeded", "canceled", "requires_payment_method"] as const) {
      expect(decideFromStripe(undefined, lesson(), money(status), BEFORE_START)).toBeUndefined();
    }
  });

  describe("requires_capture (an authorization)", () => {
    it("captures a fresh HELD seat in an open lesson: CAPTURING, capture, sync", () => {
      const h = freshHold("HELD", DURING);
      expect(decideFromStripe(h, lesson("IN_PROGRESS"), money("requires_capture"), DURING)).toEqual({
        bookingId: h.bookingId,
        status: "CAPTURING",
        effects: [{ kind: "capture", bookingId: h.bookingId, intentId: INTENT }, sync(h.bookingId)],
      });
    });

    it.each([
      { name: "the hold lapsed", session: "SCHEDULED", at: BEFORE_START, lapsed: true, reason: undefined },
      { name: "the slot's end passed", session: "SCHEDULED", at: ENDS, lapsed: false, reason: ENDED },
      { name: "the session COMPLETED", session: "COMPLETED", at: DURING, lapsed: false, reason: ENDED },
      {
        name: "the session was CANCELLED",
        session: "CANCELLED",
        at: BEFORE_START,
        lapsed: false,
        reason: CANCELLED,
      },
    ] as const)(
      "releases, never captures, a HELD seat when $name: EXPIRED + release (voids the intent)",
      ({ session, at, lapsed, reason }) => {
        const h = lapsed ? hold({ expiresAt: at, paymentIntentId: INTENT }) : freshHold("HELD", at);
        const release = {
          kind: "release",
          bookingId: h.bookingId,
          status: "EXPIRED",
          ...(reason ? { reason } : {}),
        };
        expect(decideFromStripe(h, lesson(session), money("requires_capture"), at)).toEqual({
          bookingId: h.bookingId,
          status: "EXPIRED",
          effects: [release, sync(h.bookingId)],
        });
      },
    );

    it.each(["CAPTURING", "CONFIRMED"] as const)(
      "only syncs a %s seat (capture already decided)",
      (status) => {
        const h = freshHold(status, AFTER_END);
        expect(decideFromStripe(h, lesson("COMPLETED"), money("requires_capture"), AFTER_END)).toEqual({
          bookingId: h.bookingId,
          effects: [sync(h.bookingId)],
        });
      },
    );

    it.each(["EXPIRED", "CANCELLED", "RELEASED"] as const)(
      "voids a late authorization of a %s hold: cancel_intent, status unchanged",
      (status) => {
        const h = freshHold(status, BEFORE_START);
        expect(decideFromStripe(h, lesson(), money("requires_capture"), BEFORE_START)).toEqual({
          bookingId: h.bookingId,
          effects: [{ kind: "cancel_intent", bookingId: h.bookingId, intentId: INTENT }, sync(h.bookingId)],
        });
      },
    );
  });

  describe("succeeded (money captured)", () => {
    it.each([
      { name: "a CAPTURING seat", status: "CAPTURING", session: "IN_PROGRESS", at: DURING },
      {
        name: "a CAPTURING seat past the slot's end",
        status: "CAPTURING",
        session: "IN_PROGRESS",
        at: AFTER_END,
      },
      { name: "a fresh HELD seat in an open lesson", status: "HELD", session: "SCHEDULED", at: BEFORE_START },
    ] as const)("confirms $name: CONFIRMED + confirm", ({ status, session, at }) => {
      const h = freshHold(status, at);
      expect(decideFromStripe(h, lesson(session), money("succeeded"), at)).toEqual({
        bookingId: h.bookingId,
        status: "CONFIRMED",
        effects: [{ kind: "confirm", bookingId: h.bookingId, studentId: h.studentId }, sync(h.bookingId)],
      });
    });

    it.each([
      { name: "nothing refunded", refunds: [] },
      { name: "a partial dashboard refund", refunds: [stripeRefund(2_000, "succeeded")] },
      {
        name: "two partial refunds short of the total",
        refunds: [stripeRefund(2_000, "succeeded"), stripeRefund(2_999, "succeeded")],
      },
      { name: "a full refund still pending", refunds: [stripeRefund(PRICE, "pending")] },
      { name: "a full refund that failed", refunds: [stripeRefund(PRICE, "failed")] },
    ])("keeps a CONFIRMED seat with $name: only syncs", ({ refunds }) => {
      const h = freshHold("CONFIRMED", DURING);
      expect(decideFromStripe(h, lesson("IN_PROGRESS"), money("succeeded", { refunds }), DURING)).toEqual({
        bookingId: h.bookingId,
        effects: [sync(h.bookingId)],
      });
    });

    it.each([
      { name: "in one refund", refunds: [stripeRefund(PRICE, "succeeded")] },
      {
        name: "in two partial refunds",
        refunds: [stripeRefund(2_000, "succeeded"), stripeRefund(3_000, "succeeded")],
      },
    ])(
      "cancels a CONFIRMED seat refunded in full elsewhere ($name): CANCELLED + withdraw, no refund",
      ({ refunds }) => {
        const h = freshHold("CONFIRMED", DURING);
        expect(decideFromStripe(h, lesson("IN_PROGRESS"), money("succeeded", { refunds }), DURING)).toEqual({
          bookingId: h.bookingId,
          status: "CANCELLED",
          effects: [{ kind: "withdraw", bookingId: h.bookingId }, sync(h.bookingId)],
        });
      },
    );

    const RELEASED_REASON = "Captured after the seat was released.";
    it.each([
      { name: "a lapsed HELD hold", status: "HELD", lapsed: true, session: "SCHEDULED", at: BEFORE_START },
      {
        name: "a HELD seat in a COMPLETED session",
        status: "HELD",
        lapsed: false,
        session: "COMPLETED",
        at: DURING,
      },
      {
        name: "a HELD seat past the slot's end",
        status: "HELD",
        lapsed: false,
        session: "SCHEDULED",
        at: AFTER_END,
      },
    ] as const)("refunds $name: EXPIRED + release + refund", ({ lapsed, session, at }) => {
      const h = lapsed ? hold({ expiresAt: at, paymentIntentId: INTENT }) : freshHold("HELD", at);
      expect(decideFromStripe(h, lesson(session), money("succeeded"), at)).toEqual({
        bookingId: h.bookingId,
        status: "EXPIRED",
        effects: [
          { kind: "release", bookingId: h.bookingId, status: "EXPIRED" },
          { kind: "refund", bookingId: h.bookingId, intentId: INTENT, reason: RELEASED_REASON },
          sync(h.bookingId),
        ],
      });
    });

    it.each([
      { status: "EXPIRED", refunds: [], refund: true },
      { status: "CANCELLED", refunds: [], refund: true },
      { status: "RELEASED", refunds: [], refund: true },
      { status: "CANCELLED", refunds: [stripeRefund(2_000, "succeeded")], refund: true },
      { status: "CANCELLED", refunds: [stripeRefund(PRICE, "pending")], refund: false },
      { status: "CANCELLED", refunds: [stripeRefund(PRICE, "succeeded")], refund: false },
      { status: "RELEASED", refunds: [stripeRefund(PRICE, "failed")], refund: false },
      {
        status: "CANCELLED",
        refunds: [stripeRefund(2_000, "succeeded", 1), stripeRefund(3_000, "failed", 2)],
        refund: false,
      },
      {
        status: "EXPIRED",
        refunds: [stripeRefund(PRICE, "failed", 1), stripeRefund(1_000, "succeeded", 2)],
        refund: true,
      },
    ] as const)(
      "a seatless $status hold with refunds $refunds.length: withdraw, refund $refund (a partial elsewhere is topped up, a failed refund is not retried)",
      ({ status, refunds, refund }) => {
        const h = freshHold(status, BEFORE_START);
        const step = decideFromStripe(
          h,
          lesson(),
          money("succeeded", { refunds: [...refunds] }),
          BEFORE_START,
        );
        expect(step).toEqual({
          bookingId: h.bookingId,
          effects: [
            { kind: "withdraw", bookingId: h.bookingId },
            ...(refund
              ? [{ kind: "refund", bookingId: h.bookingId, intentId: INTENT, reason: RELEASED_REASON }]
              : []),
            sync(h.bookingId),
          ],
        });
      },
    );

    it("does not retry the refund of a lapsed HELD hold whose refund failed (it is flagged instead)", () => {
      const h = hold({ expiresAt: BEFORE_START, paymentIntentId: INTENT });
      const snap = money("succeeded", { refunds: [stripeRefund(PRICE, "failed")] });
      const step = decideFromStripe(h, lesson(), snap, BEFORE_START);
      expect(step?.status).toBe("EXPIRED");
      expect(step?.effects.map((e) => e.kind)).toEqual(["release", "sync_payment"]);
    });
  });

  describe("canceled (the intent was voided at Stripe)", () => {
    it.each([
      { status: "HELD", next: "EXPIRED" },
      { status: "CAPTURING", next: "RELEASED" },
      { status: "CONFIRMED", next: undefined },
      { status: "EXPIRED", next: undefined },
      { status: "CANCELLED", next: undefined },
      { status: "RELEASED", next: undefined },
    ] as const)("$status hold → $next", ({ status, next }) => {
      const h = freshHold(status, BEFORE_START);
      const step = decideFromStripe(h, lesson(), money("canceled"), BEFORE_START);
      expect(step).toEqual(
        next
          ? {
              bookingId: h.bookingId,
              status: next,
              effects: [{ kind: "release", bookingId: h.bookingId, status: "EXPIRED" }, sync(h.bookingId)],
            }
          : { bookingId: h.bookingId, effects: [sync(h.bookingId)] },
      );
    });
  });

  describe("not yet authorized", () => {
    it("tells a HELD seat its card was declined (payment_failed) and keeps the seat", () => {
      const h = freshHold("HELD", BEFORE_START);
      const snap = money("requires_payment_method", { lastPaymentError: "Your card was declined." });
      expect(decideFromStripe(h, lesson(), snap, BEFORE_START)).toEqual({
        bookingId: h.bookingId,
        effects: [
          { kind: "payment_failed", bookingId: h.bookingId, message: "Your card was declined." },
          sync(h.bookingId),
        ],
      });
    });

    it.each([
      {
        name: "HELD without a payment error",
        status: "HELD",
        intent: "requires_payment_method",
        error: null,
      },
      { name: "HELD in 3-D Secure", status: "HELD", intent: "requires_action", error: null },
      { name: "HELD while processing", status: "HELD", intent: "processing", error: null },
      {
        name: "CANCELLED with a payment error",
        status: "CANCELLED",
        intent: "requires_payment_method",
        error: "declined",
      },
      {
        name: "EXPIRED with a payment error",
        status: "EXPIRED",
        intent: "requires_payment_method",
        error: "declined",
      },
    ] as const)("only syncs a $name", ({ status, intent, error }) => {
      const h = freshHold(status, BEFORE_START);
      expect(decideFromStripe(h, lesson(), money(intent, { lastPaymentError: error }), BEFORE_START)).toEqual(
        {
          bookingId: h.bookingId,
          effects: [sync(h.bookingId)],
        },
      );
    });
  });

  it("deciding again on the same snapshot changes no status (every hold status × intent status × lesson)", () => {
    const snaps = [
      money("requires_payment_method", { lastPaymentError: "declined" }),
      money("requires_capture"),
      money("succeeded"),
      money("succeeded", { refunds: [stripeRefund(2_000, "succeeded")] }),
      money("succeeded", { refunds: [stripeRefund(PRICE, "failed")] }),
      money("canceled"),
    ];
    const moments = [
      { session: "SCHEDULED", at: BEFORE_START },
      { session: "IN_PROGRESS", at: DURING },
      { session: "SCHEDULED", at: AFTER_END },
      { session: "COMPLETED", at: DURING },
      { session: "CANCELLED", at: BEFORE_START },
    ] as const;
    for (const status of ALL_STATUSES)
      for (const snap of snaps)
        for (const { session, at } of moments) {
          const h = freshHold(status, at);
          const first = decideFromStripe(h, lesson(session), snap, at);
          const after = { ...h, status: first?.status ?? h.status };
          const second = decideFromStripe(after, lesson(session), snap, at);
          expect(second?.status ?? after.status, `${status} ${snap.status} ${session}`).toBe(after.status);
        }
  });
});

describe("decideStudentCancel with the clock and the session", () => {
  const STARTED = "SESSION_ALREADY_STARTED";
  const INACTIVE = "BOOKING_NOT_ACTIVE";
  const rows = (
    [
      ["a HELD seat 1 ms before startsAt", "HELD", "SCHEDULED", BEFORE_START, "release"],
      ["a CONFIRMED seat 1 ms before startsAt", "CONFIRMED", "SCHEDULED", BEFORE_START, "refund"],
      ["a CONFIRMED seat at startsAt, session SCHEDULED", "CONFIRMED", "SCHEDULED", STARTS, STARTED],
      ["a HELD seat at startsAt, session SCHEDULED", "HELD", "SCHEDULED", STARTS, STARTED],
      ["a CONFIRMED seat past startsAt, session SCHEDULED", "CONFIRMED", "SCHEDULED", DURING, STARTED],
      ["a CONFIRMED seat past the end, session SCHEDULED", "CONFIRMED", "SCHEDULED", AFTER_END, STARTED],
      ["a CONFIRMED seat before startsAt, started early", "CONFIRMED", "IN_PROGRESS", BEFORE_START, STARTED],
      ["a HELD seat before startsAt, started early", "HELD", "IN_PROGRESS", BEFORE_START, STARTED],
      ["a CONFIRMED seat of a COMPLETED session", "CONFIRMED", "COMPLETED", BEFORE_START, STARTED],
      ["a CONFIRMED seat of a CANCELLED session", "CONFIRMED", "CANCELLED", BEFORE_START, INACTIVE],
      ["a HELD seat of a CANCELLED session", "HELD", "CANCELLED", DURING, INACTIVE],
      ["a CAPTURING seat before startsAt", "CAPTURING", "SCHEDULED", BEFORE_START, INACTIVE],
      ["a CAPTURING seat past startsAt", "CAPTURING", "SCHEDULED", DURING, STARTED],
      ["an EXPIRED hold past startsAt", "EXPIRED", "SCHEDULED", DURING, INACTIVE],
    ] as const
  ).map(([name, status, session, at, outcome]) => ({ name, status, session, at, outcome }));

  it.each(rows)("$name → $outcome", ({ status, session, at, outcome }) => {
    const decision = decideStudentCancel(freshHold(status, at), lesson(session), at);
    if (outcome === "release" || outcome === "refund") {
      expect(decision.kind).toBe(outcome);
      // The default policy: everything back, nothing kept.
      if (decision.kind === "refund") expect(decision).toMatchObject({ refundPercent: 100, keep: 0 });
      return;
    }
    expect(decision).toMatchObject({ kind: "refused", code: outcome });
    if (decision.kind === "refused") expect(decision.message.length).toBeGreaterThan(0);
  });

  it("never lets a student cancel at or after startsAt, whatever the hold or session (exhaustive)", () => {
    const sessions: SessionState[] = ["SCHEDULED", "IN_PROGRESS", "COMPLETED", "CANCELLED"];
    for (const status of ALL_STATUSES)
      for (const session of sessions)
        for (const at of [STARTS, STARTS + 1, DURING, ENDS, AFTER_END]) {
          expect(decideStudentCancel(freshHold(status, at), lesson(session), at).kind).toBe("refused");
        }
  });
});

const FULL_REFUND = { kind: "refund", refundAmount: 0, refundPercent: 100, keep: 0 } as const;

describe("studentCancelSteps", () => {
  it("release: the pending seat is CANCELLED and released (its authorization voided by the runner)", () => {
    const h = freshHold("HELD", BEFORE_START);
    expect(studentCancelSteps(h, { kind: "release" })).toEqual({
      bookingId: h.bookingId,
      status: "CANCELLED",
      effects: [{ kind: "release", bookingId: h.bookingId, status: "CANCELLED", cancelledBy: "STUDENT" }],
    });
  });

  it("refund: the confirmed seat is CANCELLED, withdrawn, and everything left refunded on its intent", () => {
    const h = freshHold("CONFIRMED", BEFORE_START);
    expect(studentCancelSteps(h, FULL_REFUND)).toEqual({
      bookingId: h.bookingId,
      status: "CANCELLED",
      effects: [
        { kind: "withdraw", bookingId: h.bookingId, cancelledBy: "STUDENT", retained: 0 },
        { kind: "refund", bookingId: h.bookingId, intentId: INTENT, reason: "You cancelled the booking." },
      ],
    });
  });

  it("refund without a known intent leaves the intent to the runner (intentId null)", () => {
    const h = hold({ status: "CONFIRMED" });
    const refund = studentCancelSteps(h, FULL_REFUND).effects.find((e) => e.kind === "refund");
    expect(refund).toMatchObject({ kind: "refund", intentId: null });
  });
});

describe("decideInstructorCancel", () => {
  const REASON = "The instructor cancelled the lesson.";

  it.each([
    { status: "HELD", kinds: ["release"] },
    { status: "CAPTURING", kinds: ["withdraw", "cancel_intent"] },
    { status: "CONFIRMED", kinds: ["withdraw", "refund"] },
    { status: "EXPIRED", kinds: null },
    { status: "CANCELLED", kinds: null },
    { status: "RELEASED", kinds: null },
  ] as const)("a $status hold → $kinds", ({ status, kinds }) => {
    const h = freshHold(status, BEFORE_START);
    const steps = decideInstructorCancel([h]);
    if (!kinds) {
      expect(steps).toEqual([]);
      return;
    }
    expect(steps).toHaveLength(1);
    expect(steps[0]?.status).toBe("CANCELLED");
    expect(steps[0]?.effects.map((e) => e.kind)).toEqual(kinds);
  });

  it("HELD → CANCELLED + release CANCELLED, even when the hold already lapsed", () => {
    const lapsed = hold({ expiresAt: NOW - 1, paymentIntentId: INTENT });
    expect(decideInstructorCancel([lapsed])).toEqual([
      {
        bookingId: lapsed.bookingId,
        status: "CANCELLED",
        effects: [
          { kind: "release", bookingId: lapsed.bookingId, status: "CANCELLED", cancelledBy: "PROVIDER" },
        ],
      },
    ]);
  });

  it("CAPTURING → withdraw + cancel_intent, never a refund (the runner refunds only if the capture landed)", () => {
    const h = freshHold("CAPTURING", BEFORE_START);
    expect(decideInstructorCancel([h])).toEqual([
      {
        bookingId: h.bookingId,
        status: "CANCELLED",
        effects: [
          { kind: "withdraw", bookingId: h.bookingId, cancelledBy: "PROVIDER" },
          { kind: "cancel_intent", bookingId: h.bookingId, intentId: INTENT },
        ],
      },
    ]);
  });

  it("CAPTURING without a known intent → withdraw only", () => {
    const h = hold({ status: "CAPTURING", paymentIntentId: null });
    expect(decideInstructorCancel([h])).toEqual([
      {
        bookingId: h.bookingId,
        status: "CANCELLED",
        effects: [{ kind: "withdraw", bookingId: h.bookingId, cancelledBy: "PROVIDER" }],
      },
    ]);
  });

  it("CONFIRMED → withdraw + a full refund on its intent", () => {
    const h = freshHold("CONFIRMED", BEFORE_START);
    expect(decideInstructorCancel([h])).toEqual([
      {
        bookingId: h.bookingId,
        status: "CANCELLED",
        effects: [
          { kind: "withdraw", bookingId: h.bookingId, cancelledBy: "PROVIDER" },
          { kind: "refund", bookingId: h.bookingId, intentId: INTENT, reason: REASON },
        ],
      },
    ]);
  });

  it("ends every seat of a mixed slot in order and leaves no seat-holding hold", () => {
    const holds = ALL_STATUSES.map((status) => freshHold(status, BEFORE_START));
    const steps = decideInstructorCancel(holds);
    expect(steps.map((s) => s.bookingId)).toEqual(holds.slice(0, 3).map((h) => h.bookingId));
    const after = holds.map((h) => ({
      ...h,
      status: steps.find((s) => s.bookingId === h.bookingId)?.status ?? h.status,
    }));
    expect(seatsTaken(after, BEFORE_START)).toBe(0);
    expect(decideInstructorCancel([])).toEqual([]);
  });
});

describe("decideSessionEnd", () => {
  const REASON = "The lesson ended before the payment completed; nothing was charged.";

  it.each([
    { status: "HELD", next: "EXPIRED" },
    { status: "CAPTURING", next: "RELEASED" },
    { status: "CONFIRMED", next: null },
    { status: "EXPIRED", next: null },
    { status: "CANCELLED", next: null },
    { status: "RELEASED", next: null },
  ] as const)("a $status hold → $next", ({ status, next }) => {
    const h = freshHold(status, DURING);
    expect(decideSessionEnd([h])).toEqual(
      next
        ? [
            {
              bookingId: h.bookingId,
              status: next,
              effects: [{ kind: "release", bookingId: h.bookingId, status: "EXPIRED", reason: REASON }],
            },
          ]
        : [],
    );
  });

  it("releases every unpaid hold of a mixed slot and keeps the confirmed seats", () => {
    const holds = ALL_STATUSES.map((status) => freshHold(status, DURING));
    const steps = decideSessionEnd(holds);
    const after = holds.map((h) => ({
      ...h,
      status: steps.find((s) => s.bookingId === h.bookingId)?.status ?? h.status,
    }));
    expect(after.filter((h) => holdsSeat(h, DURING)).map((h) => h.status)).toEqual(["CONFIRMED"]);
    expect(steps.flatMap((s) => s.effects).some((e) => e.kind === "refund" || e.kind === "capture")).toBe(
      false,
    );
  });
});

describe("refundDue", () => {
  it.each([
    { status: "HELD", due: 0 },
    { status: "CAPTURING", due: 0 },
    { status: "CONFIRMED", due: 0 },
    { status: "EXPIRED", due: PRICE },
    { status: "CANCELLED", due: PRICE },
    { status: "RELEASED", due: PRICE },
    { status: undefined, due: PRICE },
  ] as const)("a $status hold owes back $due of $PRICE captured", ({ status, due }) => {
    const h = status ? freshHold(status, NOW) : undefined;
    expect(refundDue(h, PRICE)).toBe(due);
    expect(refundDue(h, 0)).toBe(0);
  });

  it("a lapsed HELD hold keeps its seat status until the alarm expires it: nothing due yet", () => {
    expect(refundDue(hold({ expiresAt: NOW - 1 }), PRICE)).toBe(0);
  });
});

describe("holdCapReached / MAX_UNPAID_HOLDS", () => {
  it("allows 3 unpaid holds per student", () => {
    expect(MAX_UNPAID_HOLDS).toBe(3);
  });

  it.each([
    { unpaid: 0, reached: false },
    { unpaid: 1, reached: false },
    { unpaid: 2, reached: false },
    { unpaid: 3, reached: true },
    { unpaid: 4, reached: true },
  ])("$unpaid unpaid holds → a 4th-attempt refusal: $reached", ({ unpaid, reached }) => {
    expect(holdCapReached(unpaid)).toBe(reached);
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

// ---------------------------------------------------------------------------------------------
// Property: one lesson end to end. The slot's decisions, their outbox run like slot-effects.ts
// runs it, Stripe's view of each booking's intent (a MoneySnapshot the model keeps), the lesson's
// facts (clock, start, end, cancel) and the D1 booking rows the effects write.
// ---------------------------------------------------------------------------------------------

type LessonCommand =
  | { type: "book"; student: number; key: number | null }
  /** The card is authorized at Stripe; the webhook hint is read back (decideFromStripe). */
  | { type: "authorize"; pick: number }
  | { type: "decline"; pick: number }
  /** The authorization is voided at Stripe (e.g. it expired there). */
  | { type: "voidAtStripe"; pick: number }
  /** A refund made in the Stripe dashboard, succeeded at once. */
  | { type: "dashboardRefund"; pick: number; percent: number }
  /** Pending refunds finish (pm_card_refundFail: they fail) and the webhook is read back. */
  | { type: "settleRefunds"; pick: number; fail: boolean }
  | { type: "resync"; pick: number }
  /** The outbox runs its oldest effects (the alarm may be late: effects lag decisions). */
  | { type: "runEffects"; count: number }
  | { type: "studentCancel"; pick: number }
  | { type: "expire"; advanceMs: number }
  | { type: "lateTick"; advanceMs: number }
  | { type: "clock"; to: "startsAt" | "endsAt"; offsetMs: number; alarm: boolean }
  | { type: "sessionStart" }
  | { type: "sessionEnd" }
  | { type: "sessionCancel" };

const SEAT_STATUSES: ReadonlySet<HoldStatus> = new Set(["HELD", "CAPTURING", "CONFIRMED"]);
const UNCAPTURED: ReadonlySet<IntentStatus> = new Set([
  "requires_payment_method",
  "requires_confirmation",
  "requires_action",
  "processing",
  "requires_capture",
]);

class LessonModel {
  holds: Hold[] = [];
  /** Stripe's view of each booking's intent. */
  money = new Map<string, MoneySnapshot>();
  /** The D1 rows, as releaseBooking / confirmBooking / withdrawBooking write them. */
  bookings = new Map<string, BookingStatus>();
  outbox: Effect[] = [];
  slot: SlotFacts;
  now = NOW;
  private nextId = 0;
  private stripeSeconds = 1_800_000_000;
  readonly violations: string[] = [];
  /** Refunds that failed at Stripe during the run (coverage of the REFUND_FAILED path). */
  refundFailures = 0;

  constructor(
    readonly capacity: number,
    slot: SlotFacts,
  ) {
    this.slot = { ...slot };
  }

  private fail(message: string) {
    this.violations.push(message);
  }

  private pick(index: number): Hold | undefined {
    return this.holds.length === 0 ? undefined : this.holds[index % this.holds.length];
  }

  /** Stripe events happen to intents in a given state: pick among those. */
  private pickWhere(index: number, where: (money: MoneySnapshot) => boolean): Hold | undefined {
    const candidates = this.holds.filter((h) => where(this.moneyOf(h.bookingId)));
    return candidates.length === 0 ? undefined : candidates[index % candidates.length];
  }

  private hold(bookingId: string): Hold | undefined {
    return this.holds.find((h) => h.bookingId === bookingId);
  }

  private moneyOf(bookingId: string): MoneySnapshot {
    return this.money.get(bookingId)!;
  }

  /** Writes a decided step, checking what the decision is never allowed to say. */
  applyStep(step: Step | undefined, origin: string) {
    if (!step) return;
    const h = this.hold(step.bookingId);
    if (!h) return this.fail(`${origin}: step for unknown ${step.bookingId}`);
    const before = h.status;
    const after = step.status ?? before;
    const kinds = step.effects.map((e) => e.kind);
    const open = lessonOpen(this.slot, this.now);
    if (kinds.includes("capture") && !open)
      this.fail(`${origin}: capture decided for ${h.bookingId} in a closed lesson (${this.slot.session})`);
    if (kinds.includes("refund") && holdsSeat({ ...h, status: after }, this.now))
      this.fail(`${origin}: refund decided for ${h.bookingId} that keeps its seat (${after})`);
    if (after === "CONFIRMED" && before !== "CONFIRMED") {
      const m = this.moneyOf(h.bookingId);
      if (m.status !== "succeeded" || m.captured <= 0)
        this.fail(`${origin}: ${h.bookingId} CONFIRMED without captured money`);
      if (this.slot.session === "COMPLETED" || this.slot.session === "CANCELLED")
        this.fail(`${origin}: ${h.bookingId} CONFIRMED after the session was ${this.slot.session}`);
      if (!open && before !== "CAPTURING")
        this.fail(`${origin}: ${h.bookingId} CONFIRMED from ${before} after the lesson ended`);
    }
    h.status = after;
    this.outbox.push(...step.effects);
  }

  /** The object's expireDue (alarm, and before every Stripe decision). */
  private expireDue() {
    for (const due of dueForExpiry(this.holds, this.now)) {
      const h = this.hold(due.bookingId)!;
      h.status = "EXPIRED";
      this.outbox.push({ kind: "release", bookingId: h.bookingId, status: "EXPIRED" });
    }
  }

  /** A webhook hint: Stripe's state is read back and decided on (slot.ts observe). */
  private observe(bookingId: string, origin: string) {
    this.expireDue();
    const snapshot = structuredClone(this.moneyOf(bookingId));
    this.applyStep(decideFromStripe(this.hold(bookingId), { ...this.slot }, snapshot, this.now), origin);
  }

  private stripeRefundRemainder(bookingId: string, origin: string) {
    const h = this.hold(bookingId);
    if (h && holdsSeat(h, this.now))
      this.fail(`${origin}: money refunded for ${bookingId} that keeps its seat`);
    const m = this.moneyOf(bookingId);
    if (m.status !== "succeeded") return;
    const amount = refundRemainder(m);
    if (amount <= 0) return;
    this.stripeSeconds += 1;
    m.refunds.unshift({
      id: `re_${this.stripeSeconds}`,
      amount,
      status: "pending",
      created: this.stripeSeconds,
    });
  }

  /** slot-effects.ts voidOrRefund. */
  private voidOrRefund(bookingId: string) {
    const m = this.moneyOf(bookingId);
    if (UNCAPTURED.has(m.status)) {
      m.status = "canceled";
      return;
    }
    const owed = refundDue(this.hold(bookingId), m.captured) > 0;
    if (m.status === "succeeded" && owed && refundRemainder(m) > 0 && !hasFailedRefund(m.refunds))
      this.stripeRefundRemainder(bookingId, "voidOrRefund");
  }

  private setBooking(bookingId: string, from: readonly BookingStatus[], to: BookingStatus) {
    const current = this.bookings.get(bookingId);
    if (current && from.includes(current)) this.bookings.set(bookingId, to);
  }

  /** slot-effects.ts runEffect, over the model's Stripe and D1. */
  private runEffect(effect: Effect) {
    const { bookingId } = effect;
    switch (effect.kind) {
      case "release":
        this.setBooking(bookingId, ["PENDING_PAYMENT"], effect.status);
        if (this.hold(bookingId)?.paymentIntentId) this.voidOrRefund(bookingId);
        return;
      case "cancel_intent":
        this.voidOrRefund(bookingId);
        return;
      case "capture": {
        const verdict = decideCapture(this.hold(bookingId), { ...this.slot }, this.now);
        if (verdict === "go" && !lessonOpen(this.slot, this.now))
          this.fail(`capture of ${bookingId} went ahead in a closed lesson`);
        if (verdict === "abandon") {
          this.hold(bookingId)!.status = "RELEASED";
          this.outbox.push({ kind: "release", bookingId, status: "EXPIRED", reason: "abandoned" });
          return;
        }
        if (verdict !== "go") return;
        const m = this.moneyOf(bookingId);
        if (m.status === "requires_capture") {
          m.status = "succeeded";
          m.captured = m.amount;
          m.lastPaymentError = null;
        }
        this.observe(bookingId, "capture answer");
        return;
      }
      case "confirm":
        this.setBooking(bookingId, ["PENDING_PAYMENT"], "CONFIRMED");
        return;
      case "withdraw":
        this.setBooking(bookingId, ["PENDING_PAYMENT", "CONFIRMED"], "CANCELLED");
        return;
      case "refund":
        this.stripeRefundRemainder(bookingId, "refund effect");
        return;
      case "attach_intent":
      case "discard":
      case "sync_payment":
      case "payment_failed":
        return;
    }
  }

  apply(command: LessonCommand) {
    switch (command.type) {
      case "book": {
        if (this.slot.session === "COMPLETED") return; // the slot takes no bookings (service: SLOT_NOT_BOOKABLE)
        this.expireDue();
        this.nextId += 1;
        const bookingId = `b${this.nextId}`;
        const decision = decideHold(this.holds, {
          bookingId,
          studentId: `s${command.student}`,
          idempotencyKey: command.key === null ? null : `key${command.key}`,
          capacity: this.capacity,
          holdMs: HOLD_MS,
          now: this.now,
          closed: this.slot.session === "CANCELLED",
        });
        if (decision.kind !== "new") return;
        if (this.slot.session === "CANCELLED") this.fail(`new hold ${bookingId} in a cancelled lesson`);
        this.holds.push({ ...decision.hold, paymentIntentId: `pi_${bookingId}` });
        this.bookings.set(bookingId, "PENDING_PAYMENT");
        this.money.set(bookingId, {
          intentId: `pi_${bookingId}`,
          status: "requires_payment_method",
          amount: PRICE,
          captured: 0,
          currency: "usd",
          chargeId: null,
          lastPaymentError: null,
          refunds: [],
        });
        return;
      }
      case "authorize":
      case "decline":
      case "voidAtStripe": {
        const h = this.pickWhere(command.pick, (m) => UNCAPTURED.has(m.status));
        if (!h) return;
        const m = this.moneyOf(h.bookingId);
        if (command.type === "authorize" && m.status === "requires_payment_method") {
          m.status = "requires_capture";
          m.lastPaymentError = null;
        } else if (command.type === "decline" && m.status === "requires_payment_method") {
          m.lastPaymentError = "Your card was declined.";
        } else if (
          command.type === "voidAtStripe" &&
          (m.status === "requires_payment_method" || m.status === "requires_capture")
        ) {
          m.status = "canceled";
        }
        this.observe(h.bookingId, command.type);
        return;
      }
      case "dashboardRefund": {
        const h = this.pickWhere(command.pick, (m) => m.captured > 0);
        if (!h) return;
        const m = this.moneyOf(h.bookingId);
        const left = refundRemainder(m);
        if (m.status !== "succeeded" || left <= 0) return;
        this.stripeSeconds += 1;
        const amount = Math.max(1, Math.floor((left * command.percent) / 100));
        m.refunds.unshift({
          id: `re_${this.stripeSeconds}`,
          amount,
          status: "succeeded",
          created: this.stripeSeconds,
        });
        this.observe(h.bookingId, "dashboard refund");
        return;
      }
      case "settleRefunds": {
        const h = this.pickWhere(command.pick, (m) => m.refunds.some((r) => r.status === "pending"));
        if (!h) return;
        const pending = this.moneyOf(h.bookingId).refunds.filter((r) => r.status === "pending");
        for (const r of pending) r.status = command.fail ? "failed" : "succeeded";
        if (command.fail) this.refundFailures += pending.length;
        if (pending.length > 0) this.observe(h.bookingId, command.fail ? "refund.failed" : "refund.updated");
        return;
      }
      case "resync": {
        const h = this.pick(command.pick);
        if (h) this.observe(h.bookingId, "resync");
        return;
      }
      case "runEffects":
        for (let i = 0; i < command.count && this.outbox.length > 0; i++)
          this.runEffect(this.outbox.shift()!);
        return;
      case "studentCancel": {
        const h = this.pick(command.pick);
        if (!h) return;
        const decision = decideStudentCancel(h, { ...this.slot }, this.now);
        if (decision.kind === "refused") return;
        if (this.now >= this.slot.startsAt)
          this.fail(
            `student cancel of ${h.bookingId} allowed at startsAt+${this.now - this.slot.startsAt} ms`,
          );
        if (this.slot.session !== "SCHEDULED")
          this.fail(`student cancel of ${h.bookingId} allowed in a ${this.slot.session} session`);
        this.applyStep(studentCancelSteps(h, decision), "student cancel");
        return;
      }
      case "expire":
        this.now += command.advanceMs;
        this.expireDue();
        return;
      case "lateTick":
        this.now += command.advanceMs;
        return;
      case "clock": {
        const target = (command.to === "startsAt" ? this.slot.startsAt : this.slot.endsAt) + command.offsetMs;
        this.now = Math.max(this.now, target);
        if (command.alarm) this.expireDue();
        return;
      }
      case "sessionStart":
        if (this.slot.session === "SCHEDULED") this.slot.session = "IN_PROGRESS";
        return;
      case "sessionEnd":
        if (this.slot.session !== "IN_PROGRESS") return;
        this.slot.session = "COMPLETED";
        for (const step of decideSessionEnd(this.holds)) this.applyStep(step, "session end");
        return;
      case "sessionCancel": {
        if (this.slot.session !== "SCHEDULED" && this.slot.session !== "CANCELLED") return;
        this.slot.session = "CANCELLED";
        for (const step of decideInstructorCancel(this.holds)) this.applyStep(step, "instructor cancel");
        const left = this.holds.filter((h) => SEAT_STATUSES.has(h.status));
        if (left.length > 0)
          this.fail(`instructor cancel left ${left.map((h) => `${h.bookingId}:${h.status}`)}`);
        return;
      }
    }
  }

  check() {
    const taken = seatsTaken(this.holds, this.now);
    if (taken > this.capacity) this.fail(`seatsTaken ${taken} > capacity ${this.capacity}`);
    const students = this.holds.filter((h) => holdsSeat(h, this.now)).map((h) => h.studentId);
    if (new Set(students).size !== students.length) this.fail(`a student holds two seats: ${students}`);
    const session = this.slot.session;
    for (const h of this.holds) {
      if (session === "CANCELLED" && SEAT_STATUSES.has(h.status))
        this.fail(`${h.bookingId} ${h.status} in a cancelled lesson`);
      if (session === "COMPLETED" && (h.status === "HELD" || h.status === "CAPTURING"))
        this.fail(`${h.bookingId} still ${h.status} after the session ended`);
      if (h.status === "CONFIRMED" && this.moneyOf(h.bookingId).status !== "succeeded")
        this.fail(`${h.bookingId} CONFIRMED but its intent is ${this.moneyOf(h.bookingId).status}`);
    }
  }

  /** Lets every effect run and every pending refund succeed, then checks where the money ended up. */
  settle() {
    for (let round = 0; round < 50; round++) {
      this.expireDue();
      for (let i = 0; i < 500 && this.outbox.length > 0; i++) this.runEffect(this.outbox.shift()!);
      let settled = false;
      for (const h of this.holds) {
        const pending = this.moneyOf(h.bookingId).refunds.filter((r) => r.status === "pending");
        for (const r of pending) r.status = "succeeded";
        if (pending.length > 0) {
          settled = true;
          this.observe(h.bookingId, "final refund.updated");
        }
      }
      if (!settled && this.outbox.length === 0) break;
    }
    if (this.outbox.length > 0) this.fail(`the outbox never drained: ${this.outbox.map((e) => e.kind)}`);
    for (const h of this.holds) {
      const m = this.moneyOf(h.bookingId);
      const booking = this.bookings.get(h.bookingId);
      const label = `${h.bookingId} (${h.status}, intent ${m.status}, booking ${booking})`;
      if (h.status === "CAPTURING") this.fail(`${label}: still capturing once everything ran`);
      if (h.status === "CONFIRMED") {
        if (booking !== "CONFIRMED") this.fail(`${label}: confirmed seat without a confirmed booking`);
        if (refundedAmount(m.refunds) >= m.captured) this.fail(`${label}: confirmed seat refunded in full`);
        const status = paymentStatusOf(m, refundDue(h, m.captured));
        if (status !== "SUCCEEDED" && status !== "PARTIALLY_REFUNDED" && status !== "REFUND_FAILED")
          this.fail(`${label}: confirmed seat with payment ${status}`);
      } else if (holdsSeat(h, this.now)) {
        if (booking !== "PENDING_PAYMENT") this.fail(`${label}: held seat without a pending booking`);
        if (m.captured > 0) this.fail(`${label}: money captured for an unconfirmed seat`);
      } else {
        if (booking === "PENDING_PAYMENT" || booking === "CONFIRMED")
          this.fail(`${label}: seatless hold with an active booking`);
        if (m.status !== "canceled" && m.status !== "succeeded")
          this.fail(`${label}: seatless hold left its intent ${m.status} (never voided)`);
        if (m.captured > 0 && refundRemainder(m) > 0 && !hasFailedRefund(m.refunds))
          this.fail(`${label}: ${refundRemainder(m)} captured without a seat never refunded`);
        const status = paymentStatusOf(m, refundDue(h, m.captured));
        if (m.captured > 0 && status !== "REFUNDED" && status !== "REFUND_FAILED")
          this.fail(`${label}: seatless hold with payment ${status}`);
      }
    }
  }
}

const bookArb = fc.record({
  type: fc.constant("book" as const),
  student: fc.nat({ max: 8 }),
  key: fc.option(fc.nat({ max: 3 }), { nil: null }),
});

const lessonCommands = (maxAdvanceMs: number): fc.Arbitrary<LessonCommand> =>
  fc.oneof(
    { weight: 12, arbitrary: bookArb },
    { weight: 15, arbitrary: fc.record({ type: fc.constant("authorize" as const), pick: pickArb }) },
    { weight: 2, arbitrary: fc.record({ type: fc.constant("decline" as const), pick: pickArb }) },
    { weight: 2, arbitrary: fc.record({ type: fc.constant("voidAtStripe" as const), pick: pickArb }) },
    {
      weight: 5,
      arbitrary: fc.record({
        type: fc.constant("dashboardRefund" as const),
        pick: pickArb,
        percent: fc.constantFrom(10, 50, 99, 100),
      }),
    },
    {
      weight: 9,
      arbitrary: fc.record({
        type: fc.constant("settleRefunds" as const),
        pick: pickArb,
        fail: fc.boolean(),
      }),
    },
    { weight: 2, arbitrary: fc.record({ type: fc.constant("resync" as const), pick: pickArb }) },
    {
      weight: 24,
      arbitrary: fc.record({
        type: fc.constant("runEffects" as const),
        count: fc.integer({ min: 1, max: 4 }),
      }),
    },
    { weight: 8, arbitrary: fc.record({ type: fc.constant("studentCancel" as const), pick: pickArb }) },
    {
      weight: 5,
      arbitrary: fc.record({
        type: fc.constant("expire" as const),
        advanceMs: fc.integer({ min: 1, max: maxAdvanceMs }),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        type: fc.constant("lateTick" as const),
        advanceMs: fc.integer({ min: 1, max: maxAdvanceMs }),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        type: fc.constant("clock" as const),
        to: fc.constantFrom("startsAt" as const, "endsAt" as const),
        offsetMs: fc.constantFrom(-1, 0, 1, 60_000),
        alarm: fc.boolean(),
      }),
    },
    { weight: 2, arbitrary: fc.constant({ type: "sessionStart" as const }) },
    { weight: 1, arbitrary: fc.constant({ type: "sessionEnd" as const }) },
    { weight: 1, arbitrary: fc.constant({ type: "sessionCancel" as const }) },
  );

const lessonArb = fc.record({
  startsAt: fc.integer({ min: NOW + 1_800_000, max: NOW + 8 * 3_600_000 }),
  lengthMs: fc.integer({ min: 30 * 60_000, max: 90 * 60_000 }),
});

function runLesson(
  capacity: number,
  facts: { startsAt: number; lengthMs: number },
  commands: LessonCommand[],
) {
  const model = new LessonModel(capacity, {
    startsAt: facts.startsAt,
    endsAt: facts.startsAt + facts.lengthMs,
    session: "SCHEDULED",
  });
  const fail = (where: string) => {
    if (model.violations.length > 0) throw new Error(`${where}: ${model.violations.join("; ")}`);
  };
  for (const [i, command] of commands.entries()) {
    model.apply(command);
    model.check();
    fail(`step ${i} ${JSON.stringify(command)}`);
  }
  model.settle();
  fail("after settling");
  return model;
}

describe("lesson model with money (property)", () => {
  it("captures only in an open lesson, confirms only paid seats, refunds only seatless holds, and settles every cent", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        lessonArb,
        fc.array(lessonCommands(HOLD_MS), { minLength: 1, maxLength: 100, size: "max" }),
        (capacity, facts, commands) => {
          runLesson(capacity, facts, commands);
        },
      ),
      { numRuns: 400 },
    );
  });

  it("keeps them when the clock jumps far (lessons end with holds and captures in flight)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        lessonArb,
        fc.array(lessonCommands(2 * 3_600_000), { minLength: 1, maxLength: 60, size: "max" }),
        (capacity, facts, commands) => {
          runLesson(capacity, facts, commands);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("reaches the interesting states (the generator is not vacuous)", () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        lessonArb,
        fc.array(lessonCommands(HOLD_MS), { minLength: 20, maxLength: 100, size: "max" }),
        (capacity, facts, commands) => {
          const model = runLesson(capacity, facts, commands);
          seen.add(`session:${model.slot.session}`);
          if (model.refundFailures > 0) seen.add("a refund failed");
          for (const h of model.holds) {
            seen.add(`hold:${h.status}`);
            const m = model.money.get(h.bookingId)!;
            if (hasFailedRefund(m.refunds)) seen.add("ended with a failed refund");
            if (h.status === "CONFIRMED" && refundedAmount(m.refunds) > 0)
              seen.add("confirmed, partly refunded");
            if (h.status === "CANCELLED" && m.captured > 0) seen.add("cancelled after payment");
          }
        },
      ),
      { numRuns: 200 },
    );
    for (const state of [
      "session:SCHEDULED",
      "session:COMPLETED",
      "session:CANCELLED",
      "hold:CONFIRMED",
      "hold:EXPIRED",
      "hold:CANCELLED",
      "hold:RELEASED",
      "a refund failed",
      "ended with a failed refund",
      "confirmed, partly refunded",
      "cancelled after payment",
    ])
      expect(seen, state).toContain(state);
  });

  it("the checker flags a refund decided for a seat-holding hold and a capture in a closed lesson", () => {
    const model = new LessonModel(2, lesson("SCHEDULED"));
    model.apply({ type: "book", student: 1, key: null });
    const [held] = model.holds;
    model.applyStep(
      {
        bookingId: held!.bookingId,
        effects: [{ kind: "refund", bookingId: held!.bookingId, intentId: null, reason: "x" }],
      },
      "crafted",
    );
    expect(model.violations.join(" ")).toMatch(/refund decided for b1 that keeps its seat/);
    model.slot.session = "COMPLETED";
    model.applyStep(
      {
        bookingId: held!.bookingId,
        effects: [{ kind: "capture", bookingId: held!.bookingId, intentId: INTENT }],
      },
      "crafted",
    );
    expect(model.violations.join(" ")).toMatch(/capture decided for b1 in a closed lesson/);
  });
});

describe("decideFromStripe when everything was refunded elsewhere", () => {
  it.each(["HELD", "CAPTURING", "CONFIRMED"] as const)(
    "gives up a %s seat at once and decides the same again on the same snapshot",
    (status) => {
      const h = hold({ status, paymentIntentId: "pi_all_back" });
      const snap = money("succeeded", {
        intentId: "pi_all_back",
        refunds: [{ id: "re_all", amount: PRICE, status: "succeeded", created: 1, failureReason: null }],
      });
      const first = decideFromStripe(h, SLOT, snap, NOW);
      expect(first?.status).toBe("CANCELLED");
      expect(
        first?.effects.some((e) => e.kind === "confirm" || e.kind === "refund" || e.kind === "capture"),
      ).toBe(false);
      const again = decideFromStripe({ ...h, status: "CANCELLED" }, SLOT, snap, NOW);
      expect(again?.status).toBeUndefined();
      expect(again?.effects.some((e) => e.kind === "refund")).toBe(false);
    },
  );
});
