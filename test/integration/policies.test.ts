// Issue #11: the provider's cancellation policy (notice tiers), the cancel preview, and
// no-shows (at the session's end and from the 5-minute job, also "as if the clock read" an instant).
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import type { StripeStandin } from "../../scripts/stripe-standin/handler";
import worker from "../../src/index";
import { call, registerProvider, type TestUser } from "../helpers/api";
import { refundsFor } from "../helpers/bookings";
import { runCron } from "../helpers/cron";
import { deliverAll, installStripeStandin } from "../helpers/stripe";
import { world } from "../helpers/world";

let standin: StripeStandin;
beforeEach(() => {
  standin = installStripeStandin();
});

const TIERED = {
  tiers: [
    { minNoticeHours: 48, refundPercent: 100 },
    { minNoticeHours: 24, refundPercent: 50 },
    { minNoticeHours: 0, refundPercent: 0 },
  ],
  rescheduleMinNoticeHours: 0,
};

const post = (path: string, token: string, body?: unknown) =>
  call("POST", path, { token, ...(body === undefined ? {} : { body }) });
const get = (path: string, token: string) => call("GET", path, { token });

async function setPolicy(provider: TestUser, policy: unknown, hourlyRate = 6000) {
  return call("PUT", "/api/me/provider-profile", {
    token: provider.token,
    body: { hourlyRate, currency: "usd", cancellationPolicy: policy },
  });
}

/** A tiered provider, a one-to-one slot `startsInHours` away, and a student who paid for it. */
async function tieredBooking(startsInHours: number) {
  const provider = await registerProvider(6000, "usd");
  expect((await setPolicy(provider, TIERED)).status).toBe(200);
  const w = await world({ stripe: standin, provider, slot: { startsInHours } });
  const student = await w.student();
  const booking = await w.paidBooking(student);
  return { provider, slot: w.slot, student, booking };
}

