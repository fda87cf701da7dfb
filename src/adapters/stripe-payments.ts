import Stripe from "stripe";
import {
  hasFailedRefund,
  type MoneySnapshot,
  type RefundFact,
  refundRemainder,
} from "../domain/payment-state";

/** Local defaults: the stand-in accepts any sk_test_ key and signs events with this secret. */
export const LOCAL_STRIPE_KEY = "sk_test_lectern_local";
export const LOCAL_WEBHOOK_SECRET = "whsec_lectern_local_dev";
export const LOCAL_PUBLISHABLE_KEY = "pk_test_lectern_local";

export interface PaymentIntentView {
  id: string;
  status: Stripe.PaymentIntent.Status;
  amount: number;
  amountReceived: number;
  currency: string;
  clientSecret: string;
  metadata: Record<string, string>;
  lastPaymentError: string | null;
}

export interface RefundView {
  id: string;
  status: string;
  amount: number;
}

/** The payment port: the only place that talks to Stripe. Errors it throws are PaymentErrors. */
export interface Payments {
  createIntent(input: {
    bookingId: string;
    slotId: string;
    studentId: string;
    amount: number;
    currency: string;
  }): Promise<PaymentIntentView>;
  retrieve(intentId: string): Promise<PaymentIntentView>;
  /** The intent and every refund of it, as Stripe says now. */
  snapshot(intentId: string): Promise<MoneySnapshot>;
  /**
   * Captures an authorization; `unexpected_state` when it is no longer capturable. `attempt`
   * makes each retry a new request (a replayed key would repeat a 5xx for 24 hours).
   */
  capture(intentId: string, bookingId: string, attempt: number): Promise<MoneySnapshot>;
  /** Releases an authorization or abandons an unpaid intent; `unexpected_state` if it already succeeded. */
  cancel(intentId: string): Promise<void>;
  /**
   * Refunds what is left: captured minus refunds that succeeded or are pending (any source), read
   * from Stripe's own list first, so a retry after a lost answer never refunds twice. Null when
   * nothing is left. `attempt` makes a fresh idempotency key for a retry.
   */
  refundRemainder(input: {
    intentId: string;
    bookingId: string;
    reason: string;
    attempt: number;
    /** Left with the provider: only what exceeds it is refunded (0: everything). */
    keep?: number;
  }): Promise<RefundView | null>;
  /** The PaymentIntent a refund or charge belongs to, read from Stripe (webhook bodies are hints). */
  intentOfRefund(refundId: string): Promise<string | null>;
  intentOfCharge(chargeId: string): Promise<string | null>;
  /**
   * Events of `types` created since `sinceSec` (unix seconds), newest first, at most `limit`:
   * how deliveries that never arrived are found again.
   */
  recentEvents(sinceSec: number, types: readonly string[], limit: number): Promise<unknown[]>;
  /** Verifies the Stripe-Signature of a raw webhook body; throws on a bad signature. */
  verifyEvent(rawBody: string, signature: string): Promise<Stripe.Event>;
}

export class PaymentError extends Error {
  readonly kind: "unexpected_state" | "card_declined" | "missing" | "unavailable" | "invalid";
  readonly stripeCode: string | undefined;
  constructor(kind: PaymentError["kind"], message: string, stripeCode?: string) {
    super(message);
    this.name = "PaymentError";
    this.kind = kind;
    this.stripeCode = stripeCode;
  }
}

function toView(intent: Stripe.PaymentIntent): PaymentIntentView {
  return {
    id: intent.id,
    status: intent.status,
    amount: intent.amount,
    amountReceived: intent.amount_received,
    currency: intent.currency,
    clientSecret: intent.client_secret ?? "",
    metadata: intent.metadata ?? {},
    lastPaymentError: intent.last_payment_error?.message ?? null,
  };
}

const REFUND_STATUSES = new Set(["pending", "succeeded", "failed", "canceled"]);

