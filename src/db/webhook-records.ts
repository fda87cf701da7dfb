import { and, desc, eq, isNull, lt, sql } from "drizzle-orm";
import { newId } from "../domain/ids";
import type { Db } from "./client";
import {
  type WebhookDeliveryRow,
  type WebhookEndpointRow,
  type WebhookEventRow,
  webhookDeadLetters,
  webhookDeliveries,
  webhookEndpoints,
  webhookEvents,
} from "./schema";
import { runBatch } from "./statements";

export interface DeliveryWork {
  delivery: WebhookDeliveryRow;
  event: WebhookEventRow;
  endpoint: WebhookEndpointRow;
}

export interface AttemptOutcome {
  status: "PENDING" | "DELIVERED" | "FAILED";
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  nextAttemptAt: number | null;
  log: string;
  /** The body it carried, kept when the delivery FAILED for good. */
  deadLetter?: string;
}

/** Providers' webhook endpoints, the event outbox and the deliveries of each event to each endpoint. */
export interface WebhookRecords {
  createEndpoint(row: Omit<WebhookEndpointRow, "deletedAt">): Promise<void>;
  listEndpoints(providerId: string): Promise<WebhookEndpointRow[]>;
  findEndpoint(id: string, providerId: string): Promise<WebhookEndpointRow | undefined>;
  /** False when it was not the provider's live endpoint. */
  deleteEndpoint(id: string, providerId: string, now: number): Promise<boolean>;
  listDeliveries(endpointId: string, limit: number): Promise<(WebhookDeliveryRow & { eventType: string })[]>;
  undispatchedEvents(limit: number): Promise<WebhookEventRow[]>;
  /**
   * A PENDING delivery of the event to each endpoint (existing ones stay), then the event is
   * dispatched; answers the deliveries to queue.
   */
  createDeliveries(event: WebhookEventRow, endpointIds: string[], now: number): Promise<string[]>;
  /** PENDING deliveries whose next attempt is long overdue (their queue message was lost). */
  overdueDeliveries(before: number, limit: number): Promise<string[]>;
  /** An event for one endpoint only (the "send a test event" button), with its delivery. */
  createTestEvent(endpoint: WebhookEndpointRow, now: number): Promise<string>;
  loadDelivery(id: string): Promise<DeliveryWork | undefined>;
  findDelivery(id: string): Promise<(WebhookDeliveryRow & { eventType: string }) | undefined>;
  recordAttempt(delivery: WebhookDeliveryRow, outcome: AttemptOutcome, now: number): Promise<void>;
}

