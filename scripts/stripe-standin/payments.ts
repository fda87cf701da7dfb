// PaymentIntent and Refund state machines, with Stripe's error codes and events.
import {
  FormError,
  type FormObject,
  readBoolean,
  readEnum,
  readHash,
  readInteger,
  readMetadata,
  readString,
  readStringList,
  rejectUnknown,
  requireString,
} from "./form";
import type {
  CardBehaviour,
  Charge,
  PaymentIntent,
  PaymentIntentStatus,
  PaymentMethod,
  Refund,
  StandinStore,
} from "./store";
import { newId, randomToken } from "./store";
import type { CallInfo, Emit } from "./webhooks";

/** How pending refunds (pm_card_refundFail) reach their final state. */
export interface RefundSettling {
  /** "timer": each settles by itself `afterMs` after creation; "manual": only settleRefunds() moves them. */
  mode: "timer" | "manual";
  afterMs: number;
}

/** Events Stripe raises on its own carry no request. */
const NO_REQUEST: CallInfo = { requestId: null, idempotencyKey: null };

export interface StripeErrorBody {
  type: string;
  message: string;
  code?: string;
  decline_code?: string;
  param?: string;
  charge?: string;
  doc_url?: string;
  payment_intent?: PaymentIntent;
  payment_method?: PaymentMethod;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: StripeErrorBody,
    /** Stripe stores an idempotent result only once the call started executing, not for bad params. */
    readonly replayable = true,
  ) {
    super(body.message);
  }
}

export function invalid(message: string, code?: string, param?: string, replayable = false): ApiError {
  return new ApiError(400, { type: "invalid_request_error", message, code, param }, replayable);
}

export function lookup<T>(found: T | undefined, id: string, kind: string, param: string, status = 404): T {
  if (found) return found;
  const body = {
    type: "invalid_request_error",
    code: "resource_missing",
    param,
    message: `No such ${kind}: '${id}'`,
  };
  throw new ApiError(status, body, false);
}

type Decline = NonNullable<CardBehaviour["decline"]>;
const decline = (code: string, decline_code: string, message: string): Decline => ({
  code,
  decline_code,
  message,
});
const DECLINED = decline("card_declined", "generic_decline", "Your card was declined.");

// Stripe's documented test payment methods and the card numbers behind them.
const TEST_CARDS: {
  tokens: string[];
  number: string;
  brand: string;
  decline?: Decline;
  refundFailure?: string;
}[] = [
  { tokens: ["pm_card_visa"], number: "4242424242424242", brand: "visa" },
  { tokens: ["pm_card_mastercard"], number: "5555555555554444", brand: "mastercard" },
  { tokens: ["pm_card_amex"], number: "378282246310005", brand: "amex" },
  {
    tokens: ["pm_card_chargeDeclined", "pm_card_visa_chargeDeclined"],
    number: "4000000000000002",
    brand: "visa",
    decline: DECLINED,
  },
  {
    tokens: ["pm_card_chargeDeclinedInsufficientFunds", "pm_card_visa_chargeDeclinedInsufficientFunds"],
    number: "4000000000009995",
    brand: "visa",
    decline: decline("card_declined", "insufficient_funds", "Your card has insufficient funds."),
  },
  {
    tokens: ["pm_card_chargeDeclinedLostCard", "pm_card_visa_chargeDeclinedLostCard"],
    number: "4000000000009987",
    brand: "visa",
    decline: decline("card_declined", "lost_card", "Your card was declined."),
  },
  {
    tokens: ["pm_card_chargeDeclinedExpiredCard"],
    number: "4000000000000069",
    brand: "visa",
    decline: decline("expired_card", "expired_card", "Your card has expired."),
  },
  {
    tokens: ["pm_card_chargeDeclinedIncorrectCvc"],
    number: "4000000000000127",
    brand: "visa",
    decline: decline("incorrect_cvc", "incorrect_cvc", "Your card's security code is incorrect."),
  },
  // The charge succeeds; every refund of it starts pending, then fails.
  {
    tokens: ["pm_card_refundFail"],
    number: "4000000000005126",
    brand: "visa",
    refundFailure: "expired_or_canceled_card",
  },
];

const CANCELABLE: PaymentIntentStatus[] = [
  "requires_payment_method",
  "requires_capture",
  "requires_confirmation",
  "requires_action",
  "processing",
];
const CANCELLATION_REASONS = ["duplicate", "fraudulent", "requested_by_customer", "abandoned"] as const;
const REFUND_REASONS = ["duplicate", "fraudulent", "requested_by_customer"] as const;

