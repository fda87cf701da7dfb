/**
 * Pure waitlist decisions for one slot. A freed seat is offered at once to the first WAITING
 * student and kept for them until the offer lapses (like a hold); others meanwhile find the slot
 * full. The slot object calls `decideOffers` after every change and writes back what it returns.
 */
import type { WaitlistStatus } from "../src/shared/api-types";
import { type Hold, holdsSeat, lessonOpen, type SlotFacts, seatsTaken } from "./slot-state";

export interface WaitEntry {
  id: string;
  studentId: string;
  status: WaitlistStatus;
  /** Insertion order: the line. */
  seq: number;
  createdAt: number;
  offeredAt: number | null;
  offerExpiresAt: number | null;
}

/** An entry's next state. */
export interface EntryChange {
  id: string;
  status: WaitlistStatus;
  offeredAt: number | null;
  offerExpiresAt: number | null;
}

const ACTIVE: ReadonlySet<WaitlistStatus> = new Set(["WAITING", "OFFERED"]);

export function isActive(entry: WaitEntry): boolean {
  return ACTIVE.has(entry.status);
}

/** An offer keeps its seat until it lapses. */
export function offerLive(entry: WaitEntry, now: number): boolean {
  return entry.status === "OFFERED" && (entry.offerExpiresAt ?? 0) > now;
}

/** Seats kept by live offers for students other than `studentId`. */
export function reservedForOthers(entries: readonly WaitEntry[], studentId: string, now: number): number {
  return entries.filter((e) => e.studentId !== studentId && offerLive(e, now)).length;
}

/** The slot still takes bookings: not cancelled, not started, its start not passed. */
export function slotOpenForBooking(slot: SlotFacts, now: number): boolean {
  return slot.session === "SCHEDULED" && now < slot.startsAt && lessonOpen(slot, now);
}

/** 1-based place among the WAITING entries, 0 when not waiting. */
export function positionOf(entries: readonly WaitEntry[], entry: WaitEntry): number {
  if (entry.status !== "WAITING") return 0;
  return entries.filter((e) => e.status === "WAITING" && e.seq <= entry.seq).length;
}

export type JoinDecision =
  | { kind: "join" }
  | {
      kind: "refused";
      code: "SLOT_NOT_FULL" | "ALREADY_BOOKED" | "ALREADY_WAITLISTED" | "SLOT_NOT_BOOKABLE";
      message: string;
    };

/** A student asks to wait for a seat: only on a full, still bookable slot, once. */
export function decideJoin(
  holds: readonly Hold[],
  entries: readonly WaitEntry[],
  input: { studentId: string; capacity: number; slot: SlotFacts; now: number },
): JoinDecision {
  const { studentId, now } = input;
  if (!slotOpenForBooking(input.slot, now)) {
    return {
      kind: "refused",
      code: "SLOT_NOT_BOOKABLE",
      message: "This slot can no longer be booked (cancelled, started or past).",
    };
  }
  if (holds.some((h) => h.studentId === studentId && holdsSeat(h, now))) {
    return {
      kind: "refused",
      code: "ALREADY_BOOKED",
      message: "You already hold or have a seat in this slot.",
    };
  }
  if (entries.some((e) => e.studentId === studentId && isActive(e))) {
    return {
      kind: "refused",
      code: "ALREADY_WAITLISTED",
      message: "You are already on this slot's waitlist.",
    };
  }
  const free = input.capacity - seatsTaken(holds, now) - reservedForOthers(entries, studentId, now);
  if (free > 0) {
    return {
      kind: "refused",
      code: "SLOT_NOT_FULL",
      message: "A seat is free in this slot: book it instead.",
    };
  }
  return { kind: "join" };
}

/**
 * After any change: lapsed offers expire, then each free seat is offered to the next WAITING
 * student (in line order) until `now + offerMs`. Once the slot takes no more bookings, every
 * active entry expires. Entries whose student holds a seat here are BOOKED.
 */
export function decideOffers(
  holds: readonly Hold[],
  entries: readonly WaitEntry[],
  input: { capacity: number; slot: SlotFacts; now: number; offerMs: number },
): EntryChange[] {
  const { now } = input;
  const changes: EntryChange[] = [];
  const open = slotOpenForBooking(input.slot, now);
  const seated = new Set(holds.filter((h) => holdsSeat(h, now)).map((h) => h.studentId));
  const line = [...entries].filter(isActive).sort((a, b) => a.seq - b.seq);
  const remaining: WaitEntry[] = [];
  for (const entry of line) {
    const ended = (status: WaitlistStatus) =>
      changes.push({
        id: entry.id,
        status,
        offeredAt: entry.offeredAt,
        offerExpiresAt: entry.offerExpiresAt,
      });
    if (seated.has(entry.studentId)) ended("BOOKED");
    else if (!open) ended("EXPIRED");
    else if (entry.status === "OFFERED" && !offerLive(entry, now)) ended("EXPIRED");
    else remaining.push(entry);
  }
  if (!open) return changes;
  let free = input.capacity - seatsTaken(holds, now) - remaining.filter((e) => e.status === "OFFERED").length;
  for (const entry of remaining) {
    if (free <= 0) break;
    if (entry.status !== "WAITING") continue;
    changes.push({ id: entry.id, status: "OFFERED", offeredAt: now, offerExpiresAt: now + input.offerMs });
    free -= 1;
  }
  return changes;
}
