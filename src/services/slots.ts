import type { SlotSnapshot } from "../../durable-objects/slot-booking";
import type { SlotRow } from "../db/schema";
import type { Deps } from "../deps";
import { AppError, unwrap } from "../domain/errors";
import type { AuthUser } from "../domain/identity";
import { newId } from "../domain/ids";
import {
  checkStartWithinWindow,
  type Interval,
  publicSlotStatus,
  resolveCapacity,
  type SessionType,
} from "../domain/slot-rules";
import type { Slot } from "../shared/api-types";
import { priceForDuration } from "../shared/pricing";
import { MINUTE_MS } from "../shared/time";
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

async function overlapError(
  deps: Deps,
  providerId: string,
  interval: Interval,
  exceptId = "",
): Promise<AppError> {
  const other = await deps.records.slots.findOverlapping(providerId, interval, exceptId);
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
    const twin = await deps.records.slots.findPatternSlotAt(current.patternId, next.startsAt, current.id);
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
  if (!(await deps.records.slots.insertIfFree(row))) throw await overlapError(deps, providerId, row);
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
  const rows = await deps.records.slots.list(filter, SLOT_LIST_LIMIT);
  return rows.map(toSlot);
}

/** What the slot's object is told about its slot with each booking, waitlist or move request. */
export function slotSnapshot(slot: SlotRow): SlotSnapshot {
  return {
    slotId: slot.id,
    version: slot.version,
    capacity: slot.maxParticipants,
    priceAmount: slot.priceAmount,
    currency: slot.currency,
    startsAt: slot.startsAt,
    endsAt: slot.endsAt,
  };
}

export async function findSlotRow(deps: Deps, id: string): Promise<SlotRow> {
  const row = await deps.records.slots.findById(id);
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
  if (!(await deps.records.slots.updateIfUnchanged(current, next))) {
    const latest = await findSlotRow(deps, id);
    if (latest.seatsTaken > 0) throw hasBookings();
    // Changed underneath (a re-price or another edit): decide again on the fresh row.
    if (latest.version !== current.version && attempt < 3)
      return updateSlot(deps, user, id, patch, attempt + 1);
    throw await conflictError(deps, user.id, next, latest);
  }
  if (maxParticipants !== current.maxParticipants) await deps.slots.get(id).resize(maxParticipants);
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
  if (!(await deps.records.slots.removeIfRemovable(id))) {
    if (await deps.records.slots.findById(id)) throw hasBookings();
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
  const records = deps.records.slots;
  try {
    return { removed: await records.removeEndedUnbooked(now), failed: 0 };
  } catch (error) {
    console.error("slot cleanup batch failed; removing one slot at a time", error);
  }
  const candidates = await records.listRemovableEnded(now, CLEANUP_ROW_LIMIT);
  const report = { removed: 0, failed: 0 };
  for (const id of candidates) {
    try {
      if (await records.removeIfRemovable(id, now)) report.removed += 1;
    } catch (error) {
      report.failed += 1;
      console.error("slot cleanup failed", id, error);
    }
  }
  return report;
}
