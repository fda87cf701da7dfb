import { api } from "../api/endpoints";
import type { ProviderSummary, Slot } from "../api/types";

/** Small per-page-load caches for names and slots that many lists refer to by id. */
let providers: Promise<Map<string, ProviderSummary>> | undefined;
const slots = new Map<string, Promise<Slot>>();

export function loadProviders(fresh = false): Promise<Map<string, ProviderSummary>> {
  if (fresh || !providers) {
    providers = api
      .providers()
      .then(({ providers: list }) => new Map(list.map((p) => [p.id, p])))
      .catch((error: unknown) => {
        providers = undefined;
        throw error;
      });
  }
  return providers;
}

/** A slot by id; cached, since bookings and sessions only carry the slot id. */
export function loadSlot(id: string, fresh = false): Promise<Slot> {
  let found = slots.get(id);
  if (fresh || !found) {
    found = api.slot(id).catch((error: unknown) => {
      slots.delete(id);
      throw error;
    });
    slots.set(id, found);
  }
  return found;
}

export async function loadSlots(ids: string[], fresh = false): Promise<Map<string, Slot>> {
  const unique = [...new Set(ids)];
  const loaded = await Promise.all(unique.map((id) => loadSlot(id, fresh).catch(() => undefined)));
  const out = new Map<string, Slot>();
  for (const slot of loaded) if (slot) out.set(slot.id, slot);
  return out;
}
