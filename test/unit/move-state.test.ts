import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decideMoveIn,
  decideMoveOut,
  decideMoveResolution,
  type MoveTerms,
  moveCompleteSteps,
} from "../../durable-objects/move-state";
import {
  type BookingTerms,
  decideStudentCancel,
  type Hold,
  type HoldStatus,
  refundDue,
  type SlotFacts,
  studentCancelSteps,
} from "../../durable-objects/slot-state";
import type { WaitEntry } from "../../durable-objects/waitlist-state";
import {
  type CancellationPolicy,
  DEFAULT_CANCELLATION_POLICY,
  refundForCancel,
} from "../../src/shared/cancellation-policy";
import { HOUR_MS, MINUTE_MS } from "../../src/shared/time";

const NOW = Date.parse("2027-03-01T10:00:00Z");
const DEADLINE_MS = 60_000;
const OFFER_MS = 900_000;
/** A lesson 30 hours away, not started. */
const OPEN: SlotFacts = { startsAt: NOW + 30 * HOUR_MS, endsAt: NOW + 31 * HOUR_MS, session: "SCHEDULED" };
const ALL_STATUSES: HoldStatus[] = [
  "HELD",
  "CAPTURING",
  "CONFIRMED",
  "EXPIRED",
  "CANCELLED",
  "RELEASED",
  "MOVING",
  "MOVED",
];

const STANDARD: CancellationPolicy = {
  tiers: [
    { minNoticeHours: 48, refundPercent: 100 },
    { minNoticeHours: 24, refundPercent: 50 },
    { minNoticeHours: 0, refundPercent: 0 },
  ],
  rescheduleMinNoticeHours: 24,
};

let counter = 0;
const next = () => {
  counter += 1;
  return counter;
};

function hold(overrides: Partial<Hold> = {}): Hold {
  const n = next();
  return {
    bookingId: `bkg_${n}`,
    studentId: `stu_${n}`,
    status: "CONFIRMED",
    expiresAt: NOW + 600_000,
    idempotencyKey: null,
    ...overrides,
  };
}

function entry(overrides: Partial<WaitEntry> = {}): WaitEntry {
  const n = next();
  return {
    id: `wl_${n}`,
    studentId: `stu_${n}`,
    status: "WAITING",
    seq: n,
    createdAt: NOW - HOUR_MS,
    offeredAt: null,
    offerExpiresAt: null,
    ...overrides,
  };
}

const liveOffer = (overrides: Partial<WaitEntry> = {}) =>
  entry({ status: "OFFERED", offeredAt: NOW, offerExpiresAt: NOW + OFFER_MS, ...overrides });

function moveTerms(overrides: Partial<MoveTerms> = {}): MoveTerms {
  const n = next();
  return {
    fromBookingId: `bkg_from_${n}`,
    fromSlotId: `slot_from_${n}`,
    studentId: `stu_mover_${n}`,
    intentId: `pi_${n}`,
    amount: 4_000,
    fromAmount: 4_000,
    currency: "eur",
    ...overrides,
  };
}

const CLOSED: { name: string; slot: SlotFacts; now: number }[] = [
  { name: "cancelled", slot: { ...OPEN, session: "CANCELLED" }, now: NOW },
  { name: "IN_PROGRESS", slot: { ...OPEN, session: "IN_PROGRESS" }, now: NOW },
  { name: "COMPLETED", slot: { ...OPEN, session: "COMPLETED" }, now: NOW },
  { name: "at startsAt", slot: OPEN, now: OPEN.startsAt },
  { name: "past the end", slot: OPEN, now: OPEN.endsAt },
];

