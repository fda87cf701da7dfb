import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { StripeStandin } from "../../scripts/stripe-standin/handler";
import { call, registerUser } from "../helpers/api";
import { confirmWithCard, deliverAll, installStripeStandin } from "../helpers/stripe";
import { world } from "../helpers/world";

let standin: StripeStandin;
beforeEach(() => {
  standin = installStripeStandin();
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe("booking and paying", () => {
  it("holds a seat, captures the authorization and confirms the booking with its session", async () => {
    const { provider, slot } = await world({ hourlyRate: 6000, slot: { durationMinutes: 45 } });
    const student = await registerUser("student");
    const booked = await call("POST", `/api/slots/${slot.id}/bookings`, { token: student.token });
    expect(booked.status).toBe(201);
    expect(booked.body.booking).toMatchObject({
      slotId: slot.id,
      studentId: student.id,
      status: "PENDING_PAYMENT",
      amount: 4500,
      currency: "usd",
    });
    expect(booked.body.payment.clientSecret).toMatch(/^pi_.+_secret_/);
    const intentId = booked.body.payment.paymentIntentId;
    expect(standin.store.paymentIntents.get(intentId)).toMatchObject({
      amount: 4500,
      capture_method: "manual",
    });

    expect((await call("GET", `/api/slots/${slot.id}`, { token: student.token })).body).toMatchObject({
      seatsTaken: 1,
      seatsLeft: 0,
      status: "FULL",
    });

    expect((await confirmWithCard(standin, intentId)).status).toBe(200);
    const statuses = await deliverAll(standin);
    expect(statuses.every((s) => s === 200)).toBe(true);

    const booking = await call("GET", `/api/bookings/${booked.body.booking.id}`, { token: provider.token });
    expect(booking.body).toMatchObject({ status: "CONFIRMED", paymentStatus: "SUCCEEDED" });
    expect(booking.body.sessionId).toMatch(/^ses_/);
    expect(standin.store.paymentIntents.get(intentId)?.status).toBe("succeeded");
  });
});
