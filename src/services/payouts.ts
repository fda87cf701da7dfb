import { PaymentError } from "../adapters/stripe-payments";
import type { PayoutAccountRow, PayoutRow } from "../db/schema";
import type { Deps } from "../deps";
import { AppError } from "../domain/errors";
import type { AuthUser } from "../domain/identity";
import { type MoneySnapshot, pendingRefundAmount, refundedAmount } from "../domain/payment-state";
import {
  decideTransfer,
  type PaymentFacts,
  payoutTerms,
  reversalTarget,
  statusAfterReversals,
} from "../domain/payouts";
import type {
  Earnings,
  EarningsTotal,
  Payout,
  PayoutAccount,
  PayoutAccountAnswer,
} from "../shared/api-types";
import { safeTimeZone } from "../shared/date-format";
import { minorDigits } from "../shared/pricing";
import { MINUTE_MS } from "../shared/time";

/** One job run holds a payout this long: longer than Stripe calls with their retries take. */
const LEASE_MS = 2 * MINUTE_MS;
const BATCH = 50;

function toAccount(row: PayoutAccountRow): PayoutAccount {
  return {
    id: row.stripeAccountId,
    chargesEnabled: row.chargesEnabled,
    payoutsEnabled: row.payoutsEnabled,
    detailsSubmitted: row.detailsSubmitted,
  };
}

/** Stripe's answer for a call a provider made, as an API error (never a 500). */
function providerError(error: unknown): never {
  if (error instanceof PaymentError) {
    throw new AppError("PAYMENT_PROVIDER_ERROR", `Stripe could not set up payouts: ${error.message}`);
  }
  throw error;
}

/**
 * POST /api/me/payout-account: the provider's Express account (made on the first call, the
 * same one for racing first calls) and a fresh onboarding link that returns to the Earnings page.
 */
export async function openPayoutAccount(
  deps: Deps,
  user: AuthUser,
  origin: string,
): Promise<PayoutAccountAnswer> {
  const now = deps.now();
  let row = await deps.records.payouts.findAccount(user.id);
  try {
    if (!row) {
      const account = await deps.connect.createAccount({ providerId: user.id, email: user.email });
      row = await deps.records.payouts.saveAccount(user.id, account, now);
    } else if (!row.payoutsEnabled) {
      // Coming back to finish: Stripe may know more than the last event told us.
      const account = await deps.connect.retrieveAccount(row.stripeAccountId);
      await deps.records.payouts.updateAccount(account, now);
      row = { ...row, ...account, stripeAccountId: row.stripeAccountId };
    }
    const earnings = new URL("/earnings", origin);
    const onboardingUrl = await deps.connect.onboardingLink({
      accountId: row.stripeAccountId,
      refreshUrl: `${earnings.href}?onboarding=refresh`,
      returnUrl: `${earnings.href}?onboarding=return`,
    });
    return { account: toAccount(row), onboardingUrl };
  } catch (error) {
    return providerError(error);
  }
}

function waitingFor(
  row: PayoutRow,
  account: PayoutAccountRow | undefined,
  now: number,
): Payout["waitingFor"] {
  if (row.status !== "SCHEDULED") return undefined;
  if (now < row.availableAt) return "DUE_DATE";
  if (!account?.payoutsEnabled) return "ACCOUNT";
  if (row.lastError === "PENDING_REFUND") return "PENDING_REFUND";
  return row.lastError ? "RETRY" : undefined;
}

const iso = (ms: number | null) => (ms === null ? "" : new Date(ms).toISOString());

/** GET /api/me/earnings: the account, totals per currency and one line per lesson, newest first. */
export async function getEarnings(deps: Deps, user: AuthUser): Promise<Earnings> {
  const [account, rows] = await Promise.all([
    deps.records.payouts.findAccount(user.id),
    deps.records.payouts.listForProvider(user.id),
  ]);
  const now = deps.now();
  const totals = new Map<string, EarningsTotal>();
  const payouts: Payout[] = rows.map((row) => {
    const total = totals.get(row.currency) ?? {
      currency: row.currency,
      scheduled: 0,
      paid: 0,
      reversed: 0,
      platformFees: 0,
    };
    if (row.status === "SCHEDULED") total.scheduled += row.amount;
    else total.paid += row.amount;
    total.reversed += row.amountReversed;
    total.platformFees += row.platformFee;
    totals.set(row.currency, total);
    const waiting = waitingFor(row, account, now);
    return {
      bookingId: row.bookingId,
      amount: row.amount,
      platformFee: row.platformFee,
      status: row.status,
      ...(row.transferId ? { transferId: row.transferId } : {}),
      availableAt: iso(row.availableAt),
      currency: row.currency,
      captured: row.captured,
      refunded: row.refunded,
      amountReversed: row.amountReversed,
      ...(row.paidAt !== null ? { paidAt: iso(row.paidAt) } : {}),
      slotId: row.slotId,
      sessionId: row.sessionId,
      lessonStartsAt: iso(row.startsAt),
      lessonEndsAt: iso(row.endsAt),
      studentName: row.studentName,
      ...(waiting ? { waitingFor: waiting } : {}),
    };
  });
  return {
    account: account ? toAccount(account) : null,
    totals: [...totals.values()].sort((a, b) => a.currency.localeCompare(b.currency)),
    payouts,
  };
}

