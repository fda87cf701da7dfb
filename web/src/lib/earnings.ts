/**
 * The Earnings page's decisions, without the DOM: how a payout's state reads, where the payout
 * account's setup stands, and how long to wait for Stripe's word after onboarding.
 */
import type { Payout, PayoutAccount, PayoutStatus } from "../api/types";
import { formatDateTime, formatDay, formatMoney } from "./format";

export const PAYOUT_STATUS: Record<PayoutStatus, { label: string; tone: string }> = {
  SCHEDULED: { label: "Scheduled", tone: "neutral" },
  PAID: { label: "Paid", tone: "ok" },
  PARTIALLY_REVERSED: { label: "Partly reversed", tone: "warn" },
  REVERSED: { label: "Reversed", tone: "muted" },
};

export type WaitingFor = NonNullable<Payout["waitingFor"]>;

const WAITING_FOR: Record<WaitingFor, string> = {
  DUE_DATE: "after the problem window",
  ACCOUNT: "waiting for your payout setup",
  PENDING_REFUND: "waiting for a refund to settle",
  RETRY: "will retry",
};

/** Why a scheduled payout has not gone yet, in a few words; undefined when nothing holds it. */
export function waitingForText(waitingFor: string | undefined): string | undefined {
  return waitingFor && Object.hasOwn(WAITING_FOR, waitingFor)
    ? WAITING_FOR[waitingFor as WaitingFor]
    : undefined;
}

/**
 * The short lines under a payout's status: when a scheduled one may go and what holds it, when a
 * transfer went, and what was taken back. Dates in `zone`, written in `locale`.
 */
export function payoutNotes(
  payout: Pick<Payout, "status" | "availableAt" | "waitingFor" | "paidAt" | "amountReversed" | "currency">,
  zone: string,
  locale?: string,
): string[] {
  const notes: string[] = [];
  if (payout.status === "SCHEDULED") {
    notes.push(`available ${formatDateTime(payout.availableAt, zone, locale)}`);
    const waiting = waitingForText(payout.waitingFor);
    if (waiting) notes.push(waiting);
  } else if (payout.paidAt) {
    notes.push(`paid ${formatDay(payout.paidAt, zone, locale)}`);
  }
  if (payout.amountReversed > 0)
    notes.push(`${formatMoney(payout.amountReversed, payout.currency)} reversed`);
  return notes;
}

export type AccountStage = "NONE" | "INCOMPLETE" | "ENABLED";

/** No account yet, onboarding not finished, or able to receive payouts. */
export function accountStage(account: PayoutAccount | null | undefined): AccountStage {
  if (!account) return "NONE";
  return account.payoutsEnabled ? "ENABLED" : "INCOMPLETE";
}

/** The account's flags as label–value pairs for a definition list. */
export function accountFacts(account: PayoutAccount): { term: string; value: string }[] {
  const yesNo = (flag: boolean) => (flag ? "Yes" : "Not yet");
  return [
    { term: "Details submitted", value: yesNo(account.detailsSubmitted) },
    { term: "Card payments enabled", value: yesNo(account.chargesEnabled) },
    { term: "Payouts enabled", value: yesNo(account.payoutsEnabled) },
  ];
}

/** Where Stripe sent the user back: after onboarding ("return") or from an expired link ("refresh"). */
export type OnboardingStep = "return" | "refresh" | undefined;

export function onboardingStep(value: string | undefined): OnboardingStep {
  return value === "return" || value === "refresh" ? value : undefined;
}

export const FINISH_POLL_MS = 2_000;
/** Stripe's account.updated webhook usually lands within seconds of the return; after this, stop looking. */
export const FINISH_WAIT_MS = 30_000;

/**
 * Whether to keep re-loading earnings after the return from onboarding: only while the account
 * cannot receive payouts yet, and for at most FINISH_WAIT_MS since the page opened.
 */
export function keepFinishing(
  step: OnboardingStep,
  account: PayoutAccount | null | undefined,
  elapsedMs: number,
): boolean {
  return step === "return" && accountStage(account) !== "ENABLED" && elapsedMs < FINISH_WAIT_MS;
}
