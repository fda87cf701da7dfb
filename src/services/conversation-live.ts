import type { ConversationObject } from "../../durable-objects/conversation";
import type { Deps } from "../deps";
import { AppError } from "../domain/errors";
import type { AuthUser } from "../domain/identity";
import { hashSessionToken } from "../security/session-token";
import { assertNever } from "../shared/assert-never";
import { CONVERSATION_ROOM_HEADERS, type ConversationServerMessage } from "../shared/conversation-protocol";
import { findUserBySessionToken } from "./accounts";
import type { RoomCaller } from "./live-room";

/**
 * The live side of conversations: which room object a push goes to, the pushes themselves (run
 * after the D1 write they announce, best effort), the socket upgrades and logout.
 */

/** One conversation's room, or one person's feed. Both are ConversationObject instances. */
export type LiveRoom = { kind: "conversation"; conversationId: string } | { kind: "inbox"; userId: string };

/** What a write tells the rooms: effects as data, run by `deliver`. */
export interface LivePush {
  room: LiveRoom;
  message: ConversationServerMessage;
  /** Only these members' sockets (default: everyone in the room). */
  userIds?: string[];
}

/** The object name of a room; also what live_connections remembers for logout. */
export function roomName(room: LiveRoom): string {
  switch (room.kind) {
    case "conversation":
      return `conversation:${room.conversationId}`;
    case "inbox":
      return `inbox:${room.userId}`;
    default:
      return assertNever(room, "live room");
  }
}

function roomStub(deps: Deps, name: string): DurableObjectStub<ConversationObject> {
  const namespace = deps.env.CONVERSATION;
  return namespace.get(namespace.idFromName(name));
}

/**
 * Runs the pushes. The write they announce is already stored, so a room that cannot be reached
 * costs only liveness (clients catch up when they reload or poll); it never fails the request.
 */
export async function deliver(deps: Deps, pushes: LivePush[]): Promise<void> {
  const results = await Promise.allSettled(
    pushes.map((push) => roomStub(deps, roomName(push.room)).push(push.message, push.userIds)),
  );
  for (const result of results) {
    if (result.status === "rejected") console.warn("conversation push failed", result.reason);
  }
}

/** The caller from the HTTP edge, or from `?token=` for clients that cannot set headers. 401 without one. */
export async function resolveSocketCaller(
  deps: Deps,
  caller: RoomCaller,
): Promise<{ user: AuthUser; token: string | undefined }> {
  if (caller.user) return { user: caller.user, token: caller.token };
  if (caller.queryToken && caller.queryToken.length <= 200) {
    const user = await findUserBySessionToken(deps, caller.queryToken);
    if (user) return { user, token: caller.queryToken };
  }
  throw new AppError("UNAUTHENTICATED", "Sign in first: pass ?token= or the session cookie.");
}

/**
 * Hands an authorized upgrade to the room, remembering the login session so that logout closes
 * the socket. 400 when the request is not a WebSocket upgrade (checked after authorization).
 */
export async function openRoomSocket(
  deps: Deps,
  room: LiveRoom,
  caller: { user: AuthUser; token: string | undefined },
  upgrade: Request,
): Promise<Response> {
  if (upgrade.headers.get("upgrade")?.toLowerCase() !== "websocket") {
    throw new AppError("VALIDATION_FAILED", "This endpoint expects a WebSocket upgrade.");
  }
  const name = roomName(room);
  const headers = new Headers(upgrade.headers);
  if (caller.token) {
    const tokenHash = await hashSessionToken(caller.token);
    await deps.records.conversations.rememberSocket(tokenHash, name, deps.now());
    headers.set(CONVERSATION_ROOM_HEADERS.session, tokenHash);
  }
  headers.set(CONVERSATION_ROOM_HEADERS.userId, caller.user.id);
  return roomStub(deps, name).fetch(new Request("https://conversation.internal/ws", { headers }));
}

/** Most rooms one login session's logout visits. */
const LOGOUT_ROOM_LIMIT = 500;

/**
 * Logout: closes every conversation socket the login session opened, at once. Returns how many.
 * (The slot rooms have their own bookkeeping in live-connections.ts; logout runs both.)
 */
export async function closeConversationSockets(deps: Deps, token: string): Promise<number> {
  const tokenHash = await hashSessionToken(token);
  const rooms = await deps.records.conversations.socketRoomsOf(tokenHash, LOGOUT_ROOM_LIMIT);
  const closed = await Promise.allSettled(
    rooms.map((name) => roomStub(deps, name).closeSessionSockets(tokenHash)),
  );
  await deps.records.conversations.forgetSockets(tokenHash);
  return closed.reduce((total, result) => total + (result.status === "fulfilled" ? result.value : 0), 0);
}
