import type { PaymentStatus } from "../shared/api-types";

/**
 * Money rules that depend only on what Stripe says about one PaymentIntent and its refunds.
 * Pure: the slot object and the D1 records feed them Stripe's own state.
 */

export type IntentStatus =
  | "requires_payment_method"
  | "requires_confirmation"
  | "requires_action"
  | "processing"
  | "requires_capture"
  | "succeeded"
  | "canceled";

export type RefundStatus = "pending" | "succeeded" | "failed" | "canceled";

export interface RefundFact {
  id: string;
  amount: number;
  status: RefundStatus;
  /** Unix seconds at Stripe; orders refunds of one intent. */
  created: number;
  failureReason?: string | null;
}

/** One intent as Stripe reports it, with every refund of it (ours or made elsewhere). */
export interface MoneySnapshot {
  intentId: string;
  status: IntentStatus;
  amount: number;
  /** Captured (Stripe's amount_received). */
  captured: number;
  currency: string;
  chargeId: string | null;
  /** Epoch ms of the successful authorization (the latest charge), when Stripe says one exists. */
  authorizedAt?: number | null;
  lastPaymentError: string | null;
  refunds: RefundFact[];
}

export type { PaymentStatus };

const sum = (refunds: readonly RefundFact[], status: RefundStatus) =>
  refunds.filter((r) => r.status === status).reduce((total, r) => total + r.amount, 0);

/** Refunds Stripe reports succeeded: what the student has really got back. */
export const refundedAmount = (refunds: readonly RefundFact[]) => sum(refunds, "succeeded");
export const pendingRefundAmount = (refunds: readonly RefundFact[]) => sum(refunds, "pending");

/**
 * What a "full refund" still has to return: everything captured minus refunds that succeeded or
 * are under way, whoever made them (a dashboard refund counts). Never negative.
 */
export function refundRemainder(snapshot: Pick<MoneySnapshot, "captured" | "refunds">): number {
  const out = refundedAmount(snapshot.refunds) + pendingRefundAmount(snapshot.refunds);
  return Math.max(0, snapshot.captured - out);
}

/**
 * The newest refund, by Stripe's creation time. Stripe lists newest first, so on a tie (same
 * second) the one listed first wins.
 */
export function newestRefund(refunds: readonly RefundFact[]): RefundFact | undefined {
  let newest: RefundFact | undefined;
  for (const refund of refunds) if (!newest || refund.created > newest.created) newest = refund;
  return newest;
}

/**
 * The booking's payment status from Stripe's state. `refundDue` is how much Lectern decided to
 * give back in total (0 while the seat is kept; everything captured once it is given up).
 * A refund that failed is REFUND_FAILED until a newer refund replaces it.
 */
export function paymentStatusOf(snapshot: MoneySnapshot, refundDue: number): PaymentStatus {
  const { captured, refunds } = snapshot;
  if (captured <= 0) {
    if (snapshot.status === "canceled") return "CANCELED";
    if (snapshot.status === "requires_capture") return "AUTHORIZED";
    return "REQUIRES_PAYMENT";
  }
  const refunded = refundedAmount(refunds);
  const pending = pendingRefundAmount(refunds);
  if (pending > 0) return "REFUND_PENDING";
  if (newestRefund(refunds)?.status === "failed") return "REFUND_FAILED";
  if (refunded < Math.min(refundDue, captured)) return "REFUND_PENDING";
  if (refunded >= captured) return "REFUNDED";
  if (refunded > 0) return "PARTIALLY_REFUNDED";
  return "SUCCEEDED";
}

/** A failed refund is never retried by itself (the card is usually gone): people are told. */
export function hasFailedRefund(refunds: readonly RefundFact[]): boolean {
  return newestRefund(refunds)?.status === "failed";
}