function toRefundFact(refund: Stripe.Refund): RefundFact {
  const status = refund.status && REFUND_STATUSES.has(refund.status) ? refund.status : "pending";
  return {
    id: refund.id,
    amount: refund.amount,
    status: status as RefundFact["status"],
    created: refund.created,
    failureReason: refund.failure_reason ?? null,
  };
}

function toSnapshot(intent: Stripe.PaymentIntent, refunds: RefundFact[]): MoneySnapshot {
  const charge = intent.latest_charge;
  const authorized = typeof charge === "object" && charge !== null && charge.status === "succeeded";
  return {
    // Stripe stamps whole seconds: take the end of that second, so "in time" is never a guess.
    authorizedAt: authorized ? charge.created * 1000 + 999 : null,
    intentId: intent.id,
    status: intent.status as MoneySnapshot["status"],
    amount: intent.amount,
    captured: intent.amount_received ?? 0,
    currency: intent.currency,
    chargeId: typeof charge === "string" ? charge : (charge?.id ?? null),
    lastPaymentError: intent.last_payment_error?.message ?? null,
    refunds,
  };
}

const idOf = (value: string | { id: string } | null | undefined) =>
  typeof value === "string" ? value : (value?.id ?? null);

function translate(error: unknown): PaymentError {
  if (error instanceof PaymentError) return error;
  if (error instanceof Stripe.errors.StripeError) {
    if (error.code === "payment_intent_unexpected_state") {
      return new PaymentError("unexpected_state", error.message, error.code);
    }
    if (error.code === "resource_missing") return new PaymentError("missing", error.message, error.code);
    if (error.type === "StripeCardError") return new PaymentError("card_declined", error.message, error.code);
    if (error.type === "StripeInvalidRequestError")
      return new PaymentError("invalid", error.message, error.code);
    return new PaymentError("unavailable", error.message, error.code);
  }
  return new PaymentError("unavailable", error instanceof Error ? error.message : String(error));
}

export async function guarded<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw translate(error);
  }
}

export interface StripeConfig {
  secretKey: string;
  webhookSecret: string | undefined;
  /** The signing secret of a separate Connect webhook endpoint, when there is one. */
  connectWebhookSecret?: string | undefined;
  /** Set for the local stand-in; absent for real Stripe. */
  apiBase: URL | undefined;
}

/** Real Stripe when STRIPE_SECRET_KEY is set, the local stand-in otherwise. */
export function stripeConfig(env: Env): StripeConfig {
  if (env.STRIPE_SECRET_KEY) {
    return {
      secretKey: env.STRIPE_SECRET_KEY,
      webhookSecret: env.STRIPE_WEBHOOK_SECRET,
      connectWebhookSecret: env.STRIPE_CONNECT_WEBHOOK_SECRET,
      apiBase: undefined,
    };
  }
  // The local secret is public: only the stand-in's own setups may accept it, never production.
  const localSecret = env.STRIPE_STANDIN === "on" ? LOCAL_WEBHOOK_SECRET : undefined;
  return {
    secretKey: LOCAL_STRIPE_KEY,
    webhookSecret: env.STRIPE_WEBHOOK_SECRET ?? localSecret,
    apiBase: new URL(env.STRIPE_API_BASE),
  };
}

/** The official client, pointed at real Stripe or at the stand-in. */
export function stripeClient(config: StripeConfig): Stripe {
  return new Stripe(config.secretKey, {
    httpClient: Stripe.createFetchHttpClient(),
    maxNetworkRetries: 2,
    timeout: 15_000,
    ...(config.apiBase
      ? {
          host: config.apiBase.hostname,
          port: Number(config.apiBase.port || 80),
          protocol: config.apiBase.protocol === "https:" ? "https" : "http",
        }
      : {}),
  });
}

