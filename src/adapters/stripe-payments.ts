import Stripe from "stripe";

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
  /** Captures an authorization; `unexpected_state` when it is no longer capturable. */
  capture(intentId: string, bookingId: string): Promise<PaymentIntentView>;
  /** Releases an authorization or abandons an unpaid intent; `unexpected_state` if it already succeeded. */
  cancel(intentId: string): Promise<void>;
  /**
   * Refunds the intent in full unless a refund already exists for it (pending or succeeded), so a
   * retry after a lost answer can never refund twice. `attempt` makes a fresh idempotency key for
   * a retry after a failed refund.
   */
  refundInFull(input: {
    intentId: string;
    bookingId: string;
    reason: string;
    attempt: number;
  }): Promise<RefundView>;
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

function translate(error: unknown): PaymentError {
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

async function guarded<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw translate(error);
  }
}

export interface StripeConfig {
  secretKey: string;
  webhookSecret: string | undefined;
  /** Set for the local stand-in; absent for real Stripe. */
  apiBase: URL | undefined;
}

/** Real Stripe when STRIPE_SECRET_KEY is set, the local stand-in otherwise. */
export function stripeConfig(env: Env): StripeConfig {
  if (env.STRIPE_SECRET_KEY) {
    return { secretKey: env.STRIPE_SECRET_KEY, webhookSecret: env.STRIPE_WEBHOOK_SECRET, apiBase: undefined };
  }
  return {
    secretKey: LOCAL_STRIPE_KEY,
    webhookSecret: env.STRIPE_WEBHOOK_SECRET ?? LOCAL_WEBHOOK_SECRET,
    apiBase: new URL(env.STRIPE_API_BASE),
  };
}

export function createStripePayments(config: StripeConfig): Payments {
  const stripe = new Stripe(config.secretKey, {
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
  const crypto = Stripe.createSubtleCryptoProvider();

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
    capture: (intentId, bookingId) =>
      guarded(async () =>
        toView(
          await stripe.paymentIntents.capture(
            intentId,
            {},
            { idempotencyKey: `booking-${bookingId}-capture` },
          ),
        ),
      ),
    cancel: (intentId) =>
      guarded(async () => {
        await stripe.paymentIntents.cancel(intentId);
      }),
    refundInFull: ({ intentId, bookingId, reason, attempt }) =>
      guarded(async () => {
        const existing = await stripe.refunds.list({ payment_intent: intentId, limit: 10 });
        const live = existing.data.find(
          (refund) => refund.status === "succeeded" || refund.status === "pending",
        );
        const refund =
          live ??
          (await stripe.refunds.create(
            {
              payment_intent: intentId,
              reason: "requested_by_customer",
              metadata: { bookingId, lecternReason: reason },
            },
            { idempotencyKey: `booking-${bookingId}-refund-${attempt}` },
          ));
        return { id: refund.id, status: refund.status ?? "pending", amount: refund.amount };
      }),
    verifyEvent: async (rawBody, signature) => {
      if (!config.webhookSecret) throw new PaymentError("invalid", "No webhook secret is configured.");
      return stripe.webhooks.constructEventAsync(rawBody, signature, config.webhookSecret, undefined, crypto);
    },
  };
}
