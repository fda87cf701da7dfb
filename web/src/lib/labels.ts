import type {
  AttendanceVerdict,
  Booking,
  BookingStatus,
  PaymentStatus,
  SessionStatus,
  SlotStatus,
  WaitlistStatus,
} from "../api/types";
import { formatMoney } from "./format";

export const SLOT_STATUS: Record<SlotStatus, { label: string; tone: string }> = {
  OPEN: { label: "Open", tone: "ok" },
  FULL: { label: "Full", tone: "warn" },
  CANCELLED: { label: "Cancelled", tone: "muted" },
  IN_PROGRESS: { label: "In progress", tone: "live" },
  COMPLETED: { label: "Completed", tone: "muted" },
};

export const SESSION_STATUS: Record<SessionStatus, { label: string; tone: string }> = {
  SCHEDULED: { label: "Scheduled", tone: "ok" },
  IN_PROGRESS: { label: "In progress", tone: "live" },
  COMPLETED: { label: "Completed", tone: "muted" },
  CANCELLED: { label: "Cancelled", tone: "muted" },
};

export const BOOKING_STATUS: Record<BookingStatus, { label: string; tone: string }> = {
  PENDING_PAYMENT: { label: "Awaiting payment", tone: "warn" },
  CONFIRMED: { label: "Confirmed", tone: "ok" },
  EXPIRED: { label: "Expired", tone: "muted" },
  CANCELLED: { label: "Cancelled", tone: "muted" },
};

export const WAITLIST_STATUS: Record<WaitlistStatus, { label: string; tone: string }> = {
  WAITING: { label: "Waiting", tone: "neutral" },
  OFFERED: { label: "Seat offered", tone: "live" },
  BOOKED: { label: "Booked", tone: "ok" },
  EXPIRED: { label: "Offer lapsed", tone: "muted" },
  LEFT: { label: "Left the list", tone: "muted" },
};

export const ATTENDANCE: Record<AttendanceVerdict, { label: string; tone: string }> = {
  ATTENDED: { label: "Attended", tone: "ok" },
  NO_SHOW: { label: "No-show", tone: "warn" },
};

/**
 * Where the money of a booking stands, in plain words, from `paymentStatus` and `amountRefunded`.
 * `viewer` picks whose point of view: the student who paid, or the teacher of the slot.
 */
export function paymentText(
  booking: Pick<Booking, "status" | "paymentStatus" | "amount" | "amountRefunded" | "currency"> &
    Partial<Pick<Booking, "rescheduledFrom">>,
  viewer: "student" | "provider" = "student",
): string {
  const money = (amount: number) => formatMoney(amount, booking.currency);
  const price = money(booking.amount);
  const refunded = Math.max(0, booking.amountRefunded ?? 0);
  const active = booking.status === "PENDING_PAYMENT" || booking.status === "CONFIRMED";
  const status: PaymentStatus | undefined = booking.paymentStatus;
  // Moved to a cheaper time: the payment is the old one, and what came back is the difference.
  if (
    booking.rescheduledFrom &&
    booking.status === "CONFIRMED" &&
    refunded > 0 &&
    (status === "PARTIALLY_REFUNDED" || status === "REFUND_PENDING")
  ) {
    const back = status === "REFUND_PENDING" ? "is on its way back" : "was refunded";
    return `Paid ${price}; the ${money(refunded)} difference ${back}`;
  }
  switch (status) {
    case "REQUIRES_PAYMENT":
      if (booking.status === "PENDING_PAYMENT")
        return viewer === "student" ? `${price} to pay` : "Not paid yet";
      return "Nothing charged";
    case "AUTHORIZED":
      return active
        ? `Card accepted for ${price}, taking the payment…`
        : "Payment being released, nothing charged";
    case "SUCCEEDED":
      return `Paid ${price}`;
    case "CANCELED":
      return "Payment released, nothing charged";
    case "REFUND_PENDING":
      return refunded > 0 ? `Refund on its way (${money(refunded)} back so far)` : "Refund on its way";
    case "PARTIALLY_REFUNDED":
      return `Partly refunded: ${money(refunded)} of ${price} back`;
    case "REFUNDED":
      return `Refunded ${money(refunded > 0 ? refunded : booking.amount)}`;
    case "REFUND_FAILED":
      return viewer === "student"
        ? "Refund failed — we'll contact you"
        : "Refund to the student failed — we're sorting it out";
    default:
      return booking.status === "PENDING_PAYMENT" ? `${price} to pay` : price;
  }
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** What kind of email a mailbox entry is (`Notification.kind`), as a short tag; unknown kinds get none. */
export const MAIL_KIND: Record<string, { label: string; tone: string }> = {
  "booking-confirmed": { label: "Booked", tone: "ok" },
  "booking-new": { label: "New booking", tone: "ok" },
  "booking-refund": { label: "Refund", tone: "neutral" },
  "refund-failed": { label: "Refund failed", tone: "warn" },
  "session-cancelled": { label: "Lesson cancelled", tone: "warn" },
  "reminder-24h": { label: "Reminder", tone: "neutral" },
  "reminder-1h": { label: "Reminder", tone: "neutral" },
  "student-cancelled": { label: "Student cancelled", tone: "warn" },
  "booking-rescheduled": { label: "Rescheduled", tone: "neutral" },
  "provider-no-show": { label: "Tutor no-show", tone: "warn" },
  "waitlist-offered": { label: "Seat offered", tone: "live" },
  "waitlist-lapsed": { label: "Offer lapsed", tone: "muted" },
};
