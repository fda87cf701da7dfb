/**
 * Model-based money test: fast-check drives random command sequences (book, pay, decline, cancel,
 * session start/end/cancel, dashboard refunds, refund failures, webhook delivery in any order with
 * duplicates and losses, Stripe 5xx, hold lapses, alarms and the reconcile cron, and pairs of these
 * at once) through the real worker and the in-process Stripe stand-in, then brings the world to
 * rest and checks that D1, the slot objects, the money ledger, the API and Stripe tell one story.
 *
 * Reproduce a failure (fast-check prints seed and path):
 *   VITE_MONEY_MODEL_SEED=<seed> VITE_MONEY_MODEL_PATH=<path> npx vitest run test/integration/money-model.test.ts
 * Other knobs: VITE_MONEY_MODEL_RUNS (random sequences, default 15, plus the fixed EXAMPLES),
 * VITE_MONEY_MODEL_TIME_LIMIT_MS (default 180000), VITE_MONEY_MODEL_STRICT=0 (see below).
 * The VITE_ prefix is how an environment variable reaches a test running inside workerd.
 *
 * Two reconciliation gaps this model found are now closed (lost webhooks are recovered from
 * Stripe's event list, and a lapsing hold is checked at Stripe first); VITE_MONEY_MODEL_STRICT=0
 * tolerates them again, to compare. Both need a webhook that never arrives (the EXAMPLES show each):
 *  A. Authorized in time, but payment_intent.amount_capturable_updated is lost: the booking stays
 *     PENDING_PAYMENT/REQUIRES_PAYMENT (the reconcile job ignores live holds); when the hold lapses
 *     the authorization is released and the student loses a seat they paid for in time.
 *  B. A refund made in the Stripe dashboard whose refund.created / charge.refunded are lost is
 *     never recorded (the reconcile job only looks at rows that look unsettled): D1, the ledger
 *     and the API keep amountRefunded 0, and a fully refunded seat stays CONFIRMED.
 */
import {
  createExecutionContext,
  createScheduledController,
  runDurableObjectAlarm,
  runInDurableObject,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import fc from "fast-check";
import { afterEach, expect, it, vi } from "vitest";
import type { SlotObject } from "../../durable-objects/slot";
import { createStripeStandin, type StripeStandin } from "../../scripts/stripe-standin/handler";
import type { PaymentIntent, Refund } from "../../scripts/stripe-standin/store";
import { LOCAL_STRIPE_KEY, LOCAL_WEBHOOK_SECRET } from "../../src/adapters/stripe-payments";
import worker from "../../src/index";
import { BASE, type CallResult, call, registerProvider, registerUser, type TestUser } from "../helpers/api";

// ---------------------------------------------------------------------------------------------
// Configuration

const viteEnv = ((import.meta as unknown as { env?: Record<string, string | undefined> }).env ??
  {}) as Record<string, string | undefined>;
const SEED = viteEnv.VITE_MONEY_MODEL_SEED
  ? Number(viteEnv.VITE_MONEY_MODEL_SEED)
  : (Date.now() ^ Math.floor(Math.random() * 0x7fffffff)) | 0;
const REPLAY_PATH = viteEnv.VITE_MONEY_MODEL_PATH;
const NUM_RUNS = Number(viteEnv.VITE_MONEY_MODEL_RUNS ?? 15);
/** fast-check stops starting new runs (or shrinking) after this long; the test's timeout follows. */
const TIME_LIMIT_MS = Number(viteEnv.VITE_MONEY_MODEL_TIME_LIMIT_MS ?? 180_000);
/** Strict: the two known reconciliation gaps (A and B in the header) fail too. */
const STRICT = viteEnv.VITE_MONEY_MODEL_STRICT !== "0";
const MAX_QUIESCENCE_ROUNDS = 6;
const HOURLY_RATE = 6000; // 15 minutes → 1500
const STANDIN_HOST = "127.0.0.1:12111";
const CARDS = ["pm_card_visa", "pm_card_refundFail"] as const;

// ---------------------------------------------------------------------------------------------
// Commands

type Card = (typeof CARDS)[number];
type FaultPath = "capture" | "cancel" | "refunds" | "create";
type Cmd =
  | { t: "book"; student: number; slot: number }
  | { t: "pay"; booking: number; card: Card }
  | { t: "decline"; booking: number }
  | { t: "cancel"; booking: number }
  | { t: "start"; slot: number }
  | { t: "end"; slot: number }
  | { t: "icancel"; slot: number }
  | { t: "dashRefund"; booking: number; amount: number | undefined }
  | { t: "settleRefunds" }
  | { t: "deliver"; mode: "some" | "all" | "dup" | "reverse"; n: number }
  | { t: "drop"; n: number }
  | { t: "fault"; path: FaultPath; when: "before" | "after" }
  | { t: "advance" }
  | { t: "lapse"; booking: number }
  /** Two commands at once (requests interleave at every await, as in production). */
  | { t: "race"; a: Cmd; b: Cmd };

const pick = fc.nat({ max: 23 });
const bookArb = fc.record({ t: fc.constant("book" as const), student: pick, slot: pick });
const payArb = fc.record({ t: fc.constant("pay" as const), booking: pick, card: fc.constantFrom(...CARDS) });
const cancelArb = fc.record({ t: fc.constant("cancel" as const), booking: pick });
const endArb = fc.record({ t: fc.constant("end" as const), slot: pick });
const icancelArb = fc.record({ t: fc.constant("icancel" as const), slot: pick });
const dashRefundArb = fc.record({
  t: fc.constant("dashRefund" as const),
  booking: pick,
  // undefined: "refund the rest" from the dashboard
  amount: fc.option(fc.integer({ min: 50, max: 400 }), { nil: undefined, freq: 4 }),
});
const deliverAllArb = fc.constant({ t: "deliver" as const, mode: "all" as const, n: 0 });
const advanceArb = fc.constant({ t: "advance" as const });
const raceable: fc.Arbitrary<Cmd> = fc.oneof(
  bookArb,
  payArb,
  cancelArb,
  endArb,
  icancelArb,
  dashRefundArb,
  deliverAllArb,
  advanceArb,
);

const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 8, arbitrary: bookArb },
  { weight: 6, arbitrary: payArb },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("decline" as const), booking: pick }) },
  { weight: 3, arbitrary: cancelArb },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("start" as const), slot: pick }) },
  { weight: 2, arbitrary: endArb },
  { weight: 2, arbitrary: icancelArb },
  { weight: 2, arbitrary: dashRefundArb },
  { weight: 2, arbitrary: fc.constant({ t: "settleRefunds" as const }) },
  {
    weight: 5,
    arbitrary: fc.record({
      t: fc.constant("deliver" as const),
      mode: fc.constantFrom("some" as const, "all" as const, "dup" as const, "reverse" as const),
      n: fc.integer({ min: 1, max: 4 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("drop" as const), n: fc.integer({ min: 1, max: 3 }) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant("fault" as const),
      path: fc.constantFrom<FaultPath>("capture", "cancel", "refunds", "create"),
      when: fc.constantFrom("before" as const, "after" as const),
    }),
  },
  { weight: 2, arbitrary: advanceArb },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("lapse" as const), booking: pick }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("race" as const), a: raceable, b: raceable }) },
);

