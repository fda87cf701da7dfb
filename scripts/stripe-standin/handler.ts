// A stateful, in-process Stripe stand-in: real REST paths, form encoding, error shapes,
// idempotency and signed webhooks. Web APIs only, so it runs in workerd and in Node.

import { createConnect } from "./connect";
import {
  FormError,
  type FormObject,
  parseForm,
  readHash,
  readInteger,
  readString,
  readStringList,
  rejectUnknown,
} from "./form";
import { ApiError, createPayments, invalid, lookup } from "./payments";
import type { Account, PaymentIntent } from "./store";
import { randomToken, StandinStore } from "./store";
import {
  type CallInfo,
  createWebhooks,
  type DeliverOptions,
  type DeliveryResult,
  type FetchLike,
} from "./webhooks";

export type { DeliverOptions, DeliveryResult, FetchLike } from "./webhooks";
export { signatureHeader } from "./webhooks";

/** The `ApiVersion` of the installed stripe SDK (23.1.0); the unit test checks they agree. */
export const DEFAULT_API_VERSION = "2026-10-28.endive";
export const DEFAULT_WEBHOOK_SECRET = "whsec_lectern_local_dev";
const DEFAULT_RETRY_DELAYS_MS = [500, 1000, 2000, 5000, 10000, 30000];
const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/** Stripe: a pm_card_refundFail refund "fails within 5 seconds". */
export const DEFAULT_REFUND_FAIL_AFTER_MS = 2000;

export interface StandinOptions {
  /** Where events are POSTed; without it events are only recorded. */
  webhookUrl?: string;
  webhookSecret?: string;
  /** "auto": deliver in the background at once; "manual": queue until deliverPending(). */
  delivery?: "auto" | "manual";
  retryDelaysMs?: readonly number[];
  fetchImpl?: FetchLike;
  apiVersion?: string;
  /** Event types sent to the webhook (all by default); others are still recorded. */
  enabledEvents?: readonly string[];
  /**
   * With delivery "auto", a pending refund (pm_card_refundFail) fails by itself this long after
   * it was created (default 2000). With "manual", no timers: call settleRefunds().
   */
  refundFailAfterMs?: number;
  /** Clock in milliseconds, for tests. */
  now?: () => number;
  log?: (line: string) => void;
}

export interface FaultSpec {
  method?: string;
  /** Exact path; a `*` segment matches any one segment, such as an object id. */
  path: string;
  times?: number;
  status?: number;
  error?: { type: string; message: string; code?: string };
  /** "after": the call takes effect, then its answer is lost (replaced by the failure). */
  when?: "before" | "after";
  /** Reject like a dropped connection instead of answering. */
  network?: boolean;
  /** Sets `Stripe-Should-Retry`, which the SDK obeys for its own retries. */
  shouldRetry?: boolean;
}

export interface StripeStandin {
  fetch: FetchLike;
  store: StandinStore;
  deliverPending(options?: DeliverOptions): Promise<DeliveryResult[]>;
  flushDeliveries(): Promise<void>;
  injectFailure(fault: FaultSpec): void;
  /** Moves every pending refund to its final state now (failed for pm_card_refundFail); returns how many changed. */
  settleRefunds(): number;
  /** Loses every queued (undelivered) event, as if Stripe's deliveries never arrived; returns how many. */
  dropPending(): number;
  /** Completes a connected account's onboarding without a browser (emits account.updated on a change). */
  onboardAccount(id: string): Account;
  /** While on, every transfer create fails with balance_insufficient; reset() turns it off. */
  setInsufficientBalance(on: boolean): void;
  reset(): void;
}

/** What fetch() rejects with for a `network: true` fault. */
export class NetworkFault extends TypeError {}

const CORS_HEADERS = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "GET, POST, OPTIONS",
  "access-control-allow-headers": "Authorization, Content-Type, Idempotency-Key, Stripe-Version",
  "access-control-expose-headers": "Request-Id, Idempotent-Replayed, Original-Request",
  "access-control-max-age": "300",
};

