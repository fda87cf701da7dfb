import type { Deps } from "../deps";

/** Derives due notifications from state, queues them once each and sends what is due (being built). */
export async function runNotifications(_deps: Deps): Promise<Record<string, number>> {
  return {};
}