const scenarioArb = fc.record({
  slots: fc.integer({ min: 2, max: 3 }),
  students: fc.integer({ min: 3, max: 4 }),
  cmds: fc.array(cmdArb, { minLength: 8, maxLength: 25 }),
});
type Scenario = { slots: number; students: number; cmds: Cmd[] };

const book = (student: number, slot: number): Cmd => ({ t: "book", student, slot });
const pay = (booking: number, card: Card = "pm_card_visa"): Cmd => ({ t: "pay", booking, card });
const deliverAll: Cmd = { t: "deliver", mode: "all", n: 0 };
/**
 * Sequences that always run first (fast-check `examples`): the paths that matter most, and the
 * known gaps, so that VITE_MONEY_MODEL_STRICT=1 shows them on every run. Booking picks are
 * indices into the commands' candidates (see bookingFor): 1 and 2 mean "among the fitting ones".
 */
const EXAMPLES: Scenario[] = [
  // Refund fails later at Stripe: REFUND_FAILED, the student and money accounted for.
  {
    slots: 2,
    students: 3,
    cmds: [
      book(0, 1),
      pay(1, "pm_card_refundFail"),
      deliverAll,
      { t: "cancel", booking: 1 },
      { t: "settleRefunds" },
      deliverAll,
    ],
  },
  // Dashboard partial refund, then the student cancels: the remainder is refunded (same second).
  {
    slots: 2,
    students: 3,
    cmds: [
      book(0, 1),
      pay(1),
      deliverAll,
      { t: "dashRefund", booking: 1, amount: 200 },
      { t: "cancel", booking: 1 },
      deliverAll,
    ],
  },
  // The instructor cancels while a capture is failing at Stripe: released, never charged.
  {
    slots: 2,
    students: 3,
    cmds: [
      book(0, 1),
      book(1, 1),
      pay(2),
      deliverAll,
      { t: "fault", path: "capture", when: "before" },
      pay(1),
      deliverAll,
      { t: "icancel", slot: 1 },
      { t: "advance" },
    ],
  },
  // The lesson ends while a hold's release fails at Stripe; the student then pays: never captured.
  {
    slots: 2,
    students: 3,
    cmds: [
      book(0, 1),
      pay(1),
      deliverAll,
      book(1, 1),
      { t: "start", slot: 1 },
      { t: "fault", path: "cancel", when: "before" },
      { t: "end", slot: 1 },
      pay(1),
      deliverAll,
    ],
  },
  // Capture answered 500 after it landed; the student cancels meanwhile (refused while capturing).
  {
    slots: 2,
    students: 3,
    cmds: [
      book(0, 0),
      { t: "fault", path: "capture", when: "after" },
      pay(1),
      deliverAll,
      { t: "cancel", booking: 1 },
      { t: "advance" },
    ],
  },
  // Known gap A: the authorization webhook is lost while the hold is valid.
  { slots: 2, students: 3, cmds: [book(0, 0), pay(1), { t: "drop", n: 3 }] },
  // Known gap B: a full refund from the dashboard whose webhooks are lost (the seat stays CONFIRMED).
  {
    slots: 2,
    students: 3,
    cmds: [
      book(0, 0),
      pay(1),
      deliverAll,
      { t: "dashRefund", booking: 1, amount: undefined },
      { t: "drop", n: 2 },
    ],
  },
];

// ---------------------------------------------------------------------------------------------
// The stand-in, with webhooks held in our own inbox so tests choose order, duplicates and losses

interface HeldEvent {
  id: string;
  type: string;
  intentId: string | undefined;
  url: string;
  headers: Record<string, string>;
  body: string;
}

let standin: StripeStandin;
const inbox: HeldEvent[] = [];
const cronErrors: string[] = [];

function slotStub(slotId: string): DurableObjectStub<SlotObject> {
  const namespace = env.SLOT as unknown as DurableObjectNamespace<SlotObject>;
  return namespace.get(namespace.idFromName(slotId));
}

function workerFetch(request: Request): Promise<Response> {
  const app = (exports as unknown as { default: { fetch(request: Request): Promise<Response> } }).default;
  return app.fetch(request);
}

/** The stand-in "delivers" into `inbox` (answered 200); `deliver()` later POSTs to the worker. */
function freshStandin(): StripeStandin {
  return createStripeStandin({
    delivery: "manual",
    webhookUrl: `${BASE}/api/webhooks/stripe`,
    webhookSecret: LOCAL_WEBHOOK_SECRET,
    retryDelaysMs: [],
    fetchImpl: async (input, init) => {
      const body = String(init?.body ?? "");
      const event = JSON.parse(body) as {
        id: string;
        type: string;
        data: { object: Record<string, unknown> };
      };
      const object = event.data.object;
      const objectId = typeof object.id === "string" ? object.id : undefined;
      const intentId = objectId?.startsWith("pi_")
        ? objectId
        : typeof object.payment_intent === "string"
          ? object.payment_intent
          : undefined;
      inbox.push({
        id: event.id,
        type: event.type,
        intentId,
        url: String(input),
        headers: Object.fromEntries(new Headers(init?.headers).entries()),
        body,
      });
      return new Response("{}", { status: 200 });
    },
  });
}

function installSpies(): void {
  const originalFetch = globalThis.fetch.bind(globalThis);
  vi.spyOn(globalThis, "fetch").mockImplementation((input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.host === STANDIN_HOST) return standin.fetch(input, init);
    return originalFetch(input, init);
  });
  // The scheduled handler logs its report on every run: keep the output readable.
  const originalLog = console.log.bind(console);
  vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
    if (args[0] === "cron") {
      // The scheduled handler's report: a reconcile outcome "error: …" is a failure too.
      try {
        const report = JSON.parse(String(args[2])) as { reconciled?: Record<string, string> };
        for (const [bookingId, outcome] of Object.entries(report.reconciled ?? {}))
          if (outcome.startsWith("error")) cronErrors.push(`reconcile ${bookingId}: ${outcome}`);
      } catch {
        cronErrors.push(`unreadable cron report: ${args.map(String).join(" ")}`);
      }
      return;
    }
    originalLog(...args);
  });
  const originalError = console.error.bind(console);
  vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => {
    if (String(args[0]).startsWith("cron")) cronErrors.push(args.map(String).join(" "));
    originalError(...args);
  });
}

