// Stripe Connect with separate charges and transfers: connected accounts, hosted onboarding
// through account links, transfers and their reversals.
import {
  FormError,
  type FormObject,
  readBoolean,
  readEnum,
  readHash,
  readInteger,
  readMetadata,
  readString,
  rejectUnknown,
  requireString,
} from "./form";
import { ApiError, invalid, lookup } from "./payments";
import type {
  Account,
  AccountLinkRecord,
  CapabilityStatus,
  Charge,
  StandinStore,
  Transfer,
  TransferReversal,
} from "./store";
import { newId } from "./store";
import type { CallInfo, Emit } from "./webhooks";

/** Onboarding happens in a browser: no API call behind its events. */
const NO_REQUEST: CallInfo = { requestId: null, idempotencyKey: null };
const LINK_LIFETIME_SEC = 300;
const ACCOUNT_TYPES = ["express", "standard", "custom"] as const;
const BUSINESS_TYPES = ["individual", "company", "non_profit", "government_entity"] as const;
const LINK_TYPES = ["account_onboarding", "account_update"] as const;
const ONBOARDING_DUE = ["external_account", "tos_acceptance.date", "tos_acceptance.ip"];
/** Any one of these, active, lets an account receive transfers. */
const TRANSFER_CAPABILITIES = ["transfers", "crypto_transfers", "legacy_payments"];

export interface Page {
  status: number;
  html: string;
}

function metadataOf(form: FormObject): Record<string, string> {
  return Object.fromEntries(Object.entries(readMetadata(form) ?? {}).filter(([, value]) => value !== ""));
}

function readPositiveAmount(form: FormObject): number | undefined {
  const amount = readInteger(form, "amount");
  if (amount !== undefined && amount < 1) {
    throw invalid("Invalid positive integer", "parameter_invalid_integer", "amount");
  }
  return amount;
}

function readUrl(form: FormObject, name: string, required: boolean): string | null {
  const value = required ? requireString(form, name) : readString(form, name);
  if (!value) return null;
  if (!/^https?:\/\//i.test(value) || !parsesAsUrl(value)) {
    throw invalid(`Not a valid URL: ${name} must be an absolute http(s) URL.`, "url_invalid", name);
  }
  return value;
}

function parsesAsUrl(value: string): boolean {
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}

// Stripe needs `transfers` for separate charges and transfers, so every account asks for it.
function requestedCapabilities(form: FormObject): Record<string, CapabilityStatus> {
  const hash = readHash(form, "capabilities") ?? {};
  const names = Object.keys(hash).filter((name) => {
    const param = `capabilities[${name}][requested]`;
    const entry = readHash(hash, name);
    const requested = entry ? readBoolean(entry, "requested") : undefined;
    if (requested === undefined)
      throw new FormError(`Missing required param: ${param}.`, param, "parameter_missing");
    return requested;
  });
  const statuses = [...new Set([...names, "transfers"])].sort().map((name) => [name, "inactive"] as const);
  return Object.fromEntries(statuses);
}

/** `created` as Stripe filters lists by it: an exact timestamp or a gt/gte/lt/lte hash. */
function createdFilter(form: FormObject): (created: number) => boolean {
  if (typeof form.created === "string") {
    const exact = readInteger(form, "created");
    return (created) => created === exact;
  }
  const range = readHash(form, "created");
  if (!range) return () => true;
  const gt = readInteger(range, "gt");
  const gte = readInteger(range, "gte");
  const lt = readInteger(range, "lt");
  const lte = readInteger(range, "lte");
  return (created) =>
    (gt === undefined || created > gt) &&
    (gte === undefined || created >= gte) &&
    (lt === undefined || created < lt) &&
    (lte === undefined || created <= lte);
}

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char);
}

