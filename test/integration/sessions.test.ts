import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { AccessToken2 } from "agora-token/src/AccessToken2";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { StripeStandin } from "../../scripts/stripe-standin/handler";
import { agoraUid, DEV_AGORA_APP_CERTIFICATE, DEV_AGORA_APP_ID } from "../../src/adapters/agora-video";
import { buildDeps } from "../../src/deps";
import { finishCancelledSessions } from "../../src/jobs/scheduled";
import { call, registerUser } from "../helpers/api";
import { openRoom } from "../helpers/sockets";
import { confirmWithCard, deliverAll, installStripeStandin } from "../helpers/stripe";
import { world } from "../helpers/world";

let standin: StripeStandin;
beforeEach(() => {
  standin = installStripeStandin();
});
afterEach(() => {
  vi.restoreAllMocks();
});

const post = (path: string, token: string) => call("POST", path, { token });

describe("session lifecycle", () => {
  it("creates one SCHEDULED session with the first confirmed booking, visible to provider and participant", async () => {
    const { provider, students, sessionId, slot } = await world({
      stripe: standin,
      students: 2,
      slot: { seats: 2, startsInHours: 0.5 },
    });
    const view = await call("GET", `/api/sessions/${sessionId}`, { token: students[0]!.token });
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({
      id: sessionId,
      slotId: slot.id,
      providerId: provider.id,
      status: "SCHEDULED",
      channelName: `lectern-${slot.id}`,
    });
    expect(view.body.participants).toEqual(
      expect.arrayContaining(students.map((s) => ({ userId: s.id, status: "CONFIRMED" }))),
    );
    const rows = await env.DB.prepare("SELECT COUNT(*) AS n FROM teaching_sessions WHERE slot_id = ?")
      .bind(slot.id)
      .first();
    expect(rows?.n).toBe(1);
    const mine = await call("GET", "/api/me/sessions", { token: provider.token });
    expect(mine.body.sessions.map((s: { id: string }) => s.id)).toContain(sessionId);
    const outsider = await registerUser("student");
    expect((await call("GET", `/api/sessions/${sessionId}`, { token: outsider.token })).status).toBe(403);
  });

  it("starts (IN_PROGRESS), lets confirmed users join with a real Agora token, and ends with attendance sealed", async () => {
    const { provider, students, sessionId, slot } = await world({
      stripe: standin,
      students: 1,
      slot: { startsInHours: 0.5 },
    });
    const student = students[0]!;

    const early = await post(`/api/sessions/${sessionId}/join`, student.token);
    expect(early.status).toBe(409);
    expect(early.body.error.code).toBe("SESSION_NOT_STARTED");
    expect((await post(`/api/sessions/${sessionId}/start`, student.token)).status).toBe(403);

    const started = await post(`/api/sessions/${sessionId}/start`, provider.token);
    expect(started.status).toBe(200);
    expect(started.body.status).toBe("IN_PROGRESS");
    expect(started.body.startedAt).toMatch(/Z$/);
    expect((await call("GET", `/api/slots/${slot.id}`, { token: student.token })).body.status).toBe(
      "IN_PROGRESS",
    );
    const again = await post(`/api/sessions/${sessionId}/start`, provider.token);
    expect(again.body.error.code).toBe("SESSION_ALREADY_STARTED");

    const joined = await post(`/api/sessions/${sessionId}/join`, student.token);
    expect(joined.status).toBe(200);
    expect(joined.body).toMatchObject({
      appId: DEV_AGORA_APP_ID,
      channelName: `lectern-${slot.id}`,
      uid: agoraUid(student.id),
    });
    const token = new AccessToken2("", "", 0, 0);
    expect(token.from_string(joined.body.token)).toBe(true);
    expect(token.verifySignature(DEV_AGORA_APP_CERTIFICATE)).toBe(true);
    expect(token.verifySignature("00000000000000000000000000000000")).toBe(false);
    expect(joined.body.token.startsWith("007")).toBe(true);
    expect(token.appId.toString()).toBe(DEV_AGORA_APP_ID);
    const rtc = token.getServices(1)[0]!;
    expect(rtc.__channel_name.toString()).toBe(`lectern-${slot.id}`);
    expect(rtc.__uid.toString()).toBe(String(agoraUid(student.id)));
    expect(Object.keys(rtc.__privileges).sort()).toEqual(["1", "2", "3", "4"]);
    // Expires shortly after the slot ends, not in decades.
    const expiresAt = Date.parse(joined.body.expiresAt);
    expect(expiresAt).toBeGreaterThan(Date.parse(slot.endsAt));
    expect(expiresAt).toBeLessThanOrEqual(Date.parse(slot.endsAt) + 16 * 60_000);
    expect(token.issueTs + token.expire).toBeCloseTo(expiresAt / 1000, -1);

    expect((await post(`/api/sessions/${sessionId}/leave`, student.token)).status).toBe(204);
    expect((await post(`/api/sessions/${sessionId}/join`, student.token)).status).toBe(200);
    expect((await post(`/api/sessions/${sessionId}/join`, provider.token)).status).toBe(200);

    const ended = await post(`/api/sessions/${sessionId}/end`, provider.token);
    expect(ended.body).toMatchObject({ status: "COMPLETED" });
    const attendance = await call("GET", `/api/sessions/${sessionId}/attendance`, { token: provider.token });
    const entries = attendance.body.entries as { userId: string; joinedAt: string; leftAt: string | null }[];
    expect(entries.filter((e) => e.userId === student.id)).toHaveLength(2);
    expect(entries.every((e) => e.leftAt !== null)).toBe(true);
    expect(
      (await call("GET", `/api/sessions/${sessionId}/attendance`, { token: student.token })).status,
    ).toBe(403);

    const late = await post(`/api/sessions/${sessionId}/join`, student.token);
    expect(late.body.error.code).toBe("SESSION_ENDED");
    expect((await post(`/api/sessions/${sessionId}/end`, provider.token)).body.error.code).toBe(
      "SESSION_ENDED",
    );
    expect((await post(`/api/sessions/${sessionId}/cancel`, provider.token)).body.error.code).toBe(
      "SESSION_ENDED",
    );
  });

  it("refuses to start more than 60 minutes early with 409 SESSION_TOO_EARLY", async () => {
    const { provider, sessionId } = await world({ stripe: standin, students: 1, slot: { startsInHours: 3 } });
    const res = await post(`/api/sessions/${sessionId}/start`, provider.token);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("SESSION_TOO_EARLY");
  });

  it("returns 409 SESSION_NOT_STARTED when ending a session that has not started", async () => {
    const { provider, sessionId } = await world({
      stripe: standin,
      students: 1,
      slot: { startsInHours: 0.5 },
    });
    expect((await post(`/api/sessions/${sessionId}/end`, provider.token)).body.error.code).toBe(
      "SESSION_NOT_STARTED",
    );
  });
});

