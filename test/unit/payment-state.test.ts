import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  hasFailedRefund,
  type IntentStatus,
  type MoneySnapshot,
  newestRefund,
  type PaymentStatus,
  paymentStatusOf,
  pendingRefundAmount,
  type RefundFact,
  type RefundStatus,
  refundedAmount,
  refundRemainder,
} from "../../src/domain/payment-state";

const PRICE = 5_000;
/** Unix seconds at Stripe. */
const T = 1_800_000_000;

let seq = 0;
/** A refund `secondsLater` after T (Stripe orders refunds of one intent by `created`). */
function refund(amount: number, status: RefundStatus, secondsLater = 0): RefundFact {
  seq += 1;
  return { id: `re_${seq}`, amount, status, created: T + secondsLater, failureReason: null };
}

function snapshot(overrides: Partial<MoneySnapshot> = {}): MoneySnapshot {
  seq += 1;
  return {
    intentId: `pi_${seq}`,
    status: "succeeded",
    amount: PRICE,
    captured: PRICE,
    currency: "usd",
    chargeId: `ch_${seq}`,
    lastPaymentError: null,
    refunds: [],
    ...overrides,
  };
}

describe("refundRemainder / refundedAmount / pendingRefundAmount", () => {
  it.each([
    { name: "nothing refunded yet: everything captured", captured: PRICE, refunds: [], left: PRICE },
    {
      name: "a dashboard partial refund counts toward it",
      captured: PRICE,
      refunds: [refund(2_000, "succeeded")],
      left: 3_000,
    },
    {
      name: "a pending refund counts (it is under way)",
      captured: PRICE,
      refunds: [refund(2_000, "pending")],
      left: 3_000,
    },
    {
      name: "a failed refund does not count",
      captured: PRICE,
      refunds: [refund(PRICE, "failed")],
      left: PRICE,
    },
    {
      name: "a canceled refund does not count",
      captured: PRICE,
      refunds: [refund(1_000, "canceled")],
      left: PRICE,
    },
    {
      name: "succeeded and pending add up",
      captured: PRICE,
      refunds: [refund(1_000, "succeeded"), refund(1_500, "pending", 1), refund(2_500, "failed", 2)],
      left: 2_500,
    },
    {
      name: "exactly everything given back: 0",
      captured: PRICE,
      refunds: [refund(2_000, "succeeded"), refund(3_000, "pending", 1)],
      left: 0,
    },
    {
      name: "more given back than captured: never negative",
      captured: PRICE,
      refunds: [refund(4_000, "succeeded"), refund(2_000, "pending", 1)],
      left: 0,
    },
    { name: "nothing captured: nothing to refund", captured: 0, refunds: [], left: 0 },
    {
      name: "nothing captured, even with a stray refund: 0",
      captured: 0,
      refunds: [refund(100, "succeeded")],
      left: 0,
    },
  ])("$name → $left", ({ captured, refunds, left }) => {
    expect(refundRemainder({ captured, refunds })).toBe(left);
  });

  it("refundedAmount sums only succeeded refunds; failed, pending and canceled ones never count", () => {
    const refunds = [
      refund(1_000, "succeeded"),
      refund(700, "pending", 1),
      refund(2_000, "failed", 2),
      refund(300, "canceled", 3),
      refund(500, "succeeded", 4),
    ];
    expect(refundedAmount(refunds)).toBe(1_500);
    expect(pendingRefundAmount(refunds)).toBe(700);
    expect(refundedAmount([])).toBe(0);
    expect(pendingRefundAmount([])).toBe(0);
    expect(refundedAmount([refund(PRICE, "failed")])).toBe(0);
  });

  it("refundRemainder stays within [0, captured] and equals captured minus succeeded+pending (property)", () => {
    const refundArb = fc.record({
      id: fc.string(),
      amount: fc.integer({ min: 1, max: 20_000 }),
      status: fc.constantFrom<RefundStatus>("pending", "succeeded", "failed", "canceled"),
      created: fc.integer({ min: T, max: T + 100 }),
    });
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 20_000 }),
        fc.array(refundArb, { maxLength: 6 }),
        (captured, refunds) => {
          const left = refundRemainder({ captured, refunds });
          expect(left).toBeGreaterThanOrEqual(0);
          expect(left).toBeLessThanOrEqual(captured);
          expect(left).toBe(Math.max(0, captured - refundedAmount(refunds) - pendingRefundAmount(refunds)));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("newestRefund / hasFailedRefund", () => {
  it("no refunds: no newest one, nothing failed", () => {
    expect(newestRefund([])).toBeUndefined();
    expect(hasFailedRefund([])).toBe(false);
  });

  it("picks the refund created last, whatever the list order (Stripe lists newest first)", () => {
    const old = refund(1_000, "failed", 0);
    const mid = refund(1_000, "succeeded", 5);
    const last = refund(1_000, "pending", 9);
    for (const order of [
      [old, mid, last],
      [last, mid, old],
      [mid, last, old],
    ]) {
      expect(newestRefund(order)).toBe(last);
    }
  });

  it.each([
    { name: "one failed refund", refunds: [refund(PRICE, "failed")], failed: true },
    {
      name: "a failed refund after a succeeded dashboard partial",
      refunds: [refund(3_000, "failed", 10), refund(2_000, "succeeded", 0)],
      failed: true,
    },
    {
      name: "a failed refund replaced by a newer succeeded one",
      refunds: [refund(PRICE, "succeeded", 10), refund(PRICE, "failed", 0)],
      failed: false,
    },
    {
      name: "a failed refund replaced by a newer pending one",
      refunds: [refund(PRICE, "failed", 0), refund(PRICE, "pending", 3)],
      failed: false,
    },
    {
      name: "only succeeded refunds",
      refunds: [refund(1_000, "succeeded"), refund(4_000, "succeeded", 1)],
      failed: false,
    },
    {
      name: "a newest canceled refund is not a failure",
      refunds: [refund(PRICE, "canceled")],
      failed: false,
    },
    { name: "a pending refund", refunds: [refund(PRICE, "pending")], failed: false },
  ])("hasFailedRefund: $name → $failed", ({ refunds, failed }) => {
    expect(hasFailedRefund(refunds)).toBe(failed);
    // Stripe's list order (newest first) or ours must not matter.
    expect(hasFailedRefund([...refunds].reverse())).toBe(failed);
  });
});

describe("paymentStatusOf", () => {
  type Row = { name: string; snap: MoneySnapshot; due: number; status: PaymentStatus };
  const rows: Row[] = [
    {
      name: "no payment method yet",
      snap: snapshot({ status: "requires_payment_method", captured: 0 }),
      due: 0,
      status: "REQUIRES_PAYMENT",
    },
    {
      name: "a declined card (lastPaymentError) still requires payment",
      snap: snapshot({ status: "requires_payment_method", captured: 0, lastPaymentError: "declined" }),
      due: 0,
      status: "REQUIRES_PAYMENT",
    },
    {
      name: "3-D Secure under way",
      snap: snapshot({ status: "requires_action", captured: 0 }),
      due: 0,
      status: "REQUIRES_PAYMENT",
    },
    {
      name: "processing",
      snap: snapshot({ status: "processing", captured: 0 }),
      due: 0,
      status: "REQUIRES_PAYMENT",
    },
    {
      name: "authorized, not captured",
      snap: snapshot({ status: "requires_capture", captured: 0 }),
      due: 0,
      status: "AUTHORIZED",
    },
    {
      name: "authorized while a refund is already due (seat gone): still only AUTHORIZED",
      snap: snapshot({ status: "requires_capture", captured: 0 }),
      due: PRICE,
      status: "AUTHORIZED",
    },
    {
      name: "cancelled with nothing captured",
      snap: snapshot({ status: "canceled", captured: 0 }),
      due: 0,
      status: "CANCELED",
    },
    {
      name: "cancelled with nothing captured, even though the seat is gone",
      snap: snapshot({ status: "canceled", captured: 0 }),
      due: PRICE,
      status: "CANCELED",
    },
    { name: "captured, seat kept", snap: snapshot(), due: 0, status: "SUCCEEDED" },
    {
      name: "captured, a refund is pending",
      snap: snapshot({ refunds: [refund(PRICE, "pending")] }),
      due: PRICE,
      status: "REFUND_PENDING",
    },
    {
      name: "captured, seat given up, no refund created yet (refundDue not met)",
      snap: snapshot(),
      due: PRICE,
      status: "REFUND_PENDING",
    },
    {
      name: "a dashboard partial refund while the full refund is due: the remainder is pending",
      snap: snapshot({ refunds: [refund(2_000, "succeeded")] }),
      due: PRICE,
      status: "REFUND_PENDING",
    },
    {
      name: "a pending refund wins over an older failed one",
      snap: snapshot({ refunds: [refund(PRICE, "failed", 0), refund(PRICE, "pending", 5)] }),
      due: PRICE,
      status: "REFUND_PENDING",
    },
    {
      name: "a dashboard partial refund while the seat is kept",
      snap: snapshot({ refunds: [refund(2_000, "succeeded")] }),
      due: 0,
      status: "PARTIALLY_REFUNDED",
    },
    {
      name: "a partial refund that meets a partial refundDue",
      snap: snapshot({ refunds: [refund(2_500, "succeeded")] }),
      due: 2_500,
      status: "PARTIALLY_REFUNDED",
    },
    {
      name: "everything refunded in one go",
      snap: snapshot({ refunds: [refund(PRICE, "succeeded")] }),
      due: PRICE,
      status: "REFUNDED",
    },
    {
      name: "a dashboard partial plus our remainder",
      snap: snapshot({ refunds: [refund(3_000, "succeeded", 9), refund(2_000, "succeeded", 0)] }),
      due: PRICE,
      status: "REFUNDED",
    },
    {
      name: "everything refunded elsewhere while the seat was kept",
      snap: snapshot({ refunds: [refund(PRICE, "succeeded")] }),
      due: 0,
      status: "REFUNDED",
    },
    {
      name: "refundDue above what was captured is capped at captured",
      snap: snapshot({ refunds: [refund(PRICE, "succeeded")] }),
      due: PRICE * 2,
      status: "REFUNDED",
    },
    {
      name: "our full refund failed",
      snap: snapshot({ refunds: [refund(PRICE, "failed")] }),
      due: PRICE,
      status: "REFUND_FAILED",
    },
    {
      name: "our remainder failed after a dashboard partial succeeded",
      snap: snapshot({ refunds: [refund(3_000, "failed", 10), refund(2_000, "succeeded", 0)] }),
      due: PRICE,
      status: "REFUND_FAILED",
    },
    {
      name: "a failed refund on a kept seat is still told",
      snap: snapshot({ refunds: [refund(1_000, "failed")] }),
      due: 0,
      status: "REFUND_FAILED",
    },
    {
      name: "a failed refund replaced by a newer succeeded one (Stripe order: newest first)",
      snap: snapshot({ refunds: [refund(PRICE, "succeeded", 60), refund(PRICE, "failed", 0)] }),
      due: PRICE,
      status: "REFUNDED",
    },
    {
      name: "a failed refund replaced by a newer succeeded one (oldest first)",
      snap: snapshot({ refunds: [refund(PRICE, "failed", 0), refund(PRICE, "succeeded", 60)] }),
      due: PRICE,
      status: "REFUNDED",
    },
    {
      name: "a canceled refund is ignored: the seat is kept",
      snap: snapshot({ refunds: [refund(PRICE, "canceled")] }),
      due: 0,
      status: "SUCCEEDED",
    },
  ];

  it.each(rows)("$name → $status", ({ snap, due, status }) => {
    expect(paymentStatusOf(snap, due)).toBe(status);
  });

  it("amountRefunded and paymentStatus agree: REFUNDED iff refunded ≥ captured > 0, and no refund pending or failed (property)", () => {
    const refundArb = fc.record({
      id: fc.string(),
      amount: fc.integer({ min: 1, max: 6_000 }),
      status: fc.constantFrom<RefundStatus>("pending", "succeeded", "failed", "canceled"),
      created: fc.integer({ min: T, max: T + 100 }),
    });
    const statusArb = fc.constantFrom<IntentStatus>(
      "requires_payment_method",
      "requires_capture",
      "succeeded",
      "canceled",
    );
    fc.assert(
      fc.property(
        statusArb,
        fc.integer({ min: 1, max: PRICE }),
        fc.array(refundArb, { maxLength: 4 }),
        fc.boolean(),
        (intentStatus, amount, refunds, seatGone) => {
          const captured = intentStatus === "succeeded" ? amount : 0;
          const snap = snapshot({ status: intentStatus, captured, refunds: captured > 0 ? refunds : [] });
          const status = paymentStatusOf(snap, seatGone ? captured : 0);
          const refunded = refundedAmount(snap.refunds);
          if (captured === 0) {
            expect(["REQUIRES_PAYMENT", "AUTHORIZED", "CANCELED"]).toContain(status);
            return;
          }
          expect(status === "REFUND_FAILED").toBe(
            pendingRefundAmount(snap.refunds) === 0 && hasFailedRefund(snap.refunds),
          );
          if (status === "REFUNDED") expect(refunded).toBeGreaterThanOrEqual(captured);
          if (status === "PARTIALLY_REFUNDED") {
            expect(refunded).toBeGreaterThan(0);
            expect(refunded).toBeLessThan(captured);
          }
          if (status === "SUCCEEDED") expect(refunded).toBe(0);
          // Seat given up and nothing failed: never SUCCEEDED / PARTIALLY_REFUNDED short of the due amount.
          if (seatGone && status !== "REFUND_FAILED")
            expect(["REFUND_PENDING", "REFUNDED"]).toContain(status);
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe("newestRefund on a tie", () => {
  it("takes the refund Stripe lists first (newest first) when two share a second", () => {
    const replacement = refund(PRICE, "succeeded", 5);
    const failed = refund(PRICE, "failed", 5);
    expect(newestRefund([replacement, failed])).toBe(replacement);
    expect(paymentStatusOf(snapshot({ refunds: [replacement, failed] }), PRICE)).toBe("REFUNDED");
  });
});
