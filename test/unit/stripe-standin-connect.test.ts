import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import {
  createStripeStandin,
  type FetchLike,
  type StandinOptions,
} from "../../scripts/stripe-standin/handler";

const BASE = "http://127.0.0.1:12111";
const WEBHOOK_SECRET = "whsec_unit_test";
const AUTH = { authorization: "Bearer sk_test_lectern" };

function setup(options: StandinOptions = {}) {
  const standin = createStripeStandin(options);
  const stripe = new Stripe("sk_test_lectern", {
    httpClient: Stripe.createFetchHttpClient(standin.fetch),
    host: "127.0.0.1",
    port: 12111,
    protocol: "http",
    maxNetworkRetries: 0,
  });
  return { standin, stripe };
}

/** A webhook endpoint that records what it receives. */
function receiver() {
  const received: { body: string; signature: string }[] = [];
  const fetchImpl: FetchLike = async (input, init) => {
    const request = new Request(input, init);
    received.push({ body: await request.text(), signature: request.headers.get("stripe-signature") ?? "" });
    return new Response("ok");
  };
  return { received, fetchImpl };
}

async function verifiedEvents(stripe: Stripe, received: { body: string; signature: string }[]) {
  const events: Stripe.Event[] = [];
  for (const { body, signature } of received) {
    events.push(
      await stripe.webhooks.constructEventAsync(
        body,
        signature,
        WEBHOOK_SECRET,
        undefined,
        Stripe.createSubtleCryptoProvider(),
      ),
    );
  }
  return events;
}

async function caught(promise: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Stripe.errors.StripeError) return error;
    throw error;
  }
  throw new Error("expected the call to fail");
}

const LINK_URLS = {
  refresh_url: "https://app.test/connect/refresh?a=1&b=2",
  return_url: "https://app.test/connect/return?a=1&b=2",
};

async function expressAccount(stripe: Stripe) {
  return stripe.accounts.create({
    type: "express",
    email: "teacher@example.com",
    capabilities: { card_payments: { requested: true }, transfers: { requested: true } },
  });
}

async function onboardedAccount(stripe: Stripe, standin: ReturnType<typeof setup>["standin"]) {
  const account = await expressAccount(stripe);
  standin.onboardAccount(account.id);
  return account;
}

/** A real manual-capture payment: authorized with pm_card_visa, then captured. */
async function capturedCharge(stripe: Stripe, amount: number, currency = "usd") {
  const intent = await stripe.paymentIntents.create({ amount, currency, capture_method: "manual" });
  await stripe.paymentIntents.confirm(intent.id, { payment_method: "pm_card_visa" });
  const captured = await stripe.paymentIntents.capture(intent.id);
  return String(captured.latest_charge);
}

