import { describe, expect, it } from "vitest";
import {
  amountOwed,
  decideTransfer,
  payoutSplit,
  payoutTerms,
  platformFee,
  reversalTarget,
  statusAfterReversals,
} from "../../src/domain/payouts";

const HOUR = 3_600_000;

describe("platformFee: round(captured × percent / 100), halves up", () => {
  it.each([
    [6000, 15, 900],
    [1503, 15, 225], // 225.45
    [1010, 15, 152], // 151.5 rounds up
    [1003, 15, 150], // 150.45
    [3005, 15, 451], // 450.75
    [50, 15, 8], // 7.5
    [0, 15, 0],
    [9999, 0, 0],
    [9999, 100, 9999],
    [1000, 12.5, 125],
    [1004, 12.5, 126], // 125.5
  ])("%i at %d%% → %i", (captured, percent, fee) => {
    expect(platformFee(captured, percent)).toBe(fee);
  });
});

describe("amountOwed: captured − refunded − fee, never negative", () => {
  it.each([
    [6000, 0, 900, 5100],
    [6000, 1000, 900, 4100],
    [6000, 5100, 900, 0],
    [6000, 5500, 900, 0],
    [6000, 6000, 900, 0],
    [0, 0, 0, 0],
  ])("%i − %i − %i → %i", (captured, refunded, fee, owed) => {
    expect(amountOwed(captured, refunded, fee)).toBe(owed);
  });
});

describe("decideTransfer", () => {
  const paid = { captured: 6000, refunded: 0, refundPending: 0, chargeId: "ch_1" };
  const base = {
    now: 100 * HOUR,
    availableAt: 50 * HOUR,
    accountEnabled: true,
    payment: paid,
    feePercent: 15,
  };

  it("transfers what is owed once due, from the charge", () => {
    expect(decideTransfer(base)).toEqual({
      kind: "transfer",
      amount: 5100,
      platformFee: 900,
      chargeId: "ch_1",
    });
  });
  it("waits for the due date (one millisecond early is early)", () => {
    expect(decideTransfer({ ...base, now: 50 * HOUR - 1 })).toEqual({ kind: "wait", reason: "DUE_DATE" });
    expect(decideTransfer({ ...base, now: 50 * HOUR }).kind).toBe("transfer");
  });
  it("waits for an account that can receive payouts", () => {
    expect(decideTransfer({ ...base, accountEnabled: false })).toEqual({ kind: "wait", reason: "ACCOUNT" });
  });
  it("waits while a refund is pending rather than guess its outcome", () => {
    const payment = { ...paid, refundPending: 300 };
    expect(decideTransfer({ ...base, payment })).toEqual({ kind: "wait", reason: "PENDING_REFUND" });
  });
  it("a partial refund before the transfer lowers it; the fee stays on what was captured", () => {
    const payment = { ...paid, refunded: 1000 };
    expect(decideTransfer({ ...base, payment })).toMatchObject({
      kind: "transfer",
      amount: 4100,
      platformFee: 900,
    });
  });
  it("a full refund (or one that leaves less than the fee) drops the payout, even without an account", () => {
    expect(decideTransfer({ ...base, payment: { ...paid, refunded: 6000 } })).toEqual({
      kind: "drop",
      platformFee: 900,
    });
    expect(
      decideTransfer({ ...base, accountEnabled: false, payment: { ...paid, refunded: 5100 } }).kind,
    ).toBe("drop");
  });
  it("nothing captured (or no charge) is never transferred", () => {
    expect(decideTransfer({ ...base, payment: { ...paid, captured: 0 } })).toEqual({
      kind: "wait",
      reason: "NOT_CAPTURED",
    });
    expect(decideTransfer({ ...base, payment: { ...paid, chargeId: null } })).toEqual({
      kind: "wait",
      reason: "NOT_CAPTURED",
    });
  });
});

