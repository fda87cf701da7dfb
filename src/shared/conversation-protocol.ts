import { z } from "zod";
import type { Message } from "./api-types";

/**
 * Frames of the conversation sockets, shared by the worker, the conversation object and the SPA
 * (type-only there, so zod stays out of the browser bundle):
 * - `GET /api/conversations/:id/ws`: one conversation's room (both members' open threads);
 * - `GET /api/conversations/ws`: the caller's own feed (the nav's unread count, on every page).
 * Both are server → client; a client sends only `{type: "ping"}`.
 */
export type ConversationServerMessage =
  /** A message was posted in the conversation (the sender's own tabs get it too). */
  | { type: "message"; conversationId: string; message: Message }
  /** A member read the conversation up to `lastReadAt`. */
  | { type: "read"; conversationId: string; userId: string; lastReadAt: string }
  /** The feed's owner now has `unread` unread messages across all conversations. */
  | { type: "unread"; unread: number }
  | { type: "pong" }
  | { type: "error"; code: string; message: string };

export const conversationClientMessage = z.discriminatedUnion("type", [
  z.object({ type: z.literal("ping") }),
]);
export type ConversationClientMessage = z.infer<typeof conversationClientMessage>;

/** The exact ping frame the object answers without waking from hibernation. */
export const PING_FRAME = '{"type":"ping"}';
export const PONG_FRAME = '{"type":"pong"}';

/** Longest client frame the object reads (pings are 15 bytes). */
export const MAX_CLIENT_FRAME = 1024;

/** Set by the worker on the upgrade it forwards to the object, after authorizing the caller. */
export const CONVERSATION_ROOM_HEADERS = {
  userId: "x-lectern-user-id",
  /** SHA-256 of the login session's token: logout closes that session's sockets. */
  session: "x-lectern-session",
} as const;

/** How far a member has read: `GET /api/conversations/:id/messages` answers them beside the messages. */
export interface ReadMarker {
  userId: string;
  lastReadAt: string;
}

/** `POST /api/conversations/:id/read`'s answer. */
export interface ReadAnswer extends ReadMarker {
  conversationId: string;
  /** What is still unread in this conversation (0 unless `at` stopped short of the newest message). */
  unreadCount: number;
  /** The caller's unread messages across every conversation (what the nav shows). */
  unread: number;
}

/**
 * Decides what a client frame asks for: a ping, or an error to send back. Text frames only,
 * at most MAX_CLIENT_FRAME long, JSON matching `conversationClientMessage`.
 */
export function readClientFrame(
  raw: string | ArrayBuffer,
):
  | { ok: true; frame: ConversationClientMessage }
  | { ok: false; code: "VALIDATION_FAILED"; message: string } {
  if (typeof raw !== "string" || raw.length > MAX_CLIENT_FRAME) {
    return {
      ok: false,
      code: "VALIDATION_FAILED",
      message: `Send JSON text frames of at most ${MAX_CLIENT_FRAME} bytes.`,
    };
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { ok: false, code: "VALIDATION_FAILED", message: "Frames must be JSON." };
  }
  const parsed = conversationClientMessage.safeParse(json);
  if (!parsed.success) {
    return {
      ok: false,
      code: "VALIDATION_FAILED",
      message: 'Only {"type":"ping"} is read here; post messages with POST /api/conversations/:id/messages.',
    };
  }
  return { ok: true, frame: parsed.data };
}