const CSV_COLUMNS = [
  "lesson_start",
  "time_zone",
  "student",
  "booking_id",
  "currency",
  "student_paid",
  "refunded",
  "platform_fee",
  "payout",
  "reversed",
  "status",
  "available_at",
  "paid_at",
  "transfer_id",
] as const;

function csvCell(value: string | number): string {
  const text = String(value);
  // A leading =, +, - or @ would run as a formula in a spreadsheet.
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** Amounts in the major unit with the currency's decimals, as accountants expect them. */
function major(amount: number, currency: string): string {
  const digits = minorDigits(currency);
  return (amount / 10 ** digits).toFixed(digits);
}

/** "2026-11-30 09:45" in `timeZone`: sortable, and read the same by every spreadsheet. */
function localStamp(at: string | undefined, timeZone: string): string {
  if (!at) return "";
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(new Date(at));
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return `${part("year")}-${part("month")}-${part("day")} ${part("hour")}:${part("minute")}`;
}

/** GET /api/me/earnings.csv: one line per lesson; times in the provider's own zone (named in a column). */
export async function earningsCsv(deps: Deps, user: AuthUser): Promise<string> {
  const { payouts } = await getEarnings(deps, user);
  const zone = safeTimeZone(user.timezone);
  const when = (at: string | undefined) => localStamp(at, zone);
  const lines = payouts.map((p) =>
    [
      when(p.lessonStartsAt || undefined),
      zone,
      p.studentName,
      p.bookingId,
      p.currency.toUpperCase(),
      major(p.captured, p.currency),
      major(p.refunded, p.currency),
      major(p.platformFee, p.currency),
      major(p.amount, p.currency),
      major(p.amountReversed, p.currency),
      p.status,
      when(p.availableAt),
      when(p.paidAt),
      p.transferId ?? "",
    ]
      .map(csvCell)
      .join(","),
  );
  return `${[CSV_COLUMNS.join(","), ...lines].join("\r\n")}\r\n`;
}

// ---------------------------------------------------------------------------------------------
// The payout job

export interface PayoutRunReport {
  paid: number;
  waiting: number;
  dropped: number;
  reversed: number;
  failed: number;
  accountsRefreshed: number;
}

/**
 * The every-5-minutes job: accounts still blocked are re-read, due payouts are transferred (at
 * most once each), and refunds that came after a transfer take the provider's share back.
 * `providerId` limits a run to one provider (their account just became able to receive payouts).
 */
export async function runPayouts(deps: Deps, providerId?: string): Promise<PayoutRunReport> {
  const report: PayoutRunReport = {
    paid: 0,
    waiting: 0,
    dropped: 0,
    reversed: 0,
    failed: 0,
    accountsRefreshed: 0,
  };
  const now = deps.now();
  report.accountsRefreshed = await refreshBlockedAccounts(deps, now, providerId);
  for (const row of await deps.records.payouts.listDue(now, BATCH, providerId)) {
    report[await payOne(deps, row, row.stripeAccountId)] += 1;
  }
  for (const row of await deps.records.payouts.listToReverse(BATCH, { providerId })) {
    report[await reverseOne(deps, row)] += 1;
  }
  return report;
}

/**
 * A lost account.updated is found again: accounts that cannot receive payouts while one is due
 * are read back from Stripe (a few per run).
 */
async function refreshBlockedAccounts(deps: Deps, now: number, providerId?: string): Promise<number> {
  let refreshed = 0;
  for (const blocked of await deps.records.payouts.listBlockedAccounts(now, 10, providerId)) {
    try {
      await deps.records.payouts.updateAccount(
        await deps.connect.retrieveAccount(blocked.stripeAccountId),
        now,
      );
      refreshed += 1;
    } catch (error) {
      console.warn("reading a payout account failed", blocked.stripeAccountId, error);
    }
  }
  return refreshed;
}

function paymentFacts(snapshot: MoneySnapshot): PaymentFacts {
  return {
    captured: snapshot.captured,
    refunded: refundedAmount(snapshot.refunds),
    refundPending: pendingRefundAmount(snapshot.refunds),
    chargeId: snapshot.chargeId,
  };
}

async function payOne(
  deps: Deps,
  row: PayoutRow,
  destination: string,
): Promise<"paid" | "waiting" | "dropped" | "failed"> {
  const records = deps.records.payouts;
  if (!(await records.claim(row.bookingId, deps.now(), LEASE_MS))) return "waiting";
  let attempts = row.attempts;
  try {
    const { feePercent } = payoutTerms(deps.env);
    const payment = paymentFacts(await deps.payments.snapshot(row.paymentIntentId));
    // A transfer whose answer was lost is found by its group, never made twice.
    const earlier = (await deps.connect.transfersOf(row.bookingId))[0];
    if (earlier) {
      const refundedBefore = earlier.refundedBefore ?? row.refunded;
      const facts = {
        captured: payment.captured,
        refunded: refundedBefore,
        platformFee: row.platformFee,
        amount: earlier.amount,
      };
      await records.markPaid(row, facts, { id: earlier.id, refundedBefore }, deps.now());
      return "paid";
    }
    const decision = decideTransfer({
      now: deps.now(),
      availableAt: row.availableAt,
      accountEnabled: true,
      payment,
      feePercent,
    });
    if (decision.kind === "drop") {
      await records.drop(row.bookingId);
      return "dropped";
    }
    if (decision.kind === "wait") {
      const facts = {
        captured: payment.captured,
        refunded: payment.refunded,
        platformFee: row.platformFee,
        amount: row.amount,
      };
      await records.release(
        row.bookingId,
        facts,
        decision.reason === "DUE_DATE" ? null : decision.reason,
        attempts,
        deps.now(),
      );
      return "waiting";
    }
    attempts += 1;
    const transfer = await deps.connect.createTransfer({
      bookingId: row.bookingId,
      amount: decision.amount,
      currency: row.currency,
      destination,
      chargeId: decision.chargeId,
      refundedBefore: payment.refunded,
      attempt: attempts,
    });
    const facts = {
      captured: payment.captured,
      refunded: payment.refunded,
      platformFee: decision.platformFee,
      amount: transfer.amount,
    };
    await records.markPaid(row, facts, { id: transfer.id, refundedBefore: payment.refunded }, deps.now());
    return "paid";
  } catch (error) {
    // A refusal (4xx) is final for that request: the next attempt gets a new idempotency key. An
    // unknown outcome (network, 5xx) keeps the key, so a transfer that did land is not repeated.
    const refused = error instanceof PaymentError && error.kind !== "unavailable";
    const message = error instanceof Error ? error.message : String(error);
    console.warn("payout failed", row.bookingId, message);
    await records.release(
      row.bookingId,
      null,
      message.slice(0, 500),
      refused ? attempts : row.attempts,
      deps.now(),
    );
    return "failed";
  }
}

/**
 * Refunds that came after the transfer take back the provider's share of them, read from Stripe
 * (the transfer's reversals so far and the payment's refunds), so a retry never reverses twice.
 */
async function reverseOne(deps: Deps, row: PayoutRow): Promise<"reversed" | "waiting" | "failed"> {
  const records = deps.records.payouts;
  if (!row.transferId || !(await records.claim(row.bookingId, deps.now(), LEASE_MS))) return "waiting";
  try {
    const payment = paymentFacts(await deps.payments.snapshot(row.paymentIntentId));
    let transfer = await deps.connect.retrieveTransfer(row.transferId);
    const target = reversalTarget({
      transferred: transfer.amount,
      captured: payment.captured,
      refundedAtTransfer: row.refundedAtTransfer ?? 0,
      refunded: payment.refunded,
    });
    if (target > transfer.amountReversed) {
      transfer = await deps.connect.reverseTransfer({
        transferId: transfer.id,
        bookingId: row.bookingId,
        amount: target - transfer.amountReversed,
        target,
      });
    }
    await records.recordReversals(
      row,
      transfer.reversals,
      {
        amountReversed: transfer.amountReversed,
        refunded: payment.refunded,
        status: statusAfterReversals(transfer.amount, transfer.amountReversed),
      },
      deps.now(),
    );
    return "reversed";
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.warn("reversing a payout failed", row.bookingId, message);
    await records.release(row.bookingId, null, message.slice(0, 500), row.attempts, deps.now());
    return "failed";
  }
}

/**
 * After Stripe told of a refund of this payment: a scheduled payout follows it at once, and a
 * paid one gives the provider's share back (the job retries what fails here).
 */
export async function payoutsAfterRefund(deps: Deps, paymentIntentId: string): Promise<void> {
  await deps.records.payouts.refreshScheduled(paymentIntentId, deps.now());
  for (const row of await deps.records.payouts.listToReverse(5, { paymentIntentId })) {
    await reverseOne(deps, row);
  }
}

/**
 * account.updated (a hint): the account is read back from Stripe; once it can receive payouts,
 * what is due goes at once instead of at the next run.
 */
export async function syncPayoutAccount(
  deps: Deps,
  stripeAccountId: string,
): Promise<"processed" | "ignored"> {
  let account: PayoutAccount;
  try {
    account = await deps.connect.retrieveAccount(stripeAccountId);
  } catch (error) {
    if (error instanceof PaymentError && error.kind === "missing") return "ignored";
    throw error;
  }
  const providerId = await deps.records.payouts.updateAccount(account, deps.now());
  if (!providerId) return "ignored";
  if (account.payoutsEnabled) await runPayouts(deps, providerId);
  return "processed";
}
