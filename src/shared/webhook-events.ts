import type { WebhookEventType } from "./api-types";

/** The event types a provider's webhook endpoints can receive (API.md "Integrations"). */
export const WEBHOOK_EVENT_TYPES = [
  "booking.confirmed",
  "booking.cancelled",
  "booking.rescheduled",
  "session.started",
  "session.ended",
  "session.cancelled",
  "refund.succeeded",
  "payout.paid",
] as const satisfies readonly WebhookEventType[];
