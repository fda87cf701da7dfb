import { expect } from "vitest";
import type { StripeStandin } from "../../scripts/stripe-standin/handler";
import { call, hoursFromNow, registerProvider, registerUser, type TestUser } from "./api";
import { confirmWithCard, deliverAll } from "./stripe";

export interface SlotSpec {
  startsInHours?: number;
  sessionType?: "ONE_TO_ONE" | "GROUP";
  maxParticipants?: number;
  durationMinutes?: number;
}

export async function createOpenSlot(provider: TestUser, spec: SlotSpec = {}) {
  const sessionType = spec.sessionType ?? "ONE_TO_ONE";
  const res = await call("POST", "/api/slots", {
    token: provider.token,
    body: {
      startsAt: hoursFromNow(spec.startsInHours ?? 0.5),
      durationMinutes: spec.durationMinutes ?? 60,
      sessionType,
      ...(sessionType === "GROUP" ? { maxParticipants: spec.maxParticipants ?? 5 } : {}),
    },
  });
  expect(res.status).toBe(201);
  return res.body;
}

/** Books and pays (test card, webhooks delivered) for `student`; returns the CONFIRMED booking. */
export async function bookAndPay(standin: StripeStandin, student: TestUser, slotId: string) {
  const booked = await call("POST", `/api/slots/${slotId}/bookings`, { token: student.token });
  expect(booked.status).toBe(201);
  expect((await confirmWithCard(standin, booked.body.payment.paymentIntentId)).status).toBe(200);
  await deliverAll(standin);
  const booking = await call("GET", `/api/bookings/${booked.body.booking.id}`, { token: student.token });
  expect(booking.body.status).toBe("CONFIRMED");
  return booking.body;
}

/** A provider, a slot starting in `startsInHours`, and `students` confirmed students with their session. */
export async function confirmedSession(standin: StripeStandin, spec: SlotSpec & { students?: number } = {}) {
  const provider = await registerProvider(6000);
  const count = spec.students ?? 1;
  const slot = await createOpenSlot(provider, {
    ...spec,
    ...(count > 1 && !spec.sessionType ? { sessionType: "GROUP", maxParticipants: Math.max(count, 2) } : {}),
  });
  const students: TestUser[] = [];
  const bookings = [];
  for (let i = 0; i < count; i++) {
    const student = await registerUser("student");
    students.push(student);
    bookings.push(await bookAndPay(standin, student, slot.id));
  }
  return { provider, slot, students, bookings, sessionId: bookings[0].sessionId as string };
}
