import type { ServerMessage, SessionEvent } from "../../../src/shared/protocol";
import type { SlotStatus } from "../api/types";

/** The live room's state as pure data and a reducer over server frames (no DOM, unit-tested). */

export type RoomStatus = "connecting" | "open" | "reconnecting";

export interface ChatLine {
  id: string;
  senderId: string;
  senderName: string;
  text: string;
  sentAt: string;
}

export type RoomEvent =
  | (SessionEvent & { receivedAt: number })
  | { type: "slot"; seatsLeft: number; status: SlotStatus; receivedAt: number };

export interface RoomState {
  status: RoomStatus;
  /** When the next reconnect attempt happens (while reconnecting). */
  retryAt?: number;
  chat: ChatLine[];
  online: string[];
  seats?: { seatsLeft: number; status: SlotStatus };
  /** Session events and seat changes heard since the page opened, oldest first. */
  events: RoomEvent[];
  /** The last error frame from the room (e.g. a chat message it refused). */
  error?: string;
}

const MAX_BACKOFF_MS = 15_000;
const MAX_EVENTS = 50;

/** Delay before reconnect attempt `attempt` (0-based): 0.5 s doubling to 15 s, with jitter. */
export function backoffMs(attempt: number, random = Math.random): number {
  const base = Math.min(MAX_BACKOFF_MS, 500 * 2 ** attempt);
  return Math.round(base / 2 + random() * (base / 2));
}

/** Folds one server frame into the room state. */
export function reduce(state: RoomState, message: ServerMessage): RoomState {
  const receivedAt = Date.now();
  switch (message.type) {
    case "chat": {
      if (state.chat.some((line) => line.id === message.id)) return state;
      const { type: _type, ...line } = message;
      const chat = [...state.chat, line].sort((a, b) => a.sentAt.localeCompare(b.sentAt));
      return { ...state, chat };
    }
    case "presence":
      return { ...state, online: message.online };
    case "slot": {
      // Status changes arrive as session events too; the log only notes seats that moved.
      const changed = state.seats !== undefined && state.seats.seatsLeft !== message.seatsLeft;
      const seats = { seatsLeft: message.seatsLeft, status: message.status };
      const events = changed ? pushEvent(state.events, { ...message, receivedAt }) : state.events;
      return { ...state, seats, events };
    }
    case "session:booked":
    case "session:started":
    case "session:ended":
    case "session:cancelled":
    case "session:seat-freed":
      return { ...state, events: pushEvent(state.events, { ...message, receivedAt }) };
    case "error":
      return { ...state, error: message.message };
    case "pong":
      return state;
    default:
      return state;
  }
}

function pushEvent(events: RoomEvent[], event: RoomEvent): RoomEvent[] {
  return [...events, event].slice(-MAX_EVENTS);
}

/**
 * The session events a late arrival missed, rebuilt from the session as GET /api/sessions/:id
 * answers it (started, then ended or cancelled), stamped with when they happened.
 */
export function eventsFromSession(session: {
  id: string;
  status: "SCHEDULED" | "IN_PROGRESS" | "COMPLETED" | "CANCELLED";
  startedAt?: string;
  endedAt?: string;
}): RoomEvent[] {
  const out: RoomEvent[] = [];
  if (session.startedAt) {
    out.push({
      type: "session:started",
      sessionId: session.id,
      startedAt: session.startedAt,
      receivedAt: Date.parse(session.startedAt),
    });
  }
  if (session.status === "COMPLETED") {
    const endedAt = session.endedAt ?? session.startedAt;
    if (endedAt)
      out.push({ type: "session:ended", sessionId: session.id, endedAt, receivedAt: Date.parse(endedAt) });
  }
  if (session.status === "CANCELLED") {
    const at = session.endedAt ? Date.parse(session.endedAt) : undefined;
    if (at !== undefined) out.push({ type: "session:cancelled", sessionId: session.id, receivedAt: at });
  }
  return out;
}

const SESSION_STATE_EVENTS = new Set(["session:started", "session:ended", "session:cancelled"]);

/**
 * The room's event log: what the socket delivered, plus the session's own state changes that
 * happened before this page connected (each kind once, the live copy winning), oldest first.
 */
export function mergeEvents(fromSession: RoomEvent[], live: RoomEvent[]): RoomEvent[] {
  const heard = new Set(live.filter((event) => SESSION_STATE_EVENTS.has(event.type)).map((e) => e.type));
  return [...fromSession.filter((event) => !heard.has(event.type)), ...live].sort(
    (a, b) => a.receivedAt - b.receivedAt,
  );
}
