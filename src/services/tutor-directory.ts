import { type OpenSlotRow, PROVIDER_LIST_LIMIT, type TutorCandidate } from "../db/tutor-records";
import type { Deps } from "../deps";
import { AppError } from "../domain/errors";
import {
  languageMatches,
  type OpenSlotTime,
  subjectKey,
  TUTOR_LIMITS,
  type TutorListing,
} from "../shared/tutor-types";
import { storedList, toProviderSummary } from "./accounts";

export type { TutorListing };

/** Find a tutor's filters, validated by the route. Prices are hourly rates in minor units. */
export interface TutorFilter {
  /** One of the tutor's subjects, compared by subjectKey (case and spacing do not matter). */
  subject?: string | undefined;
  /** A canonical BCP 47 tag; see languageMatches. */
  language?: string | undefined;
  minPrice?: number | undefined;
  maxPrice?: number | undefined;
  currency?: string | undefined;
  /** "Free in my week": a bookable slot starting in [from, to) (epoch ms). */
  free?: { from: number; to: number } | undefined;
}

/** True when the stored lists of a candidate pass the text filters. */
export function matchesText(candidate: Pick<TutorCandidate, "subjects" | "languages">, filter: TutorFilter) {
  if (filter.subject !== undefined) {
    const wanted = subjectKey(filter.subject);
    if (!storedList(candidate.subjects).some((subject) => subjectKey(subject) === wanted)) return false;
  }
  if (filter.language !== undefined) {
    const wanted = filter.language;
    if (!storedList(candidate.languages).some((tag) => languageMatches(tag, wanted))) return false;
  }
  return true;
}

function toOpenSlotTime(row: OpenSlotRow): OpenSlotTime {
  return {
    id: row.id,
    startsAt: new Date(row.startsAt).toISOString(),
    endsAt: new Date(row.endsAt).toISOString(),
    price: { amount: row.priceAmount, currency: row.currency },
  };
}

async function withOpenSlots(
  deps: Deps,
  ids: string[],
  now: number,
  window?: { from: number; to: number },
): Promise<TutorListing[]> {
  const accounts = deps.records.accounts;
  const [listings, slots] = await Promise.all([
    accounts.findProviders(ids),
    accounts.listNextOpenSlots(ids, now, TUTOR_LIMITS.nextOpenSlots, window),
  ]);
  const byProvider = new Map<string, OpenSlotTime[]>();
  for (const row of slots) {
    byProvider.set(row.providerId, [...(byProvider.get(row.providerId) ?? []), toOpenSlotTime(row)]);
  }
  return listings.map((listing) => ({
    ...toProviderSummary(listing),
    nextOpenSlots: byProvider.get(listing.user.id) ?? [],
  }));
}

/**
 * Tutors matching every given filter, by name, at most PROVIDER_LIST_LIMIT. SQL narrows by price,
 * currency and open slots; subjects and languages are matched here (see TutorRecords). With a
 * `free` window, each tutor's next open slots are the ones inside it.
 */
export async function searchTutors(deps: Deps, filter: TutorFilter): Promise<TutorListing[]> {
  const now = deps.now();
  const candidates = await deps.records.accounts.listTutorCandidates(
    { minPrice: filter.minPrice, maxPrice: filter.maxPrice, currency: filter.currency, free: filter.free },
    now,
  );
  const ids = candidates
    .filter((candidate) => matchesText(candidate, filter))
    .slice(0, PROVIDER_LIST_LIMIT)
    .map((candidate) => candidate.id);
  return withOpenSlots(deps, ids, now, filter.free);
}

/** One tutor with their next open slots; NOT_FOUND for an unknown id or a user who is not a tutor. */
export async function getTutor(deps: Deps, id: string): Promise<TutorListing> {
  const [tutor] = await withOpenSlots(deps, [id], deps.now());
  if (!tutor) throw new AppError("NOT_FOUND", "There is no tutor with this id.");
  return tutor;
}