/** POST /api/dev/cron as `npm start` has it (DEV_ROUTES=on). */
async function devCron(at?: string) {
  const query = at ? `?at=${encodeURIComponent(at)}` : "";
  const ctx = createExecutionContext();
  const response = await worker.fetch(
    new Request(`http://127.0.0.1:8787/api/dev/cron${query}`, { method: "POST" }),
    { ...env, DEV_ROUTES: "on" },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return { status: response.status, body: (await response.json()) as any };
}

describe("the provider's cancellation policy", () => {
  it("is the v1 behaviour by default and saved with the profile; a PUT without one keeps it", async () => {
    const provider = await registerProvider(6000, "usd");
    const before = await get("/api/me/provider-profile", provider.token);
    expect(before.body.cancellationPolicy).toEqual({
      tiers: [{ minNoticeHours: 0, refundPercent: 100 }],
      rescheduleMinNoticeHours: 0,
    });
    expect((await setPolicy(provider, TIERED)).body.cancellationPolicy).toEqual(TIERED);
    const kept = await call("PUT", "/api/me/provider-profile", {
      token: provider.token,
      body: { hourlyRate: 7000, currency: "usd" },
    });
    expect(kept.body.cancellationPolicy).toEqual(TIERED);
    const listed = await get("/api/providers", provider.token);
    expect(listed.body.providers.find((p: any) => p.id === provider.id).cancellationPolicy).toEqual(TIERED);
  });

  it.each([
    ["no tiers", { tiers: [], rescheduleMinNoticeHours: 0 }, "tiers"],
    [
      "six tiers",
      {
        tiers: [50, 40, 30, 20, 10, 0].map((h) => ({ minNoticeHours: h, refundPercent: 50 })),
        rescheduleMinNoticeHours: 0,
      },
      "tiers",
    ],
    [
      "notice not strictly decreasing",
      {
        tiers: [
          { minNoticeHours: 24, refundPercent: 100 },
          { minNoticeHours: 24, refundPercent: 50 },
          { minNoticeHours: 0, refundPercent: 0 },
        ],
        rescheduleMinNoticeHours: 0,
      },
      "tiers.1.minNoticeHours",
    ],
    [
      "last tier not at 0 h",
      { tiers: [{ minNoticeHours: 12, refundPercent: 100 }], rescheduleMinNoticeHours: 0 },
      "tiers.0.minNoticeHours",
    ],
    [
      "percent over 100",
      { tiers: [{ minNoticeHours: 0, refundPercent: 101 }], rescheduleMinNoticeHours: 0 },
      "tiers.0.refundPercent",
    ],
    [
      "fractional hours",
      { tiers: [{ minNoticeHours: 0.5, refundPercent: 100 }], rescheduleMinNoticeHours: 0 },
      "tiers.0.minNoticeHours",
    ],
    [
      "notice beyond 672 h",
      {
        tiers: [
          { minNoticeHours: 673, refundPercent: 100 },
          { minNoticeHours: 0, refundPercent: 0 },
        ],
        rescheduleMinNoticeHours: 0,
      },
      "tiers.0.minNoticeHours",
    ],
    [
      "negative reschedule notice",
      { tiers: [{ minNoticeHours: 0, refundPercent: 100 }], rescheduleMinNoticeHours: -1 },
      "rescheduleMinNoticeHours",
    ],
  ])("refuses %s with 400 VALIDATION_FAILED naming the field", async (_name, policy, field) => {
    const provider = await registerProvider(6000, "usd");
    const res = await setPolicy(provider, policy);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("VALIDATION_FAILED");
    expect(JSON.stringify(res.body.error.details)).toContain(field);
    const after = await get("/api/me/provider-profile", provider.token);
    expect(after.body.cancellationPolicy.tiers).toEqual([{ minNoticeHours: 0, refundPercent: 100 }]);
  });

  it("is snapshotted on the booking: a later edit never changes an existing booking", async () => {
    const { provider, booking, student } = await tieredBooking(30);
    expect(booking.cancellationPolicy).toEqual(TIERED);
    await setPolicy(provider, {
      tiers: [{ minNoticeHours: 0, refundPercent: 0 }],
      rescheduleMinNoticeHours: 0,
    });
    const again = await get(`/api/bookings/${booking.id}`, student.token);
    expect(again.body.cancellationPolicy).toEqual(TIERED);
    const preview = await get(`/api/bookings/${booking.id}/cancel-preview`, student.token);
    expect(preview.body).toEqual({ refundAmount: 3000, refundPercent: 50 });
  });
});

describe("student cancel by notice tier", () => {
  it("30 h before under [48 h 100 %, 24 h 50 %, 0 h 0 %]: the preview and the cancel both give 50 %", async () => {
    const { booking, student } = await tieredBooking(30);
    const preview = await get(`/api/bookings/${booking.id}/cancel-preview`, student.token);
    expect(preview.status).toBe(200);
    expect(preview.body).toEqual({ refundAmount: 3000, refundPercent: 50 });

    const cancelled = await post(`/api/bookings/${booking.id}/cancel`, student.token);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe("CANCELLED");
    await deliverAll(standin);
    expect(refundsFor(standin, booking.paymentIntentId).map((r) => r.amount)).toEqual([3000]);
    const after = await get(`/api/bookings/${booking.id}`, student.token);
    expect(after.body).toMatchObject({
      status: "CANCELLED",
      cancelledBy: "STUDENT",
      amountRefunded: 3000,
      paymentStatus: "PARTIALLY_REFUNDED",
    });
  });

  it("the kept share is never refunded later: the reconcile job and a replayed webhook leave it", async () => {
    const { booking, student } = await tieredBooking(30);
    await post(`/api/bookings/${booking.id}/cancel`, student.token);
    await deliverAll(standin);
    await env.DB.prepare("UPDATE bookings SET updated_at = 0 WHERE id = ?").bind(booking.id).run();
    await env.DB.prepare("UPDATE payments SET updated_at = 0 WHERE booking_id = ?").bind(booking.id).run();
    const report = await devCron();
    expect(Object.keys(report.body.reconciled)).not.toContain(booking.id);
    await runCron();
    await deliverAll(standin);
    expect(refundsFor(standin, booking.paymentIntentId).map((r) => r.amount)).toEqual([3000]);
    expect((await get(`/api/bookings/${booking.id}`, student.token)).body.amountRefunded).toBe(3000);
  });

  it("10 h before: the 0 % tier gives nothing back; the seat is still freed", async () => {
    const { booking, student, slot, provider } = await tieredBooking(10);
    expect((await get(`/api/bookings/${booking.id}/cancel-preview`, student.token)).body).toEqual({
      refundAmount: 0,
      refundPercent: 0,
    });
    expect((await post(`/api/bookings/${booking.id}/cancel`, student.token)).status).toBe(200);
    await deliverAll(standin);
    expect(refundsFor(standin, booking.paymentIntentId)).toEqual([]);
    const after = await get(`/api/bookings/${booking.id}`, student.token);
    expect(after.body).toMatchObject({ status: "CANCELLED", amountRefunded: 0, paymentStatus: "SUCCEEDED" });
    expect((await get(`/api/slots/${slot.id}`, provider.token)).body.seatsLeft).toBe(1);
  });

  it("50 h before: everything back", async () => {
    const { booking, student } = await tieredBooking(50);
    expect((await get(`/api/bookings/${booking.id}/cancel-preview`, student.token)).body).toEqual({
      refundAmount: 6000,
      refundPercent: 100,
    });
    await post(`/api/bookings/${booking.id}/cancel`, student.token);
    await deliverAll(standin);
    expect(refundsFor(standin, booking.paymentIntentId).map((r) => r.amount)).toEqual([6000]);
  });

  it("a provider's cancel refunds everything, whatever the tier", async () => {
    const { booking, student, provider } = await tieredBooking(10);
    const res = await post(`/api/sessions/${booking.sessionId}/cancel`, provider.token);
    expect(res.status).toBe(200);
    await deliverAll(standin);
    expect(refundsFor(standin, booking.paymentIntentId).map((r) => r.amount)).toEqual([6000]);
    expect((await get(`/api/bookings/${booking.id}`, student.token)).body).toMatchObject({
      status: "CANCELLED",
      cancelledBy: "PROVIDER",
      paymentStatus: "REFUNDED",
    });
  });

  it("cancel-preview is its student's only: others 403, the provider 403, unknown 404", async () => {
    const { booking, provider, student } = await tieredBooking(30);
    const other = await (await world({ slot: false })).student();
    expect((await get(`/api/bookings/${booking.id}/cancel-preview`, other.token)).status).toBe(403);
    expect((await get(`/api/bookings/${booking.id}/cancel-preview`, provider.token)).status).toBe(403);
    expect((await get("/api/bookings/bkg_nope/cancel-preview", student.token)).status).toBe(404);
    await post(`/api/bookings/${booking.id}/cancel`, student.token);
    const again = await get(`/api/bookings/${booking.id}/cancel-preview`, student.token);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("BOOKING_NOT_ACTIVE");
  });
});

describe("no-shows", () => {
  it("at the end: attendance verdicts per participant; no refund for a student who did not come", async () => {
    const w = await world({ stripe: standin, slot: { seats: 3, startsInHours: 0.5 }, students: 2 });
    const [came, absent] = w.students as [TestUser, TestUser];
    expect((await post(`/api/sessions/${w.sessionId}/start`, w.provider.token)).status).toBe(200);
    expect((await post(`/api/sessions/${w.sessionId}/join`, w.provider.token)).status).toBe(200);
    expect((await post(`/api/sessions/${w.sessionId}/join`, came.token)).status).toBe(200);
    const ended = await post(`/api/sessions/${w.sessionId}/end`, w.provider.token);
    expect(ended.status).toBe(200);
    expect(ended.body.cancelReason).toBeUndefined();
    const verdicts = Object.fromEntries(ended.body.participants.map((p: any) => [p.userId, p.attendance]));
    expect(verdicts).toEqual({ [came.id]: "ATTENDED", [absent.id]: "NO_SHOW" });
    await deliverAll(standin);
    for (const booking of w.bookings) expect(refundsFor(standin, booking.paymentIntentId)).toEqual([]);
  });

  it("at the end, a provider who never joined: PROVIDER_NO_SHOW and everyone refunded in full", async () => {
    const w = await world({ stripe: standin, slot: { seats: 3, startsInHours: 0.5 }, students: 2 });
    const [came] = w.students as [TestUser];
    await post(`/api/sessions/${w.sessionId}/start`, w.provider.token);
    await post(`/api/sessions/${w.sessionId}/join`, came.token);
    const ended = await post(`/api/sessions/${w.sessionId}/end`, w.provider.token);
    expect(ended.status).toBe(200);
    expect(ended.body).toMatchObject({ status: "COMPLETED", cancelReason: "PROVIDER_NO_SHOW" });
    await deliverAll(standin);
    for (const booking of w.bookings) {
      expect(refundsFor(standin, booking.paymentIntentId).map((r) => r.amount)).toEqual([6000]);
      const after = await get(`/api/bookings/${booking.id}`, w.provider.token);
      expect(after.body).toMatchObject({ status: "CANCELLED", cancelledBy: "PROVIDER_NO_SHOW" });
    }
    const seen = await get(`/api/sessions/${w.sessionId}`, came.token);
    expect(seen.body.cancelReason).toBe("PROVIDER_NO_SHOW");
  });

  it("the 5-minute job at an instant: a never-started session 16 min after its slot ended is cancelled and refunded, once", async () => {
    const w = await world({ stripe: standin, slot: { seats: 2, startsInHours: 0.5 }, students: 1 });
    const endsAt = Date.parse(w.slot.endsAt);
    const early = await devCron(new Date(endsAt + 14 * 60_000).toISOString());
    expect(early.status).toBe(200);
    expect(early.body.providerNoShows).toBe(0);

    const at = new Date(endsAt + 16 * 60_000).toISOString();
    const [first, second] = await Promise.all([devCron(at), devCron(at)]);
    expect(first.status).toBe(200);
    expect(first.body.at).toBe(at);
    expect(first.body.providerNoShows + second.body.providerNoShows).toBe(1);
    expect((await devCron(at)).body.providerNoShows).toBe(0);
    await deliverAll(standin);

    const session = await get(`/api/sessions/${w.sessionId}`, w.provider.token);
    expect(session.body).toMatchObject({ status: "CANCELLED", cancelReason: "PROVIDER_NO_SHOW" });
    const booking = w.bookings[0];
    expect(refundsFor(standin, booking.paymentIntentId).map((r) => r.amount)).toEqual([6000]);
    expect((await get(`/api/bookings/${booking.id}`, w.students[0]!.token)).body.paymentStatus).toBe(
      "REFUNDED",
    );
  });

  it("a student can no longer cancel once the slot's start passed (409 SESSION_ALREADY_STARTED)", async () => {
    const w = await world({ stripe: standin, slot: { startsInHours: 0.5 }, students: 1 });
    const booking = w.bookings[0];
    await env.DB.prepare("UPDATE slots SET starts_at = ? WHERE id = ?")
      .bind(Date.now() - 1000, w.slot.id)
      .run();
    const stub = env.SLOT.get(env.SLOT.idFromName(w.slot.id));
    const { runInDurableObject } = await import("cloudflare:test");
    await runInDurableObject(stub, (_i, state) => {
      state.storage.sql.exec("UPDATE meta SET value = ? WHERE key = 'starts_at'", String(Date.now() - 1000));
    });
    const res = await post(`/api/bookings/${booking.id}/cancel`, w.students[0]!.token);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("SESSION_ALREADY_STARTED");
  });
});

describe("POST /api/dev/cron?at=", () => {
  it("is absent without DEV_ROUTES and refuses an instant that is not ISO 8601", async () => {
    expect((await call("POST", "/api/dev/cron")).status).toBe(404);
    expect((await devCron("yesterday")).status).toBe(400);
  });
});