afterEach(() => {
  vi.restoreAllMocks();
});

function stripeAdmin(path: string, form: Record<string, string>): Promise<Response> {
  return standin.fetch(`http://${STANDIN_HOST}${path}`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${LOCAL_STRIPE_KEY}`,
      "content-type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams(form).toString(),
  });
}

// ---------------------------------------------------------------------------------------------
// One world per property run

interface SlotInfo {
  id: string;
  capacity: number;
  price: number;
}

interface Tracked {
  id: string;
  intentId: string;
  slot: number;
  student: number;
}

interface Ending {
  kind: "COMPLETED" | "CANCELLED";
  /** standin.store.events.length when the end/cancel request had answered. */
  eventIndex: number;
  /** Bookings whose seat the slot object held CONFIRMED right after the session ended. */
  confirmed: Set<string>;
}

class Violation extends Error {}

interface World {
  provider: TestUser;
  students: TestUser[];
  slots: SlotInfo[];
  bookings: Tracked[];
  endings: Map<number, Ending>;
  /** Webhook types lost per intent (the "drop" command). */
  dropped: Map<string, Set<string>>;
  /** Refunds made from the Stripe dashboard (not by Lectern). */
  dashboardRefunds: Set<string>;
  trace: string[];
}

const totals = { sequences: 0, steps: 0, bookings: 0 };
/** How often each final state was reached (booking status/payment status, session endings, …). */
const coverage = new Map<string, number>();
const seen = (key: string) => coverage.set(key, (coverage.get(key) ?? 0) + 1);
const tolerated = (gap: string) => seen(`tolerated: ${gap}`);
let firstFailureReported = false;

async function createWorld(scenario: Scenario): Promise<World> {
  const provider = await registerProvider(HOURLY_RATE);
  const students = await Promise.all(
    Array.from({ length: scenario.students }, () => registerUser("student")),
  );
  // Starts 20, 36 and 52 minutes from now (whole minutes): the provider may start any of them at
  // once (60 minutes early is allowed), and students may still cancel (the start is in the future).
  const base = Math.ceil(Date.now() / 60_000) * 60_000;
  const specs = [
    { offset: 20, sessionType: "ONE_TO_ONE" as const, capacity: 1 },
    { offset: 36, sessionType: "GROUP" as const, capacity: 3 },
    { offset: 52, sessionType: "ONE_TO_ONE" as const, capacity: 1 },
  ].slice(0, scenario.slots);
  const slots: SlotInfo[] = [];
  for (const spec of specs) {
    const res = await call("POST", "/api/slots", {
      token: provider.token,
      body: {
        startsAt: new Date(base + spec.offset * 60_000).toISOString(),
        durationMinutes: 15,
        sessionType: spec.sessionType,
        ...(spec.sessionType === "GROUP" ? { maxParticipants: spec.capacity } : {}),
      },
    });
    if (res.status !== 201) throw new Error(`create slot failed: ${res.status} ${JSON.stringify(res.body)}`);
    slots.push({ id: res.body.id, capacity: spec.capacity, price: res.body.price.amount });
  }
  return {
    provider,
    students,
    slots,
    bookings: [],
    endings: new Map(),
    dropped: new Map(),
    dashboardRefunds: new Set(),
    trace: [],
  };
}

function violation(world: World, message: string): never {
  throw new Violation(`${message}\n--- trace ---\n${world.trace.join("\n")}`);
}

/** A worker call; any 5xx is a violation, except the documented 502 of a booking Stripe refused. */
async function api(
  world: World,
  method: string,
  path: string,
  token: string,
  allow502 = false,
): Promise<CallResult> {
  const res = await call(method, path, { token });
  if (res.status >= 500) {
    const documented = allow502 && res.status === 502 && res.body?.error?.code === "PAYMENT_PROVIDER_ERROR";
    if (!documented) violation(world, `${method} ${path} answered ${res.status} ${JSON.stringify(res.body)}`);
  }
  return res;
}

const code = (res: CallResult) => `${res.status}${res.body?.error?.code ? ` ${res.body.error.code}` : ""}`;

/**
 * The booking a command acts on. Mostly one it makes sense for (`fits`, judged from Stripe's or
 * D1's state, as a student or the dashboard would see it); one time in five any booking at all,
 * so commands on dead or unpaid bookings are tried too.
 */
async function bookingFor(
  world: World,
  index: number,
  fits: (booking: Tracked, intent: PaymentIntent | undefined) => boolean | Promise<boolean>,
): Promise<Tracked | undefined> {
  if (world.bookings.length === 0) return undefined;
  if (index % 5 !== 0) {
    const candidates: Tracked[] = [];
    for (const booking of world.bookings) {
      if (await fits(booking, standin.store.paymentIntents.get(booking.intentId))) candidates.push(booking);
    }
    if (candidates.length > 0) return candidates[index % candidates.length];
  }
  return world.bookings[index % world.bookings.length];
}

const unpaid = (_b: Tracked, intent: PaymentIntent | undefined) =>
  intent?.status === "requires_payment_method";
const notPaid = (_b: Tracked, intent: PaymentIntent | undefined) =>
  intent?.status === "requires_payment_method" || intent?.status === "requires_capture";
const captured = (_b: Tracked, intent: PaymentIntent | undefined) => (intent?.amount_received ?? 0) > 0;
async function active(booking: Tracked): Promise<boolean> {
  const row = await env.DB.prepare("SELECT status FROM bookings WHERE id = ?")
    .bind(booking.id)
    .first<{ status: string }>();
  return row?.status === "PENDING_PAYMENT" || row?.status === "CONFIRMED";
}

async function sessionOf(slotId: string): Promise<{ id: string; status: string } | null> {
  return env.DB.prepare("SELECT id, status FROM teaching_sessions WHERE slot_id = ?")
    .bind(slotId)
    .first<{ id: string; status: string }>();
}

async function confirmedHolds(slotId: string): Promise<Set<string>> {
  const rows = await runInDurableObject(slotStub(slotId), (_instance, state) =>
    state.storage.sql
      .exec<{ booking_id: string }>("SELECT booking_id FROM holds WHERE status = 'CONFIRMED'")
      .toArray(),
  );
  return new Set(rows.map((row) => row.booking_id));
}

// --- webhooks -------------------------------------------------------------------------------

/** Moves everything the stand-in has queued into the inbox. */
async function pump(): Promise<void> {
  await standin.deliverPending();
}

async function deliver(world: World, event: HeldEvent): Promise<number> {
  const response = await workerFetch(
    new Request(event.url, { method: "POST", headers: event.headers, body: event.body }),
  );
  const text = await response.text();
  if (response.status !== 200) {
    violation(world, `webhook ${event.type} ${event.id} answered ${response.status}: ${text.slice(0, 300)}`);
  }
  return response.status;
}

async function deliverBatch(world: World, events: HeldEvent[]): Promise<void> {
  for (const event of events) await deliver(world, event);
}

/** Delivers until neither the stand-in nor the inbox holds anything (captures emit more events). */
async function deliverEverything(world: World, rounds = 10): Promise<number> {
  let delivered = 0;
  for (let i = 0; i < rounds; i++) {
    await pump();
    if (inbox.length === 0) break;
    const batch = inbox.splice(0, inbox.length);
    await deliverBatch(world, batch);
    delivered += batch.length;
  }
  return delivered;
}

// --- time and background work ----------------------------------------------------------------

/** Makes every queued effect due and runs each slot object's alarm, until the outboxes are empty. */
async function drainSlots(world: World, rounds = 4): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    let pending = 0;
    for (const slot of world.slots) {
      const stub = slotStub(slot.id);
      const queued = await runInDurableObject(stub, (_instance, state) => {
        state.storage.sql.exec("UPDATE outbox SET due_at = 0");
        return state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM outbox").one().n;
      });
      // Also with an empty outbox: a lapsed hold is expired by the alarm (runs only if one is set).
      await runDurableObjectAlarm(stub);
      pending += queued;
    }
    if (pending === 0) return;
  }
}

/** The reconcile job only looks at rows quiet for a minute: make this world's rows look quiet. */
async function backdate(world: World): Promise<void> {
  const past = Date.now() - 5 * 60_000;
  const slotIds = world.slots.map((slot) => slot.id);
  const marks = slotIds.map(() => "?").join(", ");
  await env.DB.batch([
    env.DB.prepare(`UPDATE bookings SET updated_at = ? WHERE slot_id IN (${marks})`).bind(past, ...slotIds),
    env.DB.prepare(
      `UPDATE payments SET updated_at = ? WHERE booking_id IN (SELECT id FROM bookings WHERE slot_id IN (${marks}))`,
    ).bind(past, ...slotIds),
  ]);
}

async function runCron(world: World): Promise<void> {
  cronErrors.length = 0;
  const controller = createScheduledController({ cron: "*/5 * * * *", scheduledTime: Date.now() });
  const ctx = createExecutionContext();
  await worker.scheduled(controller, env, ctx);
  await waitOnExecutionContext(ctx);
  if (cronErrors.length > 0) violation(world, `cron reported errors: ${cronErrors.join("; ")}`);
}

async function advance(world: World): Promise<void> {
  await drainSlots(world);
  await backdate(world);
  await runCron(world);
}

// --- running one command -----------------------------------------------------------------------

async function confirmIntent(intentId: string, paymentMethod: string): Promise<Response> {
  return stripeAdmin(`/v1/payment_intents/${intentId}/confirm`, { payment_method: paymentMethod });
}

const FAULT_PATHS: Record<FaultPath, string> = {
  capture: "/v1/payment_intents/*/capture",
  cancel: "/v1/payment_intents/*/cancel",
  refunds: "/v1/refunds",
  create: "/v1/payment_intents",
};

async function runCommand(world: World, cmd: Cmd): Promise<string> {
  switch (cmd.t) {
    case "book": {
      const studentIndex = cmd.student % world.students.length;
      const slotIndex = cmd.slot % world.slots.length;
      const slot = world.slots[slotIndex]!;
      const student = world.students[studentIndex]!;
      const res = await api(world, "POST", `/api/slots/${slot.id}/bookings`, student.token, true);
      if (res.status === 201) {
        const tracked = {
          id: res.body.booking.id as string,
          intentId: res.body.payment.paymentIntentId as string,
          slot: slotIndex,
          student: studentIndex,
        };
        world.bookings.push(tracked);
        return `book s${studentIndex} slot${slotIndex} → 201 #${world.bookings.length - 1} ${tracked.id} ${tracked.intentId}`;
      }
      if (res.status !== 409 && res.status !== 502) {
        violation(world, `booking answered ${res.status} ${JSON.stringify(res.body)}`);
      }
      return `book s${studentIndex} slot${slotIndex} → ${code(res)}`;
    }
    case "pay":
    case "decline": {
      const booking = await bookingFor(world, cmd.booking, unpaid);
      if (!booking) return `${cmd.t}: no booking`;
      const card = cmd.t === "pay" ? cmd.card : "pm_card_chargeDeclined";
      const res = await confirmIntent(booking.intentId, card);
      return `${cmd.t} ${booking.id} ${card} → ${res.status}`;
    }
    case "cancel": {
      const booking = await bookingFor(world, cmd.booking, active);
      if (!booking) return "cancel: no booking";
      const token = world.students[booking.student]!.token;
      const res = await api(world, "POST", `/api/bookings/${booking.id}/cancel`, token);
      return `cancel ${booking.id} → ${code(res)}${res.status === 200 ? ` ${res.body.paymentStatus}` : ""}`;
    }
    case "start":
    case "end":
    case "icancel": {
      // Mostly a slot that has a session (one booking was confirmed), sometimes any slot.
      const withSession: number[] = [];
      for (const [i, s] of world.slots.entries()) if (await sessionOf(s.id)) withSession.push(i);
      const slotIndex =
        cmd.slot % 5 !== 0 && withSession.length > 0
          ? withSession[cmd.slot % withSession.length]!
          : cmd.slot % world.slots.length;
      const slot = world.slots[slotIndex]!;
      const session = await sessionOf(slot.id);
      if (!session) return `${cmd.t} slot${slotIndex}: no session`;
      const action = cmd.t === "icancel" ? "cancel" : cmd.t;
      const res = await api(world, "POST", `/api/sessions/${session.id}/${action}`, world.provider.token);
      if (res.status === 200 && cmd.t !== "start" && !world.endings.has(slotIndex)) {
        world.endings.set(slotIndex, {
          kind: cmd.t === "end" ? "COMPLETED" : "CANCELLED",
          eventIndex: standin.store.events.length,
          confirmed: await confirmedHolds(slot.id),
        });
      }
      return `${cmd.t} slot${slotIndex} → ${code(res)}`;
    }
    case "dashRefund": {
      const booking = await bookingFor(world, cmd.booking, captured);
      if (!booking) return "dashRefund: no booking";
      const form: Record<string, string> = { payment_intent: booking.intentId };
      if (cmd.amount !== undefined) form.amount = String(cmd.amount);
      const res = await stripeAdmin("/v1/refunds", form);
      if (res.status === 200) world.dashboardRefunds.add(((await res.json()) as { id: string }).id);
      return `dashboard refund ${booking.id} ${cmd.amount ?? "rest"} → ${res.status}`;
    }
    case "settleRefunds":
      return `settle refunds → ${standin.settleRefunds()} changed`;
    case "deliver": {
      await pump();
      const count = inbox.length;
      if (cmd.mode === "some") {
        const batch = inbox.splice(0, cmd.n);
        await deliverBatch(world, batch);
        return `deliver ${batch.length} of ${count}: ${batch.map((e) => e.type).join(", ")}`;
      }
      if (cmd.mode === "all") return `deliver all → ${await deliverEverything(world)}`;
      const batch = inbox.splice(0, inbox.length);
      if (cmd.mode === "reverse") batch.reverse();
      await deliverBatch(world, cmd.mode === "dup" ? [...batch, ...batch] : batch);
      return `deliver ${cmd.mode} ${batch.length}: ${batch.map((e) => e.type).join(", ")}`;
    }
    case "drop": {
      await pump();
      const dropped = inbox.splice(0, cmd.n);
      for (const event of dropped) {
        if (!event.intentId) continue;
        const types = world.dropped.get(event.intentId) ?? new Set<string>();
        types.add(event.type);
        world.dropped.set(event.intentId, types);
      }
      return `drop ${dropped.map((e) => `${e.type}(${e.intentId})`).join(", ") || "nothing"}`;
    }
    case "fault":
      standin.injectFailure({
        method: "POST",
        path: FAULT_PATHS[cmd.path],
        status: 500,
        shouldRetry: false,
        when: cmd.when,
        times: 1,
      });
      return `fault ${cmd.path} ${cmd.when}`;
    case "advance":
      await advance(world);
      return "advance";
    case "race": {
      const [a, b] = await Promise.all([runCommand(world, cmd.a), runCommand(world, cmd.b)]);
      return `race [${a}] ∥ [${b}]`;
    }
    case "lapse": {
      const booking = await bookingFor(world, cmd.booking, notPaid);
      if (!booking) return "lapse: no booking";
      // As if the hold ran out two minutes ago (the reconcile job gives lapsed holds a minute).
      const past = Date.now() - 2 * 60_000;
      const slotId = world.slots[booking.slot]!.id;
      await runInDurableObject(slotStub(slotId), (_instance, state) => {
        state.storage.sql.exec(
          "UPDATE holds SET expires_at = ? WHERE booking_id = ? AND status = 'HELD'",
          past,
          booking.id,
        );
      });
      await env.DB.prepare(
        "UPDATE bookings SET hold_expires_at = ? WHERE id = ? AND status = 'PENDING_PAYMENT'",
      )
        .bind(past, booking.id)
        .run();
      return `lapse ${booking.id}`;
    }
  }
}