describe("decideMoveIn", () => {
  const moveIn = (
    holds: Hold[],
    entries: WaitEntry[],
    terms: MoveTerms,
    { capacity = 1, slot = OPEN, now = NOW, newBookingId = "bkg_new" } = {},
  ) => decideMoveIn(holds, entries, { newBookingId, terms, capacity, slot, now, deadlineMs: DEADLINE_MS });

  it("keeps a MOVING seat until now + deadline, tied to the existing payment", () => {
    const terms = moveTerms();
    expect(moveIn([], [], terms)).toEqual({
      kind: "new",
      hold: {
        bookingId: "bkg_new",
        studentId: terms.studentId,
        status: "MOVING",
        expiresAt: NOW + DEADLINE_MS,
        idempotencyKey: null,
        paymentIntentId: terms.intentId,
        movedFrom: terms.fromBookingId,
      },
    });
  });

  it.each(["MOVING", "CONFIRMED"] as const)(
    "replays an earlier %s seat moved from the same booking, even on a full, closed slot",
    (status) => {
      const terms = moveTerms();
      const earlier = hold({ studentId: terms.studentId, status, movedFrom: terms.fromBookingId });
      const decision = moveIn([hold(), earlier], [liveOffer()], terms, {
        capacity: 1,
        slot: { ...OPEN, session: "CANCELLED" },
        newBookingId: "bkg_other",
      });
      expect(decision).toEqual({ kind: "replay", hold: earlier });
      if (decision.kind === "replay") expect(decision.hold).toBe(earlier);
    },
  );

  it.each(["HELD", "EXPIRED", "CANCELLED", "RELEASED", "MOVED"] as const)(
    "does not replay a %s (seatless) hold moved from the same booking (an abandoned move may be retried)",
    (status) => {
      const terms = moveTerms();
      const earlier = hold({
        studentId: terms.studentId,
        status,
        movedFrom: terms.fromBookingId,
        expiresAt: NOW,
      });
      expect(moveIn([earlier], [], terms, { capacity: 2 }).kind).toBe("new");
    },
  );

  it("does not replay a seat moved from another booking", () => {
    const terms = moveTerms();
    const other = hold({ status: "MOVING", movedFrom: "bkg_someone_else" });
    expect(moveIn([other], [], terms, { capacity: 2 }).kind).toBe("new");
  });

  it.each(CLOSED)("refuses SLOT_NOT_BOOKABLE when the target is $name", ({ slot, now }) => {
    expect(moveIn([], [], moveTerms(), { slot, now, capacity: 5 })).toMatchObject({
      kind: "refused",
      code: "SLOT_NOT_BOOKABLE",
    });
  });

  it.each([
    { status: "HELD", expiresAt: NOW + 1 },
    { status: "CAPTURING", expiresAt: NOW - 1 },
    { status: "CONFIRMED", expiresAt: NOW - 1 },
    { status: "MOVING", expiresAt: NOW - 1 },
  ] as const)(
    "refuses ALREADY_BOOKED when the student holds a $status seat there",
    ({ status, expiresAt }) => {
      const terms = moveTerms();
      const mine = hold({ studentId: terms.studentId, status, expiresAt });
      expect(moveIn([mine], [], terms, { capacity: 5 })).toMatchObject({
        kind: "refused",
        code: "ALREADY_BOOKED",
      });
    },
  );

  it.each([
    { status: "HELD", expiresAt: NOW },
    { status: "EXPIRED", expiresAt: NOW + 1 },
    { status: "CANCELLED", expiresAt: NOW + 1 },
    { status: "RELEASED", expiresAt: NOW + 1 },
    { status: "MOVED", expiresAt: NOW + 1 },
  ] as const)(
    "a $status hold of the student's own there is no seat: the move goes in",
    ({ status, expiresAt }) => {
      const terms = moveTerms();
      expect(moveIn([hold({ studentId: terms.studentId, status, expiresAt })], [], terms).kind).toBe("new");
    },
  );

  it("refuses SLOT_NOT_BOOKABLE before ALREADY_BOOKED, and ALREADY_BOOKED before SLOT_FULL", () => {
    const terms = moveTerms();
    const mine = hold({ studentId: terms.studentId });
    expect(moveIn([mine], [], terms, { slot: { ...OPEN, session: "CANCELLED" } })).toMatchObject({
      code: "SLOT_NOT_BOOKABLE",
    });
    expect(moveIn([mine, hold()], [], terms, { capacity: 1 })).toMatchObject({ code: "ALREADY_BOOKED" });
  });

  it.each([
    {
      name: "both seats taken",
      holds: () => [hold(), hold()],
      entries: () => [],
      mine: false,
      outcome: "SLOT_FULL",
    },
    { name: "one seat taken", holds: () => [hold()], entries: () => [], mine: false, outcome: "new" },
    {
      name: "one taken, one kept by a live offer to another student",
      holds: () => [hold()],
      entries: () => [liveOffer()],
      mine: false,
      outcome: "SLOT_FULL",
    },
    {
      name: "one taken, one kept by a live offer to the mover",
      holds: () => [hold()],
      entries: () => [],
      mine: true,
      outcome: "new",
    },
    {
      name: "one taken, another's offer lapsed",
      holds: () => [hold()],
      entries: () => [liveOffer({ offerExpiresAt: NOW })],
      mine: false,
      outcome: "new",
    },
    {
      name: "one taken, another only WAITING",
      holds: () => [hold()],
      entries: () => [entry()],
      mine: false,
      outcome: "new",
    },
    {
      name: "one taken, one HELD that lapsed",
      holds: () => [hold(), hold({ status: "HELD", expiresAt: NOW })],
      entries: () => [],
      mine: false,
      outcome: "new",
    },
    {
      name: "one taken, another MOVING in",
      holds: () => [hold(), hold({ status: "MOVING", expiresAt: NOW - 1 })],
      entries: () => [],
      mine: false,
      outcome: "SLOT_FULL",
    },
    {
      name: "one taken, one MOVED away",
      holds: () => [hold(), hold({ status: "MOVED" })],
      entries: () => [],
      mine: false,
      outcome: "new",
    },
  ])("capacity 2 with $name → $outcome", ({ holds, entries, mine, outcome }) => {
    const terms = moveTerms();
    const list = mine ? [liveOffer({ studentId: terms.studentId })] : entries();
    const decision = moveIn(holds(), list, terms, { capacity: 2 });
    if (outcome === "new") expect(decision.kind).toBe("new");
    else
      expect(decision).toEqual({
        kind: "refused",
        code: "SLOT_FULL",
        message: "Every seat in that slot is taken.",
      });
  });
});

