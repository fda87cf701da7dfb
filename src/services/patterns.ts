import type { PatternRow } from "../db/schema";
import type { Deps } from "../deps";
import { AppError, unwrap } from "../domain/errors";
import type { AuthUser } from "../domain/identity";
import { newId } from "../domain/ids";
import {
  expandPattern,
  type PatternShape,
  planAgainstExisting,
  type Skipped,
  type WeeklyStart,
} from "../domain/patterns";
import { resolveCapacity, type SessionType } from "../domain/slot-rules";
import type { Pattern } from "../shared/api-types";
import { MINUTE_MS } from "../shared/time";
import { currentPricing, newSlotRow, type Slot, toSlot } from "./slots";

export interface PatternInput extends PatternShape {
  sessionType: SessionType;
  maxParticipants?: number | undefined;
}

export type { Pattern };

export function toPattern(row: PatternRow): Pattern {
  return {
    id: row.id,
    providerId: row.providerId,
    timezone: row.timezone,
    weekly: JSON.parse(row.weekly) as WeeklyStart[],
    durationMinutes: row.durationMinutes,
    sessionType: row.sessionType,
    maxParticipants: row.maxParticipants,
    startsOn: row.startsOn,
    endsOn: row.endsOn,
    createdAt: new Date(row.createdAt).toISOString(),
  };
}

function patternShape(row: PatternRow): PatternShape {
  return {
    timezone: row.timezone,
    weekly: JSON.parse(row.weekly) as WeeklyStart[],
    durationMinutes: row.durationMinutes,
    startsOn: row.startsOn,
    endsOn: row.endsOn,
  };
}

/**
 * Expands the pattern's starts after `after` and plans them against the provider's live slots.
 * A start where a cancelled slot of this pattern sits is skipped too: cancelled slots free their
 * time for other slots, but (pattern_id, starts_at) stays unique.
 */
async function planPattern(deps: Deps, pattern: PatternRow, now: number, after: number | undefined) {
  const expansion = expandPattern(patternShape(pattern), now, after);
  const span = pattern.durationMinutes * MINUTE_MS;
  const first = expansion.starts[0];
  const last = expansion.starts.at(-1);
  if (first === undefined || last === undefined) {
    return { expansion, plan: planAgainstExisting([], pattern.durationMinutes, []) };
  }
  const nearby = await deps.records.slots.listOverlapping(pattern.providerId, {
    startsAt: first,
    endsAt: last + span,
  });
  const live = nearby.filter((slot) => slot.status !== "CANCELLED");
  const cancelledStarts = new Set(
    nearby
      .filter((slot) => slot.status === "CANCELLED" && slot.patternId === pattern.id)
      .map((s) => s.startsAt),
  );
  const free = expansion.starts.filter((startsAt) => !cancelledStarts.has(startsAt));
  const plan = planAgainstExisting(free, pattern.durationMinutes, live);
  for (const startsAt of expansion.starts.filter((start) => cancelledStarts.has(start))) {
    plan.skipped.push({
      startsAt: new Date(startsAt).toISOString(),
      reason: "SLOT_OVERLAP: a cancelled slot of this pattern starts at this time.",
    });
  }
  return { expansion, plan };
}

/**
 * Turns the pattern's starts after `after` into slots: plans against the provider's live slots,
 * then writes with one conditional insert each, so a concurrent create can still only make a
 * start skip, never overlap. `create` inserts the pattern in the same batch; otherwise it exists.
 * Returns what was created and what was skipped, with reasons.
 */
