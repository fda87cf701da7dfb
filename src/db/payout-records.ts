import { and, desc, eq, sql } from "drizzle-orm";
import { newId } from "../domain/ids";
import type { PayoutAccount, PayoutStatus } from "../shared/api-types";
import type { Db } from "./client";
import {
  bookings,
  type PayoutAccountRow,
  type PayoutRow,
  payoutAccounts,
  payouts,
  slots,
  users,
} from "./schema";
import { runBatch } from "./statements";
import { payoutEvent } from "./webhook-outbox";

export interface PayoutLine extends PayoutRow {
  studentName: string;
  startsAt: number | null;
  endsAt: number | null;
}

export interface DuePayout extends PayoutRow {
  stripeAccountId: string;
}

/** What Stripe said when a payout was decided (the payment read back, and the fee). */
export interface PayoutFacts {
  captured: number;
  refunded: number;
  platformFee: number;
  amount: number;
}

/**
 * Providers' Connect accounts and the payouts owed to them. A payout row is worked on by one job
 * at a time (a lease); every money movement is also a ledger fact, written in the same batch.
 */
export interface PayoutRecords {
  findAccount(providerId: string): Promise<PayoutAccountRow | undefined>;
  /** Stores the first account made for a provider; a racing second one is ignored. Answers the stored row. */
  saveAccount(providerId: string, account: PayoutAccount, now: number): Promise<PayoutAccountRow>;
  /** Stripe's flags for an account we know; answers its provider (undefined: not ours). */
  updateAccount(account: PayoutAccount, now: number): Promise<string | undefined>;
  /** Accounts not yet able to receive payouts whose provider has a payout due. */
  listBlockedAccounts(
    now: number,
    limit: number,
    providerId?: string,
  ): Promise<{ providerId: string; stripeAccountId: string }[]>;
  listForProvider(providerId: string): Promise<PayoutLine[]>;
  /** SCHEDULED, due, not leased, and the provider's account can receive payouts. */
  listDue(now: number, limit: number, providerId?: string): Promise<DuePayout[]>;
  /** Paid payouts whose payment has refunds (succeeded) that the payout has not answered yet. */
  listToReverse(
    limit: number,
    scope?: { paymentIntentId?: string; providerId?: string },
  ): Promise<PayoutRow[]>;
  find(bookingId: string): Promise<PayoutRow | undefined>;
  /** Takes the row for `leaseMs`; false when another run holds it. */
  claim(bookingId: string, now: number, leaseMs: number): Promise<boolean>;
  /** Not paid this time: what was learnt, and why (null: nothing went wrong). */
  release(
    bookingId: string,
    facts: PayoutFacts | null,
    lastError: string | null,
    attempts: number,
    now: number,
  ): Promise<void>;
  /** Nothing is owed any more (refunded before the transfer): the SCHEDULED row goes. */
  drop(bookingId: string): Promise<void>;
  markPaid(
    row: PayoutRow,
    facts: PayoutFacts,
    transfer: { id: string; refundedBefore: number },
    now: number,
  ): Promise<void>;
  /** Stripe's reversals of the transfer, the total reversed and the refunds they answer. */
  recordReversals(
    row: PayoutRow,
    reversals: { id: string; amount: number }[],
    totals: { amountReversed: number; refunded: number; status: PayoutStatus },
    now: number,
  ): Promise<void>;
  /**
   * Scheduled payouts of a payment follow its refunds as D1 knows them (until the transfer reads
   * Stripe itself); one left with nothing owed goes, unless a job holds it.
   */
  refreshScheduled(paymentIntentId: string, now: number): Promise<void>;
}