describe("instructor cancel", () => {
  it("refunds every paid participant once, releases pending holds and closes the slot", async () => {
    const { provider, students, sessionId, slot, bookings } = await world({
      stripe: standin,
      students: 2,
      slot: { seats: 3, startsInHours: 0.5 },
    });
    const pendingStudent = await registerUser("student");
    const pending = await call("POST", `/api/slots/${slot.id}/bookings`, { token: pendingStudent.token });
    expect(pending.status).toBe(201);

    const cancelled = await post(`/api/sessions/${sessionId}/cancel`, provider.token);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe("CANCELLED");
    expect(cancelled.body.participants.every((p: { status: string }) => p.status === "CANCELLED")).toBe(true);

    for (const [i, booking] of bookings.entries()) {
      const view = await call("GET", `/api/bookings/${booking.id}`, { token: students[i]!.token });
      expect(view.body).toMatchObject({ status: "CANCELLED", paymentStatus: "REFUNDED" });
      const refunds = [...standin.store.refunds.values()].filter(
        (r) => r.payment_intent === booking.paymentIntentId,
      );
      expect(refunds).toHaveLength(1);
      expect(refunds[0]?.amount).toBe(booking.amount);
    }
    const released = await call("GET", `/api/bookings/${pending.body.booking.id}`, {
      token: pendingStudent.token,
    });
    expect(released.body.status).toBe("CANCELLED");
    expect(standin.store.paymentIntents.get(pending.body.payment.paymentIntentId)?.status).toBe("canceled");

    const slotView = await call("GET", `/api/slots/${slot.id}`, { token: provider.token });
    expect(slotView.body).toMatchObject({ status: "CANCELLED", seatsTaken: 0 });
    const newcomer = await registerUser("student");
    const refused = await call("POST", `/api/slots/${slot.id}/bookings`, { token: newcomer.token });
    expect(refused.body.error.code).toBe("SLOT_NOT_BOOKABLE");

    // Cancelling twice is harmless and refunds nothing more.
    expect((await post(`/api/sessions/${sessionId}/cancel`, provider.token)).status).toBe(200);
    expect(standin.store.refunds.size).toBeGreaterThanOrEqual(2);
    const allRefunds = [...standin.store.refunds.values()].filter((r) =>
      bookings.some((b) => b.paymentIntentId === r.payment_intent),
    );
    expect(allRefunds).toHaveLength(2);
    // A student may not cancel what is already cancelled.
    const studentCancel = await post(`/api/bookings/${bookings[0].id}/cancel`, students[0]!.token);
    expect(studentCancel.body.error.code).toBe("BOOKING_NOT_ACTIVE");
  });

  it("retries a refund that failed at Stripe, keeps it visible as REFUND_PENDING, and never doubles it", async () => {
    const { provider, students, sessionId, slot, bookings } = await world({
      stripe: standin,
      students: 1,
      slot: { startsInHours: 0.5 },
    });
    standin.injectFailure({ method: "POST", path: "/v1/refunds", times: 1, status: 500, shouldRetry: false });
    const cancelled = await post(`/api/sessions/${sessionId}/cancel`, provider.token);
    expect(cancelled.status).toBe(200);
    const pending = await call("GET", `/api/bookings/${bookings[0].id}`, { token: students[0]!.token });
    expect(pending.body).toMatchObject({ status: "CANCELLED", paymentStatus: "REFUND_PENDING" });
    expect(standin.store.refunds.size).toBe(0);

    const stub = env.SLOT.get(env.SLOT.idFromName(slot.id));
    const inspect = () =>
      (
        stub as unknown as { inspect(): Promise<{ effects: { kind: string; attempts: number }[] }> }
      ).inspect();
    expect((await inspect()).effects).toEqual([expect.objectContaining({ kind: "refund", attempts: 1 })]);

    // The retry comes due: the alarm runs it and the refund goes through, once.
    await runInDurableObject(stub, (_instance, state) => {
      state.storage.sql.exec("UPDATE outbox SET due_at = 0");
    });
    await runDurableObjectAlarm(stub);
    const refunded = await call("GET", `/api/bookings/${bookings[0].id}`, { token: students[0]!.token });
    expect(refunded.body.paymentStatus).toBe("REFUNDED");
    expect(
      [...standin.store.refunds.values()].filter((r) => r.payment_intent === bookings[0].paymentIntentId),
    ).toHaveLength(1);
    expect((await inspect()).effects).toEqual([]);

    // A second cancel finds nothing left to refund.
    expect((await post(`/api/sessions/${sessionId}/cancel`, provider.token)).status).toBe(200);
    expect(
      [...standin.store.refunds.values()].filter((r) => r.payment_intent === bookings[0].paymentIntentId),
    ).toHaveLength(1);
  });

  it("lets only the provider cancel (403 for a participant)", async () => {
    const { students, sessionId } = await world({
      stripe: standin,
      students: 1,
      slot: { startsInHours: 0.5 },
    });
    expect((await post(`/api/sessions/${sessionId}/cancel`, students[0]!.token)).status).toBe(403);
  });
});

