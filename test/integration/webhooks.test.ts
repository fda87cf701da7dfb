import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { Webhook } from "standardwebhooks";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { StripeStandin } from "../../scripts/stripe-standin/handler";
import { createSlotRecords } from "../../src/db/booking-records";
import { buildDeps } from "../../src/deps";
import { MAX_ATTEMPTS } from "../../src/domain/webhooks";
import worker from "../../src/index";
import { deliverWebhook, dispatchWebhookEvents } from "../../src/services/webhook-delivery";
import { call, registerProvider, registerUser, type TestUser } from "../helpers/api";
import { installStripeStandin } from "../helpers/stripe";
import { world } from "../helpers/world";

/** A receiver on the public internet, as the worker's fetch sees it (fetch is spied). */
const HOOK_HOST = "hooks.example.test";
interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
}
let received: Received[];
/** Status to answer per path, in order; the last one repeats. */
let answers: Record<string, number[]>;
let standin: StripeStandin;

beforeEach(() => {
  received = [];
  answers = {};
  standin = installStripeStandin();
  const spy = vi.mocked(globalThis.fetch);
  const standinFetch = spy.getMockImplementation()!;
  spy.mockImplementation(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    if (url.host !== HOOK_HOST) return standinFetch(input, init);
    received.push({
      path: url.pathname,
      headers: Object.fromEntries(request.headers),
      body: await request.text(),
    });
    const queue = answers[url.pathname] ?? [200];
    const status = queue.length > 1 ? queue.shift()! : queue[0]!;
    return new Response(status === 200 ? "ok" : "nope", { status });
  });
});
afterEach(() => {
  vi.restoreAllMocks();
});

const hook = (path: string) => `https://${HOOK_HOST}${path}`;
async function addEndpoint(provider: TestUser, path: string, events?: string[]) {
  const res = await call("POST", "/api/me/webhook-endpoints", {
    token: provider.token,
    body: { url: hook(path), ...(events ? { events } : {}) },
  });
  expect(res.status).toBe(201);
  return res.body as { endpoint: { id: string; url: string; events: string[] }; secret: string };
}
const deliveriesOf = async (provider: TestUser, endpointId: string) => {
  const res = await call("GET", `/api/me/webhook-endpoints/${endpointId}/deliveries`, {
    token: provider.token,
  });
  expect(res.status).toBe(200);
  return res.body.deliveries as {
    id: string;
    eventId: string;
    eventType: string;
    status: string;
    attempts: number;
    lastStatusCode?: number;
    nextAttemptAt?: string;
    log: { at: string; statusCode?: number }[];
  }[];
};
const eventsFor = (subjectId: string) =>
  env.DB.prepare("SELECT id, type, data FROM webhook_events WHERE subject_id = ? ORDER BY created_at")
    .bind(subjectId)
    .all<{ id: string; type: string; data: string }>()
    .then((r) => r.results);
/** Runs the queue consumer on one message, as the queue would, and answers ack/retry. */
async function consume(deliveryId: string) {
  const batch = createMessageBatch("lectern-webhooks", [
    { id: crypto.randomUUID(), timestamp: new Date(), attempts: 1, body: { deliveryId } },
  ]);
  const ctx = createExecutionContext();
  await worker.queue(batch, env, ctx);
  return getQueueResult(batch, ctx);
}
const waitFor = async (check: () => Promise<boolean>) => {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("timed out waiting");
};

