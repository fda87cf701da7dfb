// Events and their signed delivery to one webhook endpoint, with Stripe-like retries.
import type { StandinStore, StripeEvent } from "./store";
import { newId } from "./store";

export type FetchLike = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;

export interface CallInfo {
  /** null for events Stripe raises on its own (no API call behind them). */
  requestId: string | null;
  idempotencyKey: string | null;
}

/** `account`: for Connect events, the connected account they are about. */
export type Emit = (type: string, object: unknown, call: CallInfo, account?: string) => void;

export interface DeliveryResult {
  eventId: string;
  type: string;
  /** Last HTTP status; 0 for a network error. */
  status: number;
  ok: boolean;
  attempts: number;
  body: string;
}

export interface DeliverOptions {
  order?: "reverse";
  /** Deliver the whole batch twice, as Stripe sometimes does. */
  duplicate?: boolean;
}

export interface WebhookOptions {
  url: string | undefined;
  secret: string;
  mode: "auto" | "manual";
  retryDelaysMs: readonly number[];
  fetchImpl: FetchLike | undefined;
  enabledEvents: readonly string[] | undefined;
  apiVersion: string;
  nowMs: () => number;
  log: (line: string) => void;
}

/** The `Stripe-Signature` header value that stripe.webhooks.constructEventAsync verifies. */
export async function signatureHeader(payload: string, secret: string, timestamp: number): Promise<string> {
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = await crypto.subtle.sign("HMAC", key, encoder.encode(`${timestamp}.${payload}`));
  const hex = Array.from(new Uint8Array(mac), (b) => b.toString(16).padStart(2, "0")).join("");
  return `t=${timestamp},v1=${hex}`;
}

export function createWebhooks(store: StandinStore, options: WebhookOptions) {
  const nowSec = () => Math.floor(options.nowMs() / 1000);
  let queue: StripeEvent[] = [];
  const inFlight = new Set<Promise<unknown>>();
  const timers = new Set<{ id: ReturnType<typeof setTimeout>; resolve: () => void }>();
  // Bumped by cancel() so retry loops started before it give up.
  let generation = 0;

  const emit: Emit = (type, object, call, account) => {
    const send = options.url !== undefined && (options.enabledEvents?.includes(type) ?? true);
    const event: StripeEvent = {
      id: newId("evt"),
      object: "event",
      ...(account === undefined ? {} : { account }),
      api_version: options.apiVersion,
      created: nowSec(),
      data: { object: structuredClone(object) },
      livemode: false,
      pending_webhooks: send ? 1 : 0,
      request: { id: call.requestId, idempotency_key: call.idempotencyKey },
      type,
    };
    store.events.push(event);
    if (!send) return;
    store.deliveries.set(event.id, {
      eventId: event.id,
      type,
      attempts: 0,
      lastStatus: null,
      delivered: false,
    });
    if (options.mode === "manual") {
      queue.push(event);
      return;
    }
    const delivery = deliverEvent(event);
    inFlight.add(delivery);
    void delivery.finally(() => inFlight.delete(delivery));
  };

  async function attempt(event: StripeEvent): Promise<{ status: number; body: string }> {
    const payload = JSON.stringify(event, null, 2);
    const signature = await signatureHeader(payload, options.secret, nowSec());
    try {
      const response = await (options.fetchImpl ?? globalThis.fetch)(options.url ?? "", {
        method: "POST",
        headers: {
          "content-type": "application/json; charset=utf-8",
          "stripe-signature": signature,
          "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        },
        body: payload,
      });
      return { status: response.status, body: await response.text() };
    } catch (error) {
      return { status: 0, body: error instanceof Error ? error.message : String(error) };
    }
  }

  async function deliverEvent(event: StripeEvent): Promise<DeliveryResult> {
    const startedIn = generation;
    const record = store.deliveries.get(event.id);
    for (let attempts = 1; ; attempts++) {
      const { status, body } = await attempt(event);
      const ok = status >= 200 && status < 300;
      if (record) {
        record.attempts += 1;
        record.lastStatus = status;
        record.delivered ||= ok;
      }
      options.log(`webhook ${event.type} ${event.id} -> ${status || "network error"} (attempt ${attempts})`);
      const delay = options.retryDelaysMs[attempts - 1];
      if (!ok && delay !== undefined && generation === startedIn) await sleep(delay);
      if (ok || delay === undefined || generation !== startedIn) {
        return { eventId: event.id, type: event.type, status, ok, attempts, body };
      }
    }
  }

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = {
        resolve,
        id: setTimeout(() => {
          timers.delete(timer);
          resolve();
        }, ms),
      };
      timers.add(timer);
    });
  }

  async function deliverPending(opts: DeliverOptions = {}): Promise<DeliveryResult[]> {
    let batch = queue;
    queue = [];
    if (opts.order === "reverse") batch.reverse();
    if (opts.duplicate) batch = [...batch, ...batch];
    const results: DeliveryResult[] = [];
    for (const event of batch) results.push(await deliverEvent(event));
    return results;
  }

  async function flush(): Promise<void> {
    while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
  }

  /** Drops queued events and stops pending retries. */
  function cancel(): void {
    generation += 1;
    for (const timer of timers) {
      clearTimeout(timer.id);
      timer.resolve();
    }
    timers.clear();
    queue = [];
  }

  return { emit, deliverPending, flush, cancel, pendingCount: () => queue.length };
}
