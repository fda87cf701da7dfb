// The waitlist of a full slot (API.md v2 "Waitlist"): joining, the line, offers when a seat frees,
// their lapse, and the end of the line when the slot is cancelled.
import { runInDurableObject } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { StripeStandin } from "../../scripts/stripe-standin/handler";
import { call, registerProvider, type TestUser } from "../helpers/api";
import { book, bookOk, getBooking, getSlot, lapseHolds, runAlarm, slotStub } from "../helpers/bookings";
import { runCron } from "../helpers/cron";
import { expectError } from "../helpers/fixtures";
import { confirmWithCard, deliverAll, installStripeStandin } from "../helpers/stripe";
import { world } from "../helpers/world";

let standin: StripeStandin;
beforeEach(() => {
  standin = installStripeStandin();
});
afterEach(() => {
  vi.restoreAllMocks();
});

const OFFER_MS = 900_000;

const join = (student: TestUser, slotId: string) =>
  call("POST", `/api/slots/${slotId}/waitlist`, { token: student.token });
const leave = (student: TestUser, slotId: string) =>
  call("DELETE", `/api/slots/${slotId}/waitlist`, { token: student.token });

async function joinOk(student: TestUser, slotId: string) {
  const res = await join(student, slotId);
  if (res.status !== 201) throw new Error(`join failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** The student's entry for `slotId` from GET /api/me/waitlist. */
async function myEntry(student: TestUser, slotId: string) {
  const res = await call("GET", "/api/me/waitlist", { token: student.token });
  expect(res.status).toBe(200);
  const entries = res.body.entries.filter((e: { slotId: string }) => e.slotId === slotId);
  expect(entries.length).toBeLessThanOrEqual(1);
  return entries[0];
}

async function slotLine(provider: TestUser, slotId: string) {
  const res = await call("GET", `/api/slots/${slotId}/waitlist`, { token: provider.token });
  expect(res.status).toBe(200);
  return res.body.entries as { studentId: string; status: string; position: number; student?: unknown }[];
}

/** A full 1-to-1 slot (one student paid) and `waiting` students in its line, in order. */
async function fullSlotWithLine(waiting: number) {
  const w = await world({ stripe: standin, slot: { startsInHours: 30 }, students: 1 });
  const line: TestUser[] = [];
  for (let i = 0; i < waiting; i++) {
    const student = await w.student();
    await joinOk(student, w.slot.id);
    line.push(student);
  }
  return {
    provider: w.provider,
    slot: w.slot,
    student: w.student,
    seated: w.students[0] as TestUser,
    booking: w.bookings[0],
    line,
  };
}

/** Makes the slot's live offers look lapsed inside its object and runs its alarm. */
async function lapseOffers(slotId: string) {
  await runInDurableObject(slotStub(slotId), (_instance, state) => {
    state.storage.sql.exec(
      "UPDATE waitlist SET offer_expires_at = ? WHERE status = 'OFFERED'",
      Date.now() - 1,
    );
  });
  expect(await runAlarm(slotId)).toBe(true);
}

describe("joining the waitlist", () => {
  it("returns 409 SLOT_NOT_FULL while a seat is free", async () => {
    const w = await world({ stripe: standin, slot: { startsInHours: 30, seats: 2 }, students: 1 });
    const student = await w.student();
    expectError(await join(student, w.slot.id), 409, "SLOT_NOT_FULL");
    expect(await myEntry(student, w.slot.id)).toBeUndefined();
  });

  it("returns 201 WAITING with positions 1 and 2 in the order students joined", async () => {
    const w = await world({ stripe: standin, slot: { startsInHours: 30 }, students: 1 });
    const [first, second] = [await w.student(), await w.student()];
    const a = await join(first, w.slot.id);
    expect(a.status).toBe(201);
    expect(a.body).toMatchObject({ slotId: w.slot.id, studentId: first.id, status: "WAITING", position: 1 });
    expect(a.body.offerExpiresAt).toBeUndefined();
    const b = await join(second, w.slot.id);
    expect(b.status).toBe(201);
    expect(b.body).toMatchObject({ studentId: second.id, status: "WAITING", position: 2 });
    expect(await myEntry(second, w.slot.id)).toMatchObject({ id: b.body.id, status: "WAITING", position: 2 });
  });

  it("returns 409 ALREADY_WAITLISTED on a repeat", async () => {
    const { slot, line } = await fullSlotWithLine(1);
    expectError(await join(line[0] as TestUser, slot.id), 409, "ALREADY_WAITLISTED");
  });

  it("returns 409 ALREADY_BOOKED for the student holding the seat", async () => {
    const { slot, seated } = await fullSlotWithLine(0);
    expectError(await join(seated, slot.id), 409, "ALREADY_BOOKED");
  });

  it("returns 409 SLOT_NOT_BOOKABLE on a cancelled slot", async () => {
    const { slot, provider, booking, student } = await fullSlotWithLine(0);
    expect(
      (await call("POST", `/api/sessions/${booking.sessionId}/cancel`, { token: provider.token })).status,
    ).toBe(200);
    expectError(await join(await student(), slot.id), 409, "SLOT_NOT_BOOKABLE");
  });

  it("returns 403 FORBIDDEN when a provider tries to join", async () => {
    const { slot } = await fullSlotWithLine(0);
    const provider = await registerProvider();
    expectError(await join(provider, slot.id), 403, "FORBIDDEN");
  });
});

describe("the slot's line", () => {
  it("lists the entries in order with student names for the slot's provider only", async () => {
    const { slot, provider, line } = await fullSlotWithLine(2);
    const entries = await slotLine(provider, slot.id);
    expect(entries).toEqual([
      expect.objectContaining({
        studentId: line[0]?.id,
        status: "WAITING",
        position: 1,
        student: { id: line[0]?.id, name: "Test student" },
      }),
      expect.objectContaining({
        studentId: line[1]?.id,
        status: "WAITING",
        position: 2,
        student: { id: line[1]?.id, name: "Test student" },
      }),
    ]);
    const other = await registerProvider();
    expectError(
      await call("GET", `/api/slots/${slot.id}/waitlist`, { token: other.token }),
      403,
      "FORBIDDEN",
    );
    expectError(
      await call("GET", `/api/slots/${slot.id}/waitlist`, { token: (line[0] as TestUser).token }),
      403,
      "FORBIDDEN",
    );
  });

  it("leaves with 204 and closes up the positions; leaving again is 404", async () => {
    const { slot, provider, line } = await fullSlotWithLine(3);
    const [a, b, c] = line as [TestUser, TestUser, TestUser];
    expect((await leave(a, slot.id)).status).toBe(204);
    expect(await myEntry(a, slot.id)).toMatchObject({ status: "LEFT", position: 0 });
    expect(await myEntry(b, slot.id)).toMatchObject({ status: "WAITING", position: 1 });
    expect(await myEntry(c, slot.id)).toMatchObject({ status: "WAITING", position: 2 });
    expect(
      (await slotLine(provider, slot.id)).filter((e) => e.status === "WAITING").map((e) => e.studentId),
    ).toEqual([b.id, c.id]);
    expectError(await leave(a, slot.id), 404, "NOT_FOUND");
  });

  it("returns 404 when a student who never joined leaves", async () => {
    const { slot, student } = await fullSlotWithLine(0);
    expectError(await leave(await student(), slot.id), 404, "NOT_FOUND");
  });
});

describe("offers", () => {
  it("offers a freed seat to the first in line at once, keeps it from others, and the offer is taken", async () => {
    const { slot, seated, booking, line, student } = await fullSlotWithLine(2);
    const [first, second] = line as [TestUser, TestUser];
    const before = Date.now();
    expect((await call("POST", `/api/bookings/${booking.id}/cancel`, { token: seated.token })).status).toBe(
      200,
    );
    await deliverAll(standin);

    const offered = await myEntry(first, slot.id);
    expect(offered).toMatchObject({ status: "OFFERED", position: 0 });
    const expiresAt = Date.parse(offered.offerExpiresAt);
    expect(expiresAt).toBeGreaterThanOrEqual(before + OFFER_MS - 5_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + OFFER_MS + 5_000);
    expect(await myEntry(second, slot.id)).toMatchObject({ status: "WAITING", position: 1 });

    // Meanwhile the seat is kept: an outsider and the second in line find the slot full.
    const outsider = await student();
    expectError(await book(outsider.token, slot.id), 409, "SLOT_FULL");
    expectError(await book(second.token, slot.id), 409, "SLOT_FULL");
    expect((await getSlot(outsider.token, slot.id)).seatsTaken).toBe(1);

    // The offered student books and pays as usual.
    const taken = await bookOk(first.token, slot.id);
    expect((await confirmWithCard(standin, taken.intentId)).status).toBe(200);
    await deliverAll(standin);
    expect(await getBooking(first.token, taken.bookingId)).toMatchObject({ status: "CONFIRMED" });
    expect(await myEntry(first, slot.id)).toMatchObject({ status: "BOOKED" });
    expect(await myEntry(second, slot.id)).toMatchObject({ status: "WAITING", position: 1 });
  });

  it("expires a lapsed offer and offers the seat to the next in line", async () => {
    const { slot, seated, booking, line } = await fullSlotWithLine(2);
    const [first, second] = line as [TestUser, TestUser];
    expect((await call("POST", `/api/bookings/${booking.id}/cancel`, { token: seated.token })).status).toBe(
      200,
    );
    expect(await myEntry(first, slot.id)).toMatchObject({ status: "OFFERED" });

    await lapseOffers(slot.id);
    expect(await myEntry(first, slot.id)).toMatchObject({ status: "EXPIRED" });
    const next = await myEntry(second, slot.id);
    expect(next).toMatchObject({ status: "OFFERED" });
    expect(Date.parse(next.offerExpiresAt)).toBeGreaterThan(Date.now() + OFFER_MS - 60_000);
    // The first student lost the seat to the second.
    expectError(await book(first.token, slot.id), 409, "SLOT_FULL");
    expect((await book(second.token, slot.id)).status).toBe(201);
  });

  it("frees the seat for anyone when the last offer in line lapses", async () => {
    const { slot, seated, booking, line, student } = await fullSlotWithLine(1);
    const first = line[0] as TestUser;
    expect((await call("POST", `/api/bookings/${booking.id}/cancel`, { token: seated.token })).status).toBe(
      200,
    );
    expect((await getSlot(first.token, slot.id)).seatsTaken).toBe(1);

    await lapseOffers(slot.id);
    expect(await myEntry(first, slot.id)).toMatchObject({ status: "EXPIRED" });
    expect((await getSlot(first.token, slot.id)).seatsTaken).toBe(0);
    expect((await book((await student()).token, slot.id)).status).toBe(201);
  });

  it("offers the seat of an unpaid hold that expired", async () => {
    const w = await world({ stripe: standin, slot: { startsInHours: 30 } });
    const [holder, waiting] = [await w.student(), await w.student()];
    const hold = await bookOk(holder.token, w.slot.id);
    await joinOk(waiting, w.slot.id);
    expect(await myEntry(waiting, w.slot.id)).toMatchObject({ status: "WAITING", position: 1 });

    expect(await lapseHolds(w.slot.id, hold.bookingId)).toBeGreaterThan(0);
    expect(await runAlarm(w.slot.id)).toBe(true);
    expect(await getBooking(holder.token, hold.bookingId)).toMatchObject({ status: "EXPIRED" });
    expect(await myEntry(waiting, w.slot.id)).toMatchObject({ status: "OFFERED" });
    expectError(await book(holder.token, w.slot.id), 409, "SLOT_FULL");
  });

  it("passes the offer to the next in line when the offered student leaves", async () => {
    const { slot, seated, booking, line } = await fullSlotWithLine(2);
    const [first, second] = line as [TestUser, TestUser];
    expect((await call("POST", `/api/bookings/${booking.id}/cancel`, { token: seated.token })).status).toBe(
      200,
    );
    expect(await myEntry(first, slot.id)).toMatchObject({ status: "OFFERED" });

    expect((await leave(first, slot.id)).status).toBe(204);
    expect(await myEntry(first, slot.id)).toMatchObject({ status: "LEFT" });
    expect(await myEntry(second, slot.id)).toMatchObject({ status: "OFFERED" });
    expect((await book(second.token, slot.id)).status).toBe(201);
  });

  it("expires every active entry when the provider cancels the slot", async () => {
    const { slot, provider, seated, booking, line } = await fullSlotWithLine(3);
    expect((await call("POST", `/api/bookings/${booking.id}/cancel`, { token: seated.token })).status).toBe(
      200,
    );
    expect(await myEntry(line[0] as TestUser, slot.id)).toMatchObject({ status: "OFFERED" });

    const cancelled = await call("POST", `/api/sessions/${booking.sessionId}/cancel`, {
      token: provider.token,
    });
    expect(cancelled.status).toBe(200);
    for (const s of line) expect(await myEntry(s, slot.id)).toMatchObject({ status: "EXPIRED" });
    expect((await slotLine(provider, slot.id)).map((e) => e.status)).toEqual([
      "EXPIRED",
      "EXPIRED",
      "EXPIRED",
    ]);
    expect((await getSlot(provider.token, slot.id)).seatsTaken).toBe(0);
  });

  it("tells the offered student by email (waitlist-offered in their mailbox)", async () => {
    const { slot, seated, booking, line } = await fullSlotWithLine(1);
    const first = line[0] as TestUser;
    expect((await call("POST", `/api/bookings/${booking.id}/cancel`, { token: seated.token })).status).toBe(
      200,
    );
    expect(await myEntry(first, slot.id)).toMatchObject({ status: "OFFERED" });
    await runCron();
    const mailbox = await call("GET", "/api/me/notifications", { token: first.token });
    expect(mailbox.status).toBe(200);
    expect(mailbox.body.notifications.map((n: { kind: string }) => n.kind)).toContain("waitlist-offered");
  });
});
