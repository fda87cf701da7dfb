import { and, asc, eq, gte, lt, ne, type SQL, sql } from "drizzle-orm";
import { slotObject } from "../adapters/slot-client";
import { type SlotRow, slots } from "../db/schema";
import { removableSlotIds, removeSlotsWhere } from "../db/slot-removal";
import { runBatch, statement } from "../db/statements";
import type { Deps } from "../deps";
import { AppError, unwrap } from "../domain/errors";
import { newId } from "../domain/ids";
import {
  checkStartWithinWindow,
  type Interval,
  MINUTE_MS,
  priceForDuration,
  publicSlotStatus,
  resolveCapacity,
  type SessionType,
} from "../domain/slot-rules";
import type { AuthUser } from "../http/context";
import type { Slot } from "../shared/api-types";
import { getProviderProfile } from "./accounts";

export type { Slot };

export function toSlot(row: SlotRow): Slot {
  return {
    id: row.id,
    providerId: row.providerId,
    startsAt: new Date(row.startsAt).toISOString(),
    endsAt: new Date(row.endsAt).toISOString(),
    durationMinutes: row.durationMinutes,
    sessionType: row.sessionType,
    maxParticipants: row.maxParticipants,
    seatsTaken: row.seatsTaken,
    seatsLeft: Math.max(0, row.maxParticipants - row.seatsTaken),
    price: { amount: row.priceAmount, currency: row.currency },
    status: publicSlotStatus(row.status, row.seatsTaken, row.maxParticipants),
    ...(row.patternId ? { patternId: row.patternId } : {}),
  };
}

export interface SlotShape {
  startsAt: number;
  durationMinutes: number;
  sessionType: SessionType;
  maxParticipants?: number | undefined;
}

/** Price of a slot from the provider's current rate; 0 until the provider has set one. */
export async function currentPricing(deps: Deps, providerId: string) {
  const profile = await getProviderProfile(deps, providerId);
  return { hourlyRate: profile?.hourlyRate ?? 0, currency: profile?.currency ?? "usd" };
}