describe("joining", () => {
  it("refuses a student whose booking was cancelled and an outsider with 403", async () => {
    const { provider, paidBooking } = await world({
      stripe: standin,
      slot: { seats: 3, startsInHours: 0.5 },
    });
    const stays = await registerUser("student");
    const leaves = await registerUser("student");
    await paidBooking(stays);
    const gone = await paidBooking(leaves);
    expect((await post(`/api/bookings/${gone.id}/cancel`, leaves.token)).body.status).toBe("CANCELLED");
    const sessionId = gone.sessionId as string;
    expect((await post(`/api/sessions/${sessionId}/start`, provider.token)).status).toBe(200);
    expect((await post(`/api/sessions/${sessionId}/join`, stays.token)).status).toBe(200);
    expect((await post(`/api/sessions/${sessionId}/join`, leaves.token)).status).toBe(403);
    const outsider = await registerUser("student");
    expect((await post(`/api/sessions/${sessionId}/join`, outsider.token)).status).toBe(403);
    expect((await post(`/api/sessions/${sessionId}/leave`, outsider.token)).status).toBe(403);
    expect((await call("GET", "/api/sessions/ses_missing", { token: provider.token })).status).toBe(404);
  });
});

describe("cancellation repair", () => {
  it("finishes refunds for a cancelled session whose slot object never heard of it (cron)", async () => {
    const { provider, students, sessionId, slot, bookings } = await world({
      stripe: standin,
      students: 1,
      slot: { startsInHours: 0.5 },
    });
    // D1 says cancelled, as after a cancel whose call to the slot object failed.
    await env.DB.prepare("UPDATE teaching_sessions SET status = 'CANCELLED' WHERE id = ?")
      .bind(sessionId)
      .run();
    await env.DB.prepare("UPDATE slots SET status = 'CANCELLED' WHERE id = ?").bind(slot.id).run();
    expect(
      (await call("GET", `/api/bookings/${bookings[0].id}`, { token: students[0]!.token })).body.status,
    ).toBe("CONFIRMED");
    expect(await finishCancelledSessions(buildDeps(env))).toBe(1);
    const after = await call("GET", `/api/bookings/${bookings[0].id}`, { token: students[0]!.token });
    expect(after.body).toMatchObject({ status: "CANCELLED", paymentStatus: "REFUNDED" });
    expect(await finishCancelledSessions(buildDeps(env))).toBe(0);
    expect((await call("GET", `/api/sessions/${sessionId}`, { token: provider.token })).body.status).toBe(
      "CANCELLED",
    );
  });
});