interface Caller {
  key: string;
  publishable: boolean;
}

interface CallContext extends CallInfo {
  form: FormObject;
  caller: Caller;
  url: URL;
}

interface Route {
  method: "GET" | "POST";
  pattern: RegExp;
  run: (ctx: CallContext, id: string) => unknown;
  /** Stripe.js calls: a publishable key with the intent's client_secret. */
  publishable?: boolean;
}

interface Answer {
  status: number;
  body: string;
  headers: Record<string, string>;
}

const ONBOARDING_PATH = /^\/connect\/onboarding\/([^/]+)$/;

const errorBody = (error: object) => JSON.stringify({ error }, null, 2);

export function createStripeStandin(options: StandinOptions = {}): StripeStandin {
  const store = new StandinStore();
  const nowMs = options.now ?? (() => Date.now());
  const apiVersion = options.apiVersion ?? DEFAULT_API_VERSION;
  const log = options.log ?? (() => {});
  const mode = options.delivery ?? "auto";
  const webhooks = createWebhooks(store, {
    url: options.webhookUrl,
    secret: options.webhookSecret ?? DEFAULT_WEBHOOK_SECRET,
    mode,
    retryDelaysMs: options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS,
    fetchImpl: options.fetchImpl,
    enabledEvents: options.enabledEvents,
    apiVersion,
    nowMs,
    log,
  });
  const payments = createPayments(store, webhooks.emit, nowMs, {
    mode: mode === "auto" ? "timer" : "manual",
    afterMs: options.refundFailAfterMs ?? DEFAULT_REFUND_FAIL_AFTER_MS,
  });
  const connect = createConnect(store, webhooks.emit, nowMs);
  let faults: (FaultSpec & { times: number })[] = [];

  function list<T extends { id: string }>(items: T[], ctx: CallContext, filters: readonly string[] = []) {
    rejectUnknown(ctx.form, ["limit", "starting_after", "ending_before", "expand", ...filters]);
    const limit = readInteger(ctx.form, "limit") ?? 10;
    if (limit < 1 || limit > 100) throw invalid("Limit must be between 1 and 100.", undefined, "limit");
    const after = readString(ctx.form, "starting_after");
    const before = readString(ctx.form, "ending_before");
    const newestFirst = [...items].reverse();
    const start = after ? newestFirst.findIndex((item) => item.id === after) + 1 : 0;
    const end = before
      ? Math.max(
          0,
          newestFirst.findIndex((item) => item.id === before),
        )
      : newestFirst.length;
    const page = newestFirst.slice(start, end);
    const data = before ? page.slice(-limit) : page.slice(0, limit);
    return { object: "list", data, has_more: page.length > limit, url: ctx.url.pathname };
  }

  function expand(body: unknown, form: FormObject): unknown {
    const paths = readStringList(form, "expand");
    if (paths.length === 0) return body;
    const copy = structuredClone(body) as Record<string, unknown>;
    for (const path of paths) {
      const inList = path.startsWith("data.") && Array.isArray(copy.data);
      const field = inList ? path.slice(5) : path;
      for (const target of inList ? (copy.data as Record<string, unknown>[]) : [copy]) {
        const id = target[field];
        if (id === null) continue;
        const found =
          typeof id === "string"
            ? (store.paymentIntents.get(id) ??
              store.charges.get(id) ??
              store.refunds.get(id) ??
              store.paymentMethods.get(id)?.method)
            : undefined;
        if (!found) throw invalid(`This property cannot be expanded (${path}).`, undefined, "expand");
        target[field] = structuredClone(found);
      }
    }
    return copy;
  }

  const ID = "([^/]+)";
  const getter =
    <T>(find: (id: string) => T | undefined, kind: string) =>
    (ctx: CallContext, id: string) => {
      rejectUnknown(ctx.form, ["expand"]);
      return lookup(find(id), id, kind, "id");
    };
  const routes: Route[] = [
    {
      method: "POST",
      pattern: /^\/v1\/payment_intents$/,
      run: (ctx) => payments.createIntent(ctx.form, ctx),
    },
    {
      method: "GET",
      pattern: /^\/v1\/payment_intents$/,
      run: (ctx) => list([...store.paymentIntents.values()], ctx),
    },
    {
      method: "GET",
      pattern: new RegExp(`^/v1/payment_intents/${ID}$`),
      publishable: true,
      run: (ctx, id) => {
        rejectUnknown(ctx.form, ["expand", "client_secret"]);
        return payments.intentById(id);
      },
    },
    {
      method: "POST",
      pattern: new RegExp(`^/v1/payment_intents/${ID}$`),
      run: (ctx, id) => payments.updateIntent(ctx.form, id),
    },
    {
      method: "POST",
      pattern: new RegExp(`^/v1/payment_intents/${ID}/confirm$`),
      publishable: true,
      run: (ctx, id) => payments.confirmIntent(ctx.form, id, ctx),
    },
    {
      method: "POST",
      pattern: new RegExp(`^/v1/payment_intents/${ID}/capture$`),
      run: (ctx, id) => payments.captureIntent(ctx.form, id, ctx),
    },
    {
      method: "POST",
      pattern: new RegExp(`^/v1/payment_intents/${ID}/cancel$`),
      run: (ctx, id) => payments.cancelIntent(ctx.form, id, ctx),
    },
    { method: "POST", pattern: /^\/v1\/refunds$/, run: (ctx) => payments.createRefund(ctx.form, ctx) },
    {
      method: "GET",
      pattern: /^\/v1\/refunds$/,
      run: (ctx) => {
        const intent = readString(ctx.form, "payment_intent");
        const charge = readString(ctx.form, "charge");
        const refunds = [...store.refunds.values()].filter(
          (r) => (!intent || r.payment_intent === intent) && (!charge || r.charge === charge),
        );
        return list(refunds, ctx, ["payment_intent", "charge"]);
      },
    },
    {
      method: "GET",
      pattern: new RegExp(`^/v1/refunds/${ID}$`),
      run: getter((id) => store.refunds.get(id), "refund"),
    },
    {
      method: "GET",
      pattern: new RegExp(`^/v1/charges/${ID}$`),
      run: getter((id) => store.charges.get(id), "charge"),
    },
    { method: "POST", pattern: /^\/v1\/accounts$/, run: (ctx) => connect.createAccount(ctx.form) },
    {
      method: "GET",
      pattern: /^\/v1\/accounts$/,
      run: (ctx) => list(connect.accountsMatching(ctx.form), ctx, ["created"]),
    },
    {
      method: "GET",
      pattern: new RegExp(`^/v1/accounts/${ID}$`),
      run: getter((id) => store.accounts.get(id), "account"),
    },
    {
      method: "POST",
      pattern: /^\/v1\/account_links$/,
      run: (ctx) => connect.createAccountLink(ctx.form, ctx.url.origin),
    },
    { method: "POST", pattern: /^\/v1\/transfers$/, run: (ctx) => connect.createTransfer(ctx.form, ctx) },
    {
      method: "GET",
      pattern: /^\/v1\/transfers$/,
      run: (ctx) =>
        list(connect.transfersMatching(ctx.form), ctx, ["transfer_group", "destination", "created"]),
    },
    {
      method: "GET",
      pattern: new RegExp(`^/v1/transfers/${ID}$`),
      run: getter((id) => store.transfers.get(id), "transfer"),
    },
    {
      method: "POST",
      pattern: new RegExp(`^/v1/transfers/${ID}/reversals$`),
      run: (ctx, id) => connect.createReversal(ctx.form, id, ctx),
    },
    {
      method: "GET",
      pattern: new RegExp(`^/v1/transfers/${ID}/reversals$`),
      run: (ctx, id) => list(connect.reversalsOf(id), ctx),
    },
    {
      method: "GET",
      pattern: /^\/v1\/events$/,
      run: (ctx) => {
        const type = readString(ctx.form, "type");
        const types = readStringList(ctx.form, "types");
        const created = readHash(ctx.form, "created");
        const gte = created ? readInteger(created, "gte") : undefined;
        const gt = created ? readInteger(created, "gt") : undefined;
        const events = store.events.filter(
          (e) =>
            (!type || e.type === type) &&
            (types.length === 0 || types.includes(e.type)) &&
            (gte === undefined || e.created >= gte) &&
            (gt === undefined || e.created > gt),
        );
        return list(events, ctx, ["type", "types", "created"]);
      },
    },
    {
      method: "GET",
      pattern: new RegExp(`^/v1/events/${ID}$`),
      run: getter((id) => store.events.find((e) => e.id === id), "event"),
    },
  ];

  function authenticate(request: Request, form: FormObject): Caller {
    const header = request.headers.get("authorization");
    let key = typeof form.key === "string" ? form.key : undefined;
    delete form.key;
    if (header) {
      const [scheme = "", value = ""] = header.trim().split(/\s+/, 2);
      key = /^basic$/i.test(scheme) ? (safeAtob(value).split(":")[0] ?? "") : value;
    }
    if (key === undefined) {
      const message =
        "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').";
      throw new ApiError(401, { type: "invalid_request_error", message }, false);
    }
    const kind = /^(sk|pk)_test_[A-Za-z0-9_]+$/.exec(key)?.[1];
    if (!kind) {
      const shown =
        key.length > 12 ? `${key.slice(0, 8)}${"*".repeat(key.length - 12)}${key.slice(-4)}` : key;
      throw new ApiError(
        401,
        { type: "invalid_request_error", message: `Invalid API Key provided: ${shown}` },
        false,
      );
    }
    return { key, publishable: kind === "pk" };
  }

  function checkPublishable(route: Route, ctx: CallContext, id: string): void {
    if (!route.publishable) {
      const message = "This API call cannot be made with a publishable API key. Please use a secret API key.";
      throw new ApiError(401, { type: "invalid_request_error", message }, false);
    }
    const intent = payments.intentById(id);
    const clientSecret = readString(ctx.form, "client_secret");
    if (!clientSecret) {
      throw new FormError("Missing required param: client_secret.", "client_secret", "parameter_missing");
    }
    if (clientSecret !== intent.client_secret) {
      throw invalid(
        "The client_secret provided does not match any associated PaymentIntent on this account.",
        "payment_intent_invalid_parameter",
        "client_secret",
      );
    }
  }

  // Stripe.js never sees metadata.
  function publicView(body: unknown): unknown {
    if (typeof body !== "object" || body === null || !("metadata" in body)) return body;
    const { metadata: _hidden, ...rest } = body as PaymentIntent;
    return rest;
  }

  function dispatch(method: string, path: string, ctx: CallContext): unknown {
    for (const route of routes) {
      const match = route.pattern.exec(path);
      if (!match || route.method !== method) continue;
      const id = safeDecode(match[1] ?? "");
      if (ctx.caller.publishable) checkPublishable(route, ctx, id);
      const result = expand(route.run(ctx, id), ctx.form);
      return ctx.caller.publishable ? publicView(result) : result;
    }
    const message = `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`;
    throw new ApiError(404, { type: "invalid_request_error", message }, false);
  }

  function toApiError(error: unknown): ApiError {
    if (error instanceof ApiError) return error;
    if (error instanceof FormError) return invalid(error.message, error.code, error.param);
    log(`internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return new ApiError(500, {
      type: "api_error",
      message: "An unknown error occurred in the Stripe stand-in.",
    });
  }

  async function readForm(request: Request, url: URL): Promise<FormObject> {
    if (request.method !== "POST") return parseForm(url.searchParams);
    // Decoding the bytes ourselves: workerd warns when .text() reads a form body.
    const text = new TextDecoder().decode(await request.arrayBuffer());
    if (text.trim() !== "" && (request.headers.get("content-type") ?? "").includes("json")) {
      throw invalid("Invalid request: Stripe expects an application/x-www-form-urlencoded body, not JSON.");
    }
    return parseForm(text);
  }

  async function callApi(request: Request, url: URL, requestId: string): Promise<Answer> {
    const form = await readForm(request, url);
    const caller = authenticate(request, form);
    const early = takeFault(request.method, url.pathname, "before");
    if (early) return faultAnswer(early);
    const idempotencyKey = request.method === "POST" ? request.headers.get("idempotency-key") : null;
    const fingerprint = `${request.method} ${url.pathname} ${JSON.stringify(form)}`;
    const scope = `${caller.key}\n${idempotencyKey}`;
    const saved = idempotencyKey === null ? undefined : store.idempotency.get(scope);
    if (saved && nowMs() - saved.createdAt < IDEMPOTENCY_TTL_MS) {
      if (saved.fingerprint !== fingerprint) {
        const message = `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`;
        throw new ApiError(400, { type: "idempotency_error", message }, false);
      }
      const headers = { "idempotent-replayed": "true", "original-request": saved.requestId };
      return { status: saved.status, body: saved.body, headers };
    }
    const ctx: CallContext = { form, caller, url, requestId, idempotencyKey };
    let answer: Answer;
    let replayable = true;
    try {
      const body = JSON.stringify(dispatch(request.method, url.pathname, ctx), null, 2);
      answer = { status: 200, body, headers: {} };
    } catch (error) {
      const apiError = toApiError(error);
      replayable = apiError.replayable;
      const body = caller.publishable
        ? { ...apiError.body, payment_intent: publicView(apiError.body.payment_intent) }
        : apiError.body;
      answer = { status: apiError.status, body: errorBody(body), headers: {} };
    }
    if (idempotencyKey !== null) {
      answer.headers["idempotency-key"] = idempotencyKey;
      if (replayable) store.idempotency.set(scope, { fingerprint, ...answer, requestId, createdAt: nowMs() });
    }
    const late = takeFault(request.method, url.pathname, "after");
    return late ? faultAnswer(late) : answer;
  }

  function injectFailure(fault: FaultSpec): void {
    faults.push({ ...fault, times: fault.times ?? 1 });
  }

  function takeFault(method: string, path: string, when: "before" | "after"): FaultSpec | undefined {
    const segments = path.split("/");
    const fault = faults.find((f) => {
      const pattern = f.path.split("/");
      return (
        (f.when ?? "before") === when &&
        (!f.method || f.method.toUpperCase() === method) &&
        pattern.length === segments.length &&
        pattern.every((segment, i) => segment === "*" || segment === segments[i])
      );
    });
    if (!fault) return undefined;
    fault.times -= 1;
    faults = faults.filter((f) => f.times > 0);
    return fault;
  }

  function faultAnswer(fault: FaultSpec): Answer {
    if (fault.network) throw new NetworkFault("Network connection lost (injected by the Stripe stand-in).");
    const error = fault.error ?? {
      type: "api_error",
      message: "An unknown error occurred (injected by the Stripe stand-in).",
    };
    const headers: Record<string, string> =
      fault.shouldRetry === undefined ? {} : { "stripe-should-retry": String(fault.shouldRetry) };
    return { status: fault.status ?? 500, body: errorBody(error), headers };
  }

  async function admin(request: Request, url: URL): Promise<{ status: number; body: unknown }> {
    const route = `${request.method} ${url.pathname}`;
    const json = async <T>() => {
      const text = await request.text();
      return (text.trim() ? JSON.parse(text) : {}) as T;
    };
    const onboard = /^POST \/__standin\/accounts\/([^/]+)\/onboard$/.exec(route);
    if (onboard) return onboardOverHttp(safeDecode(onboard[1] ?? ""));
    switch (route) {
      case "GET /__standin/health":
        return { status: 200, body: { ok: true, apiVersion } };
      case "GET /__standin/state":
        return { status: 200, body: { ...store.dump(), faults, queuedEvents: webhooks.pendingCount() } };
      case "POST /__standin/reset":
        reset();
        return { status: 200, body: { ok: true } };
      case "POST /__standin/refunds/settle":
        return { status: 200, body: { ok: true, settled: payments.settleRefunds() } };
      case "POST /__standin/balance": {
        const { insufficient } = await json<{ insufficient?: unknown }>();
        if (typeof insufficient !== "boolean") {
          return {
            status: 400,
            body: { error: { type: "invalid_request_error", message: 'Send {"insufficient": true|false}.' } },
          };
        }
        connect.setInsufficientBalance(insufficient);
        return { status: 200, body: { ok: true, insufficient } };
      }
      case "POST /__standin/deliver":
        return { status: 200, body: await webhooks.deliverPending(await json<DeliverOptions>()) };
      case "POST /__standin/faults": {
        const fault = await json<FaultSpec>();
        if (typeof fault.path !== "string" || !fault.path.startsWith("/")) {
          return {
            status: 400,
            body: { error: { type: "invalid_request_error", message: "A fault needs a path." } },
          };
        }
        injectFailure(fault);
        return { status: 200, body: { ok: true, faults } };
      }
      default:
        return {
          status: 404,
          body: { error: { type: "invalid_request_error", message: `No route ${route}.` } },
        };
    }
  }

  function onboardOverHttp(id: string): { status: number; body: unknown } {
    if (!store.accounts.has(id)) {
      const error = {
        type: "invalid_request_error",
        code: "resource_missing",
        message: `No such account: '${id}'`,
      };
      return { status: 404, body: { error } };
    }
    return { status: 200, body: connect.onboardAccount(id) };
  }

  async function standinFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const requestId = `req_${randomToken(14)}`;
    const headers: Record<string, string> = {
      ...CORS_HEADERS,
      "request-id": requestId,
      "stripe-version": request.headers.get("stripe-version") ?? apiVersion,
      "content-type": "application/json",
    };
    if (request.method === "OPTIONS") return new Response(null, { status: 204, headers });
    if (url.pathname.startsWith("/__standin/")) {
      const answer = await admin(request, url).catch((error: unknown) => ({
        status: 400,
        body: { error: { type: "invalid_request_error", message: String(error) } },
      }));
      return new Response(JSON.stringify(answer.body, null, 2), { status: answer.status, headers });
    }
    // Opened by the connected account's browser, so no API key.
    const onboarding = ONBOARDING_PATH.exec(url.pathname);
    if (onboarding && request.method === "GET") {
      const page = connect.onboardingPage(safeDecode(onboarding[1] ?? ""));
      const htmlHeaders = { ...headers, "content-type": "text/html; charset=utf-8" };
      return new Response(page.html, { status: page.status, headers: htmlHeaders });
    }
    let answer: Answer;
    try {
      answer = await callApi(request, url, requestId);
    } catch (error) {
      if (error instanceof NetworkFault) throw error;
      const apiError = toApiError(error);
      answer = { status: apiError.status, body: errorBody(apiError.body), headers: {} };
    }
    return new Response(answer.body, { status: answer.status, headers: { ...headers, ...answer.headers } });
  }

  function reset(): void {
    webhooks.cancel();
    payments.stopRefundTimers();
    store.clear();
    connect.setInsufficientBalance(false);
    faults = [];
  }

  return {
    fetch: standinFetch,
    store,
    deliverPending: webhooks.deliverPending,
    flushDeliveries: webhooks.flush,
    injectFailure,
    settleRefunds: payments.settleRefunds,
    dropPending: () => {
      const dropped = webhooks.pendingCount();
      webhooks.cancel();
      return dropped;
    },
    onboardAccount: connect.onboardAccount,
    setInsufficientBalance: connect.setInsufficientBalance,
    reset,
  };
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function safeAtob(value: string): string {
  try {
    return atob(value);
  } catch {
    return "";
  }
}