// --- reading the world -------------------------------------------------------------------------

interface BookingRow {
  id: string;
  slot_id: string;
  student_id: string;
  status: string;
  amount: number;
  hold_expires_at: number;
  payment_intent_id: string | null;
  pay_intent: string | null;
  pay_status: string | null;
  amount_captured: number | null;
  refunded_amount: number | null;
  refund_pending_amount: number | null;
  refund_id: string | null;
}

async function bookingRows(world: World): Promise<BookingRow[]> {
  const slotIds = world.slots.map((slot) => slot.id);
  const marks = slotIds.map(() => "?").join(", ");
  const { results } = await env.DB.prepare(
    `SELECT b.id, b.slot_id, b.student_id, b.status, b.amount, b.hold_expires_at, b.payment_intent_id,
            p.payment_intent_id AS pay_intent, p.status AS pay_status, p.amount_captured, p.refunded_amount,
            p.refund_pending_amount, p.refund_id
       FROM bookings b LEFT JOIN payments p ON p.booking_id = b.id
      WHERE b.slot_id IN (${marks}) ORDER BY b.created_at, b.id`,
  )
    .bind(...slotIds)
    .all<BookingRow>();
  return results;
}

interface SlotObjectView {
  holds: { booking_id: string; student_id: string; status: string; expires_at: number }[];
  outbox: { kind: string; booking_id: string; attempts: number; last_error: string | null }[];
}

