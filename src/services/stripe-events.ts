import { z } from "zod";
import { PaymentError, type Payments } from "../adapters/stripe-payments";
import type { Deps } from "../deps";
import { AppError } from "../domain/errors";
import { runNotifications } from "../jobs/notifications";
import { payoutsAfterRefund, syncPayoutAccount } from "./payouts";

/**
 * The parts of a Stripe event the app reads. Anything else about a signed event is ignored, and
 * an event without these is refused with 400 (never a 500).
 */
const eventShape = z.object({
  id: z.string().min(1).max(255),
  type: z.string().min(1).max(255),
  data: z.object({ object: z.looseObject({ id: z.string().min(1).max(255).optional() }) }),
});

export type StripeEventHint = z.infer<typeof eventShape>;

/**
 * POST /api/webhooks/stripe: the signature is checked on the raw body before anything else, the
 * event is processed once, and the emails it causes go out right away (`defer` keeps them
 * running after the answer) instead of waiting for the next cron.
 */
export async function receiveStripeWebhook(
  deps: Deps,
  rawBody: string,
  signature: string | undefined,
  defer: (work: Promise<unknown>) => void,
): Promise<{ received: true; duplicate: boolean }> {
  if (!signature) throw new AppError("INVALID_SIGNATURE", "The Stripe-Signature header is missing.");
  let verified: unknown;
  try {
    verified = await deps.payments.verifyEvent(rawBody, signature);
  } catch {
    throw new AppError("INVALID_SIGNATURE", "The Stripe-Signature does not match this payload.");
  }
  const outcome = await processStripeEvent(deps, parseStripeEvent(verified));
  defer(runNotifications(deps).catch((error) => console.warn("notifications", error)));
  return { received: true, duplicate: outcome === "duplicate" };
}

export function parseStripeEvent(event: unknown): StripeEventHint {
  const parsed = eventShape.safeParse(event);
  if (!parsed.success) {
    throw new AppError(
      "VALIDATION_FAILED",
      "The event is not a Stripe event this endpoint understands.",
      parsed.error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message })),
    );
  }
  return parsed.data;
}

const INTENT_EVENTS = new Set([
  "payment_intent.amount_capturable_updated",
  "payment_intent.succeeded",
  "payment_intent.payment_failed",
  "payment_intent.canceled",
]);
const REFUND_EVENTS = new Set(["refund.created", "refund.updated", "refund.failed", "charge.refund.updated"]);
const CHARGE_EVENTS = new Set(["charge.refunded"]);
/** Connect: a provider's account can (or no longer can) receive payouts. */
const ACCOUNT_EVENTS = new Set(["account.updated"]);

/**
 * Processes one verified Stripe event at most once per event id. An event is only a hint: it
 * names a PaymentIntent (directly, or through a refund or charge that is read back from Stripe),
 * and the slot object of that intent's booking re-reads the intent from Stripe and acts on what
 * Stripe says. Duplicates, stale and out-of-order deliveries therefore converge. Resolves only
 * after the durable writes; a throw makes Stripe retry.
 */
export async function processStripeEvent(
  deps: Deps,
  event: StripeEventHint,
): Promise<"processed" | "duplicate" | "ignored"> {
  const stripe = deps.payments;
  if ((await deps.records.bookings.beginStripeEvent(event.id, event.type, deps.now())) === "processed") {
    return "duplicate";
  }
  let outcome: "processed" | "ignored";
  if (ACCOUNT_EVENTS.has(event.type)) {
    const accountId = event.data.object.id;
    outcome = accountId?.startsWith("acct_") ? await syncPayoutAccount(deps, accountId) : "ignored";
  } else {
    const intentId = await intentNamedBy(stripe, event);
    outcome = intentId ? await syncIntent(deps, stripe, intentId) : "ignored";
    if (intentId && outcome === "processed" && !INTENT_EVENTS.has(event.type)) {
      // A refund after the lesson: the provider's payout follows (the payout job retries a failure).
      await payoutsAfterRefund(deps, intentId).catch((error) => console.warn("payout after refund", error));
    }
  }
  await deps.records.bookings.finishStripeEvent(event.id, deps.now());
  return outcome === "ignored" ? "ignored" : "processed";
}

/** Event types that move money or seats; their deliveries are recovered when lost. */
export const USED_EVENT_TYPES = [...INTENT_EVENTS, ...REFUND_EVENTS, ...CHARGE_EVENTS, ...ACCOUNT_EVENTS];

/**
 * Lost deliveries, found again: lists the used event types Stripe created in the last
 * `windowMs` and processes every one not processed yet (a refund made in the dashboard whose
 * webhook never arrived, an authorization whose event was lost). Each is still only a hint.
 */
export async function recoverMissedStripeEvents(
  deps: Deps,
  windowMs: number,
  limit = 200,
): Promise<{ listed: number; processed: number; failed: number }> {
  const since = Math.floor((deps.now() - windowMs) / 1000);
  const events = await deps.payments.recentEvents(since, USED_EVENT_TYPES, limit);
  let processed = 0;
  let failed = 0;
  // Oldest first, as they happened.
  for (const raw of events.reverse()) {
    try {
      const outcome = await processStripeEvent(deps, parseStripeEvent(raw));
      if (outcome !== "duplicate") processed += 1;
    } catch (error) {
      failed += 1;
      console.warn("recovering a Stripe event failed", error);
    }
  }
  return { listed: events.length, processed, failed };
}

/** The PaymentIntent an event is about, or null for events the app does not use. */
async function intentNamedBy(stripe: Payments, event: StripeEventHint): Promise<string | null> {
  const objectId = event.data.object.id;
  if (!objectId) return null;
  if (INTENT_EVENTS.has(event.type)) return objectId.startsWith("pi_") ? objectId : null;
  if (REFUND_EVENTS.has(event.type))
    return objectId.startsWith("re_") ? missingAsIgnored(stripe.intentOfRefund(objectId)) : null;
  if (CHARGE_EVENTS.has(event.type))
    return objectId.startsWith("ch_") ? missingAsIgnored(stripe.intentOfCharge(objectId)) : null;
  return null;
}

/**
 * Asks the slot object of the intent's booking to re-read it from Stripe. An intent D1 does not
 * know yet (its event raced the booking's own write) is found through Stripe's metadata; the
 * slot object then reads the intent it recorded itself, so metadata cannot point it elsewhere.
 */
async function syncIntent(deps: Deps, stripe: Payments, intentId: string): Promise<"processed" | "ignored"> {
  const payment = await deps.records.bookings.findPaymentByIntent(intentId);
  let bookingId = payment?.bookingId;
  if (!bookingId) {
    const intent = await missingAsIgnored(stripe.retrieve(intentId));
    bookingId = intent?.metadata.bookingId;
  }
  if (!bookingId) return "ignored";
  const booking = await deps.records.bookings.findById(bookingId);
  if (!booking) return "ignored";
  await deps.slots.get(booking.slotId).syncFromStripe(booking.id);
  return "processed";
}

async function missingAsIgnored<T>(lookup: Promise<T>): Promise<T | null> {
  try {
    return await lookup;
  } catch (error) {
    if (error instanceof PaymentError && error.kind === "missing") return null;
    throw error;
  }
}
