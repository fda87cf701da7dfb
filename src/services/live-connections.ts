import { slotObject } from "../adapters/slot-client";
import type { Deps } from "../deps";
import { hashSessionToken } from "../security/session-token";

/** Remembers that a login session opened a socket in a slot's room (so logout can close it). */
export async function rememberLiveConnection(deps: Deps, tokenHash: string, slotId: string): Promise<void> {
  await deps.d1
    .prepare(
      "INSERT INTO live_connections (token_hash, slot_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
    )
    .bind(tokenHash, slotId, deps.now())
    .run();
}

/** Logout: every room this login session joined closes its sockets at once. */
export async function closeLiveConnections(deps: Deps, token: string): Promise<number> {
  const tokenHash = await hashSessionToken(token);
  const { results } = await deps.d1
    .prepare("SELECT slot_id AS slotId FROM live_connections WHERE token_hash = ? LIMIT 500")
    .bind(tokenHash)
    .all<{ slotId: string }>();
  const closed = await Promise.all(
    results.map((row) => slotObject(deps.env, row.slotId).closeSessionSockets(tokenHash)),
  );
  await deps.d1.prepare("DELETE FROM live_connections WHERE token_hash = ?").bind(tokenHash).run();
  return closed.reduce((total, count) => total + count, 0);
}