async function slotObjectView(slotId: string): Promise<SlotObjectView> {
  return runInDurableObject(slotStub(slotId), (_instance, state) => ({
    holds: state.storage.sql
      .exec<{ booking_id: string; student_id: string; status: string; expires_at: number }>(
        "SELECT booking_id, student_id, status, expires_at FROM holds",
      )
      .toArray(),
    outbox: state.storage.sql
      .exec<{ kind: string; booking_id: string; attempts: number; last_error: string | null }>(
        "SELECT kind, booking_id, attempts, last_error FROM outbox",
      )
      .toArray(),
  }));
}

const refundsOf = (intentId: string): Refund[] =>
  [...standin.store.refunds.values()].filter((refund) => refund.payment_intent === intentId);
const sumOf = (refunds: Refund[], status: Refund["status"]) =>
  refunds.filter((r) => r.status === status).reduce((total, r) => total + r.amount, 0);

/** Everything that can still move; equal twice in a row means the world is at rest. */
async function fingerprint(world: World): Promise<string> {
  const rows = await bookingRows(world);
  const objects = await Promise.all(world.slots.map((slot) => slotObjectView(slot.id)));
  const intents = [...standin.store.paymentIntents.values()].map((pi) => [
    pi.id,
    pi.status,
    pi.amount_received,
  ]);
  const refunds = [...standin.store.refunds.values()].map((r) => [r.id, r.status]);
  return JSON.stringify({
    rows: rows.map((r) => [r.id, r.status, r.pay_status, r.amount_captured, r.refunded_amount]),
    holds: objects.map((o) => o.holds.map((h) => [h.booking_id, h.status])),
    outbox: objects.map((o) => o.outbox.length),
    intents,
    refunds,
    events: standin.store.events.length,
    inbox: inbox.length,
  });
}