describe("decideMoveOut", () => {
  const NEW_ID = "bkg_target";
  const moveOut = (
    h: Hold | undefined,
    {
      slot = OPEN,
      now = NOW,
      policy = DEFAULT_CANCELLATION_POLICY,
      fenced = false,
      newBookingId = NEW_ID,
    } = {},
  ) => decideMoveOut(h, slot, now, { newBookingId, policy, fenced });
  const INACTIVE = {
    kind: "refused",
    code: "BOOKING_NOT_ACTIVE",
    message: "This booking is no longer active.",
  };
  const STARTED = {
    kind: "refused",
    code: "RESCHEDULE_TOO_LATE",
    message: "The lesson has already started, so it can no longer be moved.",
  };

  it("moves a CONFIRMED seat before the lesson under the default policy", () => {
    expect(moveOut(hold())).toEqual({ kind: "move" });
    expect(moveOut(hold(), { now: OPEN.startsAt - 1 })).toEqual({ kind: "move" });
  });

  it("replays already_moved for a seat MOVED to the same booking, whatever the clock or the fence", () => {
    const moved = hold({ status: "MOVED", movedTo: NEW_ID });
    expect(moveOut(moved)).toEqual({ kind: "already_moved" });
    expect(moveOut(moved, { fenced: true })).toEqual({ kind: "already_moved" });
    expect(moveOut(moved, { now: OPEN.endsAt + 1, slot: { ...OPEN, session: "COMPLETED" } })).toEqual({
      kind: "already_moved",
    });
  });

  it("refuses BOOKING_NOT_ACTIVE for a seat MOVED to another booking", () => {
    expect(moveOut(hold({ status: "MOVED", movedTo: "bkg_elsewhere" }))).toEqual(INACTIVE);
  });

  it("refuses BOOKING_NOT_ACTIVE for an unknown booking", () => {
    expect(moveOut(undefined)).toEqual(INACTIVE);
  });

  it.each(ALL_STATUSES.filter((s) => s !== "CONFIRMED" && s !== "MOVED"))(
    "refuses BOOKING_NOT_ACTIVE for a %s hold",
    (status) => {
      expect(moveOut(hold({ status, expiresAt: NOW + HOUR_MS }))).toEqual(INACTIVE);
    },
  );

  it("refuses BOOKING_NOT_ACTIVE for a CONFIRMED seat whose move was fenced off (abandoned)", () => {
    expect(moveOut(hold(), { fenced: true })).toEqual(INACTIVE);
  });

  it("refuses BOOKING_NOT_ACTIVE before RESCHEDULE_TOO_LATE (fenced and late)", () => {
    expect(moveOut(hold(), { fenced: true, now: OPEN.startsAt })).toEqual(INACTIVE);
  });

  it.each([
    { name: "session IN_PROGRESS", slot: { ...OPEN, session: "IN_PROGRESS" as const }, now: NOW },
    { name: "session COMPLETED", slot: { ...OPEN, session: "COMPLETED" as const }, now: NOW },
    { name: "session CANCELLED", slot: { ...OPEN, session: "CANCELLED" as const }, now: NOW },
    { name: "now at startsAt", slot: OPEN, now: OPEN.startsAt },
    { name: "now past the end", slot: OPEN, now: OPEN.endsAt + 1 },
  ])("refuses RESCHEDULE_TOO_LATE (started) with $name", ({ slot, now }) => {
    expect(moveOut(hold(), { slot, now })).toEqual(STARTED);
  });

  it.each([
    { min: 24, left: 24 * HOUR_MS, outcome: "move" },
    { min: 24, left: 24 * HOUR_MS + 1, outcome: "move" },
    { min: 24, left: 24 * HOUR_MS - 1, outcome: "late" },
    { min: 24, left: 23 * HOUR_MS + 59 * MINUTE_MS, outcome: "late" },
    { min: 24, left: 1, outcome: "late" },
    { min: 1, left: HOUR_MS, outcome: "move" },
    { min: 1, left: HOUR_MS - 1, outcome: "late" },
    { min: 0, left: 1, outcome: "move" },
    { min: 672, left: 672 * HOUR_MS, outcome: "move" },
    { min: 672, left: 672 * HOUR_MS - 1, outcome: "late" },
  ])("with a $min h reschedule notice and $left ms left → $outcome", ({ min, left, outcome }) => {
    const slot = { ...OPEN, startsAt: NOW + left, endsAt: NOW + left + HOUR_MS };
    const policy = { ...STANDARD, rescheduleMinNoticeHours: min };
    const decision = moveOut(hold(), { slot, policy });
    if (outcome === "move") expect(decision).toEqual({ kind: "move" });
    else
      expect(decision).toEqual({
        kind: "refused",
        code: "RESCHEDULE_TOO_LATE",
        message: `This tutor's lessons can be moved up to ${min} hours before they start.`,
      });
  });

  it("counts elapsed hours across the spring DST change (09:00 the day before is 23 h)", () => {
    const startsAt = Date.parse("2027-03-28T09:00:00+02:00");
    const slot: SlotFacts = { startsAt, endsAt: startsAt + HOUR_MS, session: "SCHEDULED" };
    expect(
      moveOut(hold(), { slot, policy: STANDARD, now: Date.parse("2027-03-27T09:00:00+01:00") }).kind,
    ).toBe("refused");
    expect(
      moveOut(hold(), { slot, policy: STANDARD, now: Date.parse("2027-03-27T08:00:00+01:00") }).kind,
    ).toBe("move");
  });
});