describe("instructor cancel while a capture is pending", () => {
  it("releases the authorization instead of capturing it: no charge, no refund", async () => {
    const { provider, sessionId, slot } = await world({
      stripe: standin,
      students: 1,
      slot: { seats: 3, startsInHours: 0.5 },
    });
    const late = await registerUser("student");
    const booked = await call("POST", `/api/slots/${slot.id}/bookings`, { token: late.token });
    const intentId = booked.body.payment.paymentIntentId as string;
    // The capture call fails once, so the hold stays CAPTURING with the capture queued.
    standin.injectFailure({
      method: "POST",
      path: "/v1/payment_intents/*/capture",
      times: 1,
      shouldRetry: false,
    });
    expect((await confirmWithCard(standin, intentId)).status).toBe(200);
    await deliverAll(standin);
    expect(standin.store.paymentIntents.get(intentId)?.status).toBe("requires_capture");

    expect((await post(`/api/sessions/${sessionId}/cancel`, provider.token)).status).toBe(200);
    const stub = env.SLOT.get(env.SLOT.idFromName(slot.id));
    await runInDurableObject(stub, (_instance, state) => {
      state.storage.sql.exec("UPDATE outbox SET due_at = 0");
    });
    await runDurableObjectAlarm(stub);
    await deliverAll(standin);

    const intent = standin.store.paymentIntents.get(intentId);
    expect(intent?.status).toBe("canceled");
    expect(intent?.amount_received).toBe(0);
    expect([...standin.store.refunds.values()].filter((r) => r.payment_intent === intentId)).toHaveLength(0);
    const view = await call("GET", `/api/bookings/${booked.body.booking.id}`, { token: late.token });
    expect(view.body.status).toBe("CANCELLED");
  });
});

describe("the live room after a seat is withdrawn", () => {
  it("disconnects a student who cancels their confirmed seat", async () => {
    const { students, slot, bookings } = await world({
      stripe: standin,
      students: 1,
      slot: { startsInHours: 0.5 },
    });
    const socket = (await openRoom(slot.id, students[0]!.token)).socket!;
    await socket.next((m) => m.type === "slot");
    const closed = new Promise<number>((resolve) =>
      socket.ws.addEventListener("close", (e) => resolve(e.code)),
    );
    expect((await post(`/api/bookings/${bookings[0].id}/cancel`, students[0]!.token)).body.status).toBe(
      "CANCELLED",
    );
    expect(await closed).toBe(4403);
    expect((await openRoom(slot.id, students[0]!.token)).status).toBe(403);
  });
});
