/**
 * The webhook outbox, as statements to put in the same D1 batch as the change they tell of: the
 * event exists exactly when the change landed (a failed batch writes neither), and its
 * (type, subject) is unique, so a batch that runs again cannot invent a second one. Only
 * providers with an endpoint get events.
 */
import { type SQL, sql } from "drizzle-orm";
import { newId } from "../domain/ids";

const withEndpoint = (provider: SQL) =>
  sql`EXISTS (SELECT 1 FROM webhook_endpoints we WHERE we.provider_id = ${provider} AND we.deleted_at IS NULL)`;

/** booking.confirmed (the booking is CONFIRMED) or booking.cancelled (a confirmed booking was cancelled, not moved). */
export function bookingEvent(
  type: "booking.confirmed" | "booking.cancelled",
  bookingId: string,
  now: number,
): SQL {
  const state =
    type === "booking.confirmed"
      ? sql`b.status = 'CONFIRMED'`
      : sql`b.status = 'CANCELLED' AND b.session_id IS NOT NULL AND COALESCE(b.cancelled_by, '') != 'RESCHEDULE'`;
  return sql`
    INSERT INTO webhook_events (id, provider_id, type, subject_id, data, created_at)
    SELECT ${newId("evt")}, s.provider_id, ${type}, b.id,
           json_object('bookingId', b.id, 'slotId', b.slot_id, 'sessionId', b.session_id, 'studentId', b.student_id,
                       'status', b.status, 'amount', b.amount, 'currency', b.currency, 'startsAt', s.starts_at,
                       'cancelledBy', b.cancelled_by),
           ${now}
      FROM bookings b JOIN slots s ON s.id = b.slot_id
     WHERE b.id = ${bookingId} AND ${state} AND ${withEndpoint(sql`s.provider_id`)}
    ON CONFLICT (type, subject_id) DO NOTHING`;
}

/** booking.rescheduled: the new booking stands where the old one was. */
export function rescheduleEvent(newBookingId: string, now: number): SQL {
  return sql`
    INSERT INTO webhook_events (id, provider_id, type, subject_id, data, created_at)
    SELECT ${newId("evt")}, s.provider_id, 'booking.rescheduled', b.id,
           json_object('bookingId', b.id, 'slotId', b.slot_id, 'sessionId', b.session_id, 'studentId', b.student_id,
                       'previousBookingId', old.id, 'previousSlotId', old.slot_id, 'previousSessionId', old.session_id,
                       'amount', b.amount, 'currency', b.currency, 'startsAt', s.starts_at),
           ${now}
      FROM bookings b JOIN slots s ON s.id = b.slot_id JOIN bookings old ON old.id = b.rescheduled_from
     WHERE b.id = ${newBookingId} AND b.status = 'CONFIRMED' AND ${withEndpoint(sql`s.provider_id`)}
    ON CONFLICT (type, subject_id) DO NOTHING`;
}

/** session.started / session.ended / session.cancelled, once the session is in that state. */
export function sessionEvent(
  type: "session.started" | "session.ended" | "session.cancelled",
  sessionId: string,
  now: number,
): SQL {
  const status = {
    "session.started": "IN_PROGRESS",
    "session.ended": "COMPLETED",
    "session.cancelled": "CANCELLED",
  }[type];
  return sql`
    INSERT INTO webhook_events (id, provider_id, type, subject_id, data, created_at)
    SELECT ${newId("evt")}, ts.provider_id, ${type}, ts.id,
           json_object('sessionId', ts.id, 'slotId', ts.slot_id, 'status', ts.status, 'startedAt', ts.started_at,
                       'endedAt', ts.ended_at, 'cancelReason', ts.cancel_reason),
           ${now}
      FROM teaching_sessions ts
     WHERE ts.id = ${sessionId} AND ts.status = ${status} AND ${withEndpoint(sql`ts.provider_id`)}
    ON CONFLICT (type, subject_id) DO NOTHING`;
}

/** refund.succeeded, for a refund Stripe says succeeded. */
export function refundEvent(
  refund: { id: string; amount: number; currency: string; paymentIntentId: string },
  bookingId: string,
  slotId: string,
  now: number,
): SQL {
  return sql`
    INSERT INTO webhook_events (id, provider_id, type, subject_id, data, created_at)
    SELECT ${newId("evt")}, s.provider_id, 'refund.succeeded', ${refund.id},
           json_object('refundId', ${refund.id}, 'bookingId', ${bookingId}, 'slotId', s.id,
                       'sessionId', (SELECT id FROM teaching_sessions WHERE slot_id = s.id),
                       'paymentIntentId', ${refund.paymentIntentId}, 'amount', ${refund.amount}, 'currency', ${refund.currency}),
           ${now}
      FROM slots s
     WHERE s.id = ${slotId} AND ${withEndpoint(sql`s.provider_id`)}
    ON CONFLICT (type, subject_id) DO NOTHING`;
}

/** payout.paid, once the payout has its transfer. */
export function payoutEvent(bookingId: string, now: number): SQL {
  return sql`
    INSERT INTO webhook_events (id, provider_id, type, subject_id, data, created_at)
    SELECT ${newId("evt")}, p.provider_id, 'payout.paid', p.booking_id,
           json_object('bookingId', p.booking_id, 'slotId', p.slot_id, 'sessionId', p.session_id,
                       'amount', p.amount, 'platformFee', p.platform_fee, 'currency', p.currency,
                       'transferId', p.transfer_id),
           ${now}
      FROM payouts p
     WHERE p.booking_id = ${bookingId} AND p.status != 'SCHEDULED' AND ${withEndpoint(sql`p.provider_id`)}
    ON CONFLICT (type, subject_id) DO NOTHING`;
}