export function createWebhookRecords(db: Db, d1: D1Database): WebhookRecords {
  const deliveryWithType = {
    delivery: webhookDeliveries,
    eventType: webhookEvents.type,
  };
  return {
    async createEndpoint(row) {
      await db.insert(webhookEndpoints).values(row);
    },

    async listEndpoints(providerId) {
      return db
        .select()
        .from(webhookEndpoints)
        .where(and(eq(webhookEndpoints.providerId, providerId), isNull(webhookEndpoints.deletedAt)))
        .orderBy(webhookEndpoints.createdAt, webhookEndpoints.id)
        .limit(100);
    },

    async findEndpoint(id, providerId) {
      return db
        .select()
        .from(webhookEndpoints)
        .where(
          and(
            eq(webhookEndpoints.id, id),
            eq(webhookEndpoints.providerId, providerId),
            isNull(webhookEndpoints.deletedAt),
          ),
        )
        .get();
    },

    async deleteEndpoint(id, providerId, now) {
      const gone = await db
        .update(webhookEndpoints)
        .set({ deletedAt: now })
        .where(
          and(
            eq(webhookEndpoints.id, id),
            eq(webhookEndpoints.providerId, providerId),
            isNull(webhookEndpoints.deletedAt),
          ),
        )
        .returning({ id: webhookEndpoints.id })
        .get();
      return gone !== undefined;
    },

    async listDeliveries(endpointId, limit) {
      const rows = await db
        .select(deliveryWithType)
        .from(webhookDeliveries)
        .innerJoin(webhookEvents, eq(webhookEvents.id, webhookDeliveries.eventId))
        .where(eq(webhookDeliveries.endpointId, endpointId))
        .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
        .limit(limit);
      return rows.map((r) => ({ ...r.delivery, eventType: r.eventType }));
    },

    async undispatchedEvents(limit) {
      return db
        .select()
        .from(webhookEvents)
        .where(isNull(webhookEvents.dispatchedAt))
        .orderBy(webhookEvents.createdAt)
        .limit(limit);
    },

    async createDeliveries(event, endpointIds, now) {
      await runBatch(d1, [
        ...endpointIds.map(
          (endpointId) => sql`
            INSERT INTO webhook_deliveries (id, event_id, endpoint_id, status, created_at, updated_at)
            VALUES (${newId("dlv")}, ${event.id}, ${endpointId}, 'PENDING', ${now}, ${now})
            ON CONFLICT (event_id, endpoint_id) DO NOTHING`,
        ),
        sql`UPDATE webhook_events SET dispatched_at = ${now} WHERE id = ${event.id}`,
      ]);
      const rows = await db
        .select({ id: webhookDeliveries.id })
        .from(webhookDeliveries)
        .where(and(eq(webhookDeliveries.eventId, event.id), eq(webhookDeliveries.status, "PENDING")));
      return rows.map((r) => r.id);
    },

    async overdueDeliveries(before, limit) {
      const rows = await db
        .select({ id: webhookDeliveries.id })
        .from(webhookDeliveries)
        .where(
          and(
            eq(webhookDeliveries.status, "PENDING"),
            lt(sql`COALESCE(${webhookDeliveries.nextAttemptAt}, ${webhookDeliveries.createdAt})`, before),
          ),
        )
        .limit(limit);
      return rows.map((r) => r.id);
    },

    async createTestEvent(endpoint, now) {
      const eventId = newId("evt");
      const deliveryId = newId("dlv");
      const data = JSON.stringify({ endpointId: endpoint.id, message: "A test event from Lectern." });
      await runBatch(d1, [
        sql`INSERT INTO webhook_events (id, provider_id, type, subject_id, data, created_at, dispatched_at)
            VALUES (${eventId}, ${endpoint.providerId}, 'webhook.test', ${eventId}, ${data}, ${now}, ${now})`,
        sql`INSERT INTO webhook_deliveries (id, event_id, endpoint_id, status, created_at, updated_at)
            VALUES (${deliveryId}, ${eventId}, ${endpoint.id}, 'PENDING', ${now}, ${now})`,
      ]);
      return deliveryId;
    },

    async loadDelivery(id) {
      const row = await db
        .select({ delivery: webhookDeliveries, event: webhookEvents, endpoint: webhookEndpoints })
        .from(webhookDeliveries)
        .innerJoin(webhookEvents, eq(webhookEvents.id, webhookDeliveries.eventId))
        .innerJoin(webhookEndpoints, eq(webhookEndpoints.id, webhookDeliveries.endpointId))
        .where(eq(webhookDeliveries.id, id))
        .get();
      return row;
    },

    async findDelivery(id) {
      const row = await db
        .select(deliveryWithType)
        .from(webhookDeliveries)
        .innerJoin(webhookEvents, eq(webhookEvents.id, webhookDeliveries.eventId))
        .where(eq(webhookDeliveries.id, id))
        .get();
      return row ? { ...row.delivery, eventType: row.eventType } : undefined;
    },

    async recordAttempt(delivery, outcome, now) {
      const { deadLetter, ...fields } = outcome;
      await runBatch(d1, [
        db
          .update(webhookDeliveries)
          .set({ ...fields, updatedAt: now })
          // Two consumers of one message: only the first result of an attempt counts.
          .where(
            and(eq(webhookDeliveries.id, delivery.id), eq(webhookDeliveries.attempts, delivery.attempts)),
          ),
        ...(deadLetter === undefined
          ? []
          : [
              db
                .insert(webhookDeadLetters)
                .values({
                  deliveryId: delivery.id,
                  endpointId: delivery.endpointId,
                  eventId: delivery.eventId,
                  body: deadLetter,
                  failedAt: now,
                })
                .onConflictDoNothing(),
            ]),
      ]);
    },
  };
}
