import type { WebhookDeliveryRow, WebhookEndpointRow } from "../db/schema";
import type { Deps } from "../deps";
import { AppError } from "../domain/errors";
import type { AuthUser } from "../domain/identity";
import { newId } from "../domain/ids";
import { targetProblem } from "../domain/webhooks";
import type {
  WebhookAttempt,
  WebhookDelivery,
  WebhookEndpoint,
  WebhookEndpointCreated,
  WebhookEventType,
} from "../shared/api-types";
import { WEBHOOK_EVENT_TYPES } from "../shared/webhook-events";
import { queueDeliveries } from "./webhook-delivery";

const MAX_ENDPOINTS = 10;

function eventsOf(row: WebhookEndpointRow): WebhookEventType[] {
  return row.events ? (JSON.parse(row.events) as WebhookEventType[]) : [...WEBHOOK_EVENT_TYPES];
}

function toEndpoint(row: WebhookEndpointRow): WebhookEndpoint {
  return {
    id: row.id,
    url: row.url,
    events: eventsOf(row),
    createdAt: new Date(row.createdAt).toISOString(),
  };
}

/** whsec_ + base64 of 32 random bytes: the Standard Webhooks secret format. */
function newSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return `whsec_${btoa(String.fromCharCode(...bytes))}`;
}

export async function createWebhookEndpoint(
  deps: Deps,
  user: AuthUser,
  input: { url: string; events?: WebhookEventType[] | undefined },
): Promise<WebhookEndpointCreated> {
  const problem = targetProblem(input.url, { allowPrivate: deps.env.DEV_ROUTES === "on" });
  if (problem) {
    throw new AppError("VALIDATION_FAILED", `Invalid json: url: ${problem}.`, [
      { path: "url", message: problem },
    ]);
  }
  const existing = await deps.records.webhooks.listEndpoints(user.id);
  if (existing.length >= MAX_ENDPOINTS) {
    const message = `at most ${MAX_ENDPOINTS} endpoints`;
    throw new AppError("VALIDATION_FAILED", `You can have ${message}; delete one first.`, [
      { path: "url", message },
    ]);
  }
  // Every type chosen is the same as none chosen: future types are then included too.
  const events = input.events ? [...new Set(input.events)] : null;
  const all = events !== null && WEBHOOK_EVENT_TYPES.every((type) => events.includes(type));
  const row = {
    id: newId("whe"),
    providerId: user.id,
    url: new URL(input.url).href,
    events: events === null || all ? null : JSON.stringify(events),
    secret: newSecret(),
    createdAt: deps.now(),
  };
  await deps.records.webhooks.createEndpoint(row);
  return { endpoint: toEndpoint({ ...row, deletedAt: null }), secret: row.secret };
}

export async function listWebhookEndpoints(deps: Deps, user: AuthUser): Promise<WebhookEndpoint[]> {
  return (await deps.records.webhooks.listEndpoints(user.id)).map(toEndpoint);
}

async function ownEndpoint(deps: Deps, user: AuthUser, id: string): Promise<WebhookEndpointRow> {
  const endpoint = await deps.records.webhooks.findEndpoint(id, user.id);
  // Someone else's endpoint is as unknown as one that never existed.
  if (!endpoint) throw new AppError("NOT_FOUND", "No such webhook endpoint.");
  return endpoint;
}

export async function deleteWebhookEndpoint(deps: Deps, user: AuthUser, id: string): Promise<void> {
  if (!(await deps.records.webhooks.deleteEndpoint(id, user.id, deps.now())))
    throw new AppError("NOT_FOUND", "No such webhook endpoint.");
}

function toDelivery(row: WebhookDeliveryRow & { eventType: string }): WebhookDelivery {
  const log = JSON.parse(row.log) as WebhookAttempt[];
  return {
    id: row.id,
    eventId: row.eventId,
    eventType: row.eventType as WebhookDelivery["eventType"],
    status: row.status,
    attempts: row.attempts,
    ...(row.lastStatusCode !== null ? { lastStatusCode: row.lastStatusCode } : {}),
    ...(row.status === "PENDING" && row.nextAttemptAt !== null
      ? { nextAttemptAt: new Date(row.nextAttemptAt).toISOString() }
      : {}),
    createdAt: new Date(row.createdAt).toISOString(),
    log,
  };
}

export async function listWebhookDeliveries(
  deps: Deps,
  user: AuthUser,
  id: string,
): Promise<WebhookDelivery[]> {
  const endpoint = await ownEndpoint(deps, user, id);
  return (await deps.records.webhooks.listDeliveries(endpoint.id, 100)).map(toDelivery);
}

export async function sendTestEvent(deps: Deps, user: AuthUser, id: string): Promise<WebhookDelivery> {
  const endpoint = await ownEndpoint(deps, user, id);
  const deliveryId = await deps.records.webhooks.createTestEvent(endpoint, deps.now());
  await queueDeliveries(deps, [deliveryId]);
  const delivery = await deps.records.webhooks.findDelivery(deliveryId);
  if (!delivery) throw new Error("the test delivery vanished");
  return toDelivery(delivery);
}