describe("decideMoveResolution", () => {
  it.each([
    { name: "MOVED to this booking", h: () => hold({ status: "MOVED", movedTo: "bkg_t" }), verdict: "moved" },
    {
      name: "MOVED to another booking",
      h: () => hold({ status: "MOVED", movedTo: "bkg_x" }),
      verdict: "abort",
    },
    { name: "MOVED with no target", h: () => hold({ status: "MOVED" }), verdict: "abort" },
    { name: "still CONFIRMED", h: () => hold({ status: "CONFIRMED" }), verdict: "abort" },
    {
      name: "CANCELLED with a movedTo",
      h: () => hold({ status: "CANCELLED", movedTo: "bkg_t" }),
      verdict: "abort",
    },
    { name: "unknown", h: () => undefined, verdict: "abort" },
  ])("a source seat $name → $verdict", ({ h, verdict }) => {
    expect(decideMoveResolution(h(), "bkg_t")).toBe(verdict);
  });
});

describe("moveCompleteSteps", () => {
  const moving = (terms: MoveTerms) =>
    hold({
      bookingId: "bkg_in",
      studentId: terms.studentId,
      status: "MOVING",
      paymentIntentId: terms.intentId,
      movedFrom: terms.fromBookingId,
    });
  const moveIn = (terms: MoveTerms) => ({
    kind: "move_in",
    bookingId: "bkg_in",
    move: {
      newBookingId: "bkg_in",
      fromBookingId: terms.fromBookingId,
      fromSlotId: terms.fromSlotId,
      studentId: terms.studentId,
      intentId: terms.intentId,
      amount: terms.amount,
      currency: terms.currency,
    },
  });

  it.each([
    { name: "the same price", amount: 4_000, fromAmount: 4_000 },
    { name: "a dearer target", amount: 4_001, fromAmount: 4_000 },
  ])("MOVING → CONFIRMED with move_in and sync_payment, no refund, at $name", ({ amount, fromAmount }) => {
    const terms = moveTerms({ amount, fromAmount });
    expect(moveCompleteSteps(moving(terms), terms, OPEN, NOW)).toEqual({
      bookingId: "bkg_in",
      status: "CONFIRMED",
      effects: [moveIn(terms), { kind: "sync_payment", bookingId: "bkg_in", intentId: terms.intentId }],
    });
  });

  it.each([
    { amount: 3_999, fromAmount: 4_000 },
    { amount: 2_500, fromAmount: 5_000 },
    { amount: 0, fromAmount: 5_000 },
  ])(
    "a cheaper target ($fromAmount → $amount) refunds the difference, keeping $amount",
    ({ amount, fromAmount }) => {
      const terms = moveTerms({ amount, fromAmount });
      expect(moveCompleteSteps(moving(terms), terms, OPEN, NOW)).toEqual({
        bookingId: "bkg_in",
        status: "CONFIRMED",
        effects: [
          moveIn(terms),
          {
            kind: "refund",
            bookingId: "bkg_in",
            intentId: terms.intentId,
            reason: "Your lesson moved to a cheaper slot; the difference is refunded.",
            keep: amount,
          },
          { kind: "sync_payment", bookingId: "bkg_in", intentId: terms.intentId },
        ],
      });
    },
  );

  it.each(ALL_STATUSES.filter((s) => s !== "MOVING"))("does nothing for a %s hold", (status) => {
    const terms = moveTerms();
    expect(moveCompleteSteps({ ...moving(terms), status }, terms, OPEN, NOW)).toBeUndefined();
  });

  it.each([
    { name: "cancelled", slot: { ...OPEN, session: "CANCELLED" as const }, now: NOW },
    { name: "ended by the provider", slot: { ...OPEN, session: "COMPLETED" as const }, now: NOW },
    { name: "past its end", slot: OPEN, now: OPEN.endsAt },
  ])(
    "into a lesson $name: the move lands, then the seat is withdrawn and refunded in full",
    ({ slot, now }) => {
      const terms = moveTerms({ amount: 2_500, fromAmount: 5_000 });
      expect(moveCompleteSteps(moving(terms), terms, slot, now)).toEqual({
        bookingId: "bkg_in",
        status: "CANCELLED",
        effects: [
          moveIn(terms),
          { kind: "withdraw", bookingId: "bkg_in", cancelledBy: "PROVIDER" },
          {
            kind: "refund",
            bookingId: "bkg_in",
            intentId: terms.intentId,
            reason: "The lesson you moved to was cancelled before the move completed.",
          },
          { kind: "sync_payment", bookingId: "bkg_in", intentId: terms.intentId },
        ],
      });
    },
  );

  it("does nothing for an unknown hold", () => {
    expect(moveCompleteSteps(undefined, moveTerms(), OPEN, NOW)).toBeUndefined();
  });
});