describe("connected accounts", () => {
  it("creates, retrieves and lists Express accounts that still need onboarding", async () => {
    const { standin, stripe } = setup();
    const account = await stripe.accounts.create({
      type: "express",
      country: "US",
      email: "teacher@example.com",
      business_type: "individual",
      capabilities: { card_payments: { requested: true }, transfers: { requested: true } },
      metadata: { teacherId: "t_1" },
    });
    expect(account.id).toMatch(/^acct_/);
    expect(account).toMatchObject({
      object: "account",
      type: "express",
      country: "US",
      email: "teacher@example.com",
      default_currency: "usd",
      business_type: "individual",
      charges_enabled: false,
      payouts_enabled: false,
      details_submitted: false,
      capabilities: { card_payments: "inactive", transfers: "inactive" },
      requirements: {
        currently_due: ["external_account", "tos_acceptance.date", "tos_acceptance.ip"],
        eventually_due: ["external_account", "tos_acceptance.date", "tos_acceptance.ip"],
        past_due: [],
        disabled_reason: "requirements.past_due",
      },
      metadata: { teacherId: "t_1" },
      livemode: false,
    });
    expect(account.created).toEqual(expect.any(Number));
    expect(await stripe.accounts.retrieve(account.id)).toEqual(account);

    const bare = await stripe.accounts.create({ type: "express" });
    expect(bare).toMatchObject({ country: "US", email: null, business_type: null, metadata: {} });
    expect(bare.capabilities).toEqual({ transfers: "inactive" });
    const listed = await stripe.accounts.list();
    expect(listed.data.map((a) => a.id)).toEqual([bare.id, account.id]);

    const missing = await caught(stripe.accounts.retrieve("acct_missing"));
    expect(missing).toMatchObject({ statusCode: 404, code: "resource_missing" });
    const unknown = await standin.fetch(`${BASE}/v1/accounts`, {
      method: "POST",
      headers: { ...AUTH, "content-type": "application/x-www-form-urlencoded" },
      body: "type=express&controller[fees][payer]=application",
    });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ error: { code: "parameter_unknown", param: "controller" } });
    // Stripe does not tell the platform about a new Express account.
    expect(standin.store.events).toEqual([]);
  });

  it("onboards once through an account link, then the link only offers a new one", async () => {
    const hook = receiver();
    let now = Date.now();
    const { standin, stripe } = setup({
      webhookUrl: "http://app.test/api/webhooks/stripe",
      webhookSecret: WEBHOOK_SECRET,
      delivery: "manual",
      fetchImpl: hook.fetchImpl,
      now: () => now,
    });
    const account = await expressAccount(stripe);

    const noAccount = await caught(
      stripe.accountLinks.create({ account: "acct_missing", type: "account_onboarding", ...LINK_URLS }),
    );
    expect(noAccount).toMatchObject({ statusCode: 400, type: "StripeInvalidRequestError", param: "account" });
    const noReturn = await caught(
      stripe.accountLinks.create({
        account: account.id,
        type: "account_onboarding",
        refresh_url: LINK_URLS.refresh_url,
      }),
    );
    expect(noReturn).toMatchObject({ statusCode: 400, param: "return_url" });
    const relative = await caught(
      stripe.accountLinks.create({
        account: account.id,
        type: "account_onboarding",
        ...LINK_URLS,
        return_url: "/connect/return",
      }),
    );
    expect(relative).toMatchObject({ statusCode: 400, param: "return_url" });

    const link = await stripe.accountLinks.create({
      account: account.id,
      type: "account_onboarding",
      collection_options: { fields: "currently_due" },
      ...LINK_URLS,
    });
    expect(link).toMatchObject({ object: "account_link", created: Math.floor(now / 1000) });
    expect(link.expires_at).toBe(link.created + 300);
    expect(link.url.startsWith(`${BASE}/connect/onboarding/`)).toBe(true);

    const page = await standin.fetch(link.url);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const html = await page.text();
    expect(html).toContain("<title>Onboarding complete</title>");
    expect(html).toContain("<h1>Onboarding complete</h1>");
    expect(html).toContain(account.id);
    expect(html).toContain(
      '<a id="return" href="https://app.test/connect/return?a=1&amp;b=2">Return to the platform</a>',
    );
    expect(html).not.toContain("<script");

    expect(await stripe.accounts.retrieve(account.id)).toMatchObject({
      details_submitted: true,
      charges_enabled: true,
      payouts_enabled: true,
      capabilities: { card_payments: "active", transfers: "active" },
      requirements: { currently_due: [], eventually_due: [], past_due: [], disabled_reason: null },
    });

    const again = await standin.fetch(link.url);
    expect(again.status).toBe(200);
    const expired = await again.text();
    expect(expired).toContain("This link has expired");
    expect(expired).toContain('<a href="https://app.test/connect/refresh?a=1&amp;b=2">Get a new link</a>');
    expect(standin.onboardAccount(account.id).charges_enabled).toBe(true);

    await standin.deliverPending();
    const events = await verifiedEvents(stripe, hook.received);
    expect(events.map((e) => e.type)).toEqual(["account.updated"]);
    expect(events[0]).toMatchObject({
      account: account.id,
      request: { id: null, idempotency_key: null },
      data: { object: { object: "account", id: account.id, charges_enabled: true, payouts_enabled: true } },
    });

    // A link left unused past its five minutes changes nothing.
    const late = await expressAccount(stripe);
    const lateLink = await stripe.accountLinks.create({
      account: late.id,
      type: "account_onboarding",
      ...LINK_URLS,
    });
    now += 301_000;
    expect(await (await standin.fetch(lateLink.url)).text()).toContain("This link has expired");
    expect((await stripe.accounts.retrieve(late.id)).details_submitted).toBe(false);

    const unknown = await standin.fetch(`${BASE}/connect/onboarding/acctlink_missing`);
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get("content-type")).toBe("text/html; charset=utf-8");
  });

  it("onboards over the admin route", async () => {
    const { standin, stripe } = setup();
    const account = await expressAccount(stripe);
    const answer = await standin.fetch(`${BASE}/__standin/accounts/${account.id}/onboard`, {
      method: "POST",
    });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({ id: account.id, charges_enabled: true });
    const missing = await standin.fetch(`${BASE}/__standin/accounts/acct_missing/onboard`, {
      method: "POST",
    });
    expect(missing.status).toBe(404);
    expect(standin.store.events.filter((e) => e.type === "account.updated")).toHaveLength(1);
  });
});