describe("webhook endpoints", () => {
  it("a provider adds one (secret once, whsec_ + base64 of ≥ 24 bytes), lists and deletes it; others cannot see it", async () => {
    const provider = await registerProvider(6000);
    const created = await addEndpoint(provider, "/a", ["booking.confirmed", "session.ended"]);
    expect(created.endpoint).toMatchObject({
      url: hook("/a"),
      events: ["booking.confirmed", "session.ended"],
    });
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(atob(created.secret.slice(6)).length).toBeGreaterThanOrEqual(24);
    const all = await addEndpoint(provider, "/all");
    expect(all.endpoint.events).toHaveLength(8);

    const list = await call("GET", "/api/me/webhook-endpoints", { token: provider.token });
    expect(list.body.endpoints.map((e: { id: string }) => e.id)).toEqual([
      created.endpoint.id,
      all.endpoint.id,
    ]);
    expect(JSON.stringify(list.body)).not.toContain("whsec_");

    const other = await registerProvider(6000);
    const path = `/api/me/webhook-endpoints/${created.endpoint.id}`;
    expect((await call("DELETE", path, { token: other.token })).status).toBe(404);
    expect((await call("GET", `${path}/deliveries`, { token: other.token })).status).toBe(404);
    expect((await call("POST", `${path}/test`, { token: other.token })).status).toBe(404);
    const student = await registerUser("student");
    expect((await call("GET", "/api/me/webhook-endpoints", { token: student.token })).status).toBe(403);
    expect((await call("GET", "/api/me/webhook-endpoints")).status).toBe(401);

    expect((await call("DELETE", path, { token: provider.token })).status).toBe(204);
    expect((await call("DELETE", path, { token: provider.token })).status).toBe(404);
  });

  it.each([
    "http://127.0.0.1:8080/hook",
    "https://127.0.0.1/hook",
    "https://localhost/hook",
    "https://10.0.0.5/hook",
    "https://192.168.0.2/hook",
    "https://169.254.169.254/latest/meta-data",
    "https://[::1]/hook",
    "http://hooks.example.com/hook",
    "javascript:alert(1)",
  ])("refuses %s with 400 VALIDATION_FAILED (DEV_ROUTES is off here)", async (url) => {
    const provider = await registerProvider(6000);
    const res = await call("POST", "/api/me/webhook-endpoints", { token: provider.token, body: { url } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("VALIDATION_FAILED");
    expect(res.body.error.details[0].path).toBe("url");
  });

  it("refuses unknown event types and unknown fields", async () => {
    const provider = await registerProvider(6000);
    for (const body of [
      { url: hook("/x"), events: ["booking.exploded"] },
      { url: hook("/x"), events: [] },
      { url: hook("/x"), secret: "mine" },
    ]) {
      const res = await call("POST", "/api/me/webhook-endpoints", { token: provider.token, body });
      expect(res.status).toBe(400);
    }
  });
});

describe("events and deliveries", () => {
  it("a paid booking sends booking.confirmed, signed as Standard Webhooks, to the endpoints that receive it", async () => {
    const w = await world({ stripe: standin, slot: { startsInHours: 30 } });
    const everything = await addEndpoint(w.provider, "/all");
    const sessionsOnly = await addEndpoint(w.provider, "/sessions", ["session.started"]);
    const student = await registerUser("student");
    const booking = await w.paidBooking(student);

    await dispatchWebhookEvents(buildDeps(env));
    const [confirmed] = await eventsFor(booking.id);
    expect(confirmed?.type).toBe("booking.confirmed");
    let deliveries = await deliveriesOf(w.provider, everything.endpoint.id);
    expect(deliveries.map((d) => d.eventType)).toEqual(["booking.confirmed"]);
    expect(await deliveriesOf(w.provider, sessionsOnly.endpoint.id)).toEqual([]);
    await consume(deliveries[0]!.id);
    await waitFor(
      async () => (await deliveriesOf(w.provider, everything.endpoint.id))[0]?.status === "DELIVERED",
    );
    deliveries = await deliveriesOf(w.provider, everything.endpoint.id);
    expect(deliveries[0]).toMatchObject({ status: "DELIVERED", attempts: 1, lastStatusCode: 200 });

    const got = received.filter((r) => r.path === "/all");
    expect(got.length).toBeGreaterThanOrEqual(1);
    const request = got[0]!;
    expect(request.headers["webhook-id"]).toBe(confirmed!.id);
    expect(request.headers["webhook-signature"]).toMatch(/^v1,/);
    // The library's own verifier accepts it (and a tampered body is refused).
    const verified = new Webhook(everything.secret).verify(request.body, request.headers) as {
      id: string;
      type: string;
      createdAt: string;
      data: Record<string, unknown>;
    };
    expect(verified).toMatchObject({
      id: confirmed!.id,
      type: "booking.confirmed",
      data: { bookingId: booking.id, slotId: w.slot.id, sessionId: booking.sessionId },
    });
    expect(() =>
      new Webhook(everything.secret).verify(request.body.replace("confirmed", "cancelled"), request.headers),
    ).toThrow();
  });

  it("an endpoint that answers 500 and then 200 gets the same event id twice; the log shows both attempts", async () => {
    const provider = await registerProvider(6000);
    const { endpoint } = await addEndpoint(provider, "/flaky");
    answers["/flaky"] = [500, 200];
    const test = await call("POST", `/api/me/webhook-endpoints/${endpoint.id}/test`, {
      token: provider.token,
    });
    expect(test.status).toBe(202);
    const deliveryId = test.body.delivery.id as string;
    const first = await deliverWebhook(buildDeps(env), deliveryId);
    expect(first).toEqual({ kind: "retry", delaySeconds: expect.any(Number) });
    if (first.kind !== "retry") throw new Error("unreachable");
    expect(first.delaySeconds).toBeLessThanOrEqual(60);
    // Too early (a redelivery before the delay): nothing is sent.
    expect((await deliverWebhook(buildDeps(env), deliveryId)).kind).toBe("retry");
    const later = Date.now() + first.delaySeconds * 1000 + 1000;
    expect(
      await deliverWebhook(
        buildDeps(env, () => later),
        deliveryId,
      ),
    ).toEqual({ kind: "done" });
    const flaky = received.filter((r) => r.path === "/flaky");
    expect(flaky).toHaveLength(2);
    expect(flaky[0]!.headers["webhook-id"]).toBe(flaky[1]!.headers["webhook-id"]);
    expect(flaky[0]!.headers["webhook-id"]).toBe(test.body.delivery.eventId);
    const [delivery] = await deliveriesOf(provider, endpoint.id);
    expect(delivery).toMatchObject({ status: "DELIVERED", attempts: 2, lastStatusCode: 200 });
    expect(delivery!.log.map((a) => a.statusCode)).toEqual([500, 200]);
  });

  it(`an endpoint that never answers 2xx is FAILED after ${MAX_ATTEMPTS} attempts over more than 6 hours, its body kept`, async () => {
    const provider = await registerProvider(6000);
    const { endpoint } = await addEndpoint(provider, "/down");
    answers["/down"] = [503];
    const test = await call("POST", `/api/me/webhook-endpoints/${endpoint.id}/test`, {
      token: provider.token,
    });
    const deliveryId = test.body.delivery.id as string;
    let clock = Date.now();
    let result = await deliverWebhook(
      buildDeps(env, () => clock),
      deliveryId,
    );
    let attempts = 1;
    while (result.kind === "retry") {
      clock += result.delaySeconds * 1000 + 1000;
      result = await deliverWebhook(
        buildDeps(env, () => clock),
        deliveryId,
      );
      attempts += 1;
    }
    expect(attempts).toBe(MAX_ATTEMPTS);
    const [delivery] = await deliveriesOf(provider, endpoint.id);
    expect(delivery).toMatchObject({ status: "FAILED", attempts: MAX_ATTEMPTS, lastStatusCode: 503 });
    expect(delivery!.nextAttemptAt).toBeUndefined();
    const span = Date.parse(delivery!.log.at(-1)!.at) - Date.parse(delivery!.log[0]!.at);
    expect(span).toBeGreaterThanOrEqual(6 * 3600 * 1000);
    const dead = await env.DB.prepare("SELECT body FROM webhook_dead_letters WHERE delivery_id = ?")
      .bind(deliveryId)
      .first<{ body: string }>();
    expect(JSON.parse(dead!.body)).toMatchObject({ id: test.body.delivery.eventId, type: "webhook.test" });
    // Once FAILED, a stray message does nothing.
    const before = received.length;
    expect(await consume(deliveryId)).toMatchObject({ explicitAcks: [expect.any(String)] });
    expect(received.length).toBe(before);
  });

  it("the queue consumer acks a delivered message and retries a failed one with its delay", async () => {
    const provider = await registerProvider(6000);
    const ok = await addEndpoint(provider, "/ok");
    const bad = await addEndpoint(provider, "/bad");
    answers["/bad"] = [500];
    const okTest = await call("POST", `/api/me/webhook-endpoints/${ok.endpoint.id}/test`, {
      token: provider.token,
    });
    const badTest = await call("POST", `/api/me/webhook-endpoints/${bad.endpoint.id}/test`, {
      token: provider.token,
    });
    // The queue may have run them already; a second message for a done delivery is just acked.
    await waitFor(async () => (await deliveriesOf(provider, ok.endpoint.id))[0]?.status === "DELIVERED");
    expect((await consume(okTest.body.delivery.id)).explicitAcks).toHaveLength(1);
    await waitFor(async () => ((await deliveriesOf(provider, bad.endpoint.id))[0]?.attempts ?? 0) >= 1);
    const retried = await consume(badTest.body.delivery.id);
    expect(retried.retryMessages).toEqual([expect.objectContaining({ msgId: expect.any(String) })]);
    expect(retried.explicitAcks).toEqual([]);
  });

  it("session and cancellation events carry the ids; a deleted endpoint gets nothing more", async () => {
    const w = await world({ stripe: standin, slot: { startsInHours: 0.5 }, students: 1 });
    const { endpoint } = await addEndpoint(w.provider, "/life");
    expect(
      (await call("POST", `/api/sessions/${w.sessionId}/start`, { token: w.provider.token })).status,
    ).toBe(200);
    const started = await eventsFor(w.sessionId);
    expect(started.map((e) => e.type)).toEqual(["session.started"]);
    expect(JSON.parse(started[0]!.data)).toMatchObject({ sessionId: w.sessionId, slotId: w.slot.id });
    expect(
      (await call("DELETE", `/api/me/webhook-endpoints/${endpoint.id}`, { token: w.provider.token })).status,
    ).toBe(204);
    expect((await call("POST", `/api/sessions/${w.sessionId}/end`, { token: w.provider.token })).status).toBe(
      200,
    );
    // No endpoint left: the end is not even written to the outbox.
    expect((await eventsFor(w.sessionId)).map((e) => e.type)).toEqual(["session.started"]);
  });

  it("a student's cancel sends booking.cancelled and refund.succeeded", async () => {
    const w = await world({ stripe: standin, slot: { startsInHours: 30 }, students: 1 });
    await addEndpoint(w.provider, "/c");
    const booking = w.bookings[0];
    const cancelled = await call("POST", `/api/bookings/${booking.id}/cancel`, {
      token: w.students[0]!.token,
    });
    expect(cancelled.status).toBe(200);
    const { deliverAll } = await import("../helpers/stripe");
    await deliverAll(standin);
    expect((await eventsFor(booking.id)).map((e) => e.type)).toEqual(["booking.cancelled"]);
    const refunds = await env.DB.prepare(
      "SELECT type, data FROM webhook_events WHERE type = 'refund.succeeded' AND data LIKE ?",
    )
      .bind(`%${booking.id}%`)
      .all<{ type: string; data: string }>();
    expect(refunds.results).toHaveLength(1);
    expect(JSON.parse(refunds.results[0]!.data)).toMatchObject({
      bookingId: booking.id,
      amount: 6000,
      currency: "usd",
    });
  });
});

describe("the outbox is written with the change, or not at all", () => {
  it("a failed confirm batch leaves no event; the repeated batch writes exactly one", async () => {
    const w = await world({ stripe: standin, slot: { startsInHours: 30 } });
    await addEndpoint(w.provider, "/atomic");
    const student = await registerUser("student");
    const booked = await call("POST", `/api/slots/${w.slot.id}/bookings`, { token: student.token });
    const bookingId = booked.body.booking.id as string;
    const records = createSlotRecords(env.DB, () => Date.now());
    const trigger = `fail_confirm_${bookingId.replace(/[^A-Za-z0-9_]/g, "_")}`;
    await env.DB.prepare(
      `CREATE TRIGGER ${trigger} BEFORE INSERT ON session_participants WHEN NEW.booking_id = '${bookingId}'
       BEGIN SELECT RAISE(ABORT, 'simulated D1 outage'); END`,
    ).run();
    try {
      await expect(
        records.confirmBooking({ bookingId, slotId: w.slot.id, studentId: student.id }),
      ).rejects.toThrow(/simulated D1 outage/);
    } finally {
      await env.DB.prepare(`DROP TRIGGER IF EXISTS ${trigger}`).run();
    }
    expect(await eventsFor(bookingId)).toEqual([]);
    const status = await env.DB.prepare("SELECT status FROM bookings WHERE id = ?")
      .bind(bookingId)
      .first<{ status: string }>();
    expect(status?.status).toBe("PENDING_PAYMENT");
    await records.confirmBooking({ bookingId, slotId: w.slot.id, studentId: student.id });
    await records.confirmBooking({ bookingId, slotId: w.slot.id, studentId: student.id });
    expect((await eventsFor(bookingId)).map((e) => e.type)).toEqual(["booking.confirmed"]);
  });
});