describe("refundDue with keep and moves (slot-state)", () => {
  const CAPTURED = 5_000;
  it.each([
    { status: "CANCELLED", keep: 2_500, due: 2_500 },
    { status: "CANCELLED", keep: 0, due: 5_000 },
    { status: "CANCELLED", keep: null, due: 5_000 },
    { status: "CANCELLED", keep: 5_000, due: 0 },
    { status: "CANCELLED", keep: 6_000, due: 0 },
    { status: "EXPIRED", keep: 1, due: 4_999 },
    { status: "RELEASED", keep: 1_000, due: 4_000 },
    { status: "CONFIRMED", keep: 2_500, due: 0 },
    { status: "CAPTURING", keep: null, due: 0 },
    { status: "HELD", keep: null, due: 0 },
    { status: "MOVING", keep: null, due: 0 },
    { status: "MOVED", keep: null, due: 0 },
    { status: "MOVED", keep: 2_500, due: 0 },
  ] as const)("a $status hold keeping $keep owes back $due of 5000", ({ status, keep, due }) => {
    expect(refundDue(hold({ status, keep }), CAPTURED)).toBe(due);
  });

  it("nothing is due when nothing was captured, whatever the keep", () => {
    expect(refundDue(hold({ status: "CANCELLED", keep: 2_500 }), 0)).toBe(0);
    expect(refundDue(undefined, 0)).toBe(0);
  });

  it("a part captured below the keep owes nothing; above it, the excess", () => {
    expect(refundDue(hold({ status: "CANCELLED", keep: 2_500 }), 2_000)).toBe(0);
    expect(refundDue(hold({ status: "CANCELLED", keep: 2_500 }), 3_000)).toBe(500);
  });
});

