import type { Deps } from "../deps";
import { hashSessionToken } from "../security/session-token";

/** Remembers that a login session opened a socket in a slot's room (so logout can close it). */
export async function rememberLiveConnection(deps: Deps, tokenHash: string, slotId: string): Promise<void> {
  await deps.records.live.remember(tokenHash, slotId, deps.now());
}

/** Logout: every room this login session joined closes its sockets at once. */
export async function closeLiveConnections(deps: Deps, token: string): Promise<number> {
  const tokenHash = await hashSessionToken(token);
  const rooms = await deps.records.live.roomsOf(tokenHash, 500);
  const closed = await Promise.all(
    rooms.map((slotId) => deps.slots.get(slotId).closeSessionSockets(tokenHash)),
  );
  await deps.records.live.forget(tokenHash);
  return closed.reduce((total, count) => total + count, 0);
}