describe("transfers", () => {
  it("refuses a destination that is unknown or has not finished onboarding", async () => {
    const { standin, stripe } = setup();
    const account = await expressAccount(stripe);
    const early = await caught(
      stripe.transfers.create({ amount: 1000, currency: "usd", destination: account.id }),
    );
    expect(early).toMatchObject({
      statusCode: 400,
      type: "StripeInvalidRequestError",
      code: "insufficient_capabilities_for_transfer",
      param: "destination",
    });
    expect(early.message).toContain("transfers, crypto_transfers, legacy_payments");
    const unknown = await caught(
      stripe.transfers.create({ amount: 1000, currency: "usd", destination: "acct_missing" }),
    );
    expect(unknown).toMatchObject({ statusCode: 400, code: "resource_missing", param: "destination" });
    const zero = await caught(
      stripe.transfers.create({ amount: 0, currency: "usd", destination: account.id }),
    );
    expect(zero).toMatchObject({ statusCode: 400, param: "amount" });
    expect(standin.store.transfers.size).toBe(0);
  });

  it("moves at most what the source charge has left", async () => {
    const { standin, stripe } = setup();
    const account = await onboardedAccount(stripe, standin);
    const chargeId = await capturedCharge(stripe, 10_000);

    const transfer = await stripe.transfers.create({
      amount: 7000,
      currency: "usd",
      destination: account.id,
      source_transaction: chargeId,
      transfer_group: "booking_1",
      description: "Lesson payout",
      metadata: { bookingId: "bk_1" },
    });
    expect(transfer.id).toMatch(/^tr_/);
    expect(transfer.destination_payment).toMatch(/^py_/);
    expect(transfer).toMatchObject({
      object: "transfer",
      amount: 7000,
      amount_reversed: 0,
      currency: "usd",
      description: "Lesson payout",
      destination: account.id,
      livemode: false,
      metadata: { bookingId: "bk_1" },
      reversals: {
        object: "list",
        data: [],
        has_more: false,
        total_count: 0,
        url: `/v1/transfers/${transfer.id}/reversals`,
      },
      reversed: false,
      source_transaction: chargeId,
      source_type: "card",
      transfer_group: "booking_1",
    });
    expect(await stripe.transfers.retrieve(transfer.id)).toEqual(transfer);

    const over = await caught(
      stripe.transfers.create({
        amount: 3001,
        currency: "usd",
        destination: account.id,
        source_transaction: chargeId,
      }),
    );
    expect(over).toMatchObject({ statusCode: 400, code: "balance_insufficient", param: "amount" });
    expect(over.message).toContain("Insufficient funds in the source transaction");
    const currency = await caught(
      stripe.transfers.create({
        amount: 100,
        currency: "eur",
        destination: account.id,
        source_transaction: chargeId,
      }),
    );
    expect(currency).toMatchObject({ statusCode: 400, param: "currency" });
    const rest = await stripe.transfers.create({
      amount: 3000,
      currency: "usd",
      destination: account.id,
      source_transaction: chargeId,
    });
    expect(rest.amount).toBe(3000);

    // A reversal gives the charge room again.
    await stripe.transfers.createReversal(rest.id, { amount: 500 });
    const refill = await stripe.transfers.create({
      amount: 500,
      currency: "usd",
      destination: account.id,
      source_transaction: chargeId,
    });
    expect(refill.amount).toBe(500);

    const held = await stripe.paymentIntents.create({
      amount: 2000,
      currency: "usd",
      capture_method: "manual",
      payment_method: "pm_card_visa",
      confirm: true,
    });
    const uncaptured = await caught(
      stripe.transfers.create({
        amount: 100,
        currency: "usd",
        destination: account.id,
        source_transaction: String(held.latest_charge),
      }),
    );
    expect(uncaptured).toMatchObject({ statusCode: 400, param: "source_transaction" });
    const noCharge = await caught(
      stripe.transfers.create({
        amount: 100,
        currency: "usd",
        destination: account.id,
        source_transaction: "ch_missing",
      }),
    );
    expect(noCharge).toMatchObject({
      statusCode: 400,
      code: "resource_missing",
      param: "source_transaction",
    });
    expect(standin.store.transfers.size).toBe(3);
  });

  it("fails every transfer while the balance is switched to insufficient", async () => {
    const { standin, stripe } = setup();
    const account = await onboardedAccount(stripe, standin);
    const params = { amount: 1500, currency: "usd", destination: account.id };

    standin.setInsufficientBalance(true);
    const poor = await caught(stripe.transfers.create(params));
    expect(poor).toMatchObject({
      statusCode: 400,
      type: "StripeInvalidRequestError",
      code: "balance_insufficient",
    });
    expect(poor.message).toContain("You have insufficient available funds in your Stripe account.");
    expect(standin.store.transfers.size).toBe(0);
    expect(standin.store.events.filter((e) => e.type === "transfer.created")).toEqual([]);

    const off = await standin.fetch(`${BASE}/__standin/balance`, {
      method: "POST",
      body: JSON.stringify({ insufficient: false }),
    });
    expect(await off.json()).toEqual({ ok: true, insufficient: false });
    expect((await stripe.transfers.create(params)).amount).toBe(1500);

    const on = await standin.fetch(`${BASE}/__standin/balance`, {
      method: "POST",
      body: JSON.stringify({ insufficient: true }),
    });
    expect(on.status).toBe(200);
    expect((await caught(stripe.transfers.create(params))).code).toBe("balance_insufficient");
    const bad = await standin.fetch(`${BASE}/__standin/balance`, { method: "POST", body: "{}" });
    expect(bad.status).toBe(400);

    standin.reset();
    const fresh = await onboardedAccount(stripe, standin);
    expect((await stripe.transfers.create({ ...params, destination: fresh.id })).amount).toBe(1500);
  });

  it("lists by transfer_group and destination, newest first", async () => {
    const { standin, stripe } = setup();
    const a = await onboardedAccount(stripe, standin);
    const b = await onboardedAccount(stripe, standin);
    const first = await stripe.transfers.create({
      amount: 100,
      currency: "usd",
      destination: a.id,
      transfer_group: "booking_1",
    });
    const second = await stripe.transfers.create({
      amount: 200,
      currency: "usd",
      destination: b.id,
      transfer_group: "booking_1",
    });
    const other = await stripe.transfers.create({
      amount: 300,
      currency: "usd",
      destination: a.id,
      transfer_group: "booking_2",
    });
    const group = await stripe.transfers.list({ transfer_group: "booking_1" });
    expect(group).toMatchObject({ object: "list", has_more: false, url: "/v1/transfers" });
    expect(group.data.map((t) => t.id)).toEqual([second.id, first.id]);
    const toA = await stripe.transfers.list({ destination: a.id });
    expect(toA.data.map((t) => t.id)).toEqual([other.id, first.id]);
    const both = await stripe.transfers.list({ destination: a.id, transfer_group: "booking_2" });
    expect(both.data.map((t) => t.id)).toEqual([other.id]);
    expect((await stripe.transfers.list({ limit: 2 })).has_more).toBe(true);
  });

  it("creates one transfer per idempotency key, even when the first answer is lost", async () => {
    const { standin, stripe } = setup();
    const account = await onboardedAccount(stripe, standin);
    const params = { amount: 2500, currency: "usd", destination: account.id, transfer_group: "booking_9" };
    const first = await stripe.transfers.create(params, { idempotencyKey: "payout-booking_9" });
    const replay = await stripe.transfers.create(params, { idempotencyKey: "payout-booking_9" });
    expect(replay.id).toBe(first.id);
    expect(standin.store.transfers.size).toBe(1);
    const conflict = await caught(
      stripe.transfers.create({ ...params, amount: 2600 }, { idempotencyKey: "payout-booking_9" }),
    );
    expect(conflict).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);

    standin.injectFailure({ method: "POST", path: "/v1/transfers", when: "after", status: 502 });
    const lost = await caught(stripe.transfers.create(params, { idempotencyKey: "payout-booking_10" }));
    expect(lost.statusCode).toBe(502);
    expect(standin.store.transfers.size).toBe(2);
    const retried = await stripe.transfers.create(params, { idempotencyKey: "payout-booking_10" });
    expect(standin.store.transfers.size).toBe(2);
    expect(standin.store.transfers.has(retried.id)).toBe(true);
    expect(standin.store.events.filter((e) => e.type === "transfer.created")).toHaveLength(2);

    standin.injectFailure({ method: "POST", path: "/v1/transfers/*/reversals", status: 500 });
    expect((await caught(stripe.transfers.createReversal(first.id))).statusCode).toBe(500);
    expect((await stripe.transfers.retrieve(first.id)).amount_reversed).toBe(0);
  });

  it("reverses in parts up to the transfer amount and raises events", async () => {
    const hook = receiver();
    const { standin, stripe } = setup({
      webhookUrl: "http://app.test/api/webhooks/stripe",
      webhookSecret: WEBHOOK_SECRET,
      delivery: "manual",
      fetchImpl: hook.fetchImpl,
    });
    const account = await onboardedAccount(stripe, standin);
    const transfer = await stripe.transfers.create(
      { amount: 5000, currency: "usd", destination: account.id },
      { idempotencyKey: "payout-1" },
    );

    const part = await stripe.transfers.createReversal(transfer.id, {
      amount: 2000,
      metadata: { reason: "partial refund" },
    });
    expect(part.id).toMatch(/^trr_/);
    expect(part.destination_payment_refund).toMatch(/^pyr_/);
    expect(part).toMatchObject({
      object: "transfer_reversal",
      amount: 2000,
      currency: "usd",
      metadata: { reason: "partial refund" },
      source_refund: null,
      transfer: transfer.id,
    });
    expect(await stripe.transfers.retrieve(transfer.id)).toMatchObject({
      amount_reversed: 2000,
      reversed: false,
    });

    const over = await caught(stripe.transfers.createReversal(transfer.id, { amount: 3001 }));
    expect(over).toMatchObject({ statusCode: 400, type: "StripeInvalidRequestError", param: "amount" });
    expect(over.message).toContain("exceeds the amount that can be reversed");

    const rest = await stripe.transfers.createReversal(transfer.id);
    expect(rest.amount).toBe(3000);
    const reversed = await stripe.transfers.retrieve(transfer.id);
    expect(reversed).toMatchObject({ amount_reversed: 5000, reversed: true });
    expect(reversed.reversals).toMatchObject({ total_count: 2, data: [{ id: rest.id }, { id: part.id }] });
    const listed = await stripe.transfers.listReversals(transfer.id);
    expect(listed.data.map((r) => r.id)).toEqual([rest.id, part.id]);
    const none = await caught(stripe.transfers.createReversal(transfer.id, { amount: 1 }));
    expect(none).toMatchObject({ statusCode: 400, param: "amount" });
    const missing = await caught(stripe.transfers.createReversal("tr_missing"));
    expect(missing).toMatchObject({ statusCode: 404, code: "resource_missing" });

    await standin.deliverPending();
    const events = await verifiedEvents(stripe, hook.received);
    expect(events.map((e) => e.type)).toEqual([
      "account.updated",
      "transfer.created",
      "transfer.reversed",
      "transfer.reversed",
    ]);
    const [, created, partial, full] = events;
    expect(created).toMatchObject({
      request: { idempotency_key: "payout-1" },
      data: { object: { id: transfer.id } },
    });
    expect(created && "account" in created).toBe(false);
    expect(partial?.data.object).toMatchObject({
      object: "transfer",
      amount_reversed: 2000,
      reversed: false,
    });
    expect(full?.data.object).toMatchObject({ object: "transfer", amount_reversed: 5000, reversed: true });
  });
});
