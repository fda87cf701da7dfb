import { DurableObject } from "cloudflare:workers";

/**
 * One object per slot (named by the slot id): it will serialize the slot's bookings (holds and
 * their expiry alarms) and host the slot's live WebSocket room. A shell until booking lands.
 */
export class SlotObject extends DurableObject<Env> {
  /** Cheapest request that reaches the object; used as the floor in benchmarks. */
  async ping(): Promise<{ ok: true }> {
    return { ok: true };
  }
}
