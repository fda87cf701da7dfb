import { type SQL, sql } from "drizzle-orm";

/**
 * A slot may be removed while no booking holds a seat in it, no money ever moved for it and it
 * never got a TeachingSession. Expired or abandoned pending bookings (no money moved) go with it.
 */
const removable = sql`seats_taken = 0 AND status = 'OPEN'
  AND NOT EXISTS (SELECT 1 FROM teaching_sessions t WHERE t.slot_id = slots.id)
  AND NOT EXISTS (
    SELECT 1 FROM bookings b LEFT JOIN payments p ON p.booking_id = b.id
     WHERE b.slot_id = slots.id
       AND (b.status IN ('PENDING_PAYMENT', 'CONFIRMED')
            OR p.status IN ('AUTHORIZED', 'SUCCEEDED', 'REFUND_PENDING', 'REFUNDED')))`;

/**
 * Statements for one atomic batch removing the removable slots that match `where`; the last
 * statement's `changes` is the number of slots removed.
 */
export function removeSlotsWhere(where: SQL): SQL[] {
  const targets = sql`SELECT id FROM slots WHERE (${where}) AND ${removable}`;
  return [
    sql`DELETE FROM payments WHERE booking_id IN (SELECT id FROM bookings WHERE slot_id IN (${targets}))`,
    sql`DELETE FROM bookings WHERE slot_id IN (${targets})`,
    sql`DELETE FROM slots WHERE (${where}) AND ${removable}`,
  ];
}
