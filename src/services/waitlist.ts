import type { WaitlistRowView } from "../db/waitlist-records";
import type { Deps } from "../deps";
import { AppError, unwrap } from "../domain/errors";
import type { AuthUser } from "../domain/identity";
import type { WaitlistEntry } from "../shared/api-types";
import { findSlotRow, slotSnapshot } from "./slots";

/**
 * A full slot's waiting line. The slot's object decides (joins, offers, their expiry) and writes
 * each entry to D1, which answers the lists.
 */
export async function joinWaitlist(deps: Deps, student: AuthUser, slotId: string): Promise<WaitlistEntry> {
  const slot = await findSlotRow(deps, slotId);
  if (slot.status !== "OPEN" || slot.startsAt <= deps.now()) {
    throw new AppError(
      "SLOT_NOT_BOOKABLE",
      "This slot can no longer be booked (cancelled, started or past).",
    );
  }
  const result = await deps.slots.get(slotId).joinWaitlist(slotSnapshot(slot), student.id);
  return unwrap(result);
}

export async function leaveWaitlist(deps: Deps, student: AuthUser, slotId: string): Promise<void> {
  await findSlotRow(deps, slotId);
  unwrap(await deps.slots.get(slotId).leaveWaitlist(student.id));
}

export async function listMyWaitlist(deps: Deps, student: AuthUser): Promise<WaitlistEntry[]> {
  const rows = await deps.records.waitlist.listForStudent(student.id);
  return rows.map((row) => toEntry(row));
}

export async function listSlotWaitlist(deps: Deps, user: AuthUser, slotId: string): Promise<WaitlistEntry[]> {
  const slot = await findSlotRow(deps, slotId);
  if (slot.providerId !== user.id)
    throw new AppError("FORBIDDEN", "Only the slot's provider sees its waitlist.");
  const rows = await deps.records.waitlist.listForSlot(slotId);
  return rows.map((row) => toEntry(row, true));
}

function toEntry(row: WaitlistRowView, withStudent = false): WaitlistEntry {
  return {
    id: row.id,
    slotId: row.slotId,
    studentId: row.studentId,
    status: row.status,
    position: row.status === "WAITING" ? row.position : 0,
    ...(row.status === "OFFERED" && row.offerExpiresAt
      ? { offerExpiresAt: new Date(row.offerExpiresAt).toISOString() }
      : {}),
    createdAt: new Date(row.createdAt).toISOString(),
    ...(withStudent ? { student: { id: row.studentId, name: row.studentName } } : {}),
  };
}
