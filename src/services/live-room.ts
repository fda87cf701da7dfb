import type { Deps } from "../deps";
import { AppError } from "../domain/errors";
import type { AuthUser } from "../domain/identity";
import { hashSessionToken } from "../security/session-token";
import { ROOM_HEADERS } from "../shared/protocol";
import { findUserBySessionToken } from "./accounts";
import { rememberLiveConnection } from "./live-connections";
import { findSlotRow, toSlot } from "./slots";

export interface RoomCaller {
  /** Resolved from a Bearer token or the cookie by the HTTP edge, if any. */
  user: AuthUser | undefined;
  /** The token behind `user`, or the one from `?token=` for clients that cannot set headers. */
  token: string | undefined;
  queryToken: string | undefined;
}

/**
 * Opens the slot's live room for its provider or a confirmed student: authorizes before the
 * upgrade reaches the object, remembers the login session (logout closes its sockets) and hands
 * the upgrade to the slot object with who is coming.
 */
export async function openLiveRoom(deps: Deps, slotId: string, caller: RoomCaller, upgrade: Request) {
  let { user, token } = caller;
  if (!user && caller.queryToken && caller.queryToken.length <= 200) {
    user = await findUserBySessionToken(deps, caller.queryToken);
    token = caller.queryToken;
  }
  if (!user) throw new AppError("UNAUTHENTICATED", "Sign in first: pass ?token= or the session cookie.");

  const slot = await findSlotRow(deps, slotId);
  if (slot.providerId !== user.id) {
    if (!(await deps.records.bookings.hasConfirmedSeat(slot.id, user.id)))
      throw new AppError("FORBIDDEN", "Only the provider and confirmed students may join this room.");
  }
  if (upgrade.headers.get("upgrade")?.toLowerCase() !== "websocket") {
    throw new AppError("VALIDATION_FAILED", "This endpoint expects a WebSocket upgrade.");
  }
  const headers = new Headers(upgrade.headers);
  if (token) {
    const tokenHash = await hashSessionToken(token);
    await rememberLiveConnection(deps, tokenHash, slot.id);
    headers.set(ROOM_HEADERS.session, tokenHash);
  }
  headers.set(ROOM_HEADERS.userId, user.id);
  headers.set(ROOM_HEADERS.name, encodeURIComponent(user.name));
  headers.set(ROOM_HEADERS.slotId, slot.id);
  headers.set(ROOM_HEADERS.capacity, String(slot.maxParticipants));
  headers.set(ROOM_HEADERS.status, toSlot(slot).status === "FULL" ? "OPEN" : slot.status);
  return deps.slots.get(slot.id).fetch(new Request("https://slot.internal/ws", { headers }));
}