async function materialize(
  deps: Deps,
  pattern: PatternRow,
  now: number,
  after: number | undefined,
  create: boolean,
): Promise<{ created: Slot[]; skipped: Skipped[]; windowEnd: number }> {
  const { expansion, plan } = await planPattern(deps, pattern, now, after);
  const pricing = await currentPricing(deps, pattern.providerId);
  const shape = {
    durationMinutes: pattern.durationMinutes,
    sessionType: pattern.sessionType,
    maxParticipants: pattern.maxParticipants,
  };
  const rows = plan.accepted.map((startsAt) =>
    newSlotRow(pattern.providerId, { ...shape, startsAt }, pricing, now, pattern.id),
  );
  const written = create
    ? await deps.records.patterns.insertWithSlots(pattern, rows, expansion.windowEnd)
    : await deps.records.patterns.extendWithSlots(pattern.id, rows, expansion.windowEnd);
  const lost: Skipped[] = rows
    .filter((row) => !written.has(row.id))
    .map((row) => ({
      startsAt: new Date(row.startsAt).toISOString(),
      reason: "SLOT_OVERLAP: another slot was created at this time meanwhile.",
    }));
  const skipped = [...expansion.skipped, ...plan.skipped, ...lost].sort((a, b) =>
    a.startsAt.localeCompare(b.startsAt),
  );
  return {
    created: rows.filter((row) => written.has(row.id)).map(toSlot),
    skipped,
    windowEnd: expansion.windowEnd,
  };
}

function newPatternRow(provider: AuthUser, input: PatternInput, now: number): PatternRow {
  return {
    id: newId("pat"),
    providerId: provider.id,
    timezone: input.timezone,
    weekly: JSON.stringify(input.weekly),
    durationMinutes: input.durationMinutes,
    sessionType: input.sessionType,
    maxParticipants: unwrap(resolveCapacity(input.sessionType, input.maxParticipants)),
    startsOn: input.startsOn ?? null,
    endsOn: input.endsOn ?? null,
    materializedUntil: now,
    createdAt: now,
  };
}

export async function createPattern(
  deps: Deps,
  provider: AuthUser,
  input: PatternInput,
): Promise<{ pattern: Pattern; createdSlots: Slot[]; skipped: Skipped[] }> {
  const now = deps.now();
  const row = newPatternRow(provider, input, now);
  const { created, skipped } = await materialize(deps, row, now, undefined, true);
  return { pattern: toPattern(row), createdSlots: created, skipped };
}

/** What creating this pattern would do right now, without writing anything. */
export async function previewPattern(
  deps: Deps,
  provider: AuthUser,
  input: PatternInput,
): Promise<{ slots: { startsAt: string; endsAt: string }[]; skipped: Skipped[] }> {
  const now = deps.now();
  const row = newPatternRow(provider, input, now);
  const { expansion, plan } = await planPattern(deps, row, now, undefined);
  const span = row.durationMinutes * MINUTE_MS;
  return {
    slots: plan.accepted.map((startsAt) => ({
      startsAt: new Date(startsAt).toISOString(),
      endsAt: new Date(startsAt + span).toISOString(),
    })),
    skipped: [...expansion.skipped, ...plan.skipped].sort((a, b) => a.startsAt.localeCompare(b.startsAt)),
  };
}

export async function listPatterns(deps: Deps, providerId: string): Promise<Pattern[]> {
  const rows = await deps.records.patterns.listForProvider(providerId);
  return rows.map(toPattern);
}

/** Deletes the pattern and its future unbooked slots; booked ones stay and forget the pattern. */
export async function deletePattern(deps: Deps, provider: AuthUser, id: string): Promise<void> {
  const row = await deps.records.patterns.findById(id);
  if (!row) throw new AppError("NOT_FOUND", "No such availability pattern.");
  if (row.providerId !== provider.id)
    throw new AppError("FORBIDDEN", "This pattern belongs to another provider.");
  await deps.records.patterns.deleteWithFutureSlots(id, deps.now());
}

/**
 * Daily job: extends every pattern to the end of the moving 28-day window. Only starts after
 * what was already considered are generated, so a slot the provider deleted is not re-created.
 * Each pattern on its own: one that fails is logged and counted in `failed`, the rest go on.
 */
export async function topUpPatterns(
  deps: Deps,
  now = deps.now(),
): Promise<{ patterns: number; created: number; failed: number }> {
  const rows = await deps.records.patterns.listAll();
  let created = 0;
  let failed = 0;
  for (const row of rows) {
    try {
      const result = await materialize(deps, row, now, row.materializedUntil, false);
      created += result.created.length;
    } catch (error) {
      failed += 1;
      console.error("pattern top-up failed", row.id, error);
    }
  }
  return { patterns: rows.length, created, failed };
}