function unexpectedState(message: string, intent: PaymentIntent): ApiError {
  const body = {
    type: "invalid_request_error",
    code: "payment_intent_unexpected_state",
    message,
    payment_intent: structuredClone(intent),
  };
  return new ApiError(400, body);
}

function withoutUnset(metadata: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(metadata).filter(([, value]) => value !== ""));
}

function mergeMetadata(
  current: Record<string, string>,
  changes: Record<string, string>,
): Record<string, string> {
  const merged = withoutUnset({ ...current, ...changes });
  if (Object.keys(merged).length > 50)
    throw invalid("Metadata can have at most 50 keys.", undefined, "metadata");
  return merged;
}

export function createPayments(
  store: StandinStore,
  emit: Emit,
  nowMs: () => number,
  settling: RefundSettling = { mode: "manual", afterMs: 0 },
) {
  const nowSec = () => Math.floor(nowMs() / 1000);
  const refundTimers = new Map<string, ReturnType<typeof setTimeout>>();

  function intentById(id: string): PaymentIntent {
    return lookup(store.paymentIntents.get(id), id, "payment_intent", "intent");
  }

  function latestCharge(intent: PaymentIntent): Charge {
    const id = intent.latest_charge ?? "";
    return lookup(store.charges.get(id), id, "charge", "charge");
  }

  // Like Stripe, a test token (pm_card_visa) becomes a fresh pm_ object on each use.
  function createPaymentMethod(card: (typeof TEST_CARDS)[number]): string {
    const last4 = card.number.slice(-4);
    const expYear = new Date(nowMs()).getUTCFullYear() + 3;
    const method: PaymentMethod = {
      id: newId("pm"),
      object: "payment_method",
      type: "card",
      card: { brand: card.brand, last4, exp_month: 12, exp_year: expYear, funding: "credit" },
      created: nowSec(),
      livemode: false,
    };
    store.paymentMethods.set(method.id, {
      method,
      behaviour: { brand: card.brand, last4, decline: card.decline, refundFailure: card.refundFailure },
    });
    return method.id;
  }

  function paymentMethodFor(value: string): string {
    const card = TEST_CARDS.find((c) => c.tokens.includes(value));
    if (card) return createPaymentMethod(card);
    lookup(store.paymentMethods.get(value), value, "PaymentMethod", "payment_method", 400);
    return value;
  }

  // A test-card form may send a test card number instead of a pm_card_ token.
  function paymentMethodFromData(form: FormObject): string | undefined {
    const data = readHash(form, "payment_method_data");
    const card = data ? readHash(data, "card") : undefined;
    if (!data) return undefined;
    const number = (card && readString(card, "number"))?.replace(/\s+/g, "");
    const known = TEST_CARDS.find((c) => c.number === number);
    if (!known) {
      const message = "Your card number is not one of Stripe's test cards (e.g. 4242424242424242).";
      throw new ApiError(402, {
        type: "card_error",
        code: "incorrect_number",
        message,
        param: "payment_method_data[card][number]",
      });
    }
    return createPaymentMethod(known);
  }

  function newCharge(intent: PaymentIntent, methodId: string, behaviour: CardBehaviour): Charge {
    const id = newId("ch");
    const failed = behaviour.decline;
    return {
      id,
      object: "charge",
      amount: intent.amount,
      amount_captured: 0,
      amount_refunded: 0,
      balance_transaction: null,
      captured: false,
      created: nowSec(),
      currency: intent.currency,
      description: intent.description,
      failure_code: failed?.code ?? null,
      failure_message: failed?.message ?? null,
      livemode: false,
      metadata: { ...intent.metadata },
      outcome: failed
        ? { type: "issuer_declined", network_status: "declined_by_network", reason: failed.decline_code }
        : { type: "authorized", network_status: "approved_by_network", reason: null },
      paid: !failed,
      payment_intent: intent.id,
      payment_method: methodId,
      payment_method_details: { type: "card", card: { brand: behaviour.brand, last4: behaviour.last4 } },
      refunded: false,
      refunds: { object: "list", data: [], has_more: false, url: `/v1/charges/${id}/refunds` },
      status: failed ? "failed" : "succeeded",
    };
  }

  function createIntent(form: FormObject, call: CallInfo): PaymentIntent {
    rejectUnknown(form, [
      "amount",
      "currency",
      "capture_method",
      "confirm",
      "description",
      "metadata",
      "automatic_payment_methods",
      "payment_method",
      "payment_method_types",
      "return_url",
      "expand",
    ]);
    const amount = readInteger(form, "amount");
    if (amount === undefined)
      throw new FormError("Missing required param: amount.", "amount", "parameter_missing");
    if (amount < 1)
      throw invalid("This value must be greater than or equal to 1.", "amount_too_small", "amount");
    if (amount > 99_999_999)
      throw invalid("Amount must be no more than 99999999.", "amount_too_large", "amount");
    const currency = requireString(form, "currency").toLowerCase();
    if (!/^[a-z]{3}$/.test(currency)) throw invalid(`Invalid currency: ${currency}.`, undefined, "currency");
    const captureMethod = readEnum(form, "capture_method", ["automatic", "automatic_async", "manual"]);
    const types = readStringList(form, "payment_method_types");
    if (types.some((t) => t !== "card")) {
      throw invalid(
        "The stand-in supports only the card payment method type.",
        undefined,
        "payment_method_types",
      );
    }
    const automatic = readHash(form, "automatic_payment_methods");
    const enabled = automatic ? readBoolean(automatic, "enabled") : undefined;
    if (automatic && enabled === undefined) {
      const param = "automatic_payment_methods[enabled]";
      throw new FormError(`Missing required param: ${param}.`, param, "parameter_missing");
    }
    const allowRedirects = automatic
      ? readEnum(automatic, "allow_redirects", ["always", "never"])
      : undefined;
    const confirm = readBoolean(form, "confirm") ?? false;
    const methodParam = readString(form, "payment_method");
    if (confirm && !methodParam) {
      throw invalid("Pass a payment_method to confirm at creation.", "parameter_missing", "payment_method");
    }
    const methodId = methodParam ? paymentMethodFor(methodParam) : null;
    const id = newId("pi");
    const intent: PaymentIntent = {
      id,
      object: "payment_intent",
      amount,
      amount_capturable: 0,
      amount_received: 0,
      automatic_payment_methods:
        enabled !== undefined
          ? { enabled, ...(allowRedirects ? { allow_redirects: allowRedirects } : {}) }
          : types.length > 0
            ? null
            : { enabled: true },
      canceled_at: null,
      cancellation_reason: null,
      capture_method: captureMethod ?? "automatic",
      client_secret: `${id}_secret_${randomToken(25)}`,
      confirmation_method: "automatic",
      created: nowSec(),
      currency,
      customer: null,
      description: readString(form, "description") || null,
      last_payment_error: null,
      latest_charge: null,
      livemode: false,
      metadata: withoutUnset(readMetadata(form) ?? {}),
      next_action: null,
      payment_method: methodId,
      payment_method_types: ["card"],
      status: methodId ? "requires_confirmation" : "requires_payment_method",
    };
    store.paymentIntents.set(id, intent);
    emit("payment_intent.created", intent, call);
    if (confirm && methodId) charge(intent, methodId, call);
    return intent;
  }

  function updateIntent(form: FormObject, id: string): PaymentIntent {
    rejectUnknown(form, ["description", "metadata", "expand"]);
    const intent = intentById(id);
    const metadata = readMetadata(form);
    const description = readString(form, "description");
    if (intent.status === "succeeded" || intent.status === "canceled") {
      throw unexpectedState(
        `You cannot update this PaymentIntent because it has a status of ${intent.status}.`,
        intent,
      );
    }
    if (metadata) intent.metadata = mergeMetadata(form.metadata === "" ? {} : intent.metadata, metadata);
    if (description !== undefined) intent.description = description || null;
    return intent;
  }

  function confirmIntent(form: FormObject, id: string, call: CallInfo): PaymentIntent {
    rejectUnknown(form, ["payment_method", "payment_method_data", "return_url", "expand", "client_secret"]);
    const intent = intentById(id);
    if (intent.status !== "requires_payment_method" && intent.status !== "requires_confirmation") {
      throw unexpectedState(
        `You cannot confirm this PaymentIntent because it has a status of ${intent.status}. Only a PaymentIntent with one of the following statuses may be confirmed: requires_payment_method, requires_confirmation.`,
        intent,
      );
    }
    const param = readString(form, "payment_method");
    const methodId = param ? paymentMethodFor(param) : (paymentMethodFromData(form) ?? intent.payment_method);
    if (!methodId) {
      throw invalid(
        "You cannot confirm this PaymentIntent because it's missing a payment method. Pass payment_method, e.g. pm_card_visa.",
        "parameter_missing",
        "payment_method",
      );
    }
    charge(intent, methodId, call);
    return intent;
  }

  // Like Stripe, the charge exists from the authorization on (captured: false until capture).
  function charge(intent: PaymentIntent, methodId: string, call: CallInfo): void {
    const { method, behaviour } = lookup(
      store.paymentMethods.get(methodId),
      methodId,
      "PaymentMethod",
      "payment_method",
      400,
    );
    const charge = newCharge(intent, methodId, behaviour);
    store.charges.set(charge.id, charge);
    intent.latest_charge = charge.id;
    const failure = behaviour.decline;
    if (failure) {
      // A decline is not final: the intent waits for another payment method.
      const docUrl = `https://stripe.com/docs/error-codes/${failure.code.replaceAll("_", "-")}`;
      const details = { ...failure, charge: charge.id, doc_url: docUrl, payment_method: method };
      intent.status = "requires_payment_method";
      intent.payment_method = null;
      intent.last_payment_error = { type: "card_error", ...details };
      emit("charge.failed", charge, call);
      emit("payment_intent.payment_failed", intent, call);
      throw new ApiError(402, { type: "card_error", ...details, payment_intent: structuredClone(intent) });
    }
    intent.payment_method = methodId;
    intent.last_payment_error = null;
    if (intent.capture_method === "manual") {
      intent.status = "requires_capture";
      intent.amount_capturable = intent.amount;
      emit("charge.succeeded", charge, call);
      emit("payment_intent.amount_capturable_updated", intent, call);
      return;
    }
    charge.captured = true;
    charge.amount_captured = intent.amount;
    intent.status = "succeeded";
    intent.amount_received = intent.amount;
    emit("charge.succeeded", charge, call);
    emit("payment_intent.succeeded", intent, call);
  }

  function captureIntent(form: FormObject, id: string, call: CallInfo): PaymentIntent {
    rejectUnknown(form, ["amount_to_capture", "metadata", "expand"]);
    const intent = intentById(id);
    const requested = readInteger(form, "amount_to_capture");
    const metadata = readMetadata(form);
    if (intent.status !== "requires_capture") {
      throw unexpectedState(
        `This PaymentIntent could not be captured because it has a status of ${intent.status}. Only a PaymentIntent with one of the following statuses may be captured: requires_capture.`,
        intent,
      );
    }
    const amount = requested ?? intent.amount_capturable;
    if (amount < 1)
      throw invalid("Invalid positive integer", "parameter_invalid_integer", "amount_to_capture");
    if (amount > intent.amount_capturable) {
      throw invalid(
        `The amount to capture (${amount}) is greater than the amount capturable (${intent.amount_capturable}).`,
        "amount_too_large",
        "amount_to_capture",
      );
    }
    const charge = latestCharge(intent);
    charge.captured = true;
    charge.amount_captured = amount;
    if (metadata) intent.metadata = mergeMetadata(intent.metadata, metadata);
    intent.status = "succeeded";
    intent.amount_received = amount;
    intent.amount_capturable = 0;
    emit("charge.captured", charge, call);
    emit("payment_intent.succeeded", intent, call);
    return intent;
  }

  function cancelIntent(form: FormObject, id: string, call: CallInfo): PaymentIntent {
    rejectUnknown(form, ["cancellation_reason", "expand"]);
    const intent = intentById(id);
    const reason = readEnum(form, "cancellation_reason", CANCELLATION_REASONS);
    if (!CANCELABLE.includes(intent.status)) {
      throw unexpectedState(
        `You cannot cancel this PaymentIntent because it has a status of ${intent.status}. Only a PaymentIntent with one of the following statuses may be canceled: ${CANCELABLE.join(", ")}.`,
        intent,
      );
    }
    // From requires_capture this releases the authorization: no money moves.
    intent.status = "canceled";
    intent.canceled_at = nowSec();
    intent.cancellation_reason = reason ?? null;
    intent.amount_capturable = 0;
    emit("payment_intent.canceled", intent, call);
    return intent;
  }

  function refundableCharge(intentId: string | undefined, chargeId: string | undefined): Charge {
    if (!intentId && !chargeId) {
      throw invalid(
        "One of the following params should be provided for this request: payment_intent or charge.",
        "parameter_missing",
        "payment_intent",
      );
    }
    const byCharge = chargeId
      ? lookup(store.charges.get(chargeId), chargeId, "charge", "charge", 400)
      : undefined;
    const wanted = intentId ?? byCharge?.payment_intent ?? "";
    const intent = lookup(store.paymentIntents.get(wanted), wanted, "payment_intent", "payment_intent", 400);
    if (byCharge && byCharge.payment_intent !== intent.id) {
      throw invalid(
        `Charge ${byCharge.id} does not belong to PaymentIntent ${intent.id}.`,
        undefined,
        "charge",
      );
    }
    if (intent.status !== "succeeded" || (byCharge && byCharge.id !== intent.latest_charge)) {
      const message =
        intent.status === "requires_capture"
          ? `PaymentIntent ${intent.id} has not been captured yet: cancel it to release the authorization.`
          : `This PaymentIntent (${intent.id}) does not have a successful charge to refund.`;
      throw new ApiError(400, { type: "invalid_request_error", code: "charge_not_refundable", message });
    }
    return latestCharge(intent);
  }

  /** What still counts as given back: pending and succeeded refunds (failed and canceled ones do not). */
  function refundedSoFar(charge: Charge): number {
    let total = 0;
    for (const refund of store.refunds.values()) {
      if (refund.charge === charge.id && (refund.status === "pending" || refund.status === "succeeded")) {
        total += refund.amount;
      }
    }
    return total;
  }

  function syncRefunded(charge: Charge): void {
    charge.amount_refunded = refundedSoFar(charge);
    charge.refunded = charge.amount_refunded >= charge.amount_captured;
  }

  function refundFailureOf(charge: Charge | undefined): string | undefined {
    return charge ? store.paymentMethods.get(charge.payment_method)?.behaviour.refundFailure : undefined;
  }

  /** Moves one pending refund to its final state; false if it was not pending. */
  function settleRefund(refund: Refund): boolean {
    const timer = refundTimers.get(refund.id);
    if (timer !== undefined) clearTimeout(timer);
    refundTimers.delete(refund.id);
    if (refund.status !== "pending" || store.refunds.get(refund.id) !== refund) return false;
    const charge = store.charges.get(refund.charge);
    const failure = refundFailureOf(charge);
    if (failure) {
      refund.status = "failed";
      refund.failure_reason = failure;
      if (charge) syncRefunded(charge);
      emit("refund.updated", refund, NO_REQUEST);
      emit("refund.failed", refund, NO_REQUEST);
      emit("charge.refund.updated", refund, NO_REQUEST);
      return true;
    }
    refund.status = "succeeded";
    emit("refund.updated", refund, NO_REQUEST);
    emit("charge.refund.updated", refund, NO_REQUEST);
    return true;
  }

  /** Settles every pending refund at once (no timers); returns how many changed. */
  function settleRefunds(): number {
    let changed = 0;
    for (const refund of [...store.refunds.values()]) if (settleRefund(refund)) changed += 1;
    return changed;
  }

  function stopRefundTimers(): void {
    for (const timer of refundTimers.values()) clearTimeout(timer);
    refundTimers.clear();
  }

  function createRefund(form: FormObject, call: CallInfo): Refund {
    rejectUnknown(form, ["payment_intent", "charge", "amount", "reason", "metadata", "expand"]);
    const requested = readInteger(form, "amount");
    const reason = readEnum(form, "reason", REFUND_REASONS);
    const metadata = withoutUnset(readMetadata(form) ?? {});
    if (requested !== undefined && requested < 1) {
      throw invalid("Invalid positive integer", "parameter_invalid_integer", "amount");
    }
    const charge = refundableCharge(readString(form, "payment_intent"), readString(form, "charge"));
    const remaining = charge.amount_captured - refundedSoFar(charge);
    if (remaining <= 0) {
      throw new ApiError(400, {
        type: "invalid_request_error",
        code: "charge_already_refunded",
        message: `Charge ${charge.id} has already been refunded.`,
      });
    }
    const amount = requested ?? remaining;
    if (amount > remaining) {
      const money = (value: number) => `${(value / 100).toFixed(2)} ${charge.currency}`;
      throw new ApiError(400, {
        type: "invalid_request_error",
        code: "amount_too_large",
        param: "amount",
        message: `Refund amount (${money(amount)}) is greater than unrefunded amount on charge (${money(remaining)})`,
      });
    }
    const pending = refundFailureOf(charge) !== undefined;
    const refund: Refund = {
      id: newId("re"),
      object: "refund",
      amount,
      balance_transaction: null,
      charge: charge.id,
      created: nowSec(),
      currency: charge.currency,
      failure_reason: null,
      metadata,
      payment_intent: charge.payment_intent,
      reason: reason ?? null,
      status: pending ? "pending" : "succeeded",
    };
    store.refunds.set(refund.id, refund);
    syncRefunded(charge);
    // The same object, so the charge's list always shows the refund's current state.
    charge.refunds.data.unshift(refund);
    emit("refund.created", refund, call);
    emit("charge.refunded", charge, call);
    if (pending && settling.mode === "timer") {
      refundTimers.set(
        refund.id,
        setTimeout(() => settleRefund(refund), settling.afterMs),
      );
    }
    return refund;
  }

  return {
    intentById,
    createIntent,
    updateIntent,
    confirmIntent,
    captureIntent,
    cancelIntent,
    createRefund,
    settleRefunds,
    stopRefundTimers,
  };
}
