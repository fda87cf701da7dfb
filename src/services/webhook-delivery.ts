import { Webhook } from "standardwebhooks";
import type { Deps } from "../deps";
import { DELIVERY_TIMEOUT_MS, receives, retryDelaySeconds } from "../domain/webhooks";
import type { WebhookAttempt, WebhookEventType } from "../shared/api-types";
import { MINUTE_MS } from "../shared/time";

/** What a queue message carries: the delivery to attempt (everything else is read from D1). */
export interface WebhookMessage {
  deliveryId: string;
}

const isMessage = (body: unknown): body is WebhookMessage =>
  typeof body === "object" && body !== null && typeof (body as WebhookMessage).deliveryId === "string";

export async function queueDeliveries(deps: Deps, deliveryIds: string[]): Promise<void> {
  for (let i = 0; i < deliveryIds.length; i += 100) {
    const chunk = deliveryIds.slice(i, i + 100);
    await deps.webhookQueue.sendBatch(
      chunk.map((deliveryId) => ({ body: { deliveryId } satisfies WebhookMessage })),
    );
  }
}

/**
 * Outbox → queue: every event not dispatched yet gets a delivery per endpoint that receives its
 * type, and the deliveries are queued. Runs after each request that changed something and every
 * 5 minutes (only the latter re-queues deliveries whose message was lost). Idempotent: a delivery exists once
 * per (event, endpoint), and a repeated message finds it already done.
 */
export async function dispatchWebhookEvents(
  deps: Deps,
  options: { requeueOverdue: boolean } = { requeueOverdue: true },
): Promise<{ events: number; queued: number; requeued: number }> {
  const records = deps.records.webhooks;
  const events = await records.undispatchedEvents(100);
  let queued = 0;
  const endpointsOf = new Map<string, Awaited<ReturnType<typeof records.listEndpoints>>>();
  for (const event of events) {
    let endpoints = endpointsOf.get(event.providerId);
    if (!endpoints) {
      endpoints = await records.listEndpoints(event.providerId);
      endpointsOf.set(event.providerId, endpoints);
    }
    const targets = endpoints
      .filter((e) => e.createdAt <= event.createdAt)
      .filter((e) => receives(e.events ? (JSON.parse(e.events) as WebhookEventType[]) : null, event.type));
    const ids = await records.createDeliveries(
      event,
      targets.map((e) => e.id),
      deps.now(),
    );
    await queueDeliveries(deps, ids);
    queued += ids.length;
  }
  if (!options.requeueOverdue) return { events: events.length, queued, requeued: 0 };
  // A message the queue lost (or a queue call that failed after D1 was written) is sent again.
  const overdue = await records.overdueDeliveries(deps.now() - 10 * MINUTE_MS, 100);
  await queueDeliveries(deps, overdue);
  return { events: events.length, queued, requeued: overdue.length };
}

export type DeliveryResult = { kind: "done" } | { kind: "retry"; delaySeconds: number };

/**
 * One attempt of one delivery: signed as Standard Webhooks (the same webhook-id on every
 * attempt), a 10 s timeout, redirects not followed. A non-2xx answer or no answer is retried
 * with growing delays until MAX_ATTEMPTS, then the delivery is FAILED and its body kept.
 */
export async function deliverWebhook(deps: Deps, deliveryId: string): Promise<DeliveryResult> {
  const records = deps.records.webhooks;
  const work = await records.loadDelivery(deliveryId);
  if (work?.delivery.status !== "PENDING") return { kind: "done" };
  const { delivery, event, endpoint } = work;
  const now = deps.now();
  // The queue sent it early (a redelivery): wait out the rest of the delay.
  if (delivery.nextAttemptAt !== null && delivery.nextAttemptAt > now + 5_000)
    return { kind: "retry", delaySeconds: Math.ceil((delivery.nextAttemptAt - now) / 1000) };
  const log = JSON.parse(delivery.log) as WebhookAttempt[];
  const attempts = delivery.attempts + 1;
  if (endpoint.deletedAt !== null) {
    log.push({ at: new Date(now).toISOString(), error: "endpoint deleted", durationMs: 0 });
    await records.recordAttempt(
      delivery,
      {
        status: "FAILED",
        attempts: delivery.attempts,
        lastStatusCode: null,
        lastError: "endpoint deleted",
        nextAttemptAt: null,
        log: JSON.stringify(log),
      },
      now,
    );
    return { kind: "done" };
  }
  const body = JSON.stringify({
    id: event.id,
    type: event.type,
    createdAt: new Date(event.createdAt).toISOString(),
    data: JSON.parse(event.data) as unknown,
  });
  const sentAt = new Date(now);
  const signature = new Webhook(endpoint.secret).sign(event.id, sentAt, body);
  let statusCode: number | null = null;
  let error: string | null = null;
  const started = Date.now();
  try {
    const response = await fetch(endpoint.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": "Lectern-Webhooks/1",
        "webhook-id": event.id,
        "webhook-timestamp": String(Math.floor(sentAt.getTime() / 1000)),
        "webhook-signature": signature,
      },
      body,
      // A redirect could lead anywhere (a private address): it counts as a failed attempt.
      redirect: "manual",
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
    });
    statusCode = response.status;
    await response.body?.cancel();
  } catch (caught) {
    error =
      caught instanceof Error && (caught.name === "TimeoutError" || caught.name === "AbortError")
        ? `no answer within ${DELIVERY_TIMEOUT_MS / 1000} s`
        : `network error: ${caught instanceof Error ? caught.message : String(caught)}`.slice(0, 300);
  }
  const durationMs = Date.now() - started;
  log.push({
    at: sentAt.toISOString(),
    ...(statusCode !== null ? { statusCode } : {}),
    ...(error ? { error } : {}),
    durationMs,
  });
  const ok = statusCode !== null && statusCode >= 200 && statusCode < 300;
  const delay = ok ? null : retryDelaySeconds(attempts);
  const lastError = ok ? null : (error ?? `answered ${statusCode}`);
  if (ok || delay === null) {
    await records.recordAttempt(
      delivery,
      {
        status: ok ? "DELIVERED" : "FAILED",
        attempts,
        lastStatusCode: statusCode,
        lastError,
        nextAttemptAt: null,
        log: JSON.stringify(log),
        ...(ok ? {} : { deadLetter: body }),
      },
      now,
    );
    return { kind: "done" };
  }
  await records.recordAttempt(
    delivery,
    {
      status: "PENDING",
      attempts,
      lastStatusCode: statusCode,
      lastError,
      nextAttemptAt: now + delay * 1000,
      log: JSON.stringify(log),
    },
    now,
  );
  return { kind: "retry", delaySeconds: delay };
}

/** The queue consumer: each message is one attempt; retries go back on the queue with their delay. */
export async function handleWebhookBatch(deps: Deps, batch: MessageBatch<unknown>): Promise<void> {
  for (const message of batch.messages) {
    if (!isMessage(message.body)) {
      message.ack();
      continue;
    }
    try {
      const result = await deliverWebhook(deps, message.body.deliveryId);
      if (result.kind === "retry") message.retry({ delaySeconds: result.delaySeconds });
      else message.ack();
    } catch (error) {
      // D1 unavailable, say: nothing was recorded, so the same attempt runs again soon.
      console.warn("webhook delivery failed to run", message.body.deliveryId, error);
      message.retry({ delaySeconds: 30 });
    }
  }
}
