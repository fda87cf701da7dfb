import { and, asc, eq, gte, lte, type SQL, sql } from "drizzle-orm";
import type { Db } from "./client";
import { type ProviderProfileRow, providerProfiles, type UserRow, users } from "./schema";
import { statement } from "./statements";

/** A provider as students browse them; `profile` is null until the provider saves one. */
export interface ProviderListing {
  user: UserRow;
  profile: ProviderProfileRow | null;
}

/** Most providers one search answers. */
export const PROVIDER_LIST_LIMIT = 500;

/** What SQL filters on (numbers and slots); text matching is the service's, see TutorRecords. */
export interface TutorSqlFilter {
  /** Hourly rate bounds in minor units, inclusive; a provider without a rate never matches. */
  minPrice?: number | undefined;
  maxPrice?: number | undefined;
  currency?: string | undefined;
  /** Only providers with a bookable slot (OPEN, a seat left, starting after now) starting in [from, to). */
  free?: { from: number; to: number } | undefined;
}

/** The stored subject and language lists of a provider that passed the SQL filter. */
export interface TutorCandidate {
  id: string;
  subjects: string | null;
  languages: string | null;
}

/** A bookable slot as Find a tutor shows it. */
export interface OpenSlotRow {
  id: string;
  providerId: string;
  startsAt: number;
  endsAt: number;
  priceAmount: number;
  currency: string;
}

/**
 * Discovery and the profile photo. Subjects and languages are JSON text in provider_profiles and
 * are matched by the service: SQLite's lower() folds ASCII only and a malformed JSON value would
 * make json_each throw, so SQL narrows by price, currency and open slots and hands back the
 * lists. Times are epoch ms. Id lists travel as one JSON parameter (D1 binds at most 100).
 */
export interface TutorRecords {
  /** Every provider passing `filter` at `now`, by name then id: light rows, no limit. */
  listTutorCandidates(filter: TutorSqlFilter, now: number): Promise<TutorCandidate[]>;
  /** The providers among `ids` (other users are left out) with their profiles, by name then id. */
  findProviders(ids: readonly string[]): Promise<ProviderListing[]>;
  /**
   * Up to `perProvider` bookable slots of each of `providerIds` (OPEN, seats_taken below
   * max_participants, starting after `now` and, with `window`, in [from, to)), by provider then start.
   */
  listNextOpenSlots(
    providerIds: readonly string[],
    now: number,
    perProvider: number,
    window?: { from: number; to: number },
  ): Promise<OpenSlotRow[]>;
  /**
   * Sets the profile's photo key to `next` only while it is still `expected` (null: no photo), so
   * of two concurrent uploads exactly one replaces a given key. False when the key had changed
   * or the provider has no profile row.
   */
  replacePhotoKey(
    userId: string,
    expected: string | null,
    next: string | null,
    now: number,
  ): Promise<boolean>;
}

const idsJson = (ids: readonly string[]) => JSON.stringify([...ids]);

/** SQL condition: the provider (`users.id`) has a bookable slot starting after `now` in [from, to). */
function hasOpenSlotIn(window: { from: number; to: number }, now: number): SQL {
  return sql`EXISTS (SELECT 1 FROM slots s WHERE s.provider_id = ${users.id} AND s.status = 'OPEN'
    AND s.seats_taken < s.max_participants AND s.starts_at > ${now}
    AND s.starts_at >= ${window.from} AND s.starts_at < ${window.to})`;
}

export function createTutorRecords(db: Db, d1: D1Database): TutorRecords {
  return {
    listTutorCandidates(filter, now) {
      return db
        .select({ id: users.id, subjects: providerProfiles.subjects, languages: providerProfiles.languages })
        .from(users)
        .leftJoin(providerProfiles, eq(providerProfiles.userId, users.id))
        .where(
          and(
            eq(users.role, "provider"),
            filter.minPrice !== undefined ? gte(providerProfiles.hourlyRate, filter.minPrice) : undefined,
            filter.maxPrice !== undefined ? lte(providerProfiles.hourlyRate, filter.maxPrice) : undefined,
            filter.currency !== undefined ? eq(providerProfiles.currency, filter.currency) : undefined,
            filter.free ? hasOpenSlotIn(filter.free, now) : undefined,
          ),
        )
        .orderBy(asc(users.name), asc(users.id));
    },

    async findProviders(ids) {
      if (ids.length === 0) return [];
      return db
        .select({ user: users, profile: providerProfiles })
        .from(users)
        .leftJoin(providerProfiles, eq(providerProfiles.userId, users.id))
        .where(
          and(eq(users.role, "provider"), sql`${users.id} IN (SELECT value FROM json_each(${idsJson(ids)}))`),
        )
        .orderBy(asc(users.name), asc(users.id));
    },

    async listNextOpenSlots(providerIds, now, perProvider, window) {
      if (providerIds.length === 0) return [];
      const result = await statement(
        d1,
        sql`
        SELECT id, provider_id AS providerId, starts_at AS startsAt, ends_at AS endsAt,
               price_amount AS priceAmount, currency
          FROM (SELECT id, provider_id, starts_at, ends_at, price_amount, currency,
                       ROW_NUMBER() OVER (PARTITION BY provider_id ORDER BY starts_at, id) AS n
                  FROM slots
                 WHERE provider_id IN (SELECT value FROM json_each(${idsJson(providerIds)}))
                   AND status = 'OPEN' AND seats_taken < max_participants AND starts_at > ${now}
                   AND starts_at >= ${window?.from ?? now} AND starts_at < ${window?.to ?? Number.MAX_SAFE_INTEGER})
         WHERE n <= ${perProvider}
         ORDER BY provider_id, starts_at, id`,
      ).all<OpenSlotRow>();
      return result.results;
    },

    async replacePhotoKey(userId, expected, next, now) {
      const result = await statement(
        d1,
        sql`UPDATE provider_profiles SET photo_key = ${next}, updated_at = ${now}
             WHERE user_id = ${userId} AND photo_key IS ${expected}`,
      ).run();
      return result.meta.changes === 1;
    },
  };
}
