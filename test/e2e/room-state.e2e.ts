// The live room's reducer and reconnect backoff (web/src/lib/room-state.ts), in plain Node.
import { describe, expect, it } from "vitest";
import { backoffMs, type RoomState, reduce } from "../../web/src/lib/room-state";

const empty = (): RoomState => ({ status: "open", chat: [], online: [], events: [] });
const chat = (id: string, sentAt: string) =>
  ({ type: "chat", id, senderId: "usr_a", senderName: "Ada", text: id, sentAt }) as const;

describe("room reducer", () => {
  it("merges chat history re-sent on reconnect by message id, oldest first", () => {
    let state = reduce(empty(), chat("m2", "2026-01-01T10:01:00Z"));
    state = reduce(state, chat("m1", "2026-01-01T10:00:00Z"));
    state = reduce(state, chat("m2", "2026-01-01T10:01:00Z"));
    expect(state.chat.map((line) => line.id)).toEqual(["m1", "m2"]);
  });

  it("logs a seat change but not the first seat count or a status-only change", () => {
    let state = reduce(empty(), { type: "slot", seatsLeft: 4, status: "OPEN" });
    expect(state.events).toHaveLength(0);
    state = reduce(state, { type: "slot", seatsLeft: 4, status: "IN_PROGRESS" });
    expect(state.events).toHaveLength(0);
    state = reduce(state, { type: "slot", seatsLeft: 3, status: "IN_PROGRESS" });
    expect(state.seats).toEqual({ seatsLeft: 3, status: "IN_PROGRESS" });
    expect(state.events.map((event) => event.type)).toEqual(["slot"]);
  });

  it("keeps session events in order and replaces presence", () => {
    let state = reduce(empty(), {
      type: "session:started",
      sessionId: "ses_1",
      startedAt: "2026-01-01T10:00:00Z",
    });
    state = reduce(state, { type: "session:ended", sessionId: "ses_1", endedAt: "2026-01-01T11:00:00Z" });
    state = reduce(state, { type: "presence", online: ["usr_a", "usr_b"] });
    state = reduce(state, { type: "presence", online: ["usr_b"] });
    expect(state.events.map((event) => event.type)).toEqual(["session:started", "session:ended"]);
    expect(state.online).toEqual(["usr_b"]);
  });

  it("keeps the room's error frame as words to show", () => {
    const state = reduce(empty(), {
      type: "error",
      code: "VALIDATION_FAILED",
      message: "Invalid message: text too long",
    });
    expect(state.error).toBe("Invalid message: text too long");
  });
});

describe("reconnect backoff", () => {
  it("doubles from about half a second and stays within 15 seconds", () => {
    expect(backoffMs(0, () => 1)).toBe(500);
    expect(backoffMs(0, () => 0)).toBe(250);
    expect(backoffMs(3, () => 1)).toBe(4000);
    expect(backoffMs(20, () => 1)).toBe(15_000);
    expect(backoffMs(20, () => 0)).toBe(7500);
  });
});
