import { abortAllDurableObjects } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { StripeStandin } from "../../scripts/stripe-standin/handler";
import { call, registerUser } from "../helpers/api";
import { openRoom } from "../helpers/sockets";
import { installStripeStandin } from "../helpers/stripe";
import { world } from "../helpers/world";

let standin: StripeStandin;
beforeEach(() => {
  standin = installStripeStandin();
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe("slot live room", () => {
  it("relays chat between the provider and a confirmed student, with presence for both", async () => {
    const { provider, students, slot } = await world({
      stripe: standin,
      students: 1,
      slot: { startsInHours: 0.5 },
    });
    const student = students[0]!;
    const teacher = (await openRoom(slot.id, provider.token)).socket!;
    await teacher.next((m) => m.type === "presence" && m.online.includes(provider.id));
    const learner = (await openRoom(slot.id, student.token)).socket!;
    await teacher.next((m) => m.type === "presence" && m.online.length === 2);
    expect((await learner.next((m) => m.type === "slot")).seatsLeft).toBe(0);

    learner.send({ type: "chat", text: "  Hello teacher  " });
    const received = await teacher.next((m) => m.type === "chat");
    expect(received).toMatchObject({ senderId: student.id, text: "Hello teacher" });
    expect(received.sentAt).toMatch(/Z$/);
    await learner.next((m) => m.type === "chat" && m.id === received.id);

    learner.close();
    await teacher.next((m) => m.type === "presence" && m.online.length === 1 && m.online[0] === provider.id);
    teacher.close();
  });

  it("keeps the chat read-only once the session ended: an error frame, nothing stored or relayed", async () => {
    const w = await world({ stripe: standin, students: 1, slot: { startsInHours: 0.5 } });
    const teacher = (await openRoom(w.slot.id, w.provider.token)).socket!;
    await teacher.next((m) => m.type === "presence");
    expect(
      (await call("POST", `/api/sessions/${w.sessionId}/start`, { token: w.provider.token })).status,
    ).toBe(200);
    await call("POST", `/api/sessions/${w.sessionId}/join`, { token: w.provider.token });
    expect((await call("POST", `/api/sessions/${w.sessionId}/end`, { token: w.provider.token })).status).toBe(
      200,
    );
    await teacher.next((m) => m.type === "session:ended");
    teacher.send({ type: "chat", text: "anyone still here?" });
    const refused = await teacher.next((m) => m.type === "error");
    expect(refused.code).toBe("SESSION_ENDED");
    const later = (await openRoom(w.slot.id, w.students[0]!.token)).socket;
    if (later) {
      await later.next((m) => m.type === "presence");
      expect(later.messages.some((m) => m.type === "chat" && m.text === "anyone still here?")).toBe(false);
      later.close();
    }
    teacher.close();
  });

  it("answers bad frames with an error frame and keeps the socket open", async () => {
    const { provider, slot } = await world({ stripe: standin, students: 1, slot: { startsInHours: 0.5 } });
    const socket = (await openRoom(slot.id, provider.token)).socket!;
    socket.ws.send("not json");
    expect((await socket.next((m) => m.type === "error")).code).toBe("VALIDATION_FAILED");
    socket.send({ type: "chat", text: "x".repeat(2001) });
    await socket.next((m) => m.type === "error" && m.message.includes("text"));
    socket.send({ type: "shout", text: "hi" });
    expect(socket.messages.filter((m) => m.type === "error").length).toBeGreaterThanOrEqual(2);
    socket.send({ type: "ping" });
    await socket.next((m) => m.type === "pong");
    socket.close();
  });

  it("refuses outsiders before the upgrade: 401 without a token, 403 for others and pending students", async () => {
    const { slot } = await world({ stripe: standin, students: 1, slot: { seats: 3, startsInHours: 0.5 } });
    expect((await openRoom(slot.id, undefined)).status).toBe(401);
    const outsider = await registerUser("student");
    const refused = await openRoom(slot.id, outsider.token);
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe("FORBIDDEN");
    const pendingStudent = await registerUser("student");
    expect(
      (await call("POST", `/api/slots/${slot.id}/bookings`, { token: pendingStudent.token })).status,
    ).toBe(201);
    expect((await openRoom(slot.id, pendingStudent.token)).status).toBe(403);
  });

  it("refuses a browser upgrade from a foreign Origin but admits the app's own", async () => {
    const { provider, slot } = await world({ stripe: standin, students: 1, slot: { startsInHours: 0.5 } });
    const foreign = await openRoom(slot.id, provider.token, { origin: "https://evil.example" });
    expect(foreign.status).toBe(403);
    const own = await openRoom(slot.id, provider.token, { origin: "http://127.0.0.1:8787" });
    expect(own.status).toBe(101);
    own.socket?.close();
  });

  it("sends recent history on connect, also after the object was reset", async () => {
    const { provider, students, slot } = await world({
      stripe: standin,
      students: 1,
      slot: { startsInHours: 0.5 },
    });
    const first = (await openRoom(slot.id, provider.token)).socket!;
    for (const text of ["one", "two", "three"]) first.send({ type: "chat", text });
    await first.next((m) => m.type === "chat" && m.text === "three");
    first.close();

    await abortAllDurableObjects();
    const later = (await openRoom(slot.id, students[0]!.token)).socket!;
    for (const text of ["one", "two", "three"]) await later.next((m) => m.type === "chat" && m.text === text);
    expect(later.messages.filter((m) => m.type === "chat").map((m) => m.text)).toEqual([
      "one",
      "two",
      "three",
    ]);
    // Presence converges on who is really connected (the provider's socket was closed).
    await later.next(
      (m) => m.type === "presence" && m.online.length === 1 && m.online[0] === students[0]!.id,
    );
    later.close();
  });

  it("pushes seat counts and session events as they happen", async () => {
    const { provider, slot, sessionId, paidBooking } = await world({
      stripe: standin,
      students: 1,
      slot: { seats: 3, startsInHours: 0.5 },
    });
    const room = (await openRoom(slot.id, provider.token)).socket!;
    expect((await room.next((m) => m.type === "slot")).seatsLeft).toBe(2);

    const newcomer = await registerUser("student");
    await paidBooking(newcomer);
    await room.next((m) => m.type === "slot" && m.seatsLeft === 1);
    await room.next((m) => m.type === "session:booked");

    expect((await call("POST", `/api/sessions/${sessionId}/start`, { token: provider.token })).status).toBe(
      200,
    );
    expect((await room.next((m) => m.type === "session:started")).sessionId).toBe(sessionId);
    await room.next((m) => m.type === "slot" && m.status === "IN_PROGRESS");
    expect((await call("POST", `/api/sessions/${sessionId}/end`, { token: provider.token })).status).toBe(
      200,
    );
    await room.next((m) => m.type === "session:ended");
    room.close();
  });

  it("announces a cancellation to the room", async () => {
    const { provider, students, slot, sessionId } = await world({
      stripe: standin,
      students: 1,
      slot: { startsInHours: 0.5 },
    });
    const room = (await openRoom(slot.id, students[0]!.token)).socket!;
    await room.next((m) => m.type === "slot");
    expect((await call("POST", `/api/sessions/${sessionId}/cancel`, { token: provider.token })).status).toBe(
      200,
    );
    expect((await room.next((m) => m.type === "session:cancelled")).sessionId).toBe(sessionId);
    await room.next((m) => m.type === "slot" && m.status === "CANCELLED");
    room.close();
  });

  it("tells the room the new seat count when the provider resizes an unbooked slot", async () => {
    const { provider, slot } = await world({ slot: { seats: 3, startsInHours: 4 } });
    const room = (await openRoom(slot.id, provider.token)).socket!;
    expect((await room.next((m) => m.type === "slot")).seatsLeft).toBe(3);
    const patched = await call("PATCH", `/api/slots/${slot.id}`, {
      token: provider.token,
      body: { maxParticipants: 6 },
    });
    expect(patched.status).toBe(200);
    await room.next((m) => m.type === "slot" && m.seatsLeft === 6);
    room.close();
  });
});
