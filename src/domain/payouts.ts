/**
 * Payout rules (Stripe Connect, separate charges and transfers), as plain functions: what a
 * provider is owed for a lesson that happened, when it may go, and what a refund after the
 * transfer takes back. Amounts are integers in minor units.
 */
import type { PayoutStatus } from "../shared/api-types";

export const DEFAULT_PLATFORM_FEE_PERCENT = 15;
export const DEFAULT_PAYOUT_DELAY_HOURS = 48;

export interface PayoutTerms {
  feePercent: number;
  delayMs: number;
}

/** PLATFORM_FEE_PERCENT (0–100, decimals allowed) and PAYOUT_DELAY_HOURS (≥ 0); bad values fall back to the defaults. */
export function payoutTerms(vars: {
  PLATFORM_FEE_PERCENT?: string;
  PAYOUT_DELAY_HOURS?: string;
}): PayoutTerms {
  const fee = Number(vars.PLATFORM_FEE_PERCENT);
  const hours = Number(vars.PAYOUT_DELAY_HOURS);
  const feeOk = vars.PLATFORM_FEE_PERCENT !== undefined && vars.PLATFORM_FEE_PERCENT.trim() !== "";
  const hoursOk = vars.PAYOUT_DELAY_HOURS !== undefined && vars.PAYOUT_DELAY_HOURS.trim() !== "";
  return {
    feePercent: feeOk && Number.isFinite(fee) && fee >= 0 && fee <= 100 ? fee : DEFAULT_PLATFORM_FEE_PERCENT,
    delayMs:
      (hoursOk && Number.isFinite(hours) && hours >= 0 ? hours : DEFAULT_PAYOUT_DELAY_HOURS) * 3_600_000,
  };
}

/** round(captured × percent / 100), halves up. */
export function platformFee(captured: number, feePercent: number): number {
  return Math.round((captured * feePercent) / 100);
}

/** captured − refunded − platformFee, never below 0. */
export function amountOwed(captured: number, refunded: number, fee: number): number {
  return Math.max(0, captured - refunded - fee);
}

/** The payment as Stripe says now: captured, refunds that succeeded, and refunds still pending. */
export interface PaymentFacts {
  captured: number;
  refunded: number;
  refundPending: number;
  chargeId: string | null;
}

export type TransferDecision =
  | { kind: "wait"; reason: "DUE_DATE" | "ACCOUNT" | "PENDING_REFUND" | "NOT_CAPTURED" }
  /** Nothing is owed (refunded in full, or the fee takes it all): the payout is dropped. */
  | { kind: "drop"; platformFee: number }
  | { kind: "transfer"; amount: number; platformFee: number; chargeId: string };

/**
 * Whether a scheduled payout goes now. A refund still pending at Stripe could land either way,
 * so the transfer waits for it rather than guess.
 */
export function decideTransfer(input: {
  now: number;
  availableAt: number;
  accountEnabled: boolean;
  payment: PaymentFacts;
  feePercent: number;
}): TransferDecision {
  const { payment } = input;
  if (input.now < input.availableAt) return { kind: "wait", reason: "DUE_DATE" };
  const fee = platformFee(payment.captured, input.feePercent);
  if (payment.captured <= 0 || !payment.chargeId) return { kind: "wait", reason: "NOT_CAPTURED" };
  if (payment.refundPending > 0) return { kind: "wait", reason: "PENDING_REFUND" };
  const amount = amountOwed(payment.captured, payment.refunded, fee);
  if (amount <= 0) return { kind: "drop", platformFee: fee };
  if (!input.accountEnabled) return { kind: "wait", reason: "ACCOUNT" };
  return { kind: "transfer", amount, platformFee: fee, chargeId: payment.chargeId };
}

/**
 * What the provider should have given back in total once `refunded` has been refunded: the
 * provider's share of every refund after the transfer, in proportion to what was left to refund
 * then (captured − refundedAtTransfer), so a full refund takes the whole transfer back.
 */
export function reversalTarget(input: {
  transferred: number;
  captured: number;
  refundedAtTransfer: number;
  refunded: number;
}): number {
  const base = input.captured - input.refundedAtTransfer;
  const after = input.refunded - input.refundedAtTransfer;
  if (base <= 0 || after <= 0 || input.transferred <= 0) return 0;
  if (after >= base) return input.transferred;
  return Math.round((input.transferred * after) / base);
}

export function statusAfterReversals(transferred: number, reversed: number): PayoutStatus {
  if (reversed <= 0) return "PAID";
  return reversed >= transferred ? "REVERSED" : "PARTIALLY_REVERSED";
}

/**
 * One booking's money, split as the ledger invariant states it:
 * captured = refunded + transferred − reversed + feeKept + notYetPaidOut.
 * `feeKept` is what the platform keeps: the fee, less the fee's share of refunds after the
 * transfer (and never more than what was left to keep).
 */
export function payoutSplit(input: {
  status: PayoutStatus;
  captured: number;
  refunded: number;
  platformFee: number;
  amount: number;
  amountReversed: number;
}): { transferred: number; reversed: number; notYetPaidOut: number; feeKept: number } {
  const paid = input.status !== "SCHEDULED";
  const transferred = paid ? input.amount : 0;
  const reversed = paid ? input.amountReversed : 0;
  const notYetPaidOut = paid ? 0 : amountOwed(input.captured, input.refunded, input.platformFee);
  return {
    transferred,
    reversed,
    notYetPaidOut,
    feeKept: input.captured - input.refunded - (transferred - reversed) - notYetPaidOut,
  };
}
