import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { StripeStandin } from "../../scripts/stripe-standin/handler";
import { call, registerProvider, registerUser } from "../helpers/api";
import { installStripeStandin } from "../helpers/stripe";
import { world } from "../helpers/world";

let standin: StripeStandin;
beforeEach(() => {
  standin = installStripeStandin();
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe("GET /api/config", () => {
  it("tells the browser to pay through the local stand-in with a publishable key only", async () => {
    const res = await call("GET", "/api/config");
    expect(res.status).toBe(200);
    expect(res.body.payments).toEqual({
      mode: "standin",
      publishableKey: "pk_test_lectern_local",
      standinUrl: "http://127.0.0.1:12111",
    });
    expect(JSON.stringify(res.body)).not.toMatch(/sk_|whsec_/);
    expect(res.body.video.agoraAppId).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe("POST /api/availability-patterns/preview", () => {
  const body = {
    timezone: "Europe/Berlin",
    weekly: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, startTime: "10:00" })),
    durationMinutes: 60,
    sessionType: "ONE_TO_ONE",
  };

  it("shows the slots and clashes a pattern would make, writes nothing, and matches the real create", async () => {
    const provider = await registerProvider();
    const listBefore = await call("GET", `/api/slots?providerId=${provider.id}`, { token: provider.token });
    expect(listBefore.body.slots).toHaveLength(0);

    const preview = await call("POST", "/api/availability-patterns/preview", { token: provider.token, body });
    expect(preview.status).toBe(200);
    expect(preview.body.slots.length).toBeGreaterThanOrEqual(27);
    expect(
      (await call("GET", `/api/slots?providerId=${provider.id}`, { token: provider.token })).body.slots,
    ).toHaveLength(0);
    expect(
      (await call("GET", "/api/availability-patterns", { token: provider.token })).body.patterns,
    ).toHaveLength(0);

    const created = await call("POST", "/api/availability-patterns", { token: provider.token, body });
    expect(created.body.createdSlots.map((s: { startsAt: string }) => s.startsAt)).toEqual(
      preview.body.slots.map((s: { startsAt: string }) => s.startsAt),
    );

    const again = await call("POST", "/api/availability-patterns/preview", { token: provider.token, body });
    expect(again.body.slots).toHaveLength(0);
    expect(again.body.skipped.length).toBe(preview.body.slots.length);
    expect(again.body.skipped[0].reason).toMatch(/^SLOT_OVERLAP/);
  });

  it("is for providers only and validates like create", async () => {
    const student = await registerUser("student");
    expect(
      (await call("POST", "/api/availability-patterns/preview", { token: student.token, body })).status,
    ).toBe(403);
    const provider = await registerProvider();
    const bad = await call("POST", "/api/availability-patterns/preview", {
      token: provider.token,
      body: { ...body, timezone: "Mars/Olympus" },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("VALIDATION_FAILED");
  });
});

describe("GET /api/slots/:id/bookings", () => {
  it("lists the slot's bookings with student names for its provider only", async () => {
    const { provider, slot, paidBooking } = await world({ stripe: standin, slot: { startsInHours: 5 } });
    const student = await registerUser("student");
    const booking = await paidBooking(student);
    const res = await call("GET", `/api/slots/${slot.id}/bookings`, { token: provider.token });
    expect(res.status).toBe(200);
    expect(res.body.bookings).toEqual([
      expect.objectContaining({
        id: booking.id,
        status: "CONFIRMED",
        student: { id: student.id, name: "Test student" },
      }),
    ]);
    const other = await registerProvider();
    expect((await call("GET", `/api/slots/${slot.id}/bookings`, { token: other.token })).status).toBe(403);
    expect((await call("GET", `/api/slots/${slot.id}/bookings`, { token: student.token })).status).toBe(403);
  });
});

describe("PATCH /api/me", () => {
  it("changes name and time zone, and refuses unknown zones and empty bodies", async () => {
    const user = await registerUser("student");
    const res = await call("PATCH", "/api/me", {
      token: user.token,
      body: { timezone: "America/New_York", name: "Ana" },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: user.id, timezone: "America/New_York", name: "Ana" });
    expect((await call("GET", "/api/me", { token: user.token })).body.timezone).toBe("America/New_York");
    expect(
      (await call("PATCH", "/api/me", { token: user.token, body: { timezone: "Nowhere/Land" } })).status,
    ).toBe(400);
    expect((await call("PATCH", "/api/me", { token: user.token, body: {} })).status).toBe(400);
    expect((await call("PATCH", "/api/me", { body: { name: "x" } })).status).toBe(401);
  });
});

describe("prices Stripe can charge", () => {
  it("refuses unknown currencies and rates that would exceed Stripe's largest charge", async () => {
    const provider = await registerProvider();
    const put = (body: unknown) => call("PUT", "/api/me/provider-profile", { token: provider.token, body });
    expect((await put({ hourlyRate: 6000, currency: "zzz" })).status).toBe(400);
    expect((await put({ hourlyRate: 12_000_001, currency: "usd" })).status).toBe(400);
    expect((await put({ hourlyRate: 12_000_000, currency: "EUR" })).body.currency).toBe("eur");
  });

  it("returns 409 SLOT_NOT_BOOKABLE for a price below the smallest card charge", async () => {
    const { slot } = await world({ hourlyRate: 100, slot: { durationMinutes: 15, startsInHours: 3 } });
    expect(slot.price.amount).toBe(25);
    const student = await registerUser("student");
    const res = await call("POST", `/api/slots/${slot.id}/bookings`, { token: student.token });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("SLOT_NOT_BOOKABLE");
  });
});
