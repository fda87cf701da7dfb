import { type SQL, sql } from "drizzle-orm";

/**
 * A slot may be removed while no booking holds a seat in it, no money ever moved for it and it
 * never got a TeachingSession. Expired or abandoned pending bookings (no money moved) go with it.
 * "Money moved" is anything beyond an intent that was never authorized or was released: an
 * authorization still held, a capture, or any refund state (pending, partial, done or failed).
 */
const removable = sql`seats_taken = 0 AND status = 'OPEN'
  AND NOT EXISTS (SELECT 1 FROM teaching_sessions t WHERE t.slot_id = slots.id)
  AND NOT EXISTS (
    SELECT 1 FROM bookings b WHERE b.slot_id = slots.id AND b.status IN ('PENDING_PAYMENT', 'CONFIRMED'))
  AND NOT EXISTS (
    SELECT 1 FROM bookings b JOIN payments p ON p.booking_id = b.id
     WHERE b.slot_id = slots.id
       AND (p.amount_captured > 0 OR p.status NOT IN ('REQUIRES_PAYMENT', 'CANCELED')))
  AND NOT EXISTS (SELECT 1 FROM money_ledger m WHERE m.slot_id = slots.id AND m.kind = 'captured')`;

/** Ids of the removable slots that match `where`, at most `limit`. */
export function removableSlotIds(where: SQL, limit: number): SQL {
  return sql`SELECT id FROM slots WHERE (${where}) AND ${removable} ORDER BY id LIMIT ${limit}`;
}

/**
 * Statements for one atomic batch removing the removable slots that match `where`; the last
 * statement's `changes` is the number of slots removed.
 *
 * Money history is never deleted: payments (with their PaymentIntent ids), refunds and the money
 * ledger stay, even when the slot and the booking they were for are gone (payments has no foreign
 * key to bookings for this reason).
 */
export function removeSlotsWhere(where: SQL): SQL[] {
  const targets = sql`SELECT id FROM slots WHERE (${where}) AND ${removable}`;
  return [
    sql`DELETE FROM bookings WHERE slot_id IN (${targets})`,
    sql`DELETE FROM slots WHERE (${where}) AND ${removable}`,
  ];
}
