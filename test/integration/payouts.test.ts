import { env } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { StripeStandin } from "../../scripts/stripe-standin/handler";
import { buildDeps } from "../../src/deps";
import { FREQUENT_CRON, runScheduled } from "../../src/jobs/scheduled";
import { getEarnings, runPayouts } from "../../src/services/payouts";
import { call, registerUser, type TestUser } from "../helpers/api";
import { HOUR_MS } from "../helpers/fixtures";
import { deliverAll, installStripeStandin, stripeAdmin } from "../helpers/stripe";
import { world } from "../helpers/world";

let standin: StripeStandin;
beforeEach(() => {
  standin = installStripeStandin();
});
afterEach(() => {
  vi.restoreAllMocks();
});

const post = (path: string, token: string) => call("POST", path, { token });
const earnings = async (provider: TestUser) => {
  const res = await call("GET", "/api/me/earnings", { token: provider.token });
  expect(res.status).toBe(200);
  return res.body;
};
/** The payout job for this provider (D1 is shared by the file's tests), as if the clock read `at`. */
const payoutsAt = (at: number, provider: TestUser) =>
  runPayouts(
    buildDeps(env, () => at),
    provider.id,
  );
/** The provider's earnings as seen at `at`. */
const earningsAt = (at: number, provider: TestUser) =>
  getEarnings(
    buildDeps(env, () => at),
    { ...provider, name: "", role: "provider", timezone: "UTC", locale: "en" },
  );
const transfersOf = (bookingId: string) =>
  [...standin.store.transfers.values()].filter((t) => t.transfer_group === bookingId);
const ledger = (bookingId: string) =>
  env.DB.prepare(
    "SELECT kind, amount, stripe_object_id AS objectId FROM money_ledger WHERE booking_id = ? ORDER BY created_at, kind",
  )
    .bind(bookingId)
    .all<{ kind: string; amount: number; objectId: string }>()
    .then((r) => r.results);

/** A provider with an account (onboarded unless told otherwise) and a paid lesson that starts in 30 minutes. */
async function lesson(options: { onboard?: boolean; students?: number; hourlyRate?: number } = {}) {
  const w = await world({
    stripe: standin,
    hourlyRate: options.hourlyRate ?? 6000,
    slot: { startsInHours: 0.5, ...(options.students && options.students > 1 ? { seats: 5 } : {}) },
    students: options.students ?? 1,
  });
  const opened = await post("/api/me/payout-account", w.provider.token);
  expect(opened.status).toBe(200);
  if (options.onboard !== false) {
    standin.onboardAccount(opened.body.account.id);
    await deliverAll(standin);
  }
  return { ...w, accountId: opened.body.account.id as string };
}

/** Start, the provider (and the students) join, end: a lesson that happened. */
async function teach(
  w: { provider: TestUser; students: TestUser[]; sessionId: string },
  providerJoins = true,
  afterEnd?: () => Promise<void>,
) {
  expect((await post(`/api/sessions/${w.sessionId}/start`, w.provider.token)).status).toBe(200);
  if (providerJoins)
    expect((await post(`/api/sessions/${w.sessionId}/join`, w.provider.token)).status).toBe(200);
  for (const s of w.students)
    expect((await post(`/api/sessions/${w.sessionId}/join`, s.token)).status).toBe(200);
  const ended = await post(`/api/sessions/${w.sessionId}/end`, w.provider.token);
  expect(ended.status).toBe(200);
  await afterEnd?.();
  await deliverAll(standin);
  return Date.parse(ended.body.endedAt);
}

