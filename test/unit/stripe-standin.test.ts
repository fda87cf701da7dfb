import Stripe from "stripe";
import { describe, expect, it, vi } from "vitest";
import { parseForm } from "../../scripts/stripe-standin/form";
import {
  createStripeStandin,
  DEFAULT_API_VERSION,
  type FetchLike,
  type StandinOptions,
} from "../../scripts/stripe-standin/handler";

const BASE = "http://127.0.0.1:12111";
const WEBHOOK_SECRET = "whsec_unit_test";

function clientFor(fetchFn: FetchLike, key: string, maxNetworkRetries?: number): Stripe {
  return new Stripe(key, {
    httpClient: Stripe.createFetchHttpClient(fetchFn),
    host: "127.0.0.1",
    port: 12111,
    protocol: "http",
    maxNetworkRetries,
  });
}

function setup(options: StandinOptions = {}, maxNetworkRetries?: number) {
  const standin = createStripeStandin(options);
  return { standin, stripe: clientFor(standin.fetch, "sk_test_lectern", maxNetworkRetries) };
}

/** A webhook endpoint stand-in that records what it receives and answers with `statusFor(n)`. */
function receiver(statusFor: (attempt: number) => number | "throw" = () => 200) {
  const received: { body: string; signature: string }[] = [];
  const fetchImpl: FetchLike = async (input, init) => {
    const request = new Request(input, init);
    received.push({ body: await request.text(), signature: request.headers.get("stripe-signature") ?? "" });
    const status = statusFor(received.length);
    if (status === "throw") throw new TypeError("connection refused");
    return new Response(status < 300 ? "ok" : "boom", { status });
  };
  return { received, fetchImpl };
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

const form = (fields: Record<string, string>) => ({
  method: "POST",
  headers: { "content-type": "application/x-www-form-urlencoded" },
  body: new URLSearchParams(fields).toString(),
});

describe("form parsing", () => {
  it("reads Stripe's bracket notation into nested objects and arrays", () => {
    const parsed = parseForm(
      "amount=4500&metadata[bookingId]=b_1&automatic_payment_methods[enabled]=true&expand[]=a&expand[]=b&list[0]=x&list[1]=y&a[b][c]=d",
    );
    expect(parsed).toEqual({
      amount: "4500",
      metadata: { bookingId: "b_1" },
      automatic_payment_methods: { enabled: "true" },
      expand: ["a", "b"],
      list: ["x", "y"],
      a: { b: { c: "d" } },
    });
    expect(parseForm("expand[0]=latest_charge")).toEqual({ expand: ["latest_charge"] });
    expect(() => parseForm("a=1&a[b]=2")).toThrow();
    expect(() => parseForm("__proto__[x]=1")).toThrow();
  });
});

describe("payment intents", () => {
  it("reports the installed SDK's API version", () => {
    expect(DEFAULT_API_VERSION).toBe(Stripe.API_VERSION);
  });

  it("authorizes with manual capture, then captures", async () => {
    const { stripe } = setup();
    const created = await stripe.paymentIntents.create({
      amount: 4500,
      currency: "USD",
      capture_method: "manual",
      metadata: { bookingId: "bk_1" },
      automatic_payment_methods: { enabled: true, allow_redirects: "never" },
    });
    expect(created).toMatchObject({
      object: "payment_intent",
      amount: 4500,
      currency: "usd",
      status: "requires_payment_method",
      capture_method: "manual",
      metadata: { bookingId: "bk_1" },
      automatic_payment_methods: { enabled: true, allow_redirects: "never" },
      latest_charge: null,
      livemode: false,
    });
    expect(created.id).toMatch(/^pi_/);
    expect(created.client_secret).toMatch(new RegExp(`^${created.id}_secret_`));

    const authorized = await stripe.paymentIntents.confirm(created.id, { payment_method: "pm_card_visa" });
    expect(authorized).toMatchObject({
      status: "requires_capture",
      amount_capturable: 4500,
      amount_received: 0,
    });
    expect(authorized.payment_method).toMatch(/^pm_/);

    const captured = await stripe.paymentIntents.capture(created.id);
    expect(captured).toMatchObject({ status: "succeeded", amount_capturable: 0, amount_received: 4500 });
    const charge = await stripe.charges.retrieve(String(captured.latest_charge));
    expect(charge).toMatchObject({ captured: true, amount_captured: 4500, payment_intent: created.id });
    const again = await caught(stripe.paymentIntents.capture(created.id));
    expect(again.code).toBe("payment_intent_unexpected_state");
  });

  it("captures at once with automatic capture and supports partial capture", async () => {
    const { stripe } = setup();
    const auto = await stripe.paymentIntents.create({
      amount: 1000,
      currency: "eur",
      payment_method: "pm_card_visa",
      confirm: true,
    });
    expect(auto).toMatchObject({ status: "succeeded", amount_received: 1000 });
    expect(auto.latest_charge).toMatch(/^ch_/);

    const manual = await stripe.paymentIntents.create({
      amount: 1000,
      currency: "eur",
      capture_method: "manual",
    });
    await stripe.paymentIntents.confirm(manual.id, { payment_method: "pm_card_visa" });
    const tooMuch = await caught(stripe.paymentIntents.capture(manual.id, { amount_to_capture: 1001 }));
    expect(tooMuch.code).toBe("amount_too_large");
    const partial = await stripe.paymentIntents.capture(manual.id, { amount_to_capture: 600 });
    expect(partial).toMatchObject({ status: "succeeded", amount_received: 600 });
  });

  it("keeps a declined intent open so a retry can succeed", async () => {
    const { stripe } = setup();
    const intent = await stripe.paymentIntents.create({
      amount: 2000,
      currency: "usd",
      capture_method: "manual",
    });

    const declined = await caught(
      stripe.paymentIntents.confirm(intent.id, { payment_method: "pm_card_chargeDeclined" }),
    );
    expect(declined).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(declined).toMatchObject({
      statusCode: 402,
      code: "card_declined",
      decline_code: "generic_decline",
    });
    expect(declined.message).toBe("Your card was declined.");
    expect(declined.payment_intent).toMatchObject({ id: intent.id, status: "requires_payment_method" });

    const poor = await caught(
      stripe.paymentIntents.confirm(intent.id, {
        payment_method: "pm_card_visa_chargeDeclinedInsufficientFunds",
      }),
    );
    expect(poor.decline_code).toBe("insufficient_funds");
    const afterDecline = await stripe.paymentIntents.retrieve(intent.id);
    expect(afterDecline.status).toBe("requires_payment_method");
    expect(afterDecline.last_payment_error).toMatchObject({
      type: "card_error",
      code: "card_declined",
      decline_code: "insufficient_funds",
    });

    const unknown = await caught(stripe.paymentIntents.confirm(intent.id, { payment_method: "pm_nope" }));
    expect(unknown).toMatchObject({ statusCode: 400, code: "resource_missing" });

    const retried = await stripe.paymentIntents.confirm(intent.id, { payment_method: "pm_card_visa" });
    expect(retried).toMatchObject({ status: "requires_capture", last_payment_error: null });
    const twice = await caught(stripe.paymentIntents.confirm(intent.id, { payment_method: "pm_card_visa" }));
    expect(twice).toMatchObject({ statusCode: 400, code: "payment_intent_unexpected_state" });
  });

  it("cancels an authorization, but not a succeeded intent", async () => {
    const { stripe } = setup();
    const held = await stripe.paymentIntents.create({
      amount: 3000,
      currency: "usd",
      capture_method: "manual",
      payment_method: "pm_card_visa",
      confirm: true,
    });
    expect(held.status).toBe("requires_capture");
    const canceled = await stripe.paymentIntents.cancel(held.id, { cancellation_reason: "abandoned" });
    expect(canceled).toMatchObject({
      status: "canceled",
      amount_capturable: 0,
      cancellation_reason: "abandoned",
    });
    expect(canceled.canceled_at).toEqual(expect.any(Number));

    const paid = await stripe.paymentIntents.create({
      amount: 3000,
      currency: "usd",
      payment_method: "pm_card_visa",
      confirm: true,
    });
    const refused = await caught(stripe.paymentIntents.cancel(paid.id));
    expect(refused).toMatchObject({
      statusCode: 400,
      type: "StripeInvalidRequestError",
      code: "payment_intent_unexpected_state",
    });
    expect(refused.message).toContain("because it has a status of succeeded");
  });

  it("updates metadata only while the intent is open", async () => {
    const { stripe } = setup();
    const intent = await stripe.paymentIntents.create({
      amount: 100,
      currency: "usd",
      metadata: { a: "1", b: "2" },
    });
    const updated = await stripe.paymentIntents.update(intent.id, { metadata: { b: "", c: "3" } });
    expect(updated.metadata).toEqual({ a: "1", c: "3" });
    await stripe.paymentIntents.cancel(intent.id);
    const late = await caught(stripe.paymentIntents.update(intent.id, { description: "x" }));
    expect(late.code).toBe("payment_intent_unexpected_state");
    const invalid = await caught(stripe.paymentIntents.create({ amount: 0, currency: "usd" }));
    expect(invalid).toMatchObject({ statusCode: 400, param: "amount" });
  });
});

describe("idempotency", () => {
  it("replays the first answer for a key, even after the object changed", async () => {
    const { standin, stripe } = setup();
    const params = { amount: 4500, currency: "usd", capture_method: "manual" as const };
    const first = await stripe.paymentIntents.create(params, { idempotencyKey: "booking-1-attempt-1" });
    await stripe.paymentIntents.cancel(first.id);
    const replay = await stripe.paymentIntents.create(params, { idempotencyKey: "booking-1-attempt-1" });
    expect(replay.id).toBe(first.id);
    expect(replay.status).toBe("requires_payment_method");
    expect(standin.store.paymentIntents.size).toBe(1);

    const raw = await standin.fetch(`${BASE}/v1/payment_intents`, {
      ...form({ amount: "4500", currency: "usd", capture_method: "manual" }),
      headers: {
        authorization: "Bearer sk_test_lectern",
        "content-type": "application/x-www-form-urlencoded",
        "idempotency-key": "booking-1-attempt-1",
      },
    });
    expect(raw.headers.get("idempotent-replayed")).toBe("true");
    expect(((await raw.json()) as { id: string }).id).toBe(first.id);

    const conflict = await caught(
      stripe.paymentIntents.create({ ...params, amount: 5000 }, { idempotencyKey: "booking-1-attempt-1" }),
    );
    expect(conflict).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(conflict.rawType).toBe("idempotency_error");
  });

  it("scopes keys to the API key", async () => {
    const { standin, stripe } = setup();
    const other = clientFor(standin.fetch, "sk_test_other");
    const a = await stripe.paymentIntents.create(
      { amount: 100, currency: "usd" },
      { idempotencyKey: "same" },
    );
    const b = await other.paymentIntents.create({ amount: 100, currency: "usd" }, { idempotencyKey: "same" });
    expect(a.id).not.toBe(b.id);
  });
});

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

describe("refunds", () => {
  async function paidIntent(stripe: Stripe, amount: number, paymentMethod = "pm_card_visa") {
    return stripe.paymentIntents.create({
      amount,
      currency: "usd",
      payment_method: paymentMethod,
      confirm: true,
    });
  }

  it("refunds in full once", async () => {
    const { standin, stripe } = setup({ delivery: "manual" });
    const intent = await paidIntent(stripe, 5000);
    const refund = await stripe.refunds.create({
      payment_intent: intent.id,
      reason: "requested_by_customer",
    });
    expect(refund).toMatchObject({
      object: "refund",
      amount: 5000,
      currency: "usd",
      payment_intent: intent.id,
      charge: intent.latest_charge,
      status: "succeeded",
      reason: "requested_by_customer",
      failure_reason: null,
    });
    expect(standin.settleRefunds()).toBe(0);
    const again = await caught(stripe.refunds.create({ payment_intent: intent.id }));
    expect(again).toMatchObject({ statusCode: 400, code: "charge_already_refunded" });
    const charge = await stripe.charges.retrieve(String(intent.latest_charge));
    expect(charge).toMatchObject({ refunded: true, amount_refunded: 5000 });
    expect(await stripe.refunds.retrieve(refund.id)).toMatchObject({ id: refund.id });
  });

  it("never refunds more than was captured", async () => {
    const { stripe } = setup();
    const intent = await paidIntent(stripe, 5000);
    await stripe.refunds.create({ payment_intent: intent.id, amount: 2000 });
    await stripe.refunds.create({ charge: String(intent.latest_charge), amount: 2000 });
    const over = await caught(stripe.refunds.create({ payment_intent: intent.id, amount: 2000 }));
    expect(over).toMatchObject({ statusCode: 400, code: "amount_too_large", param: "amount" });
    const rest = await stripe.refunds.create({ payment_intent: intent.id });
    expect(rest.amount).toBe(1000);

    const listed = await stripe.refunds.list({ payment_intent: intent.id });
    expect(listed.object).toBe("list");
    expect(listed.has_more).toBe(false);
    expect(listed.data.map((r) => r.amount)).toEqual([1000, 2000, 2000]);
    const page = await stripe.refunds.list({ payment_intent: intent.id, limit: 2 });
    expect(page).toMatchObject({ has_more: true, data: [{ id: rest.id }, {}] });
    const other = await paidIntent(stripe, 700);
    expect((await stripe.refunds.list({ payment_intent: other.id })).data).toEqual([]);
  });

  it("fails a pm_card_refundFail refund later and gives its amount back", async () => {
    const hook = receiver();
    const { standin, stripe } = setup({
      webhookUrl: "http://app.test/hook",
      webhookSecret: WEBHOOK_SECRET,
      delivery: "manual",
      fetchImpl: hook.fetchImpl,
    });
    const intent = await paidIntent(stripe, 5000, "pm_card_refundFail");
    expect(intent).toMatchObject({ status: "succeeded", amount_received: 5000 });
    const chargeId = String(intent.latest_charge);
    expect(await stripe.charges.retrieve(chargeId)).toMatchObject({
      paid: true,
      captured: true,
      payment_method_details: { card: { brand: "visa", last4: "5126" } },
    });

    const refund = await stripe.refunds.create({ payment_intent: intent.id, amount: 2000 });
    expect(refund).toMatchObject({ amount: 2000, status: "pending", failure_reason: null });
    expect(await stripe.charges.retrieve(chargeId)).toMatchObject({
      amount_refunded: 2000,
      refunded: false,
      refunds: { data: [{ id: refund.id, status: "pending" }] },
    });
    await standin.deliverPending();
    const atCreation = await verifiedEvents(stripe, hook.received.splice(0));
    expect(atCreation.map((e) => e.type).slice(-2)).toEqual(["refund.created", "charge.refunded"]);

    expect(standin.settleRefunds()).toBe(1);
    expect(standin.settleRefunds()).toBe(0);
    const failed = await stripe.refunds.retrieve(refund.id);
    expect(failed).toMatchObject({
      status: "failed",
      failure_reason: "expired_or_canceled_card",
      amount: 2000,
    });
    expect(await stripe.charges.retrieve(chargeId)).toMatchObject({
      amount_refunded: 0,
      refunded: false,
      refunds: { data: [{ id: refund.id, status: "failed", failure_reason: "expired_or_canceled_card" }] },
    });

    await standin.deliverPending();
    const atFailure = await verifiedEvents(stripe, hook.received.splice(0));
    expect(atFailure.map((e) => e.type)).toEqual([
      "refund.updated",
      "refund.failed",
      "charge.refund.updated",
    ]);
    for (const event of atFailure) {
      expect(event.data.object).toMatchObject({
        object: "refund",
        id: refund.id,
        status: "failed",
        failure_reason: "expired_or_canceled_card",
      });
      expect(event.request).toEqual({ id: null, idempotency_key: null });
    }

    // The failed amount can be refunded again; this one fails too, settled over HTTP.
    const second = await stripe.refunds.create({ payment_intent: intent.id });
    expect(second).toMatchObject({ amount: 5000, status: "pending" });
    expect(await stripe.charges.retrieve(chargeId)).toMatchObject({ amount_refunded: 5000, refunded: true });
    const none = await caught(stripe.refunds.create({ payment_intent: intent.id, amount: 1 }));
    expect(none).toMatchObject({ statusCode: 400, code: "charge_already_refunded" });
    const settled = await standin.fetch(`${BASE}/__standin/refunds/settle`, { method: "POST" });
    expect(settled.status).toBe(200);
    expect(await settled.json()).toEqual({ ok: true, settled: 1 });
    expect(await stripe.charges.retrieve(chargeId)).toMatchObject({ amount_refunded: 0, refunded: false });
    const listed = await stripe.refunds.list({ payment_intent: intent.id });
    expect(listed.data.map((r) => [r.id, r.status])).toEqual([
      [second.id, "failed"],
      [refund.id, "failed"],
    ]);
    expect((await stripe.charges.retrieve(chargeId)).refunds?.data.map((r) => r.id)).toEqual([
      second.id,
      refund.id,
    ]);
  });

  it("adds partial refunds up exactly, counting pending ones and not failed ones", async () => {
    const { standin, stripe } = setup({ delivery: "manual" });
    const intent = await paidIntent(stripe, 5000, "pm_card_refundFail");
    await stripe.refunds.create({ payment_intent: intent.id, amount: 2000 });
    standin.settleRefunds();
    await stripe.refunds.create({ payment_intent: intent.id, amount: 3000 });
    // 5000 captured − 3000 pending = 2000 left (the failed 2000 came back).
    const over = await caught(stripe.refunds.create({ payment_intent: intent.id, amount: 2001 }));
    expect(over).toMatchObject({ statusCode: 400, code: "amount_too_large", param: "amount" });
    expect(over.message).toContain("(20.00 usd)");
    const rest = await stripe.refunds.create({ payment_intent: intent.id });
    expect(rest).toMatchObject({ amount: 2000, status: "pending" });
    expect(await stripe.charges.retrieve(String(intent.latest_charge))).toMatchObject({
      amount_refunded: 5000,
      refunded: true,
    });
    expect(standin.settleRefunds()).toBe(2);
    const charge = await stripe.charges.retrieve(String(intent.latest_charge));
    expect(charge).toMatchObject({ amount_refunded: 0, refunded: false });
    expect(charge.refunds?.data.map((r) => [r.amount, r.status])).toEqual([
      [2000, "failed"],
      [3000, "failed"],
      [2000, "failed"],
    ]);
  });

  it("fails a pending refund on a timer when delivery is auto", async () => {
    const { standin, stripe } = setup({ refundFailAfterMs: 5 });
    const intent = await paidIntent(stripe, 1500, "pm_card_refundFail");
    const refund = await stripe.refunds.create({ payment_intent: intent.id });
    expect(refund.status).toBe("pending");
    await vi.waitFor(async () => {
      expect((await stripe.refunds.retrieve(refund.id)).status).toBe("failed");
    });
    expect(standin.store.events.map((e) => e.type).slice(-3)).toEqual([
      "refund.updated",
      "refund.failed",
      "charge.refund.updated",
    ]);
    expect(standin.settleRefunds()).toBe(0);
  });

  it("refuses to refund an intent that has not succeeded", async () => {
    const { stripe } = setup();
    const held = await stripe.paymentIntents.create({
      amount: 900,
      currency: "usd",
      capture_method: "manual",
      payment_method: "pm_card_visa",
      confirm: true,
    });
    const refused = await caught(stripe.refunds.create({ payment_intent: held.id }));
    expect(refused).toMatchObject({ statusCode: 400, code: "charge_not_refundable" });
  });
});

describe("webhooks", () => {
  it("delivers signed events that the SDK verifies, on demand, in any order", async () => {
    const hook = receiver();
    const { standin, stripe } = setup({
      webhookUrl: "http://app.test/api/webhooks/stripe",
      webhookSecret: WEBHOOK_SECRET,
      delivery: "manual",
      fetchImpl: hook.fetchImpl,
    });
    const intent = await stripe.paymentIntents.create(
      { amount: 4500, currency: "usd", capture_method: "manual" },
      { idempotencyKey: "k-1" },
    );
    await caught(stripe.paymentIntents.confirm(intent.id, { payment_method: "pm_card_chargeDeclined" }));
    await stripe.paymentIntents.confirm(intent.id, { payment_method: "pm_card_visa" });
    await stripe.paymentIntents.capture(intent.id);
    await stripe.refunds.create({ payment_intent: intent.id, amount: 500 });
    expect(hook.received).toHaveLength(0);

    const results = await standin.deliverPending();
    expect(results.every((r) => r.ok && r.attempts === 1)).toBe(true);
    const events: Stripe.Event[] = [];
    for (const { body, signature } of hook.received) {
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
    expect(events.map((e) => e.type)).toEqual([
      "payment_intent.created",
      "charge.failed",
      "payment_intent.payment_failed",
      "charge.succeeded",
      "payment_intent.amount_capturable_updated",
      "charge.captured",
      "payment_intent.succeeded",
      "refund.created",
      "charge.refunded",
    ]);
    const [created, , failed, , authorized] = events;
    expect(created?.request).toEqual({ id: expect.stringMatching(/^req_/), idempotency_key: "k-1" });
    expect(created).toMatchObject({ object: "event", livemode: false, api_version: Stripe.API_VERSION });
    // Each event carries a snapshot of the object at that moment.
    expect(failed?.data.object).toMatchObject({ status: "requires_payment_method" });
    expect(authorized?.data.object).toMatchObject({ status: "requires_capture", amount_capturable: 4500 });
    expect(events.at(-1)?.data.object).toMatchObject({
      object: "charge",
      amount_refunded: 500,
      refunded: false,
    });

    const wrongSecret = await caught(
      stripe.webhooks.constructEventAsync(
        hook.received[0]?.body ?? "",
        hook.received[0]?.signature ?? "",
        "whsec_other",
        undefined,
        Stripe.createSubtleCryptoProvider(),
      ),
    );
    expect(wrongSecret).toBeInstanceOf(Stripe.errors.StripeSignatureVerificationError);

    const listed = await stripe.events.list({ limit: 3 });
    expect(listed.data.map((e) => e.type)).toEqual([
      "charge.refunded",
      "refund.created",
      "payment_intent.succeeded",
    ]);
    expect((await stripe.events.retrieve(created?.id ?? "")).type).toBe("payment_intent.created");
  });

  it("can redeliver a batch reversed and duplicated", async () => {
    const hook = receiver();
    const { standin, stripe } = setup({
      webhookUrl: "http://app.test/hook",
      delivery: "manual",
      fetchImpl: hook.fetchImpl,
    });
    const intent = await stripe.paymentIntents.create({ amount: 100, currency: "usd" });
    await stripe.paymentIntents.cancel(intent.id);
    const results = await standin.deliverPending({ order: "reverse", duplicate: true });
    expect(results.map((r) => r.type)).toEqual([
      "payment_intent.canceled",
      "payment_intent.created",
      "payment_intent.canceled",
      "payment_intent.created",
    ]);
    expect(await standin.deliverPending()).toEqual([]);
  });

  it("retries failed deliveries in the background", async () => {
    const hook = receiver((n) => (n === 1 ? 500 : n === 2 ? "throw" : 200));
    const { standin, stripe } = setup({
      webhookUrl: "http://app.test/hook",
      fetchImpl: hook.fetchImpl,
      retryDelaysMs: [1, 1, 1],
      enabledEvents: ["payment_intent.canceled"],
    });
    const intent = await stripe.paymentIntents.create({ amount: 100, currency: "usd" });
    await stripe.paymentIntents.cancel(intent.id);
    await standin.flushDeliveries();
    expect(hook.received).toHaveLength(3);
    const [delivery] = [...standin.store.deliveries.values()];
    expect(delivery).toMatchObject({
      type: "payment_intent.canceled",
      attempts: 3,
      lastStatus: 200,
      delivered: true,
    });
    expect(standin.store.events.map((e) => e.type)).toEqual([
      "payment_intent.created",
      "payment_intent.canceled",
    ]);
  });

  it("gives up after the last retry", async () => {
    const hook = receiver(() => 503);
    const { standin, stripe } = setup({
      webhookUrl: "http://app.test/hook",
      fetchImpl: hook.fetchImpl,
      retryDelaysMs: [1],
    });
    await stripe.paymentIntents.create({ amount: 100, currency: "usd" });
    await standin.flushDeliveries();
    expect(hook.received).toHaveLength(2);
    expect([...standin.store.deliveries.values()][0]).toMatchObject({ delivered: false, lastStatus: 503 });
  });
});

describe("publishable key (Stripe.js style)", () => {
  it("retrieves and confirms with the client secret only", async () => {
    const { standin, stripe } = setup();
    const intent = await stripe.paymentIntents.create({
      amount: 4500,
      currency: "usd",
      capture_method: "manual",
      metadata: { bookingId: "bk_1" },
    });
    const secret = String(intent.client_secret);

    const preflight = await standin.fetch(`${BASE}/v1/payment_intents/${intent.id}/confirm`, {
      method: "OPTIONS",
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("*");
    expect(preflight.headers.get("access-control-allow-headers")).toContain("Idempotency-Key");

    const browser = clientFor(standin.fetch, "pk_test_lectern");
    const seen = await browser.paymentIntents.retrieve(intent.id, { client_secret: secret });
    expect(seen.status).toBe("requires_payment_method");
    expect(seen.metadata).toBeUndefined();
    const noSecret = await caught(browser.paymentIntents.retrieve(intent.id));
    expect(noSecret).toMatchObject({ statusCode: 400, param: "client_secret" });

    const wrong = await standin.fetch(
      `${BASE}/v1/payment_intents/${intent.id}/confirm`,
      form({
        key: "pk_test_lectern",
        client_secret: `${intent.id}_secret_wrong`,
        payment_method: "pm_card_visa",
      }),
    );
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toMatchObject({
      error: { type: "invalid_request_error", param: "client_secret" },
    });

    const confirmed = await standin.fetch(
      `${BASE}/v1/payment_intents/${intent.id}/confirm`,
      form({ key: "pk_test_lectern", client_secret: secret, payment_method: "pm_card_visa" }),
    );
    expect(confirmed.status).toBe(200);
    expect(confirmed.headers.get("request-id")).toMatch(/^req_/);
    expect(await confirmed.json()).toMatchObject({ id: intent.id, status: "requires_capture" });

    const capture = await standin.fetch(
      `${BASE}/v1/payment_intents/${intent.id}/capture`,
      form({ key: "pk_test_lectern", client_secret: secret }),
    );
    expect(capture.status).toBe(401);
    expect((await stripe.paymentIntents.retrieve(intent.id)).status).toBe("requires_capture");
  });

  it("confirms with a test card number from a card form", async () => {
    const { standin, stripe } = setup();
    const intent = await stripe.paymentIntents.create({
      amount: 800,
      currency: "usd",
      capture_method: "manual",
    });
    const declined = await standin.fetch(
      `${BASE}/v1/payment_intents/${intent.id}/confirm`,
      form({
        key: "pk_test_lectern",
        client_secret: String(intent.client_secret),
        "payment_method_data[type]": "card",
        "payment_method_data[card][number]": "4000 0000 0000 0002",
      }),
    );
    expect(declined.status).toBe(402);
    expect(await declined.json()).toMatchObject({
      error: { type: "card_error", decline_code: "generic_decline" },
    });
  });

  it("takes the refund-failure card number from a card form", async () => {
    const { standin, stripe } = setup({ delivery: "manual" });
    const intent = await stripe.paymentIntents.create({
      amount: 800,
      currency: "usd",
      capture_method: "manual",
    });
    const confirmed = await standin.fetch(
      `${BASE}/v1/payment_intents/${intent.id}/confirm`,
      form({
        key: "pk_test_lectern",
        client_secret: String(intent.client_secret),
        "payment_method_data[type]": "card",
        "payment_method_data[card][number]": "4000 0000 0000 5126",
      }),
    );
    expect(confirmed.status).toBe(200);
    expect(await confirmed.json()).toMatchObject({ status: "requires_capture" });
    await stripe.paymentIntents.capture(intent.id);
    const refund = await stripe.refunds.create({ payment_intent: intent.id });
    expect(refund).toMatchObject({ amount: 800, status: "pending" });
    expect(standin.settleRefunds()).toBe(1);
    expect(await stripe.refunds.retrieve(refund.id)).toMatchObject({
      status: "failed",
      failure_reason: "expired_or_canceled_card",
    });
  });
});

describe("auth and faults", () => {
  it("rejects missing and non-test keys", async () => {
    const { standin } = setup();
    const none = await standin.fetch(`${BASE}/v1/payment_intents`);
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ error: { type: "invalid_request_error" } });
    const live = await standin.fetch(`${BASE}/v1/payment_intents`, {
      headers: { authorization: "Bearer sk_live_1234567890abcdef" },
    });
    expect(live.status).toBe(401);
    const basic = await standin.fetch(`${BASE}/v1/payment_intents`, {
      headers: { authorization: `Basic ${btoa("sk_test_lectern:")}` },
    });
    expect(basic.status).toBe(200);
    const missing = await standin.fetch(`${BASE}/v1/payment_intents/pi_missing`, {
      headers: { authorization: "Bearer sk_test_lectern" },
    });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: "resource_missing" } });
  });

  it("fails the next matching calls without changing state", async () => {
    const { standin, stripe } = setup({}, 0);
    const intent = await stripe.paymentIntents.create({
      amount: 1200,
      currency: "usd",
      payment_method: "pm_card_visa",
      confirm: true,
    });
    standin.injectFailure({
      method: "POST",
      path: "/v1/refunds",
      times: 1,
      status: 500,
      error: { type: "api_error", message: "Stripe is having a bad day" },
    });
    const failed = await caught(stripe.refunds.create({ payment_intent: intent.id }));
    expect(failed).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect(failed.message).toBe("Stripe is having a bad day");
    expect(standin.store.refunds.size).toBe(0);
    expect((await stripe.refunds.create({ payment_intent: intent.id })).amount).toBe(1200);
  });

  it("can lose the answer after the call took effect, so a keyed retry finds it", async () => {
    const { standin, stripe } = setup({}, 0);
    standin.injectFailure({ path: "/v1/payment_intents", when: "after", status: 502 });
    const params = { amount: 700, currency: "usd" };
    await caught(stripe.paymentIntents.create(params, { idempotencyKey: "slot-1-attempt-1" }));
    expect(standin.store.paymentIntents.size).toBe(1);
    const retried = await stripe.paymentIntents.create(params, { idempotencyKey: "slot-1-attempt-1" });
    expect(retried.id).toBe([...standin.store.paymentIntents.keys()][0]);

    standin.injectFailure({ path: "/v1/payment_intents/*/cancel", network: true });
    await expect(
      standin.fetch(`${BASE}/v1/payment_intents/${retried.id}/cancel`, {
        method: "POST",
        headers: { authorization: "Bearer sk_test_lectern" },
      }),
    ).rejects.toThrow(TypeError);
    expect((await stripe.paymentIntents.retrieve(retried.id)).status).toBe("requires_payment_method");
  });

  it("serves faults, state and reset over HTTP", async () => {
    const { standin, stripe } = setup();
    const health = await standin.fetch(`${BASE}/__standin/health`);
    expect(await health.json()).toEqual({ ok: true, apiVersion: Stripe.API_VERSION });
    await stripe.paymentIntents.create({ amount: 100, currency: "usd" });
    const fault = await standin.fetch(`${BASE}/__standin/faults`, {
      method: "POST",
      body: JSON.stringify({ path: "/v1/payment_intents", status: 503, times: 5 }),
    });
    expect(fault.status).toBe(200);
    const state = (await (await standin.fetch(`${BASE}/__standin/state`)).json()) as {
      paymentIntents: unknown[];
      faults: unknown[];
    };
    expect(state.paymentIntents).toHaveLength(1);
    expect(state.faults).toHaveLength(1);
    await standin.fetch(`${BASE}/__standin/reset`, { method: "POST" });
    expect(standin.store.paymentIntents.size).toBe(0);
    expect((await stripe.paymentIntents.create({ amount: 100, currency: "usd" })).status).toBe(
      "requires_payment_method",
    );
  });
});
