import type { Booking, BookingStatus, PaymentStatus, SessionStatus, SlotStatus } from "../api/types";
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

/** Where the money of a booking stands, in words. */
export function paymentText(booking: Booking): string {
  const amount = formatMoney(booking.amount, booking.currency);
  const status: PaymentStatus | undefined = booking.paymentStatus;
  switch (status) {
    case "REQUIRES_PAYMENT":
      return booking.status === "PENDING_PAYMENT" ? `${amount} to pay` : "Not charged";
    case "AUTHORIZED":
      return `${amount} authorized, being captured`;
    case "SUCCEEDED":
      return `${amount} paid`;
    case "CANCELED":
      return "Nothing charged";
    case "REFUND_PENDING":
      return `Refund of ${amount} pending`;
    case "REFUNDED":
      return `${amount} refunded`;
    default:
      return booking.status === "PENDING_PAYMENT" ? `${amount} to pay` : amount;
  }
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}
