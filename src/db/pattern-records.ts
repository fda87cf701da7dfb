import { asc, eq, sql } from "drizzle-orm";
import type { Db } from "./client";
import { availabilityPatterns, type PatternRow, type SlotRow } from "./schema";
import { insertSlotIfFree } from "./slot-records";
import { removeSlotsWhere } from "./slot-removal";
import { runBatch } from "./statements";

/**
 * Weekly availability patterns and the slots they make. A pattern's slots are written with the
 * same one-statement conditional insert as a single slot, so a concurrent create can only make a
 * start skip, never overlap; which starts were written is read from each insert's own result.
 */
export interface PatternRecords {
  findById(id: string): Promise<PatternRow | null>;
  /** The provider's patterns, oldest first. */
  listForProvider(providerId: string): Promise<PatternRow[]>;
  /** Every pattern, by id: the daily top-up's work list. */
  listAll(): Promise<PatternRow[]>;
  /**
   * Inserts the pattern and those of `slots` whose time is free, and records `materializedUntil`,
   * in one atomic batch. Returns the ids of the slots written.
   */
  insertWithSlots(pattern: PatternRow, slots: SlotRow[], materializedUntil: number): Promise<Set<string>>;
  /**
   * Inserts those of `slots` whose time is free and moves the pattern's `materializedUntil`, in
   * one atomic batch. Returns the ids of the slots written.
   */
  extendWithSlots(patternId: string, slots: SlotRow[], materializedUntil: number): Promise<Set<string>>;
  /**
   * Deletes the pattern and its removable slots starting after `now` (see slot-removal.ts), in one
   * batch; its other slots stay and forget the pattern. Money history is never touched.
   */
  deleteWithFutureSlots(id: string, now: number): Promise<void>;
}

export function createPatternRecords(db: Db, d1: D1Database): PatternRecords {
  /** Runs `leading`, one conditional insert per slot, then the window move; each insert's `changes` says if it landed. */
  async function writeSlots(
    leading: Parameters<typeof runBatch>[1],
    patternId: string,
    slots: SlotRow[],
    materializedUntil: number,
  ): Promise<Set<string>> {
    const windowMove = db
      .update(availabilityPatterns)
      .set({ materializedUntil })
      .where(eq(availabilityPatterns.id, patternId));
    const results = await runBatch(d1, [...leading, ...slots.map(insertSlotIfFree), windowMove]);
    const inserted = results.slice(leading.length, leading.length + slots.length);
    return new Set(slots.filter((_, i) => inserted[i]?.meta.changes === 1).map((slot) => slot.id));
  }

  return {
    async findById(id) {
      return (
        (await db.query.availabilityPatterns.findFirst({ where: eq(availabilityPatterns.id, id) })) ?? null
      );
    },

    listForProvider(providerId) {
      return db
        .select()
        .from(availabilityPatterns)
        .where(eq(availabilityPatterns.providerId, providerId))
        .orderBy(asc(availabilityPatterns.createdAt), asc(availabilityPatterns.id));
    },

    listAll() {
      return db.select().from(availabilityPatterns).orderBy(asc(availabilityPatterns.id));
    },

    insertWithSlots(pattern, slots, materializedUntil) {
      return writeSlots(
        [db.insert(availabilityPatterns).values(pattern)],
        pattern.id,
        slots,
        materializedUntil,
      );
    },

    extendWithSlots(patternId, slots, materializedUntil) {
      return writeSlots([], patternId, slots, materializedUntil);
    },

    async deleteWithFutureSlots(id, now) {
      await runBatch(d1, [
        ...removeSlotsWhere(sql`pattern_id = ${id} AND starts_at > ${now}`),
        sql`UPDATE slots SET pattern_id = NULL WHERE pattern_id = ${id}`,
        db.delete(availabilityPatterns).where(eq(availabilityPatterns.id, id)),
      ]);
    },
  };
}