function htmlPage(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;line-height:1.5}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
${body}
</body>
</html>
`;
}

export function createConnect(store: StandinStore, emit: Emit, nowMs: () => number) {
  const nowSec = () => Math.floor(nowMs() / 1000);
  let insufficientBalance = false;

  function accountById(id: string): Account {
    return lookup(store.accounts.get(id), id, "account", "id");
  }

  function transferById(id: string): Transfer {
    return lookup(store.transfers.get(id), id, "transfer", "id");
  }

  function createAccount(form: FormObject): Account {
    rejectUnknown(form, ["type", "country", "email", "capabilities", "business_type", "metadata", "expand"]);
    const country = readString(form, "country")?.toUpperCase() ?? "US";
    if (!/^[A-Z]{2}$/.test(country)) throw invalid(`Invalid country: ${country}.`, undefined, "country");
    const account: Account = {
      id: newId("acct"),
      object: "account",
      business_type: readEnum(form, "business_type", BUSINESS_TYPES) ?? null,
      capabilities: requestedCapabilities(form),
      charges_enabled: false,
      country,
      created: nowSec(),
      default_currency: "usd",
      details_submitted: false,
      email: readString(form, "email") || null,
      livemode: false,
      metadata: metadataOf(form),
      payouts_enabled: false,
      requirements: {
        currently_due: [...ONBOARDING_DUE],
        eventually_due: [...ONBOARDING_DUE],
        past_due: [],
        disabled_reason: "requirements.past_due",
      },
      type: readEnum(form, "type", ACCOUNT_TYPES) ?? "express",
    };
    store.accounts.set(account.id, account);
    return account;
  }

  function accountsMatching(form: FormObject): Account[] {
    const created = createdFilter(form);
    return [...store.accounts.values()].filter((account) => created(account.created));
  }

  /** What completing Stripe's hosted onboarding does; emits account.updated only on a change. */
  function onboardAccount(id: string): Account {
    const account = accountById(id);
    const before = JSON.stringify(account);
    account.details_submitted = true;
    account.charges_enabled = true;
    account.payouts_enabled = true;
    for (const name of Object.keys(account.capabilities)) account.capabilities[name] = "active";
    account.requirements = { currently_due: [], eventually_due: [], past_due: [], disabled_reason: null };
    if (JSON.stringify(account) !== before) emit("account.updated", account, NO_REQUEST, account.id);
    return account;
  }

  function createAccountLink(form: FormObject, origin: string) {
    rejectUnknown(form, [
      "account",
      "refresh_url",
      "return_url",
      "type",
      "collect",
      "collection_options",
      "expand",
    ]);
    const accountId = requireString(form, "account");
    const type = readEnum(form, "type", LINK_TYPES);
    if (!type) throw new FormError("Missing required param: type.", "type", "parameter_missing");
    const urlsRequired = type === "account_onboarding";
    const refreshUrl = readUrl(form, "refresh_url", urlsRequired);
    const returnUrl = readUrl(form, "return_url", urlsRequired);
    lookup(store.accounts.get(accountId), accountId, "account", "account", 400);
    const created = nowSec();
    const link: AccountLinkRecord = {
      id: newId("acctlink"),
      account: accountId,
      type,
      refresh_url: refreshUrl,
      return_url: returnUrl,
      created,
      expires_at: created + LINK_LIFETIME_SEC,
      used: false,
    };
    store.accountLinks.set(link.id, link);
    const url = `${origin}/connect/onboarding/${encodeURIComponent(link.id)}`;
    return { object: "account_link", created, expires_at: link.expires_at, url };
  }

  // Like Stripe, a visited or expired link only offers the way back to refresh_url.
  function onboardingPage(linkId: string): Page {
    const link = store.accountLinks.get(linkId);
    if (!link) {
      return { status: 404, html: htmlPage("Link not found", "<p>This onboarding link does not exist.</p>") };
    }
    if (link.used || nowSec() > link.expires_at) {
      const refresh = link.refresh_url
        ? `<p><a href="${escapeHtml(link.refresh_url)}">Get a new link</a></p>`
        : "<p>Ask the platform for a new link.</p>";
      return { status: 200, html: htmlPage("This link has expired", refresh) };
    }
    link.used = true;
    const account = onboardAccount(link.account);
    const back = link.return_url
      ? `\n<p><a id="return" href="${escapeHtml(link.return_url)}">Return to the platform</a></p>`
      : "";
    const body = `<p>The connected account ${escapeHtml(account.id)} has finished onboarding and can receive transfers.</p>${back}`;
    return { status: 200, html: htmlPage("Onboarding complete", body) };
  }

  function setInsufficientBalance(on: boolean): void {
    insufficientBalance = on;
  }

  function checkDestination(account: Account): void {
    if (TRANSFER_CAPABILITIES.some((name) => account.capabilities[name] === "active")) return;
    throw new ApiError(400, {
      type: "invalid_request_error",
      code: "insufficient_capabilities_for_transfer",
      param: "destination",
      message: `Your destination account needs to have at least one of the following capabilities enabled: ${TRANSFER_CAPABILITIES.join(", ")}`,
    });
  }

  function checkBalance(): void {
    if (!insufficientBalance) return;
    throw new ApiError(400, {
      type: "invalid_request_error",
      code: "balance_insufficient",
      message:
        "You have insufficient available funds in your Stripe account. Try adding funds directly to your available balance by creating Charges using the 4000000000000077 test card. See: https://stripe.com/docs/testing#available-balance",
    });
  }

  /** What transfers from this charge still move: their amounts less what was reversed. */
  function transferredFrom(charge: Charge): number {
    let total = 0;
    for (const transfer of store.transfers.values()) {
      if (transfer.source_transaction === charge.id) total += transfer.amount - transfer.amount_reversed;
    }
    return total;
  }

  function checkSource(charge: Charge, currency: string, amount: number): void {
    if (charge.status !== "succeeded" || !charge.captured) {
      throw invalid(
        `The source_transaction ${charge.id} must be a succeeded, captured charge.`,
        undefined,
        "source_transaction",
        true,
      );
    }
    if (charge.currency !== currency) {
      throw invalid(
        `The currency of source_transaction ${charge.id} (${charge.currency}) must be the same as the transfer currency (${currency}).`,
        undefined,
        "currency",
        true,
      );
    }
    const available = charge.amount_captured - charge.amount_refunded - transferredFrom(charge);
    if (amount > available) {
      throw invalid(
        `Insufficient funds in the source transaction ${charge.id}: the transfer amount (${amount}) is more than what is left to transfer from it (${Math.max(available, 0)}).`,
        "balance_insufficient",
        "amount",
        true,
      );
    }
  }

  function createTransfer(form: FormObject, call: CallInfo): Transfer {
    rejectUnknown(form, [
      "amount",
      "currency",
      "destination",
      "transfer_group",
      "source_transaction",
      "description",
      "metadata",
      "expand",
    ]);
    const amount = readPositiveAmount(form);
    if (amount === undefined) {
      throw new FormError("Missing required param: amount.", "amount", "parameter_missing");
    }
    const currency = requireString(form, "currency").toLowerCase();
    if (!/^[a-z]{3}$/.test(currency)) throw invalid(`Invalid currency: ${currency}.`, undefined, "currency");
    const destinationId = requireString(form, "destination");
    const sourceId = readString(form, "source_transaction") || null;
    const metadata = metadataOf(form);
    const description = readString(form, "description") || null;
    const transferGroup = readString(form, "transfer_group") || null;
    const destination = lookup(
      store.accounts.get(destinationId),
      destinationId,
      "destination",
      "destination",
      400,
    );
    const source = sourceId
      ? lookup(store.charges.get(sourceId), sourceId, "charge", "source_transaction", 400)
      : undefined;
    checkDestination(destination);
    checkBalance();
    if (source) checkSource(source, currency, amount);
    const id = newId("tr");
    const transfer: Transfer = {
      id,
      object: "transfer",
      amount,
      amount_reversed: 0,
      created: nowSec(),
      currency,
      description,
      destination: destination.id,
      destination_payment: newId("py"),
      livemode: false,
      metadata,
      reversals: {
        object: "list",
        data: [],
        has_more: false,
        total_count: 0,
        url: `/v1/transfers/${id}/reversals`,
      },
      reversed: false,
      source_transaction: sourceId,
      source_type: "card",
      transfer_group: transferGroup,
    };
    store.transfers.set(id, transfer);
    emit("transfer.created", transfer, call);
    return transfer;
  }

  function transfersMatching(form: FormObject): Transfer[] {
    const group = readString(form, "transfer_group");
    const destination = readString(form, "destination");
    const created = createdFilter(form);
    return [...store.transfers.values()].filter(
      (t) =>
        (!group || t.transfer_group === group) &&
        (!destination || t.destination === destination) &&
        created(t.created),
    );
  }

  function createReversal(form: FormObject, id: string, call: CallInfo): TransferReversal {
    rejectUnknown(form, ["amount", "description", "metadata", "refund_application_fee", "expand"]);
    const requested = readPositiveAmount(form);
    readString(form, "description");
    readBoolean(form, "refund_application_fee");
    const metadata = metadataOf(form);
    const transfer = transferById(id);
    const left = transfer.amount - transfer.amount_reversed;
    if (left === 0) {
      throw invalid(`Transfer ${transfer.id} has already been fully reversed.`, undefined, "amount", true);
    }
    const amount = requested ?? left;
    if (amount > left) {
      throw invalid(
        `Amount (${amount}) exceeds the amount that can be reversed (${left}) on transfer ${transfer.id}.`,
        undefined,
        "amount",
        true,
      );
    }
    const reversal: TransferReversal = {
      id: newId("trr"),
      object: "transfer_reversal",
      amount,
      created: nowSec(),
      currency: transfer.currency,
      destination_payment_refund: newId("pyr"),
      metadata,
      source_refund: null,
      transfer: transfer.id,
    };
    transfer.reversals.data.unshift(reversal);
    transfer.reversals.total_count += 1;
    transfer.amount_reversed += amount;
    transfer.reversed = transfer.amount_reversed === transfer.amount;
    emit("transfer.reversed", transfer, call);
    return reversal;
  }

  /** Oldest first, as list() expects. */
  function reversalsOf(id: string): TransferReversal[] {
    return [...transferById(id).reversals.data].reverse();
  }

  return {
    accountById,
    transferById,
    createAccount,
    accountsMatching,
    onboardAccount,
    createAccountLink,
    onboardingPage,
    setInsufficientBalance,
    createTransfer,
    transfersMatching,
    createReversal,
    reversalsOf,
  };
}
