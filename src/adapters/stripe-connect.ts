import type Stripe from "stripe";
import type { PayoutAccount } from "../shared/api-types";
import { guarded, type StripeConfig, stripeClient } from "./stripe-payments";

export interface TransferView {
  id: string;
  amount: number;
  amountReversed: number;
  currency: string;
  destination: string | null;
  /** What had been refunded of the payment when the transfer was made (from its metadata). */
  refundedBefore: number | null;
  reversals: { id: string; amount: number }[];
}

/**
 * The Connect port (separate charges and transfers): the provider's Express account, and the
 * transfers that pay them. Errors it throws are PaymentErrors, like the payment port's.
 */
export interface Connect {
  /** Creates the provider's Express account; the key makes a repeated first call return the same one. */
  createAccount(input: { providerId: string; email: string }): Promise<PayoutAccount>;
  retrieveAccount(accountId: string): Promise<PayoutAccount>;
  /** A fresh onboarding link (they expire within minutes and work once). */
  onboardingLink(input: { accountId: string; refreshUrl: string; returnUrl: string }): Promise<string>;
  /** Every transfer made for a booking (its transfer_group). */
  transfersOf(bookingId: string): Promise<TransferView[]>;
  retrieveTransfer(transferId: string): Promise<TransferView>;
  /**
   * Pays a booking's share to the provider. `attempt` changes the idempotency key only after
   * Stripe refused an earlier attempt (a refusal is remembered with its key for 24 hours).
   */
  createTransfer(input: {
    bookingId: string;
    amount: number;
    currency: string;
    destination: string;
    chargeId: string;
    refundedBefore: number;
    attempt: number;
  }): Promise<TransferView>;
  /** Takes `amount` back; `target` (the total reversed after it) keys the request. */
  reverseTransfer(input: {
    transferId: string;
    bookingId: string;
    amount: number;
    target: number;
  }): Promise<TransferView>;
}

function toAccount(account: Stripe.Account): PayoutAccount {
  return {
    id: account.id,
    chargesEnabled: account.charges_enabled ?? false,
    payoutsEnabled: account.payouts_enabled ?? false,
    detailsSubmitted: account.details_submitted ?? false,
  };
}

function toTransfer(transfer: Stripe.Transfer): TransferView {
  const before = Number(transfer.metadata?.refundedBefore);
  return {
    id: transfer.id,
    amount: transfer.amount,
    amountReversed: transfer.amount_reversed ?? 0,
    currency: transfer.currency,
    destination:
      typeof transfer.destination === "string" ? transfer.destination : (transfer.destination?.id ?? null),
    refundedBefore: Number.isInteger(before) && before >= 0 ? before : null,
    reversals: (transfer.reversals?.data ?? []).map((r) => ({ id: r.id, amount: r.amount })),
  };
}

export function createStripeConnect(config: StripeConfig): Connect {
  const stripe = stripeClient(config);
  const retrieveTransfer = (transferId: string) =>
    guarded(async () => toTransfer(await stripe.transfers.retrieve(transferId)));
  return {
    createAccount: ({ providerId, email }) =>
      guarded(async () =>
        toAccount(
          await stripe.accounts.create(
            {
              type: "express",
              email,
              capabilities: { transfers: { requested: true } },
              metadata: { providerId },
            },
            { idempotencyKey: `payout-account-${providerId}` },
          ),
        ),
      ),
    retrieveAccount: (accountId) => guarded(async () => toAccount(await stripe.accounts.retrieve(accountId))),
    onboardingLink: ({ accountId, refreshUrl, returnUrl }) =>
      guarded(async () => {
        const link = await stripe.accountLinks.create({
          account: accountId,
          refresh_url: refreshUrl,
          return_url: returnUrl,
          type: "account_onboarding",
        });
        return link.url;
      }),
    transfersOf: (bookingId) =>
      guarded(async () => {
        const found: TransferView[] = [];
        for await (const transfer of stripe.transfers.list({ transfer_group: bookingId, limit: 100 })) {
          found.push(toTransfer(transfer));
          if (found.length >= 100) break;
        }
        return found;
      }),
    retrieveTransfer,
    createTransfer: ({ bookingId, amount, currency, destination, chargeId, refundedBefore, attempt }) =>
      guarded(async () =>
        toTransfer(
          await stripe.transfers.create(
            {
              amount,
              currency,
              destination,
              transfer_group: bookingId,
              source_transaction: chargeId,
              description: `Lectern lesson ${bookingId}`,
              metadata: { bookingId, refundedBefore: String(refundedBefore) },
            },
            { idempotencyKey: `payout-${bookingId}-transfer${attempt > 1 ? `-${attempt}` : ""}` },
          ),
        ),
      ),
    reverseTransfer: ({ transferId, bookingId, amount, target }) =>
      guarded(async () => {
        await stripe.transfers.createReversal(
          transferId,
          { amount, metadata: { bookingId } },
          { idempotencyKey: `payout-${bookingId}-reversal-to-${target}` },
        );
        return retrieveTransfer(transferId);
      }),
  };
}