describe("POST /api/me/payout-account", () => {
  it("creates one Express account on the first call and a fresh onboarding link on every call", async () => {
    const { provider } = await world({ slot: false });
    const first = await post("/api/me/payout-account", provider.token);
    expect(first.status).toBe(200);
    expect(first.body.account).toEqual({
      id: expect.stringMatching(/^acct_/),
      chargesEnabled: false,
      payoutsEnabled: false,
      detailsSubmitted: false,
    });
    expect(first.body.onboardingUrl).toMatch(/^http:\/\/127\.0\.0\.1:12111\/connect\/onboarding\//);
    const second = await post("/api/me/payout-account", provider.token);
    expect(second.body.account.id).toBe(first.body.account.id);
    expect(second.body.onboardingUrl).not.toBe(first.body.onboardingUrl);
    expect(standin.store.accounts.size).toBe(1);
    const account = standin.store.accounts.get(first.body.account.id)!;
    expect(account.type).toBe("express");
    expect(account.email).toBe(provider.email);
    const link = [...standin.store.accountLinks.values()].at(-1)!;
    expect(link.return_url).toBe("http://127.0.0.1:8787/earnings?onboarding=return");
    expect(link.refresh_url).toBe("http://127.0.0.1:8787/earnings?onboarding=refresh");
  });

  it("two first calls at once still make one account", async () => {
    const { provider } = await world({ slot: false });
    const [a, b] = await Promise.all([
      post("/api/me/payout-account", provider.token),
      post("/api/me/payout-account", provider.token),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(a.body.account.id).toBe(b.body.account.id);
    expect(standin.store.accounts.size).toBe(1);
  });

  it("students and strangers cannot have one; Stripe's refusal is a 502, not a 500", async () => {
    const student = await registerUser("student");
    expect((await post("/api/me/payout-account", student.token)).status).toBe(403);
    expect((await call("POST", "/api/me/payout-account")).status).toBe(401);
    expect((await call("GET", "/api/me/earnings", { token: student.token })).status).toBe(403);
    const { provider } = await world({ slot: false });
    standin.injectFailure({
      method: "POST",
      path: "/v1/accounts",
      status: 400,
      times: 1,
      error: { type: "invalid_request_error", message: "Connect is not enabled." },
    });
    const refused = await post("/api/me/payout-account", provider.token);
    expect(refused.status).toBe(502);
    expect(refused.body.error.code).toBe("PAYMENT_PROVIDER_ERROR");
  });

  it("opening the onboarding link completes it; account.updated (read back from Stripe) turns payouts on", async () => {
    const { provider } = await world({ slot: false });
    const opened = await post("/api/me/payout-account", provider.token);
    const page = await standin.fetch(opened.body.onboardingUrl);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Onboarding complete");
    expect((await earnings(provider)).account.payoutsEnabled).toBe(false);
    expect(await deliverAll(standin)).toEqual([200]);
    expect((await earnings(provider)).account).toEqual({
      id: opened.body.account.id,
      chargesEnabled: true,
      payoutsEnabled: true,
      detailsSubmitted: true,
    });
  });
});

describe("what is owed for a lesson that happened", () => {
  it("ending the lesson schedules captured − fee, due 48 h after the end; the job pays it once, then never again", async () => {
    const w = await lesson();
    const booking = w.bookings[0];
    const endedAt = await teach(w);
    const before = await earnings(w.provider);
    expect(before.payouts).toEqual([
      expect.objectContaining({
        bookingId: booking.id,
        amount: 5100,
        platformFee: 900,
        status: "SCHEDULED",
        availableAt: new Date(endedAt + 48 * HOUR_MS).toISOString(),
        captured: 6000,
        refunded: 0,
        studentName: "Test student",
        waitingFor: "DUE_DATE",
      }),
    ]);
    expect(before.totals).toEqual([
      { currency: "usd", scheduled: 5100, paid: 0, reversed: 0, platformFees: 900 },
    ]);

    expect((await payoutsAt(endedAt + 48 * HOUR_MS - 1, w.provider)).paid).toBe(0);
    expect(transfersOf(booking.id)).toEqual([]);
    expect((await payoutsAt(endedAt + 48 * HOUR_MS, w.provider)).paid).toBe(1);
    const [transfer] = transfersOf(booking.id);
    const charge = standin.store.paymentIntents.get(booking.paymentIntentId)!.latest_charge;
    expect(transfer).toMatchObject({
      amount: 5100,
      currency: "usd",
      destination: w.accountId,
      source_transaction: charge,
    });
    const after = await earnings(w.provider);
    expect(after.payouts[0]).toMatchObject({ status: "PAID", transferId: transfer!.id, amount: 5100 });
    expect(after.payouts[0].waitingFor).toBeUndefined();
    expect(after.totals).toEqual([
      { currency: "usd", scheduled: 0, paid: 5100, reversed: 0, platformFees: 900 },
    ]);
    expect(await ledger(booking.id)).toContainEqual({
      kind: "transferred",
      amount: 5100,
      objectId: transfer!.id,
    });

    expect((await payoutsAt(endedAt + 60 * HOUR_MS, w.provider)).paid).toBe(0);
    expect(transfersOf(booking.id)).toHaveLength(1);
  });

  it("two job runs at once make one transfer", async () => {
    const w = await lesson({ students: 3 });
    const endedAt = await teach(w);
    const at = endedAt + 49 * HOUR_MS;
    const [a, b] = await Promise.all([payoutsAt(at, w.provider), payoutsAt(at, w.provider)]);
    expect(a.paid + b.paid).toBe(3);
    for (const booking of w.bookings) expect(transfersOf(booking.id)).toHaveLength(1);
  });

  it("a provider no-show and a fully refunded booking earn nothing", async () => {
    const noShow = await lesson();
    // Nothing is owed even before the refunds' webhooks arrive.
    await teach(noShow, false, async () => {
      const owed = await env.DB.prepare("SELECT COUNT(*) AS n FROM payouts WHERE slot_id = ?")
        .bind(noShow.slot.id)
        .first<{ n: number }>();
      expect(owed?.n).toBe(0);
    });
    expect((await earnings(noShow.provider)).payouts).toEqual([]);

    const w = await lesson({ students: 2 });
    const endedAt = await teach(w);
    expect((await earnings(w.provider)).payouts).toHaveLength(2);
    // Refunded in full (dashboard) after the lesson, before the payout went.
    expect(
      (await stripeAdmin(standin, "/v1/refunds", { payment_intent: w.bookings[0].paymentIntentId })).status,
    ).toBe(200);
    await deliverAll(standin);
    expect((await earnings(w.provider)).payouts.map((p: { bookingId: string }) => p.bookingId)).toEqual([
      w.bookings[1].id,
    ]);
    await payoutsAt(endedAt + 49 * HOUR_MS, w.provider);
    expect(transfersOf(w.bookings[0].id)).toEqual([]);
    expect(transfersOf(w.bookings[1].id)).toHaveLength(1);
  });

  it("a partial refund before the transfer lowers it; the fee stays on what was captured", async () => {
    const w = await lesson();
    const booking = w.bookings[0];
    const endedAt = await teach(w);
    await stripeAdmin(standin, "/v1/refunds", { payment_intent: booking.paymentIntentId, amount: "1000" });
    await deliverAll(standin);
    expect((await earnings(w.provider)).payouts[0]).toMatchObject({
      amount: 4100,
      refunded: 1000,
      platformFee: 900,
    });
    await payoutsAt(endedAt + 49 * HOUR_MS, w.provider);
    expect(transfersOf(booking.id)[0]).toMatchObject({ amount: 4100 });
  });

  it("onboarding that completes after the due date: SCHEDULED while blocked, paid on the first run after Stripe says payouts are on", async () => {
    const w = await lesson({ onboard: false });
    const booking = w.bookings[0];
    const endedAt = await teach(w);
    expect((await payoutsAt(endedAt + 72 * HOUR_MS, w.provider)).paid).toBe(0);
    expect(transfersOf(booking.id)).toEqual([]);
    const blocked = await earningsAt(endedAt + 72 * HOUR_MS, w.provider);
    expect(blocked.payouts[0]).toMatchObject({ status: "SCHEDULED", waitingFor: "ACCOUNT" });
    standin.onboardAccount(w.accountId);
    await deliverAll(standin);
    expect((await earnings(w.provider)).account.payoutsEnabled).toBe(true);
    expect((await payoutsAt(endedAt + 72 * HOUR_MS + 5 * 60_000, w.provider)).paid).toBe(1);
    expect(transfersOf(booking.id)).toHaveLength(1);
    expect((await earnings(w.provider)).payouts[0].status).toBe("PAID");
  });

  it("a lost account.updated: the job reads the blocked account back from Stripe and pays", async () => {
    const w = await lesson({ onboard: false });
    const endedAt = await teach(w);
    standin.onboardAccount(w.accountId);
    standin.dropPending();
    const report = await payoutsAt(endedAt + 49 * HOUR_MS, w.provider);
    expect(report).toMatchObject({ accountsRefreshed: 1, paid: 1 });
    expect(transfersOf(w.bookings[0].id)).toHaveLength(1);
  });

  it("a refusal at Stripe keeps it SCHEDULED; the next run tries again with a new key and pays once", async () => {
    const w = await lesson();
    const booking = w.bookings[0];
    const endedAt = await teach(w);
    standin.setInsufficientBalance(true);
    expect((await payoutsAt(endedAt + 49 * HOUR_MS, w.provider)).failed).toBe(1);
    expect((await earningsAt(endedAt + 49 * HOUR_MS, w.provider)).payouts[0]).toMatchObject({
      status: "SCHEDULED",
      waitingFor: "RETRY",
    });
    standin.setInsufficientBalance(false);
    expect((await payoutsAt(endedAt + 50 * HOUR_MS, w.provider)).paid).toBe(1);
    expect(transfersOf(booking.id)).toHaveLength(1);
  });

  it("a transfer whose answer was lost is found by its transfer_group, not made twice", async () => {
    const w = await lesson();
    const booking = w.bookings[0];
    const endedAt = await teach(w);
    // Stripe made it, but the answer is lost (and the SDK is told not to retry).
    standin.injectFailure({
      method: "POST",
      path: "/v1/transfers",
      when: "after",
      status: 500,
      shouldRetry: false,
    });
    await payoutsAt(endedAt + 49 * HOUR_MS, w.provider);
    expect(transfersOf(booking.id)).toHaveLength(1);
    expect((await earnings(w.provider)).payouts[0].status).toBe("SCHEDULED");
    await payoutsAt(endedAt + 50 * HOUR_MS + 3 * 60_000, w.provider);
    expect(transfersOf(booking.id)).toHaveLength(1);
    expect((await earnings(w.provider)).payouts[0]).toMatchObject({
      status: "PAID",
      transferId: transfersOf(booking.id)[0]!.id,
    });
  });
});

describe("refunds after the transfer", () => {
  it("reverse the provider's share in proportion; all of it back → REVERSED; the ledger balances", async () => {
    const w = await lesson();
    const booking = w.bookings[0];
    const endedAt = await teach(w);
    await payoutsAt(endedAt + 49 * HOUR_MS, w.provider);
    const [transfer] = transfersOf(booking.id);

    expect(
      (await stripeAdmin(standin, "/v1/refunds", { payment_intent: booking.paymentIntentId, amount: "3000" }))
        .status,
    ).toBe(200);
    await deliverAll(standin);
    expect(standin.store.transfers.get(transfer!.id)).toMatchObject({
      amount_reversed: 2550,
      reversed: false,
    });
    expect((await earnings(w.provider)).payouts[0]).toMatchObject({
      status: "PARTIALLY_REVERSED",
      amountReversed: 2550,
      refunded: 3000,
    });

    await stripeAdmin(standin, "/v1/refunds", { payment_intent: booking.paymentIntentId });
    await deliverAll(standin);
    expect(standin.store.transfers.get(transfer!.id)).toMatchObject({
      amount_reversed: 5100,
      reversed: true,
    });
    const view = await earnings(w.provider);
    expect(view.payouts[0]).toMatchObject({ status: "REVERSED", amountReversed: 5100, refunded: 6000 });
    expect(view.totals).toEqual([
      { currency: "usd", scheduled: 0, paid: 5100, reversed: 5100, platformFees: 900 },
    ]);

    // captured = refunded + transferred − reversed + fee kept + not yet paid out (fee kept: 0 after a full refund)
    const rows = await ledger(booking.id);
    const sum = (kind: string) => rows.filter((r) => r.kind === kind).reduce((s, r) => s + r.amount, 0);
    expect(sum("captured")).toBe(6000);
    expect(sum("refund_succeeded")).toBe(6000);
    expect(sum("transferred")).toBe(5100);
    expect(sum("transfer_reversed")).toBe(5100);
    // Run again: nothing more is reversed.
    await payoutsAt(endedAt + 60 * HOUR_MS, w.provider);
    expect(standin.store.transfers.get(transfer!.id)!.reversals.data).toHaveLength(2);
  });

  it("a refund whose webhook is lost is reversed by the job", async () => {
    const w = await lesson();
    const booking = w.bookings[0];
    const endedAt = await teach(w);
    await payoutsAt(endedAt + 49 * HOUR_MS, w.provider);
    await stripeAdmin(standin, "/v1/refunds", { payment_intent: booking.paymentIntentId, amount: "600" });
    standin.dropPending();
    // The every-5-minutes run recovers the lost events from Stripe's list, then reverses.
    await runScheduled(FREQUENT_CRON, buildDeps(env));
    expect(standin.store.transfers.get(transfersOf(booking.id)[0]!.id)!.amount_reversed).toBe(510);
  });
});

describe("GET /api/me/earnings.csv", () => {
  it("one line per lesson with amounts in the major unit, times in the provider's zone", async () => {
    const w = await lesson();
    const endedAt = await teach(w);
    await payoutsAt(endedAt + 49 * HOUR_MS, w.provider);
    const res = await call("GET", "/api/me/earnings.csv", { token: w.provider.token });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/csv/);
    expect(res.headers.get("content-disposition")).toMatch(/attachment/);
    const [header, line, ...rest] = String(res.body).trim().split("\r\n");
    expect(rest).toEqual([]);
    expect(header).toBe(
      "lesson_start,time_zone,student,booking_id,currency,student_paid,refunded,platform_fee,payout,reversed,status,available_at,paid_at,transfer_id",
    );
    expect(line).toContain(`,${w.bookings[0].id},USD,60.00,0.00,9.00,51.00,0.00,PAID,`);
    expect(line).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d,/);
    const student = await registerUser("student");
    expect((await call("GET", "/api/me/earnings.csv", { token: student.token })).status).toBe(403);
  });
});