async function quiesce(world: World): Promise<void> {
  let previous = "";
  for (let round = 0; round < MAX_QUIESCENCE_ROUNDS; round++) {
    await deliverEverything(world);
    await drainSlots(world);
    await backdate(world);
    await runCron(world);
    await deliverEverything(world);
    await drainSlots(world);
    const current = await fingerprint(world);
    if (current === previous) return;
    previous = current;
  }
  violation(world, `the world did not come to rest within ${MAX_QUIESCENCE_ROUNDS} rounds`);
}

// --- invariants --------------------------------------------------------------------------------

/** What the payment status must be, from Stripe's state alone (and whether the seat is kept). */
function expectedPaymentStatus(intent: PaymentIntent, refunds: Refund[], confirmed: boolean): string {
  const captured = intent.amount_received;
  if (captured <= 0) {
    if (intent.status === "canceled") return "CANCELED";
    if (intent.status === "requires_capture") return "AUTHORIZED";
    return "REQUIRES_PAYMENT";
  }
  const succeeded = sumOf(refunds, "succeeded");
  if (sumOf(refunds, "pending") > 0) return "REFUND_PENDING";
  if (refunds.at(-1)?.status === "failed") return "REFUND_FAILED";
  if (succeeded >= captured) return "REFUNDED";
  if (!confirmed) return "REFUND_PENDING";
  return succeeded > 0 ? "PARTIALLY_REFUNDED" : "SUCCEEDED";
}

/** Cheap checks after every step: never oversold, one active booking per student and slot, hold cap. */
async function checkSeats(world: World): Promise<void> {
  const now = Date.now();
  const rows = await bookingRows(world);
  for (const [index, slot] of world.slots.entries()) {
    const mine = rows.filter((r) => r.slot_id === slot.id);
    const confirmed = mine.filter((r) => r.status === "CONFIRMED").length;
    if (confirmed > slot.capacity) violation(world, `slot${index} oversold: ${confirmed} > ${slot.capacity}`);
    const active = mine.filter((r) => r.status === "CONFIRMED" || r.status === "PENDING_PAYMENT");
    const students = new Set(active.map((r) => r.student_id));
    if (students.size !== active.length)
      violation(world, `slot${index}: a student holds two active bookings`);
  }
  for (const student of world.students) {
    const { results } = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM bookings WHERE student_id = ? AND status = 'PENDING_PAYMENT' AND hold_expires_at > ?",
    )
      .bind(student.id, now)
      .all<{ n: number }>();
    if ((results[0]?.n ?? 0) > 3) violation(world, `student ${student.id} has more than 3 unpaid holds`);
  }
}

