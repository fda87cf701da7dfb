// In-memory state of the stand-in. Objects have the fields of Stripe's API objects
// (snake_case, amounts in minor units, `created` in unix seconds).

export type PaymentIntentStatus =
  | "requires_payment_method"
  | "requires_confirmation"
  | "requires_action"
  | "processing"
  | "requires_capture"
  | "succeeded"
  | "canceled";

export type CaptureMethod = "automatic" | "automatic_async" | "manual";

export interface PaymentError {
  type: "card_error";
  code: string;
  decline_code: string | null;
  message: string;
  charge: string | null;
  doc_url: string;
  payment_method: PaymentMethod | null;
}

export interface PaymentIntent {
  id: string;
  object: "payment_intent";
  amount: number;
  amount_capturable: number;
  amount_received: number;
  automatic_payment_methods: { enabled: boolean; allow_redirects?: "always" | "never" } | null;
  canceled_at: number | null;
  cancellation_reason: string | null;
  capture_method: CaptureMethod;
  client_secret: string;
  confirmation_method: "automatic";
  created: number;
  currency: string;
  customer: null;
  description: string | null;
  last_payment_error: PaymentError | null;
  latest_charge: string | null;
  livemode: false;
  metadata: Record<string, string>;
  next_action: null;
  payment_method: string | null;
  payment_method_types: string[];
  status: PaymentIntentStatus;
}

/** What a test card does when charged. */
export interface CardBehaviour {
  brand: string;
  last4: string;
  decline?: { code: string; decline_code: string; message: string };
  /** The charge succeeds, but each refund of it starts `pending` and later fails with this reason. */
  refundFailure?: string;
}

export interface PaymentMethod {
  id: string;
  object: "payment_method";
  type: "card";
  card: { brand: string; last4: string; exp_month: number; exp_year: number; funding: "credit" };
  created: number;
  livemode: false;
}

export interface Charge {
  id: string;
  object: "charge";
  amount: number;
  amount_captured: number;
  amount_refunded: number;
  balance_transaction: null;
  captured: boolean;
  created: number;
  currency: string;
  description: string | null;
  failure_code: string | null;
  failure_message: string | null;
  livemode: false;
  metadata: Record<string, string>;
  outcome: { type: "authorized" | "issuer_declined"; network_status: string; reason: string | null };
  paid: boolean;
  payment_intent: string;
  payment_method: string;
  payment_method_details: { type: "card"; card: { brand: string; last4: string } };
  refunded: boolean;
  refunds: { object: "list"; data: Refund[]; has_more: false; url: string };
  status: "succeeded" | "failed";
}

export type RefundStatus = "pending" | "succeeded" | "failed" | "canceled";

export interface Refund {
  id: string;
  object: "refund";
  amount: number;
  balance_transaction: null;
  charge: string;
  created: number;
  currency: string;
  /** Set only once the refund failed (e.g. "expired_or_canceled_card"). */
  failure_reason: string | null;
  metadata: Record<string, string>;
  payment_intent: string;
  reason: string | null;
  status: RefundStatus;
}

export type AccountType = "express" | "standard" | "custom";
export type CapabilityStatus = "active" | "inactive" | "pending";

export interface Account {
  id: string;
  object: "account";
  business_type: string | null;
  capabilities: Record<string, CapabilityStatus>;
  charges_enabled: boolean;
  country: string;
  created: number;
  default_currency: string;
  details_submitted: boolean;
  email: string | null;
  livemode: false;
  metadata: Record<string, string>;
  payouts_enabled: boolean;
  requirements: {
    currently_due: string[];
    eventually_due: string[];
    past_due: string[];
    disabled_reason: string | null;
  };
  type: AccountType;
}

/** What the stand-in keeps about an account link; the API answers only created, expires_at and url. */
export interface AccountLinkRecord {
  id: string;
  account: string;
  type: "account_onboarding" | "account_update";
  refresh_url: string | null;
  return_url: string | null;
  created: number;
  expires_at: number;
  used: boolean;
}

export interface TransferReversal {
  id: string;
  object: "transfer_reversal";
  amount: number;
  created: number;
  currency: string;
  destination_payment_refund: string;
  metadata: Record<string, string>;
  source_refund: null;
  transfer: string;
}

export interface Transfer {
  id: string;
  object: "transfer";
  amount: number;
  amount_reversed: number;
  created: number;
  currency: string;
  description: string | null;
  destination: string;
  destination_payment: string;
  livemode: false;
  metadata: Record<string, string>;
  reversals: { object: "list"; data: TransferReversal[]; has_more: false; total_count: number; url: string };
  reversed: boolean;
  source_transaction: string | null;
  source_type: "card";
  transfer_group: string | null;
}

export interface StripeEvent {
  id: string;
  object: "event";
  /** Connect events only: the connected account the event is about. */
  account?: string;
  api_version: string;
  created: number;
  data: { object: unknown };
  livemode: false;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  type: string;
}

export interface IdempotencyRecord {
  fingerprint: string;
  status: number;
  body: string;
  requestId: string;
  createdAt: number;
}

export interface DeliveryRecord {
  eventId: string;
  type: string;
  attempts: number;
  lastStatus: number | null;
  delivered: boolean;
}

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

export function randomToken(length: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  return Array.from(bytes, (b) => ALPHABET[b % ALPHABET.length]).join("");
}

export function newId(prefix: string): string {
  return `${prefix}_${randomToken(24)}`;
}

export class StandinStore {
  readonly paymentIntents = new Map<string, PaymentIntent>();
  readonly charges = new Map<string, Charge>();
  readonly refunds = new Map<string, Refund>();
  readonly paymentMethods = new Map<string, { method: PaymentMethod; behaviour: CardBehaviour }>();
  readonly accounts = new Map<string, Account>();
  readonly accountLinks = new Map<string, AccountLinkRecord>();
  readonly transfers = new Map<string, Transfer>();
  /** Oldest first; lists answer newest first like Stripe. */
  readonly events: StripeEvent[] = [];
  readonly idempotency = new Map<string, IdempotencyRecord>();
  readonly deliveries = new Map<string, DeliveryRecord>();

  clear(): void {
    this.paymentIntents.clear();
    this.charges.clear();
    this.refunds.clear();
    this.paymentMethods.clear();
    this.accounts.clear();
    this.accountLinks.clear();
    this.transfers.clear();
    this.events.length = 0;
    this.idempotency.clear();
    this.deliveries.clear();
  }

  dump() {
    return {
      paymentIntents: [...this.paymentIntents.values()],
      charges: [...this.charges.values()],
      refunds: [...this.refunds.values()],
      accounts: [...this.accounts.values()],
      accountLinks: [...this.accountLinks.values()],
      transfers: [...this.transfers.values()],
      events: this.events,
      deliveries: [...this.deliveries.values()],
    };
  }
}