describe("reversalTarget: the provider's share of refunds after the transfer", () => {
  const paid = { transferred: 5100, captured: 6000, refundedAtTransfer: 0 };
  it.each([
    [0, 0],
    [600, 510], // 10 % of the payment → 10 % of the transfer
    [1000, 850],
    [1, 1], // 0.85 rounds up
    [3000, 2550],
    [5999, 5099], // 5099.15
    [6000, 5100], // everything back
  ])("refunded %i after the transfer → %i reversed in total", (refunded, target) => {
    expect(reversalTarget({ ...paid, refunded })).toBe(target);
  });
  it("is measured against what was left when the transfer went", () => {
    // 1000 refunded before: 5000 left, 4100 transferred; refunding the other 5000 takes all 4100 back.
    const earlier = { transferred: 4100, captured: 6000, refundedAtTransfer: 1000 };
    expect(reversalTarget({ ...earlier, refunded: 1000 })).toBe(0);
    expect(reversalTarget({ ...earlier, refunded: 3500 })).toBe(2050);
    expect(reversalTarget({ ...earlier, refunded: 6000 })).toBe(4100);
  });
  it("never exceeds the transfer, and is 0 without one", () => {
    expect(reversalTarget({ ...paid, refunded: 7000 })).toBe(5100);
    expect(reversalTarget({ ...paid, transferred: 0, refunded: 6000 })).toBe(0);
  });
});

describe("statusAfterReversals", () => {
  it.each([
    [5100, 0, "PAID"],
    [5100, 1, "PARTIALLY_REVERSED"],
    [5100, 5099, "PARTIALLY_REVERSED"],
    [5100, 5100, "REVERSED"],
  ] as const)("%i transferred, %i reversed → %s", (transferred, reversed, status) => {
    expect(statusAfterReversals(transferred, reversed)).toBe(status);
  });
});

describe("payoutSplit: captured = refunded + transferred − reversed + fee kept + not yet paid out", () => {
  it.each([
    [
      "scheduled",
      { status: "SCHEDULED", captured: 6000, refunded: 0, platformFee: 900, amount: 5100, amountReversed: 0 },
      { transferred: 0, reversed: 0, notYetPaidOut: 5100, feeKept: 900 },
    ],
    [
      "paid",
      { status: "PAID", captured: 6000, refunded: 0, platformFee: 900, amount: 5100, amountReversed: 0 },
      { transferred: 5100, reversed: 0, notYetPaidOut: 0, feeKept: 900 },
    ],
    [
      "half refunded after",
      {
        status: "PARTIALLY_REVERSED",
        captured: 6000,
        refunded: 3000,
        platformFee: 900,
        amount: 5100,
        amountReversed: 2550,
      },
      { transferred: 5100, reversed: 2550, notYetPaidOut: 0, feeKept: 450 },
    ],
    [
      "all refunded after",
      {
        status: "REVERSED",
        captured: 6000,
        refunded: 6000,
        platformFee: 900,
        amount: 5100,
        amountReversed: 5100,
      },
      { transferred: 5100, reversed: 5100, notYetPaidOut: 0, feeKept: 0 },
    ],
  ] as const)("%s", (_name, input, split) => {
    const got = payoutSplit(input);
    expect(got).toEqual(split);
    expect(input.captured).toBe(
      input.refunded + got.transferred - got.reversed + got.feeKept + got.notYetPaidOut,
    );
  });
});

describe("payoutTerms from the vars", () => {
  it("defaults: 15 % and 48 hours", () => {
    expect(payoutTerms({})).toEqual({ feePercent: 15, delayMs: 48 * HOUR });
  });
  it("reads valid values and ignores bad ones", () => {
    expect(payoutTerms({ PLATFORM_FEE_PERCENT: "12.5", PAYOUT_DELAY_HOURS: "0" })).toEqual({
      feePercent: 12.5,
      delayMs: 0,
    });
    expect(payoutTerms({ PLATFORM_FEE_PERCENT: "101", PAYOUT_DELAY_HOURS: "-1" })).toEqual({
      feePercent: 15,
      delayMs: 48 * HOUR,
    });
    expect(payoutTerms({ PLATFORM_FEE_PERCENT: "", PAYOUT_DELAY_HOURS: "soon" })).toEqual({
      feePercent: 15,
      delayMs: 48 * HOUR,
    });
  });
});