async function checkQuiescent(world: World): Promise<number> {
  const problems: string[] = [];
  const now = Date.now();
  const rows = await bookingRows(world);
  const tracked = new Map(world.bookings.map((b) => [b.id, b]));

  for (const row of rows) {
    if (!tracked.has(row.id))
      problems.push(`${row.id}: in D1 (${row.status}) but no request answered 201 for it`);
  }
  for (const booking of world.bookings) {
    if (!rows.some((row) => row.id === booking.id))
      problems.push(`${booking.id}: answered 201 but gone from D1`);
  }

  // Ledger rows of this world's intents.
  const intentIds = rows.map((r) => r.pay_intent).filter((id): id is string => !!id);
  const ledger =
    intentIds.length === 0
      ? []
      : (
          await env.DB.prepare(
            `SELECT kind, payment_intent_id, stripe_object_id, amount FROM money_ledger
              WHERE payment_intent_id IN (${intentIds.map(() => "?").join(", ")})`,
          )
            .bind(...intentIds)
            .all<{ kind: string; payment_intent_id: string; stripe_object_id: string; amount: number }>()
        ).results;

  const refundRows =
    intentIds.length === 0
      ? []
      : (
          await env.DB.prepare(
            `SELECT id, payment_intent_id, amount, status FROM refunds
              WHERE payment_intent_id IN (${intentIds.map(() => "?").join(", ")})`,
          )
            .bind(...intentIds)
            .all<{ id: string; payment_intent_id: string; amount: number; status: string }>()
        ).results;

  const objects = new Map<string, SlotObjectView>();
  for (const slot of world.slots) objects.set(slot.id, await slotObjectView(slot.id));

  for (const row of rows) {
    seen(`${row.status}/${row.pay_status}`);
    const tag = `${row.id} (${row.status}/${row.pay_status})`;
    const booking = tracked.get(row.id);
    if (!booking) continue;
    const intent = standin.store.paymentIntents.get(booking.intentId);
    if (!intent) {
      problems.push(`${tag}: intent ${booking.intentId} unknown to Stripe`);
      continue;
    }
    if (row.pay_intent !== booking.intentId || row.pay_status === null) {
      problems.push(`${tag}: payment row missing or names another intent (${row.pay_intent})`);
      continue;
    }
    const refunds = refundsOf(intent.id);
    const captured = intent.amount_received;
    const succeeded = sumOf(refunds, "succeeded");
    const pending = sumOf(refunds, "pending");
    const failed = sumOf(refunds, "failed");
    const confirmed = row.status === "CONFIRMED";
    const dropped = world.dropped.get(intent.id) ?? new Set<string>();
    const recorded = refundRows.filter((r) => r.payment_intent_id === intent.id);

    // Known gap B: a refund made in the Stripe dashboard whose webhooks were all lost is never
    // recorded (the reconcile job skips rows that look settled). Unless strict, D1 is judged
    // against the refunds it has seen.
    let known = refunds;
    const unseen = refunds.filter((r) => !recorded.some((d) => d.id === r.id));
    if (
      !STRICT &&
      unseen.length > 0 &&
      dropped.size > 0 &&
      unseen.every((r) => world.dashboardRefunds.has(r.id))
    ) {
      known = refunds.filter((r) => !unseen.includes(r));
      tolerated("dashboard refund whose webhooks were lost");
    }
    // Known gap A: paid (authorized) in time, the authorization webhook lost, the hold still valid:
    // nothing looks unsettled to the reconcile job until the hold lapses.
    const lostAuthorization =
      !STRICT &&
      row.status === "PENDING_PAYMENT" &&
      row.hold_expires_at > now &&
      intent.status === "requires_capture" &&
      row.pay_status === "REQUIRES_PAYMENT" &&
      dropped.has("payment_intent.amount_capturable_updated");
    if (lostAuthorization) tolerated("authorization whose webhook was lost, hold still valid");
    const lost = dropped.size > 0 ? ` [lost webhooks of this intent: ${[...dropped].join(", ")}]` : "";

    // 1. D1 agrees with Stripe.
    const knownSucceeded = sumOf(known, "succeeded");
    const knownPending = sumOf(known, "pending");
    if (row.amount_captured !== captured)
      problems.push(`${tag}: amount_captured ${row.amount_captured} ≠ Stripe amount_received ${captured}`);
    if (row.refunded_amount !== knownSucceeded)
      problems.push(
        `${tag}: refunded_amount ${row.refunded_amount} ≠ Σ succeeded refunds ${knownSucceeded}${lost}`,
      );
    if (row.refund_pending_amount !== knownPending)
      problems.push(
        `${tag}: refund_pending_amount ${row.refund_pending_amount} ≠ Σ pending refunds ${knownPending}`,
      );
    const expected = expectedPaymentStatus(intent, known, confirmed);
    if (row.pay_status !== expected && !lostAuthorization)
      problems.push(
        `${tag}: payment status ${row.pay_status}, Stripe says ${expected} (intent ${intent.status}, captured ${captured}, refunds ${JSON.stringify(refunds.map((r) => [r.amount, r.status]))})${lost}`,
      );
    if ((row.pay_status === "REFUNDED") !== (captured > 0 && knownSucceeded === captured))
      problems.push(
        `${tag}: REFUNDED iff refunded == captured > 0 (captured ${captured}, refunded ${knownSucceeded})`,
      );
    if ((row.pay_status === "REFUND_FAILED") !== (captured > 0 && known.at(-1)?.status === "failed"))
      problems.push(`${tag}: REFUND_FAILED iff the newest refund failed`);
    if (row.pay_status === "REFUND_PENDING" && knownPending === 0)
      problems.push(
        `${tag}: REFUND_PENDING at rest with no refund pending at Stripe (money owed, not refunded)`,
      );
    if (intent.status === "canceled" && captured === 0 && row.pay_status !== "CANCELED")
      problems.push(`${tag}: intent canceled with nothing captured, but payment ${row.pay_status}`);
    const newest = known.at(-1);
    if (newest && row.refund_id !== newest.id)
      problems.push(`${tag}: refund_id ${row.refund_id}, the newest refund is ${newest.id}`);
    for (const refund of known) {
      const mine = recorded.find((d) => d.id === refund.id);
      if (!mine || mine.status !== refund.status || mine.amount !== refund.amount)
        problems.push(
          `${tag}: refunds row ${refund.id} ${mine ? `${mine.amount} ${mine.status}` : "missing"}, Stripe ${refund.amount} ${refund.status}`,
        );
    }
    for (const row2 of recorded) {
      if (!refunds.some((r) => r.id === row2.id))
        problems.push(`${tag}: refunds row ${row2.id} unknown to Stripe`);
    }
    const view = await call("GET", `/api/bookings/${row.id}`, {
      token: world.students[booking.student]!.token,
    });
    if (view.status !== 200) problems.push(`${tag}: GET /api/bookings answered ${view.status}`);
    else {
      if (view.body.paymentStatus !== row.pay_status || view.body.amountRefunded !== row.refunded_amount)
        problems.push(
          `${tag}: API shows ${view.body.paymentStatus}/${view.body.amountRefunded}, D1 ${row.pay_status}/${row.refunded_amount}`,
        );
      if (view.body.status !== row.status) problems.push(`${tag}: API status ${view.body.status}`);
    }

    // 2. Money and seats agree.
    if (confirmed && captured !== row.amount)
      problems.push(`${tag}: CONFIRMED but captured ${captured} ≠ amount ${row.amount}`);
    if (!confirmed) {
      const gap = captured - succeeded - pending;
      if (row.pay_status === "REFUND_FAILED") {
        if (gap <= 0 || gap > failed)
          problems.push(`${tag}: REFUND_FAILED outstanding ${gap} not within the failed refunds (${failed})`);
      } else if (gap !== 0) {
        problems.push(
          `${tag}: not CONFIRMED yet keeps ${gap} of ${captured} captured (refunded ${succeeded})`,
        );
      }
    }

    // 3. Nothing charged without a lesson: no stuck authorization on a dead booking.
    if (intent.status === "requires_capture" && row.status !== "PENDING_PAYMENT")
      problems.push(`${tag}: authorization left hanging on a ${row.status} booking`);
    if (intent.status === "requires_capture" && row.status === "PENDING_PAYMENT" && !lostAuthorization)
      problems.push(`${tag}: paid in time (authorized) but never captured nor released${lost}`);

    // 5. The ledger agrees.
    const facts = ledger.filter((l) => l.payment_intent_id === intent.id);
    const capturedRows = facts.filter((l) => l.kind === "captured").reduce((t, l) => t + l.amount, 0);
    if (capturedRows !== captured) problems.push(`${tag}: ledger captured ${capturedRows} ≠ ${captured}`);
    for (const refund of known) {
      const kinds = facts.filter((l) => l.stripe_object_id === refund.id);
      const has = (kind: string) => kinds.filter((l) => l.kind === kind && l.amount === refund.amount).length;
      if (has("refund_created") !== 1) problems.push(`${tag}: ledger lacks refund_created for ${refund.id}`);
      if (refund.status === "succeeded" && has("refund_succeeded") !== 1)
        problems.push(`${tag}: ledger lacks refund_succeeded for ${refund.id}`);
      if (refund.status === "failed" && has("refund_failed") !== 1)
        problems.push(`${tag}: ledger lacks refund_failed for ${refund.id}`);
      if (refund.status !== "succeeded" && has("refund_succeeded") > 0)
        problems.push(`${tag}: ledger says ${refund.id} succeeded, Stripe says ${refund.status}`);
      if (refund.status !== "failed" && has("refund_failed") > 0)
        problems.push(`${tag}: ledger says ${refund.id} failed, Stripe says ${refund.status}`);
    }
    for (const fact of facts) {
      if (fact.kind.startsWith("refund_") && !refunds.some((r) => r.id === fact.stripe_object_id))
        problems.push(`${tag}: ledger ${fact.kind} for unknown refund ${fact.stripe_object_id}`);
    }
    const authorized = facts.some((l) => l.kind === "authorized");
    const released = facts.some((l) => l.kind === "authorization_released");
    if (released && !authorized) problems.push(`${tag}: ledger released an authorization it never recorded`);
    if (captured > 0 && !authorized) problems.push(`${tag}: ledger has a capture without an authorization`);
    if (intent.status === "canceled" && authorized && !released)
      problems.push(`${tag}: ledger lacks authorization_released for a canceled intent`);

    // The slot object and D1 agree about the seat.
    const hold = objects.get(row.slot_id)?.holds.find((h) => h.booking_id === row.id);
    const holdStatus = hold?.status ?? "none";
    const seatInObject =
      holdStatus === "CONFIRMED" ||
      holdStatus === "CAPTURING" ||
      (holdStatus === "HELD" && hold!.expires_at > now);
    const seatInD1 = confirmed || (row.status === "PENDING_PAYMENT" && row.hold_expires_at > now);
    if (seatInObject !== seatInD1 || (holdStatus === "CONFIRMED") !== confirmed)
      problems.push(`${tag}: slot object says ${holdStatus}, D1 says ${row.status}`);
  }

  // Per slot: money kept = seats kept + refunds owed but failed (or still pending).
  for (const [index, slot] of world.slots.entries()) {
    const intents = [...standin.store.paymentIntents.values()].filter((pi) => pi.metadata.slotId === slot.id);
    const kept = intents.reduce((t, pi) => t + pi.amount_received - sumOf(refundsOf(pi.id), "succeeded"), 0);
    let owed = 0;
    for (const row of rows.filter((r) => r.slot_id === slot.id)) {
      const booking = tracked.get(row.id);
      const intent = booking && standin.store.paymentIntents.get(booking.intentId);
      if (!intent) continue;
      const refunds = refundsOf(intent.id);
      const succeeded = sumOf(refunds, "succeeded");
      if (row.status === "CONFIRMED") owed += row.amount - succeeded;
      else {
        owed += sumOf(refunds, "pending");
        if (row.pay_status === "REFUND_FAILED")
          owed += Math.min(
            sumOf(refunds, "failed"),
            intent.amount_received - succeeded - sumOf(refunds, "pending"),
          );
      }
    }
    if (kept !== owed)
      problems.push(`slot${index}: Stripe keeps ${kept}, seats and failed refunds account for ${owed}`);

    // 3. Nothing charged after the lesson.
    const ending = world.endings.get(index);
    if (ending) seen(`session ${ending.kind}`);
    const mine = rows.filter((r) => r.slot_id === slot.id);
    if (ending) {
      for (const row of mine.filter((r) => r.status === "CONFIRMED")) {
        if (ending.kind === "CANCELLED" || !ending.confirmed.has(row.id))
          problems.push(`slot${index}: ${row.id} CONFIRMED after its session was ${ending.kind}`);
      }
      const ids = new Set(intents.map((pi) => pi.id));
      const late = standin.store.events
        .slice(ending.eventIndex)
        .filter((e) => e.type === "charge.captured")
        .filter((e) => ids.has((e.data.object as { payment_intent: string }).payment_intent));
      if (late.length > 0)
        problems.push(`slot${index}: ${late.length} capture(s) after the session was ${ending.kind}`);
    }
    const session = await sessionOf(slot.id);
    if (session && (session.status === "COMPLETED" || session.status === "CANCELLED") && !ending)
      problems.push(`slot${index}: session ${session.status} without the test ending it`);

    // 4. Never oversold, and the counts agree.
    const confirmed = mine.filter((r) => r.status === "CONFIRMED").length;
    if (confirmed > slot.capacity)
      problems.push(`slot${index}: ${confirmed} confirmed > capacity ${slot.capacity}`);
    const active = mine.filter((r) => r.status === "CONFIRMED" || r.status === "PENDING_PAYMENT").length;
    const seats = await env.DB.prepare("SELECT seats_taken FROM slots WHERE id = ?")
      .bind(slot.id)
      .first<{ seats_taken: number }>();
    if (seats?.seats_taken !== active)
      problems.push(`slot${index}: seats_taken ${seats?.seats_taken} ≠ ${active} active`);
    const outbox = objects.get(slot.id)?.outbox ?? [];
    if (outbox.length > 0)
      problems.push(`slot${index}: effects still queued at rest: ${JSON.stringify(outbox)}`);
  }

  if (problems.length > 0) violation(world, `invariants broken at rest:\n  ${problems.join("\n  ")}`);
  return rows.length;
}

