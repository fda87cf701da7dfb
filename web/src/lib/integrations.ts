/**
 * The Integrations page's decisions, without the DOM: how event types and deliveries read, what
 * the "Add an endpoint" form sends, and when an open delivery log keeps polling.
 */
import { WEBHOOK_EVENT_TYPES } from "../../../src/shared/webhook-events";
import type { WebhookAttempt, WebhookDelivery, WebhookEventType } from "../api/types";

export { WEBHOOK_EVENT_TYPES };

/** How often an open delivery log reloads while one of its deliveries is still pending. */
export const DELIVERY_POLL_MS = 3000;

export const EVENT_LABELS: Record<WebhookEventType | "webhook.test", string> = {
  "booking.confirmed": "Booking confirmed",
  "booking.cancelled": "Booking cancelled",
  "booking.rescheduled": "Booking rescheduled",
  "session.started": "Session started",
  "session.ended": "Session ended",
  "session.cancelled": "Session cancelled",
  "refund.succeeded": "Refund succeeded",
  "payout.paid": "Payout paid",
  "webhook.test": "Test event",
};

/** A readable name for an event type; an unknown (newer) type reads as itself. */
export function eventLabel(type: string): string {
  return Object.hasOwn(EVENT_LABELS, type) ? EVENT_LABELS[type as keyof typeof EVENT_LABELS] : type;
}

/** "All events", or the labels of the endpoint's types in the app's order. */
export function eventsSummary(events: readonly string[]): string {
  const chosen = new Set(events);
  if (WEBHOOK_EVENT_TYPES.every((type) => chosen.has(type))) return "All events";
  const known = WEBHOOK_EVENT_TYPES.filter((type) => chosen.has(type));
  const unknown = events.filter((type) => !(WEBHOOK_EVENT_TYPES as readonly string[]).includes(type));
  return [...known, ...unknown].map(eventLabel).join(", ");
}

export const DELIVERY_STATUS: Record<WebhookDelivery["status"], { label: string; tone: string }> = {
  PENDING: { label: "Pending", tone: "warn" },
  DELIVERED: { label: "Delivered", tone: "ok" },
  FAILED: { label: "Failed", tone: "danger" },
};

export type EndpointForm =
  | { ok: true; body: { url: string; events?: WebhookEventType[] } }
  | { ok: false; field: "url" | "events"; message: string };

/**
 * What "Add endpoint" sends. Every type checked sends no `events`, so the endpoint also gets the
 * types added later; none checked is refused here, since an endpoint that receives nothing is a
 * mistake. The URL is only trimmed: whether it is acceptable is the API's call.
 */
export function endpointPayload(url: string, checked: Iterable<WebhookEventType>): EndpointForm {
  const trimmed = url.trim();
  if (!trimmed) return { ok: false, field: "url", message: "Enter the URL that should receive the events." };
  const chosen = new Set(checked);
  const events = WEBHOOK_EVENT_TYPES.filter((type) => chosen.has(type));
  if (events.length === 0)
    return { ok: false, field: "events", message: "Choose at least one event to send to this endpoint." };
  if (events.length === WEBHOOK_EVENT_TYPES.length) return { ok: true, body: { url: trimmed } };
  return { ok: true, body: { url: trimmed, events } };
}

/** The API's field issues for the form, keyed by its two fields ("events.0" counts as "events"). */
export function endpointIssues(issues: Record<string, string>): { url?: string; events?: string } {
  const out: { url?: string; events?: string } = {};
  for (const [path, message] of Object.entries(issues)) {
    const field = path.split(".")[0];
    if ((field === "url" || field === "events") && out[field] === undefined) out[field] = message;
  }
  return out;
}

/** An open log polls while something in it may still change. */
export function shouldPollDeliveries(
  open: boolean,
  deliveries: readonly WebhookDelivery[] | undefined,
): boolean {
  return open && (deliveries ?? []).some((delivery) => delivery.status === "PENDING");
}

/** One attempt's outcome in a few words: "HTTP 200 in 42 ms", "timed out after 10000 ms". */
export function attemptOutcome(attempt: WebhookAttempt): string {
  const duration = `${Math.round(attempt.durationMs)} ms`;
  if (attempt.statusCode !== undefined) {
    const error = attempt.error ? ` (${attempt.error})` : "";
    return `HTTP ${attempt.statusCode}${error} in ${duration}`;
  }
  return `${attempt.error || "No answer"} after ${duration}`;
}