export function createPayoutRecords(db: Db, d1: D1Database): PayoutRecords {
  const leaseFree = (now: number) => sql`(${payouts.leaseUntil} IS NULL OR ${payouts.leaseUntil} < ${now})`;
  const ledgerFact = (
    row: PayoutRow,
    kind: "transferred" | "transfer_reversed",
    objectId: string,
    amount: number,
    now: number,
  ) => sql`
    INSERT INTO money_ledger (id, kind, booking_id, slot_id, payment_intent_id, stripe_object_id, amount,
                              currency, created_at)
    VALUES (${newId("led")}, ${kind}, ${row.bookingId}, ${row.slotId}, ${row.paymentIntentId}, ${objectId},
            ${amount}, ${row.currency}, ${now})
    ON CONFLICT(kind, stripe_object_id) DO NOTHING`;

  return {
    async findAccount(providerId) {
      return db.select().from(payoutAccounts).where(eq(payoutAccounts.providerId, providerId)).get();
    },

    async saveAccount(providerId, account, now) {
      await db
        .insert(payoutAccounts)
        .values({
          providerId,
          stripeAccountId: account.id,
          chargesEnabled: account.chargesEnabled,
          payoutsEnabled: account.payoutsEnabled,
          detailsSubmitted: account.detailsSubmitted,
          createdAt: now,
          updatedAt: now,
        })
        .onConflictDoNothing();
      const row = await this.findAccount(providerId);
      if (!row) throw new Error("the payout account row vanished");
      return row;
    },

    async updateAccount(account, now) {
      const row = await db
        .update(payoutAccounts)
        .set({
          chargesEnabled: account.chargesEnabled,
          payoutsEnabled: account.payoutsEnabled,
          detailsSubmitted: account.detailsSubmitted,
          updatedAt: now,
        })
        .where(eq(payoutAccounts.stripeAccountId, account.id))
        .returning({ providerId: payoutAccounts.providerId })
        .get();
      return row?.providerId;
    },

    async listBlockedAccounts(now, limit, providerId) {
      return db.all<{ providerId: string; stripeAccountId: string }>(sql`
        SELECT a.provider_id AS providerId, a.stripe_account_id AS stripeAccountId
          FROM payout_accounts a
         WHERE a.payouts_enabled = 0 AND (${providerId ?? null} IS NULL OR a.provider_id = ${providerId ?? null})
           AND EXISTS (SELECT 1 FROM payouts p WHERE p.provider_id = a.provider_id AND p.status = 'SCHEDULED'
                         AND p.available_at <= ${now})
         ORDER BY a.updated_at LIMIT ${limit}`);
    },

    async listForProvider(providerId) {
      const rows = await db
        .select({ payout: payouts, studentName: users.name, startsAt: slots.startsAt, endsAt: slots.endsAt })
        .from(payouts)
        .leftJoin(bookings, eq(bookings.id, payouts.bookingId))
        .leftJoin(users, eq(users.id, bookings.studentId))
        .leftJoin(slots, eq(slots.id, payouts.slotId))
        .where(eq(payouts.providerId, providerId))
        .orderBy(desc(payouts.availableAt), desc(payouts.bookingId))
        .limit(1000);
      return rows.map((r) => ({
        ...r.payout,
        studentName: r.studentName ?? "",
        startsAt: r.startsAt,
        endsAt: r.endsAt,
      }));
    },

    async listDue(now, limit, providerId) {
      const rows = await db
        .select({ payout: payouts, stripeAccountId: payoutAccounts.stripeAccountId })
        .from(payouts)
        .innerJoin(payoutAccounts, eq(payoutAccounts.providerId, payouts.providerId))
        .where(
          and(
            eq(payouts.status, "SCHEDULED"),
            sql`${payouts.availableAt} <= ${now}`,
            leaseFree(now),
            eq(payoutAccounts.payoutsEnabled, true),
            providerId ? eq(payouts.providerId, providerId) : undefined,
          ),
        )
        .orderBy(payouts.availableAt)
        .limit(limit);
      return rows.map((r) => ({ ...r.payout, stripeAccountId: r.stripeAccountId }));
    },

    async listToReverse(limit, scope = {}) {
      return db
        .select()
        .from(payouts)
        .where(
          and(
            sql`${payouts.status} IN ('PAID', 'PARTIALLY_REVERSED')`,
            sql`EXISTS (SELECT 1 FROM payments p WHERE p.payment_intent_id = ${payouts.paymentIntentId}
                          AND p.refunded_amount > ${payouts.refunded})`,
            scope.paymentIntentId ? eq(payouts.paymentIntentId, scope.paymentIntentId) : undefined,
            scope.providerId ? eq(payouts.providerId, scope.providerId) : undefined,
          ),
        )
        .limit(limit);
    },

    async find(bookingId) {
      return db.select().from(payouts).where(eq(payouts.bookingId, bookingId)).get();
    },

    async claim(bookingId, now, leaseMs) {
      const claimed = await db
        .update(payouts)
        .set({ leaseUntil: now + leaseMs })
        .where(and(eq(payouts.bookingId, bookingId), leaseFree(now)))
        .returning({ bookingId: payouts.bookingId })
        .get();
      return claimed !== undefined;
    },

    async release(bookingId, facts, lastError, attempts, now) {
      await db
        .update(payouts)
        .set({ ...(facts ?? {}), lastError, attempts, leaseUntil: null, updatedAt: now })
        .where(eq(payouts.bookingId, bookingId));
    },

    async drop(bookingId) {
      await db.delete(payouts).where(and(eq(payouts.bookingId, bookingId), eq(payouts.status, "SCHEDULED")));
    },

    async markPaid(row, facts, transfer, now) {
      await runBatch(d1, [
        db
          .update(payouts)
          .set({
            ...facts,
            status: "PAID",
            transferId: transfer.id,
            refundedAtTransfer: transfer.refundedBefore,
            paidAt: now,
            leaseUntil: null,
            lastError: null,
            updatedAt: now,
          })
          .where(and(eq(payouts.bookingId, row.bookingId), eq(payouts.status, "SCHEDULED"))),
        ledgerFact(row, "transferred", transfer.id, facts.amount, now),
        payoutEvent(row.bookingId, now),
      ]);
    },

    async recordReversals(row, reversals, totals, now) {
      await runBatch(d1, [
        db
          .update(payouts)
          .set({ ...totals, leaseUntil: null, lastError: null, updatedAt: now })
          .where(eq(payouts.bookingId, row.bookingId)),
        ...reversals.map((r) => ledgerFact(row, "transfer_reversed", r.id, r.amount, now)),
      ]);
    },

    async refreshScheduled(paymentIntentId, now) {
      await runBatch(d1, [
        sql`UPDATE payouts
               SET refunded = p.refunded_amount,
                   amount = MAX(0, payouts.captured - p.refunded_amount - payouts.platform_fee),
                   updated_at = ${now}
              FROM payments p
             WHERE p.payment_intent_id = payouts.payment_intent_id AND payouts.payment_intent_id = ${paymentIntentId}
               AND payouts.status = 'SCHEDULED' AND payouts.refunded != p.refunded_amount`,
        sql`DELETE FROM payouts WHERE payment_intent_id = ${paymentIntentId} AND status = 'SCHEDULED' AND amount = 0
               AND (lease_until IS NULL OR lease_until < ${now})`,
      ]);
    },
  };
}