// ---------------------------------------------------------------------------------------------

async function runScenario(scenario: Scenario): Promise<void> {
  standin = freshStandin();
  inbox.length = 0;
  const world = await createWorld(scenario);
  try {
    for (const cmd of scenario.cmds) {
      const line = await runCommand(world, cmd);
      world.trace.push(line);
      totals.steps += 1;
      await checkSeats(world);
    }
    world.trace.push("--- quiescence ---");
    await quiesce(world);
    totals.bookings += await checkQuiescent(world);
    totals.sequences += 1;
  } catch (error) {
    if (!firstFailureReported) {
      firstFailureReported = true;
      console.error(
        `money model: first failure (seed ${SEED}); reproduce with VITE_MONEY_MODEL_SEED=${SEED}\n${
          error instanceof Error ? error.message : String(error)
        }`,
      );
    }
    throw error;
  }
}

it("money model: Stripe, D1, the ledger and the seats agree after any sequence", {
  timeout: TIME_LIMIT_MS + 120_000,
}, async () => {
  installSpies();
  console.log(`money model: seed ${SEED}, ${NUM_RUNS} random sequences after ${EXAMPLES.length} fixed ones`);
  await fc.assert(
    fc.asyncProperty(scenarioArb, (scenario) => runScenario(scenario)),
    {
      seed: SEED,
      numRuns: NUM_RUNS + EXAMPLES.length,
      examples: EXAMPLES.map((scenario) => [scenario] as [Scenario]),
      ...(REPLAY_PATH ? { path: REPLAY_PATH } : {}),
      // Shrinking replays whole worlds: stop it in time for the report (a failure stays a failure).
      interruptAfterTimeLimit: TIME_LIMIT_MS,
      markInterruptAsFailure: false,
    },
  );
  console.log(
    `money model: ${totals.sequences} sequences, ${totals.steps} steps, ${totals.bookings} bookings checked`,
  );
  console.log(
    `money model coverage: ${[...coverage.entries()]
      .sort()
      .map(([key, n]) => `${key}×${n}`)
      .join(", ")}`,
  );
  // Under a heavy machine the time limit may cut the random runs short, never the fixed ones.
  expect(totals.sequences).toBeGreaterThanOrEqual(EXAMPLES.length);
});
