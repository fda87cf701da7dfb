import { and, asc, eq, gt, gte, lt, ne, type SQL, sql } from "drizzle-orm";
import type { Interval } from "../domain/slot-rules";
import type { Db } from "./client";
import { type SlotRow, slots } from "./schema";
import { removableSlotIds, removeSlotsWhere } from "./slot-removal";
import { runBatch, statement } from "./statements";

/** Which slots to list: all bounds optional, `from`/`to` bound the start. */
export interface SlotListFilter {
  providerId?: string | undefined;
  from?: number | undefined;
  to?: number | undefined;
}

/** What a slot's edit may change (the rest of the row stays). */
export type SlotChange = Pick<
  SlotRow,
  | "startsAt"
  | "endsAt"
  | "durationMinutes"
  | "sessionType"
  | "maxParticipants"
  | "priceAmount"
  | "currency"
  | "updatedAt"
>;

/** A slot's place in time, for planning a pattern around it. */
export type SlotTiming = Pick<SlotRow, "startsAt" | "endsAt" | "status" | "patternId">;

/**
 * Slots as the services see them: listing, creating, editing and removing them (the slot object's
 * booking writes are in booking-records.ts). A slot's time is guarded in the database itself: a
 * provider's live (not CANCELLED) slots never overlap, and a pattern has at most one slot per start,
 * cancelled or not. Every write that could break either is one conditional statement (D1 runs
 * statements one at a time), so no concurrent create or edit can slip between check and write.
 */
export interface SlotRowRecords {
  findById(id: string): Promise<SlotRow | null>;
  /** Slots starting in [from, to), ascending by start then id, at most `limit`. */
  list(filter: SlotListFilter, limit: number): Promise<SlotRow[]>;
  /** The provider's slots of any status, cancelled too, that overlap `interval`. */
  listOverlapping(providerId: string, interval: Interval): Promise<SlotTiming[]>;
  /** One live slot of the provider overlapping `interval`, other than `exceptId`: what blocked a write. */
  findOverlapping(providerId: string, interval: Interval, exceptId?: string): Promise<SlotRow | null>;
  /** The slot of the pattern (cancelled or not) starting at `startsAt`, other than `exceptId`. */
  findPatternSlotAt(patternId: string, startsAt: number, exceptId: string): Promise<{ id: string } | null>;
  /**
   * Inserts the row only if the provider has no live slot overlapping it and, for a pattern's
   * slot, the pattern has no slot at that start. One statement, so concurrent creates cannot
   * overlap. False when refused.
   */
  insertIfFree(row: SlotRow): Promise<boolean>;
  /**
   * Applies `next` only while the slot is still at `current.version`, OPEN with no seat taken, and
   * the new time is free as for {@link insertIfFree}; bumps the version. One statement, so a
   * booking or edit that slipped in meanwhile wins. False when refused.
   */
  updateIfUnchanged(
    current: Pick<SlotRow, "id" | "version" | "providerId" | "patternId">,
    next: SlotChange,
  ): Promise<boolean>;
  /**
   * Removes the slot, with its expired or abandoned pending bookings, if it is removable (see
   * slot-removal.ts) and, when `endedBy` is given, ended by then. One batch; money history
   * (payments, refunds, money_ledger) stays. False when the slot was not removed.
   */
  removeIfRemovable(id: string, endedBy?: number): Promise<boolean>;
  /**
   * Removes every removable slot that ended by `now`, in one batch: all of them or, when the
   * batch throws (one slot something still refers to), none. Returns how many went.
   */
  removeEndedUnbooked(now: number): Promise<number>;
  /** Ids of removable slots that ended by `now`, by id, at most `limit`: the one-by-one fallback. */
  listRemovableEnded(now: number, limit: number): Promise<string[]>;
}

/** SQL condition: the provider has a live slot overlapping `interval`, other than `exceptId`. */
function overlapExists(providerId: string, interval: Interval, exceptId = "") {
  return sql`EXISTS (SELECT 1 FROM slots o WHERE o.provider_id = ${providerId} AND o.status != 'CANCELLED'
    AND o.starts_at < ${interval.endsAt} AND o.ends_at > ${interval.startsAt} AND o.id != ${exceptId})`;
}

/**
 * SQL condition: another slot of the pattern starts at `startsAt`. Cancelled slots do not block a
 * time (see overlapExists) but keep their start, and (pattern_id, starts_at) is unique, so this
 * is checked on its own; without it the write hits the unique index and fails as a 500.
 */
function patternStartTaken(patternId: string | null, startsAt: number, exceptId = "") {
  if (patternId === null) return sql`0`;
  return sql`EXISTS (SELECT 1 FROM slots p WHERE p.pattern_id = ${patternId} AND p.starts_at = ${startsAt}
    AND p.id != ${exceptId})`;
}