export function newSlotRow(
  providerId: string,
  shape: SlotShape & { maxParticipants: number },
  pricing: { hourlyRate: number; currency: string },
  now: number,
  patternId: string | null = null,
): SlotRow {
  return {
    id: newId("slot"),
    providerId,
    startsAt: shape.startsAt,
    endsAt: shape.startsAt + shape.durationMinutes * MINUTE_MS,
    durationMinutes: shape.durationMinutes,
    sessionType: shape.sessionType,
    maxParticipants: shape.maxParticipants,
    seatsTaken: 0,
    status: "OPEN",
    priceAmount: priceForDuration(pricing.hourlyRate, shape.durationMinutes),
    currency: pricing.currency,
    patternId,
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
}

/** SQL condition: the provider has a live slot overlapping [startsAt, endsAt), other than `exceptId`. */
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
 * Inserts the slot only if the provider has no overlapping slot (and, for a pattern's slot, the
 * pattern has no slot at that start, even a cancelled one). One statement, so the check and the
 * write cannot be split by a concurrent create (D1 runs statements one at a time).
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

async function overlapError(
  deps: Deps,
  providerId: string,
  interval: Interval,
  exceptId = "",
): Promise<AppError> {
  const clash = await deps.db
    .select()
    .from(slots)
    .where(
      and(
        eq(slots.providerId, providerId),
        ne(slots.status, "CANCELLED"),
        lt(slots.startsAt, interval.endsAt),
        sql`${slots.endsAt} > ${interval.startsAt}`,
        ne(slots.id, exceptId),
      ),
    )
    .limit(1);
  const other = clash[0];
  const message = other
    ? `This time overlaps your slot from ${new Date(other.startsAt).toISOString()} to ${new Date(other.endsAt).toISOString()}.`
    : "This time overlaps another of your slots.";
  return new AppError("SLOT_OVERLAP", message, other ? { conflictingSlotId: other.id } : undefined);
}

/** Why an update was refused: an overlapping live slot, or a cancelled slot of the pattern at that start. */
async function conflictError(
  deps: Deps,
  providerId: string,
  next: Interval,
  current: SlotRow,
): Promise<AppError> {
  if (current.patternId !== null) {
    const [twin] = await deps.db
      .select({ id: slots.id })
      .from(slots)
      .where(
        and(
          eq(slots.patternId, current.patternId),
          eq(slots.startsAt, next.startsAt),
          ne(slots.id, current.id),
        ),
      )
      .limit(1);
    if (twin) {
      return new AppError(
        "SLOT_OVERLAP",
        `Another slot of this availability pattern (cancelled or not) already starts at ${new Date(next.startsAt).toISOString()}; pick another time.`,
        { conflictingSlotId: twin.id },
      );
    }
  }
  return overlapError(deps, providerId, next, current.id);
}

export async function createSlot(deps: Deps, providerId: string, shape: SlotShape): Promise<Slot> {
  const now = deps.now();
  const maxParticipants = unwrap(resolveCapacity(shape.sessionType, shape.maxParticipants));
  unwrap(checkStartWithinWindow(shape.startsAt, now));
  const row = newSlotRow(
    providerId,
    { ...shape, maxParticipants },
    await currentPricing(deps, providerId),
    now,
  );
  const result = await deps.db.run(insertSlotIfFree(row));
  if (result.meta.changes !== 1) throw await overlapError(deps, providerId, row);
  return toSlot(row);
}

export interface SlotFilter {
  providerId?: string | undefined;
  from?: number | undefined;
  to?: number | undefined;
}

export const SLOT_LIST_LIMIT = 1000;

/** Slots starting in [from, to), ascending by start. */
export async function listSlots(deps: Deps, filter: SlotFilter): Promise<Slot[]> {
  const conditions = [
    filter.providerId ? eq(slots.providerId, filter.providerId) : undefined,
    filter.from !== undefined ? gte(slots.startsAt, filter.from) : undefined,
    filter.to !== undefined ? lt(slots.startsAt, filter.to) : undefined,
  ];
  const rows = await deps.db
    .select()
    .from(slots)
    .where(and(...conditions))
    .orderBy(asc(slots.startsAt), asc(slots.id))
    .limit(SLOT_LIST_LIMIT);
  return rows.map(toSlot);
}

export async function findSlotRow(deps: Deps, id: string): Promise<SlotRow> {
  const row = await deps.db.query.slots.findFirst({ where: eq(slots.id, id) });
  if (!row) throw new AppError("NOT_FOUND", "No such slot.");
  return row;
}

async function findOwnSlot(deps: Deps, user: AuthUser, id: string): Promise<SlotRow> {
  const row = await findSlotRow(deps, id);
  if (row.providerId !== user.id) throw new AppError("FORBIDDEN", "This slot belongs to another provider.");
  return row;
}

const hasBookings = () =>
  new AppError("SLOT_HAS_BOOKINGS", "This slot has bookings, so it can no longer be changed or deleted.");

/** Applies a partial change to an unbooked slot; every create rule is checked on the merged result. */
export async function updateSlot(
  deps: Deps,
  user: AuthUser,
  id: string,
  patch: Partial<SlotShape>,
  attempt = 1,
): Promise<Slot> {
  const current = await findOwnSlot(deps, user, id);
  if (current.seatsTaken > 0) throw hasBookings();
  if (current.status !== "OPEN") {
    throw new AppError(
      "SLOT_NOT_BOOKABLE",
      `This slot is ${current.status.toLowerCase()} and cannot be changed.`,
    );
  }
  const now = deps.now();
  const sessionType = patch.sessionType ?? current.sessionType;
  const requestedSeats =
    patch.maxParticipants ?? (sessionType === current.sessionType ? current.maxParticipants : undefined);
  const maxParticipants = unwrap(resolveCapacity(sessionType, requestedSeats));
  const startsAt = patch.startsAt ?? current.startsAt;
  const durationMinutes = patch.durationMinutes ?? current.durationMinutes;
  unwrap(checkStartWithinWindow(startsAt, now));
  const pricing = await currentPricing(deps, user.id);
  const next = newSlotRow(user.id, { startsAt, durationMinutes, sessionType, maxParticipants }, pricing, now);

  // Conditional on the version read above and on no seat being taken, so a booking that
  // slipped in meanwhile wins and this change is refused.
  const result = await deps.db.run(sql`
    UPDATE slots SET starts_at = ${next.startsAt}, ends_at = ${next.endsAt}, duration_minutes = ${durationMinutes},
           session_type = ${sessionType}, max_participants = ${maxParticipants}, price_amount = ${next.priceAmount},
           currency = ${next.currency}, version = version + 1, updated_at = ${now}
     WHERE id = ${id} AND version = ${current.version} AND seats_taken = 0 AND status = 'OPEN'
       AND NOT ${overlapExists(user.id, next, id)}
       AND NOT ${patternStartTaken(current.patternId, next.startsAt, id)}`);
  if (result.meta.changes !== 1) {
    const latest = await findSlotRow(deps, id);
    if (latest.seatsTaken > 0) throw hasBookings();
    // Changed underneath (a re-price or another edit): decide again on the fresh row.
    if (latest.version !== current.version && attempt < 3)
      return updateSlot(deps, user, id, patch, attempt + 1);
    throw await conflictError(deps, user.id, next, latest);
  }
  if (maxParticipants !== current.maxParticipants) await slotObject(deps.env, id).resize(maxParticipants);
  return toSlot({
    ...current,
    ...next,
    id,
    patternId: current.patternId,
    createdAt: current.createdAt,
    version: current.version + 1,
  });
}

export async function deleteSlot(deps: Deps, user: AuthUser, id: string): Promise<void> {
  const current = await findOwnSlot(deps, user, id);
  if (current.seatsTaken > 0) throw hasBookings();
  const results = await runBatch(deps.d1, removeSlotsWhere(sql`id = ${id}`));
  if (results.at(-1)?.meta.changes !== 1) {
    const latest = await deps.db.query.slots.findFirst({ where: eq(slots.id, id) });
    if (latest) throw hasBookings();
  }
}

/** Slots looked at one by one per cleanup run when the all-at-once removal fails. */
const CLEANUP_ROW_LIMIT = 500;

/**
 * Removes slots that have ended without any seat taken. Callable on its own (cron, tests).
 * All at once when it can; if that batch fails (one slot something still refers to), slot by slot,
 * so one bad row never keeps the others: `failed` counts the slots that could not go.
 */
export async function removeExpiredUnbookedSlots(
  deps: Deps,
  now = deps.now(),
): Promise<{ removed: number; failed: number }> {
  const ended = sql`ends_at <= ${now}`;
  try {
    const results = await runBatch(deps.d1, removeSlotsWhere(ended));
    return { removed: results.at(-1)?.meta.changes ?? 0, failed: 0 };
  } catch (error) {
    console.error("slot cleanup batch failed; removing one slot at a time", error);
  }
  const { results: candidates } = await statement(deps.d1, removableSlotIds(ended, CLEANUP_ROW_LIMIT)).all<{
    id: string;
  }>();
  const report = { removed: 0, failed: 0 };
  for (const { id } of candidates) {
    try {
      const results = await runBatch(deps.d1, removeSlotsWhere(sql`id = ${id} AND ${ended}`));
      report.removed += results.at(-1)?.meta.changes ?? 0;
    } catch (error) {
      report.failed += 1;
      console.error("slot cleanup failed", id, error);
    }
  }
  return report;
}