export function createStripePayments(config: StripeConfig): Payments {
  const stripe = stripeClient(config);
  const crypto = Stripe.createSubtleCryptoProvider();

  async function listRefunds(intentId: string): Promise<RefundFact[]> {
    const facts: RefundFact[] = [];
    for await (const refund of stripe.refunds.list({ payment_intent: intentId, limit: 100 })) {
      facts.push(toRefundFact(refund));
      if (facts.length >= 1000) break;
    }
    return facts;
  }

  return {
    createIntent: ({ bookingId, slotId, studentId, amount, currency }) =>
      guarded(async () =>
        toView(
          await stripe.paymentIntents.create(
            {
              amount,
              currency,
              capture_method: "manual",
              // Redirect-based methods could sit in `processing` for days, far past a seat hold.
              automatic_payment_methods: { enabled: true, allow_redirects: "never" },
              metadata: { bookingId, slotId, studentId },
              description: `Lectern booking ${bookingId}`,
            },
            { idempotencyKey: `booking-${bookingId}-intent` },
          ),
        ),
      ),
    retrieve: (intentId) => guarded(async () => toView(await stripe.paymentIntents.retrieve(intentId))),
    snapshot: (intentId) =>
      guarded(async () => {
        const [intent, refunds] = await Promise.all([
          stripe.paymentIntents.retrieve(intentId, { expand: ["latest_charge"] }),
          listRefunds(intentId),
        ]);
        return toSnapshot(intent, refunds);
      }),
    capture: (intentId, bookingId, attempt) =>
      guarded(async () =>
        toSnapshot(
          await stripe.paymentIntents.capture(
            intentId,
            {},
            { idempotencyKey: `booking-${bookingId}-capture-${attempt}` },
          ),
          [],
        ),
      ),
    cancel: (intentId) =>
      guarded(async () => {
        await stripe.paymentIntents.cancel(intentId);
      }),
    refundRemainder: ({ intentId, bookingId, reason, attempt, keep = 0 }) =>
      guarded(async () => {
        const [intent, refunds] = await Promise.all([
          stripe.paymentIntents.retrieve(intentId),
          listRefunds(intentId),
        ]);
        // A refund that failed is never retried by itself (the card is usually gone): people are
        // told. A new decision to refund (its first attempt) still tries, even after an earlier
        // refund of this payment failed; only a retry of the same decision stops there.
        const retryAfterFailure = attempt > 1 && hasFailedRefund(refunds);
        const left = retryAfterFailure ? 0 : refundRemainder(toSnapshot(intent, refunds));
        const amount = left - keep;
        if (amount <= 0) return null;
        const refund = await stripe.refunds.create(
          {
            payment_intent: intentId,
            amount,
            reason: "requested_by_customer",
            metadata: { bookingId, lecternReason: reason.slice(0, 400) },
          },
          // A different share kept is a different refund (a reschedule's difference, then a cancel).
          { idempotencyKey: `booking-${bookingId}-refund-${keep > 0 ? `keep${keep}-` : ""}${attempt}` },
        );
        return { id: refund.id, status: refund.status ?? "pending", amount: refund.amount };
      }),
    recentEvents: (sinceSec, types, limit) =>
      guarded(async () => {
        const events: unknown[] = [];
        const params = { created: { gte: sinceSec }, types: [...types], limit: Math.min(100, limit) };
        for await (const event of stripe.events.list(params)) {
          events.push(event);
          if (events.length >= limit) break;
        }
        return events;
      }),
    intentOfRefund: (refundId) =>
      guarded(async () => idOf((await stripe.refunds.retrieve(refundId)).payment_intent)),
    intentOfCharge: (chargeId) =>
      guarded(async () => idOf((await stripe.charges.retrieve(chargeId)).payment_intent)),
    verifyEvent: async (rawBody, signature) => {
      // Connect events (account.updated) come to a Connect endpoint with a secret of its own.
      const secrets = [config.webhookSecret, config.connectWebhookSecret].filter((s): s is string => !!s);
      if (secrets.length === 0) throw new PaymentError("invalid", "No webhook secret is configured.");
      let failure: unknown;
      for (const secret of secrets) {
        try {
          return await stripe.webhooks.constructEventAsync(rawBody, signature, secret, undefined, crypto);
        } catch (error) {
          failure = error;
        }
      }
      throw failure;
    },
  };
}