/**
 * The statement behind {@link SlotRowRecords.insertIfFree}, for batches that create a pattern's
 * slots (pattern-records.ts); its `changes` is 1 when the slot was written, 0 when refused.
 */
export function insertSlotIfFree(row: SlotRow): SQL {
  return sql`
    INSERT INTO slots (id, provider_id, starts_at, ends_at, duration_minutes, session_type, max_participants,
                       seats_taken, status, price_amount, currency, pattern_id, version, created_at, updated_at)
    SELECT ${row.id}, ${row.providerId}, ${row.startsAt}, ${row.endsAt}, ${row.durationMinutes}, ${row.sessionType},
           ${row.maxParticipants}, 0, 'OPEN', ${row.priceAmount}, ${row.currency}, ${row.patternId}, 1,
           ${row.createdAt}, ${row.updatedAt}
     WHERE NOT ${overlapExists(row.providerId, row)} AND NOT ${patternStartTaken(row.patternId, row.startsAt)}`;
}

/** `changes` of a removal batch: its last statement deletes the slots. */
const slotsRemoved = (results: D1Result[]) => results.at(-1)?.meta.changes ?? 0;

export function createSlotRecordsForServices(db: Db, d1: D1Database): SlotRowRecords {
  return {
    async findById(id) {
      return (await db.query.slots.findFirst({ where: eq(slots.id, id) })) ?? null;
    },

    list(filter, limit) {
      return db
        .select()
        .from(slots)
        .where(
          and(
            filter.providerId ? eq(slots.providerId, filter.providerId) : undefined,
            filter.from !== undefined ? gte(slots.startsAt, filter.from) : undefined,
            filter.to !== undefined ? lt(slots.startsAt, filter.to) : undefined,
          ),
        )
        .orderBy(asc(slots.startsAt), asc(slots.id))
        .limit(limit);
    },

    listOverlapping(providerId, interval) {
      return db
        .select({
          startsAt: slots.startsAt,
          endsAt: slots.endsAt,
          status: slots.status,
          patternId: slots.patternId,
        })
        .from(slots)
        .where(
          and(
            eq(slots.providerId, providerId),
            lt(slots.startsAt, interval.endsAt),
            gt(slots.endsAt, interval.startsAt),
          ),
        );
    },

    async findOverlapping(providerId, interval, exceptId = "") {
      const [other] = await db
        .select()
        .from(slots)
        .where(
          and(
            eq(slots.providerId, providerId),
            ne(slots.status, "CANCELLED"),
            lt(slots.startsAt, interval.endsAt),
            gt(slots.endsAt, interval.startsAt),
            ne(slots.id, exceptId),
          ),
        )
        .limit(1);
      return other ?? null;
    },

    async findPatternSlotAt(patternId, startsAt, exceptId) {
      const [twin] = await db
        .select({ id: slots.id })
        .from(slots)
        .where(and(eq(slots.patternId, patternId), eq(slots.startsAt, startsAt), ne(slots.id, exceptId)))
        .limit(1);
      return twin ?? null;
    },

    async insertIfFree(row) {
      const result = await statement(d1, insertSlotIfFree(row)).run();
      return result.meta.changes === 1;
    },

    async updateIfUnchanged(current, next) {
      const result = await statement(
        d1,
        sql`
        UPDATE slots SET starts_at = ${next.startsAt}, ends_at = ${next.endsAt}, duration_minutes = ${next.durationMinutes},
               session_type = ${next.sessionType}, max_participants = ${next.maxParticipants},
               price_amount = ${next.priceAmount}, currency = ${next.currency}, version = version + 1,
               updated_at = ${next.updatedAt}
         WHERE id = ${current.id} AND version = ${current.version} AND seats_taken = 0 AND status = 'OPEN'
           AND NOT ${overlapExists(current.providerId, next, current.id)}
           AND NOT ${patternStartTaken(current.patternId, next.startsAt, current.id)}`,
      ).run();
      return result.meta.changes === 1;
    },

    async removeIfRemovable(id, endedBy) {
      const where = endedBy === undefined ? sql`id = ${id}` : sql`id = ${id} AND ends_at <= ${endedBy}`;
      return slotsRemoved(await runBatch(d1, removeSlotsWhere(where))) === 1;
    },

    async removeEndedUnbooked(now) {
      return slotsRemoved(await runBatch(d1, removeSlotsWhere(sql`ends_at <= ${now}`)));
    },

    async listRemovableEnded(now, limit) {
      const { results } = await statement(d1, removableSlotIds(sql`ends_at <= ${now}`, limit)).all<{
        id: string;
      }>();
      return results.map((row) => row.id);
    },
  };
}