describe("decideStudentCancel with the booking's terms (slot-state)", () => {
  const terms: BookingTerms = { amount: 5_000, policy: STANDARD };
  const INTENT = "pi_cancel";
  const confirmed = () => hold({ status: "CONFIRMED", paymentIntentId: INTENT });

  it.each([
    { left: 72 * HOUR_MS, amount: 5_000, refund: 5_000, percent: 100, keep: 0 },
    { left: 48 * HOUR_MS, amount: 5_000, refund: 5_000, percent: 100, keep: 0 },
    { left: 48 * HOUR_MS - 1, amount: 5_000, refund: 2_500, percent: 50, keep: 2_500 },
    { left: 24 * HOUR_MS, amount: 5_000, refund: 2_500, percent: 50, keep: 2_500 },
    { left: 24 * HOUR_MS - MINUTE_MS, amount: 5_000, refund: 0, percent: 0, keep: 5_000 },
    { left: 1, amount: 5_000, refund: 0, percent: 0, keep: 5_000 },
    { left: 30 * HOUR_MS, amount: 4_999, refund: 2_499, percent: 50, keep: 2_500 },
    { left: 30 * HOUR_MS, amount: 0, refund: 0, percent: 50, keep: 0 },
  ])(
    "a CONFIRMED seat $left ms before the start, amount $amount → refund $refund ($percent %), keep $keep",
    ({ left, amount, refund, percent, keep }) => {
      const slot = { ...OPEN, startsAt: NOW + left, endsAt: NOW + left + HOUR_MS };
      expect(decideStudentCancel(confirmed(), slot, NOW, { ...terms, amount })).toEqual({
        kind: "refund",
        refundAmount: refund,
        refundPercent: percent,
        keep,
      });
    },
  );

  it("a HELD seat is released whatever the policy (nothing was charged)", () => {
    const slot = { ...OPEN, startsAt: NOW + HOUR_MS };
    expect(decideStudentCancel(hold({ status: "HELD" }), slot, NOW, terms)).toEqual({ kind: "release" });
  });

  it("refuses SESSION_ALREADY_STARTED at startsAt even with a policy", () => {
    expect(decideStudentCancel(confirmed(), OPEN, OPEN.startsAt, terms)).toMatchObject({
      kind: "refused",
      code: "SESSION_ALREADY_STARTED",
    });
  });

  it.each(["MOVING", "MOVED"] as const)("refuses a %s seat (it is being or was rescheduled)", (status) => {
    const decision = decideStudentCancel(hold({ status }), OPEN, NOW, terms);
    expect(decision).toMatchObject({ kind: "refused", code: "BOOKING_NOT_ACTIVE" });
  });

  it("refund + keep is the amount and matches refundForCancel, for any amount and notice (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.integer({ min: 1, max: 30 * 24 * HOUR_MS }),
        (amount, left) => {
          const slot = { ...OPEN, startsAt: NOW + left, endsAt: NOW + left + HOUR_MS };
          const decision = decideStudentCancel(confirmed(), slot, NOW, { amount, policy: STANDARD });
          const expected = refundForCancel(STANDARD, amount, slot.startsAt, NOW);
          expect(decision).toEqual({ kind: "refund", ...expected, keep: amount - expected.refundAmount });
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("studentCancelSteps carrying keep, retained and cancelledBy (slot-state)", () => {
  it("a partial refund: withdraw retaining the keep, refund keeping the same share", () => {
    const h = hold({ status: "CONFIRMED", paymentIntentId: "pi_partial" });
    expect(
      studentCancelSteps(h, { kind: "refund", refundAmount: 2_499, refundPercent: 50, keep: 2_500 }),
    ).toEqual({
      bookingId: h.bookingId,
      status: "CANCELLED",
      effects: [
        { kind: "withdraw", bookingId: h.bookingId, cancelledBy: "STUDENT", retained: 2_500 },
        {
          kind: "refund",
          bookingId: h.bookingId,
          intentId: "pi_partial",
          reason: "You cancelled the booking.",
          keep: 2_500,
        },
      ],
    });
  });

  it("no refund at all (0 %): the provider retains everything and the refund keeps it all", () => {
    const h = hold({ status: "CONFIRMED", paymentIntentId: "pi_zero" });
    expect(studentCancelSteps(h, { kind: "refund", refundAmount: 0, refundPercent: 0, keep: 5_000 })).toEqual(
      {
        bookingId: h.bookingId,
        status: "CANCELLED",
        effects: [
          { kind: "withdraw", bookingId: h.bookingId, cancelledBy: "STUDENT", retained: 5_000 },
          {
            kind: "refund",
            bookingId: h.bookingId,
            intentId: "pi_zero",
            reason: "You cancelled the booking.",
            keep: 5_000,
          },
        ],
      },
    );
  });

  it("a full refund: retained 0 and no keep on the refund", () => {
    const h = hold({ status: "CONFIRMED", paymentIntentId: null });
    expect(
      studentCancelSteps(h, { kind: "refund", refundAmount: 5_000, refundPercent: 100, keep: 0 }),
    ).toEqual({
      bookingId: h.bookingId,
      status: "CANCELLED",
      effects: [
        { kind: "withdraw", bookingId: h.bookingId, cancelledBy: "STUDENT", retained: 0 },
        { kind: "refund", bookingId: h.bookingId, intentId: null, reason: "You cancelled the booking." },
      ],
    });
  });

  it("a release is CANCELLED by the STUDENT with no money effects", () => {
    const h = hold({ status: "HELD", paymentIntentId: "pi_held" });
    expect(studentCancelSteps(h, { kind: "release" })).toEqual({
      bookingId: h.bookingId,
      status: "CANCELLED",
      effects: [{ kind: "release", bookingId: h.bookingId, status: "CANCELLED", cancelledBy: "STUDENT" }],
    });
  });

  it("decide then step: a cancel 30 h before under 48/24/0 keeps half on the seat's intent", () => {
    const startsAt = NOW + 30 * HOUR_MS;
    const h = hold({ status: "CONFIRMED", paymentIntentId: "pi_flow" });
    const decision = decideStudentCancel(h, { ...OPEN, startsAt }, NOW, { amount: 4_999, policy: STANDARD });
    if (decision.kind === "refused") throw new Error(decision.code);
    const steps = studentCancelSteps(h, decision);
    expect(steps.effects).toEqual([
      { kind: "withdraw", bookingId: h.bookingId, cancelledBy: "STUDENT", retained: 2_500 },
      {
        kind: "refund",
        bookingId: h.bookingId,
        intentId: "pi_flow",
        reason: "You cancelled the booking.",
        keep: 2_500,
      },
    ]);
    // Once CANCELLED with that keep, what Lectern owes back of the 4999 captured is the refund.
    expect(refundDue({ ...h, status: "CANCELLED", keep: 2_500 }, 4_999)).toBe(2_499);
  });
});
