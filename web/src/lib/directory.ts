import { subjectKey, type TutorListing } from "../../../src/shared/tutor-types";
import { api } from "../api/endpoints";
import { tutorsApi } from "../api/tutors";
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

/** One tutor with their next open times (GET /api/providers/:id); not cached, open times change. */
export function loadTutor(id: string): Promise<TutorListing> {
  return tutorsApi.tutor(id);
}

/** What Find a tutor offers to filter by: every tutor's subjects and languages, and their currencies. */
export interface TutorFacets {
  subjects: string[];
  languages: string[];
  /** Most used first. */
  currencies: string[];
}

export async function loadTutorFacets(): Promise<TutorFacets> {
  const tutors = [...(await loadProviders()).values()];
  const subjects = new Map<string, string>();
  const currencies = new Map<string, number>();
  for (const tutor of tutors) {
    for (const subject of tutor.subjects) {
      const key = subjectKey(subject);
      if (!subjects.has(key)) subjects.set(key, subject);
    }
    if (tutor.currency) currencies.set(tutor.currency, (currencies.get(tutor.currency) ?? 0) + 1);
  }
  return {
    subjects: [...subjects.values()].sort((a, b) => a.localeCompare(b)),
    languages: [...new Set(tutors.flatMap((tutor) => tutor.languages))].sort(),
    currencies: [...currencies].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([code]) => code),
  };
}
