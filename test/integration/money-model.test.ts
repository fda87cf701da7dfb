/**
 * Model-based money test: fast-check drives random command sequences (book, pay, decline, cancel
 * under the provider's notice-tier policy, reschedule to a cheaper or dearer slot, policy edits,
 * session start/join/end/cancel with provider no-shows, dashboard refunds, refund failures, webhook
 * delivery in any order with duplicates and losses, Stripe 5xx, hold lapses, alarms and the
 * reconcile cron, and pairs of these at once) through the real worker and the in-process Stripe
 * stand-in, then brings the world to rest and checks that D1, the slot objects, the money ledger,
 * the API and Stripe tell one story.
 *
 * The money rule checked per PaymentIntent (one intent may back a chain of rescheduled bookings;
 * its money belongs to the last one): Stripe keeps exactly what the rules let the provider keep
 * (a confirmed seat: its price; a student's cancel: price − floor(price × tier% / 100) by the
 * booking's own policy snapshot and the notice left; anything else: nothing), less refunds made
 * elsewhere, plus refunds that failed; and no refund Lectern made ever dipped into that share.
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
 * A third gap it found is closed too; its own test below replays it:
 *  C. Once any refund of an intent had failed (even one made in the dashboard), Lectern never
 *     refunded that intent again, so a refund owed later (a student's tier cancel, a cheaper
 *     reschedule, a provider cancel or no-show) was skipped without being tried. Now only a retry
 *     of the same refund decision stops at a failed refund; a new decision tries.
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
import { buildDeps } from "../../src/deps";
import worker from "../../src/index";
import { runPayouts } from "../../src/services/payouts";
import type { CancellationPolicy } from "../../src/shared/cancellation-policy";
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
/** The payout job runs with its clock this far ahead: past PAYOUT_DELAY_HOURS (48) of every lesson here. */
const PAYOUT_CLOCK_MS = 49 * 3_600_000;
/** PLATFORM_FEE_PERCENT in wrangler.toml. */
const FEE_PERCENT = 15;
/** Odd prices (15 min → 1503, 30 → 3005, 45 → 4508), so the tiers' floor() matters. */
const HOURLY_RATE = 6010;
const HOUR_MS = 3_600_000;
const STANDIN_HOST = "127.0.0.1:12111";
const CARDS = ["pm_card_visa", "pm_card_refundFail"] as const;

/**
 * The slots a world may have (a scenario takes the first 3 to 5). The first three start within
 * the hour, so the provider may start them at once (60 minutes early is allowed) and a student's
 * cancel falls in the policy's last tier; the last two start 25 h and 49 h ahead, in the middle
 * and top tiers. Three prices of 1-to-1 lessons (cheaper and dearer targets) and two group
 * slots of one price (a move that refunds nothing).
 */
const SLOT_SPECS = [
  { offsetMinutes: 20, durationMinutes: 15, sessionType: "ONE_TO_ONE", capacity: 1 },
  { offsetMinutes: 36, durationMinutes: 15, sessionType: "GROUP", capacity: 3 },
  { offsetMinutes: 52, durationMinutes: 30, sessionType: "ONE_TO_ONE", capacity: 1 },
  { offsetMinutes: 25 * 60, durationMinutes: 45, sessionType: "ONE_TO_ONE", capacity: 1 },
  { offsetMinutes: 49 * 60, durationMinutes: 15, sessionType: "GROUP", capacity: 2 },
] as const;

type PolicyName = "DEFAULT" | "TIERED" | "ODD";
const POLICIES: Record<PolicyName, CancellationPolicy> = {
  DEFAULT: { tiers: [{ minNoticeHours: 0, refundPercent: 100 }], rescheduleMinNoticeHours: 0 },
  TIERED: {
    tiers: [
      { minNoticeHours: 48, refundPercent: 100 },
      { minNoticeHours: 24, refundPercent: 50 },
      { minNoticeHours: 0, refundPercent: 0 },
    ],
    rescheduleMinNoticeHours: 0,
  },
  // Percentages that do not divide the prices, and no reschedule in the last hour.
  ODD: {
    tiers: [
      { minNoticeHours: 48, refundPercent: 100 },
      { minNoticeHours: 24, refundPercent: 33 },
      { minNoticeHours: 0, refundPercent: 10 },
    ],
    rescheduleMinNoticeHours: 1,
  },
};
const POLICY_NAMES = Object.keys(POLICIES) as PolicyName[];

/** The refund percent a cancel at `now` earns (first tier whose notice ≤ the hours left). */
function refundPercentAt(policy: CancellationPolicy, startsAt: number, now: number): number {
  const left = (startsAt - now) / HOUR_MS;
  return (policy.tiers.find((tier) => tier.minNoticeHours <= left) ?? policy.tiers.at(-1)!).refundPercent;
}
/** What the provider keeps of a cancelled booking priced `amount`. */
const keptShare = (amount: number, percent: number) => amount - Math.floor((amount * percent) / 100);
const samePolicy = (a: unknown, b: CancellationPolicy) =>
  !!a &&
  typeof a === "object" &&
  JSON.stringify((a as CancellationPolicy).tiers?.map((t) => [t.minNoticeHours, t.refundPercent])) ===
    JSON.stringify(b.tiers.map((t) => [t.minNoticeHours, t.refundPercent])) &&
  (a as CancellationPolicy).rescheduleMinNoticeHours === b.rescheduleMinNoticeHours;

// ---------------------------------------------------------------------------------------------
// Commands

type Card = (typeof CARDS)[number];
type FaultPath = "capture" | "cancel" | "refunds" | "create" | "transfers";
type Cmd =
  | { t: "book"; student: number; slot: number }
  /** Book, pay and deliver every webhook: a confirmed seat to cancel, move or teach. */
  | { t: "bookPaid"; student: number; slot: number; card: Card }
  | { t: "pay"; booking: number; card: Card }
  | { t: "decline"; booking: number }
  | { t: "cancel"; booking: number }
  /** `exact`: slot is an index into every slot (and one more: another provider's); else a same-kind slot. */
  | { t: "reschedule"; booking: number; slot: number; exact: boolean }
  | { t: "setPolicy"; policy: PolicyName }
  | { t: "start"; slot: number }
  /** The provider joins the running lesson (a lesson ended without it is a provider no-show). */
  | { t: "join"; slot: number }
  | { t: "end"; slot: number; join: boolean }
  | { t: "icancel"; slot: number }
  | { t: "dashRefund"; booking: number; amount: number | undefined }
  | { t: "settleRefunds" }
  | { t: "deliver"; mode: "some" | "all" | "dup" | "reverse"; n: number }
  | { t: "drop"; n: number }
  | { t: "fault"; path: FaultPath; when: "before" | "after" }
  /** A lesson that happens: start, the provider joins, end. */
  | { t: "teach"; slot: number }
  /** The payout job for this provider, as if 49 hours had passed (every ended lesson is due). */
  | { t: "payout" }
  /** The provider finishes Stripe onboarding (account.updated queued like any webhook). */
  | { t: "onboard" }
  | { t: "advance" }
  | { t: "lapse"; booking: number }
  /** Two commands at once (requests interleave at every await, as in production). */
  | { t: "race"; a: Cmd; b: Cmd };

const pick = fc.nat({ max: 23 });
const bookArb = fc.record({ t: fc.constant("book" as const), student: pick, slot: pick });
const bookPaidArb = fc.record({
  t: fc.constant("bookPaid" as const),
  student: pick,
  slot: pick,
  card: fc.constantFrom(...CARDS),
});
const payArb = fc.record({ t: fc.constant("pay" as const), booking: pick, card: fc.constantFrom(...CARDS) });
const cancelArb = fc.record({ t: fc.constant("cancel" as const), booking: pick });
const rescheduleArb = fc.record({
  t: fc.constant("reschedule" as const),
  booking: pick,
  slot: pick,
  exact: fc.nat({ max: 3 }).map((n) => n === 0),
});
const joinArb = fc.record({ t: fc.constant("join" as const), slot: pick });
// Half the lessons are ended by a provider who joined first; the others are provider no-shows.
const endArb = fc.record({ t: fc.constant("end" as const), slot: pick, join: fc.boolean() });
const icancelArb = fc.record({ t: fc.constant("icancel" as const), slot: pick });
const dashRefundArb = fc.record({
  t: fc.constant("dashRefund" as const),
  booking: pick,
  // undefined: "refund the rest" from the dashboard
  amount: fc.option(fc.integer({ min: 50, max: 400 }), { nil: undefined, freq: 4 }),
});
const deliverAllArb = fc.constant({ t: "deliver" as const, mode: "all" as const, n: 0 });
const advanceArb = fc.constant({ t: "advance" as const });
const payoutArb = fc.constant({ t: "payout" as const });
const raceable: fc.Arbitrary<Cmd> = fc.oneof(
  bookArb,
  payArb,
  cancelArb,
  rescheduleArb,
  joinArb,
  endArb,
  icancelArb,
  dashRefundArb,
  deliverAllArb,
  advanceArb,
  payoutArb,
);

const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 6, arbitrary: bookArb },
  { weight: 4, arbitrary: bookPaidArb },
  { weight: 5, arbitrary: payArb },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("decline" as const), booking: pick }) },
  { weight: 3, arbitrary: cancelArb },
  { weight: 3, arbitrary: rescheduleArb },
  {
    weight: 1,
    arbitrary: fc.record({ t: fc.constant("setPolicy" as const), policy: fc.constantFrom(...POLICY_NAMES) }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("start" as const), slot: pick }) },
  { weight: 1, arbitrary: joinArb },
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
      path: fc.constantFrom<FaultPath>("capture", "cancel", "refunds", "create", "transfers"),
      when: fc.constantFrom("before" as const, "after" as const),
    }),
  },
  { weight: 2, arbitrary: advanceArb },
  { weight: 3, arbitrary: payoutArb },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("teach" as const), slot: pick }) },
  { weight: 1, arbitrary: fc.constant({ t: "onboard" as const }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("lapse" as const), booking: pick }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("race" as const), a: raceable, b: raceable }) },
);

const scenarioArb = fc.record({
  // Most providers have finished Stripe onboarding before they teach; some finish later (or never).
  onboarded: fc.nat({ max: 3 }).map((n) => n !== 0),
  slots: fc.integer({ min: 3, max: 5 }),
  students: fc.integer({ min: 3, max: 4 }),
  policy: fc.constantFrom(...POLICY_NAMES),
  cmds: fc.array(cmdArb, { minLength: 8, maxLength: 25 }),
});
type Scenario = {
  slots: number;
  students: number;
  policy: PolicyName;
  cmds: Cmd[];
  /** Payouts can go from the start (default true). */
  onboarded?: boolean;
};

const book = (student: number, slot: number): Cmd => ({ t: "book", student, slot });
const pay = (booking: number, card: Card = "pm_card_visa"): Cmd => ({ t: "pay", booking, card });
const cancel = (booking: number): Cmd => ({ t: "cancel", booking });
const reschedule = (booking: number, slot: number): Cmd => ({ t: "reschedule", booking, slot, exact: true });
const deliverAll: Cmd = { t: "deliver", mode: "all", n: 0 };
const advance: Cmd = { t: "advance" };
/**
 * Sequences that always run first (fast-check `examples`): the paths that matter most, and the
 * known gaps, so that VITE_MONEY_MODEL_STRICT=1 shows them on every run. Booking picks are
 * indices into the commands' candidates (see bookingFor): 1 and 2 mean "among the fitting ones".
 * Slots: 0 (1-to-1, 1503, in 20 min), 1 (group, 1503), 2 (1-to-1, 3005), 3 (1-to-1, 4508, in
 * 25 h), 4 (group, 1503, in 49 h).
 */
const EXAMPLES: Scenario[] = [
  // A lesson that happened is paid out (captured − 15 %); dashboard refunds after the transfer
  // take back the provider's share: 300 of 1503, then the rest (all of it).
  {
    slots: 2,
    students: 3,
    policy: "DEFAULT",
    cmds: [
      book(0, 0),
      pay(1),
      deliverAll,
      { t: "start", slot: 0 },
      { t: "end", slot: 0, join: true },
      deliverAll,
      { t: "payout" },
      { t: "dashRefund", booking: 1, amount: 300 },
      deliverAll,
      { t: "payout" },
      { t: "dashRefund", booking: 1, amount: undefined },
      deliverAll,
    ],
  },
  // Onboarding finishes after the lessons are due; the first transfer's answer is lost.
  {
    slots: 2,
    students: 3,
    policy: "DEFAULT",
    onboarded: false,
    cmds: [
      book(0, 1),
      book(1, 1),
      pay(1),
      pay(2),
      deliverAll,
      { t: "start", slot: 1 },
      { t: "end", slot: 1, join: true },
      { t: "payout" },
      { t: "onboard" },
      deliverAll,
      { t: "fault", path: "transfers", when: "after" },
      { t: "payout" },
      { t: "race", a: { t: "payout" }, b: { t: "dashRefund", booking: 2, amount: 500 } },
      deliverAll,
    ],
  },
  // Refund fails later at Stripe: REFUND_FAILED, the student and money accounted for.
  {
    slots: 2,
    students: 3,
    policy: "DEFAULT",
    cmds: [
      book(0, 1),
      pay(1, "pm_card_refundFail"),
      deliverAll,
      cancel(1),
      { t: "settleRefunds" },
      deliverAll,
    ],
  },
  // Dashboard partial refund, then the student cancels: the remainder is refunded (same second).
  {
    slots: 2,
    students: 3,
    policy: "DEFAULT",
    cmds: [
      book(0, 1),
      pay(1),
      deliverAll,
      { t: "dashRefund", booking: 1, amount: 200 },
      cancel(1),
      deliverAll,
    ],
  },
  // The instructor cancels while a capture is failing at Stripe: released, never charged.
  {
    slots: 2,
    students: 3,
    policy: "DEFAULT",
    cmds: [
      book(0, 1),
      book(1, 1),
      pay(2),
      deliverAll,
      { t: "fault", path: "capture", when: "before" },
      pay(1),
      deliverAll,
      { t: "icancel", slot: 1 },
      advance,
    ],
  },
  // The lesson ends while a hold's release fails at Stripe; the student then pays: never captured.
  {
    slots: 2,
    students: 3,
    policy: "DEFAULT",
    cmds: [
      book(0, 1),
      pay(1),
      deliverAll,
      book(1, 1),
      { t: "start", slot: 1 },
      { t: "fault", path: "cancel", when: "before" },
      { t: "end", slot: 1, join: true },
      pay(1),
      deliverAll,
    ],
  },
  // Capture answered 500 after it landed; the student cancels meanwhile (refused while capturing).
  {
    slots: 2,
    students: 3,
    policy: "DEFAULT",
    cmds: [
      book(0, 0),
      { t: "fault", path: "capture", when: "after" },
      pay(1),
      deliverAll,
      cancel(1),
      advance,
    ],
  },
  // Known gap A: the authorization webhook is lost while the hold is valid.
  { slots: 2, students: 3, policy: "DEFAULT", cmds: [book(0, 0), pay(1), { t: "drop", n: 3 }] },
  // Known gap B: a full refund from the dashboard whose webhooks are lost (the seat stays CONFIRMED).
  {
    slots: 2,
    students: 3,
    policy: "DEFAULT",
    cmds: [
      book(0, 0),
      pay(1),
      deliverAll,
      { t: "dashRefund", booking: 1, amount: undefined },
      { t: "drop", n: 2 },
    ],
  },
  // 50 % tier 25 h ahead after a dashboard refund of 200: 4308 − 2254 kept = 2054 refunded; the
  // reconcile job must leave the kept 2254 alone.
  {
    slots: 4,
    students: 3,
    policy: "TIERED",
    cmds: [
      book(0, 3),
      pay(1),
      deliverAll,
      { t: "dashRefund", booking: 1, amount: 200 },
      cancel(1),
      advance,
      deliverAll,
      advance,
    ],
  },
  // 10 % tier (floor: 150 of 1503); the refund lands but Stripe answers 500: retried, never doubled.
  {
    slots: 3,
    students: 3,
    policy: "ODD",
    cmds: [
      book(0, 0),
      pay(1),
      deliverAll,
      { t: "fault", path: "refunds", when: "after" },
      cancel(1),
      advance,
    ],
  },
  // A cheaper reschedule (3005 → 1503) refunds 1502 once; the moved booking is then cancelled in
  // the 0 % tier (the provider keeps all 1503), and a move back up is refused (dearer).
  {
    slots: 3,
    students: 3,
    policy: "TIERED",
    cmds: [book(0, 2), pay(1), deliverAll, reschedule(1, 0), reschedule(1, 2), advance, cancel(1), advance],
  },
  // The difference refund of a reschedule (4508 → 1503) fails at Stripe: retried from the alarm,
  // refunded exactly once; the policy is edited meanwhile (the booking keeps its snapshot).
  {
    slots: 4,
    students: 3,
    policy: "ODD",
    cmds: [
      book(0, 3),
      pay(1),
      deliverAll,
      { t: "fault", path: "refunds", when: "before" },
      reschedule(1, 0),
      { t: "setPolicy", policy: "DEFAULT" },
      book(1, 3),
      deliverAll,
      advance,
      cancel(2),
      advance,
    ],
  },
  // Provider no-show on slot 0 (never joined: everyone refunded in full), a kept lesson on slot 1.
  {
    slots: 3,
    students: 3,
    policy: "TIERED",
    cmds: [
      book(0, 0),
      book(1, 1),
      pay(1),
      pay(2),
      deliverAll,
      { t: "start", slot: 0 },
      { t: "start", slot: 1 },
      { t: "end", slot: 0, join: false },
      { t: "end", slot: 1, join: true },
      advance,
    ],
  },
  // A reschedule into a group slot while its provider cancels that lesson.
  {
    slots: 5,
    students: 3,
    policy: "DEFAULT",
    cmds: [
      book(0, 4),
      book(1, 1),
      pay(1),
      pay(2),
      deliverAll,
      { t: "race", a: reschedule(2, 1), b: { t: "icancel", slot: 2 } },
      advance,
    ],
  },
];

/**
 * Known gap C: a dashboard refund of 89 fails, then the student cancels 25 h ahead (50 % tier):
 * Lectern owes 2254 of the 4508 (nothing was refunded) but never tries to refund it.
 */
const GAP_C: Scenario = {
  slots: 4,
  students: 3,
  policy: "TIERED",
  cmds: [
    { t: "bookPaid", student: 0, slot: 3, card: "pm_card_refundFail" },
    { t: "dashRefund", booking: 1, amount: 89 },
    { t: "settleRefunds" },
    deliverAll,
    cancel(1),
    advance,
  ],
};

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

function headersOf(init: HeadersInit | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  new Headers(init).forEach((value, name) => {
    headers[name] = value;
  });
  return headers;
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
        headers: headersOf(init?.headers),
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
  label: string;
  capacity: number;
  price: number;
  startsAt: number;
  sessionType: "ONE_TO_ONE" | "GROUP";
}

interface Tracked {
  id: string;
  intentId: string;
  slot: number;
  student: number;
  /** The booking's price: its slot's, also after a reschedule (the intent keeps the first price). */
  amount: number;
  /** The provider's policy when the first booking of the chain was made (a move keeps it). */
  policy: CancellationPolicy;
  movedFrom?: string;
  movedTo?: string;
}

interface Ending {
  kind: "COMPLETED" | "NO_SHOW" | "CANCELLED";
  /** standin.store.events.length when the end/cancel request had answered. */
  eventIndex: number;
  /** Bookings whose seat the slot object held CONFIRMED right after the session ended. */
  confirmed: Set<string>;
  /** ... and right before the end request (not raced): a no-show refunds each of them. */
  before: Set<string> | undefined;
}

class Violation extends Error {}

interface World {
  provider: TestUser;
  /** The provider's Connect account (acct_…). */
  accountId: string;
  policy: PolicyName;
  students: TestUser[];
  slots: SlotInfo[];
  bookings: Tracked[];
  endings: Map<number, Ending>;
  /** Slots whose provider joined the running lesson ("maybe": the join raced another request). */
  joined: Map<number, "yes" | "maybe">;
  /** What the provider may keep of each booking a student's cancel answered 200 for. */
  cancels: Map<string, Set<number>>;
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
/** Another provider's slot (made once per test run): a reschedule there is not allowed. */
let foreignSlot: SlotInfo | undefined;

async function createSlot(provider: TestUser, spec: (typeof SLOT_SPECS)[number], label: string) {
  const base = Math.ceil(Date.now() / 60_000) * 60_000;
  const startsAt = base + spec.offsetMinutes * 60_000;
  const res = await call("POST", "/api/slots", {
    token: provider.token,
    body: {
      startsAt: new Date(startsAt).toISOString(),
      durationMinutes: spec.durationMinutes,
      sessionType: spec.sessionType,
      ...(spec.sessionType === "GROUP" ? { maxParticipants: spec.capacity } : {}),
    },
  });
  if (res.status !== 201) throw new Error(`create slot failed: ${res.status} ${JSON.stringify(res.body)}`);
  const price = Math.round((HOURLY_RATE * spec.durationMinutes) / 60);
  if (res.body.price.amount !== price)
    throw new Error(`slot priced ${res.body.price.amount}, round(rate × minutes / 60) is ${price}`);
  return {
    id: res.body.id as string,
    label,
    capacity: spec.capacity,
    price,
    startsAt,
    sessionType: spec.sessionType,
  };
}

async function setPolicy(provider: TestUser, name: PolicyName): Promise<CallResult> {
  return call("PUT", "/api/me/provider-profile", {
    token: provider.token,
    body: { hourlyRate: HOURLY_RATE, currency: "usd", cancellationPolicy: POLICIES[name] },
  });
}

async function createWorld(scenario: Scenario): Promise<World> {
  const provider = await registerProvider(HOURLY_RATE);
  if (scenario.policy !== "DEFAULT") {
    const res = await setPolicy(provider, scenario.policy);
    if (res.status !== 200) throw new Error(`policy refused: ${res.status} ${JSON.stringify(res.body)}`);
  }
  const students = await Promise.all(
    Array.from({ length: scenario.students }, () => registerUser("student")),
  );
  const slots: SlotInfo[] = [];
  for (const [index, spec] of SLOT_SPECS.slice(0, scenario.slots).entries())
    slots.push(await createSlot(provider, spec, `slot${index}`));
  const opened = await call("POST", "/api/me/payout-account", { token: provider.token });
  if (opened.status !== 200)
    throw new Error(`payout account refused: ${opened.status} ${JSON.stringify(opened.body)}`);
  const accountId = opened.body.account.id as string;
  if (scenario.onboarded !== false) {
    standin.onboardAccount(accountId);
    await pump();
    for (const event of inbox.splice(0, inbox.length)) {
      const res = await workerFetch(
        new Request(event.url, { method: "POST", headers: event.headers, body: event.body }),
      );
      if (res.status !== 200) throw new Error(`account.updated answered ${res.status}`);
    }
  }
  return {
    provider,
    accountId,
    policy: scenario.policy,
    students,
    slots,
    bookings: [],
    endings: new Map(),
    joined: new Map(),
    cancels: new Map(),
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
  options: { allow502?: boolean; body?: unknown } = {},
): Promise<CallResult> {
  const res = await call(method, path, {
    token,
    ...(options.body === undefined ? {} : { body: options.body }),
  });
  if (res.status >= 500) {
    const documented =
      options.allow502 && res.status === 502 && res.body?.error?.code === "PAYMENT_PROVIDER_ERROR";
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
async function statusInD1(booking: Tracked): Promise<string | undefined> {
  const row = await env.DB.prepare("SELECT status FROM bookings WHERE id = ?")
    .bind(booking.id)
    .first<{ status: string }>();
  return row?.status;
}
async function active(booking: Tracked): Promise<boolean> {
  const status = await statusInD1(booking);
  return status === "PENDING_PAYMENT" || status === "CONFIRMED";
}
const confirmedInD1 = async (booking: Tracked) => (await statusInD1(booking)) === "CONFIRMED";

async function sessionOf(
  slotId: string,
): Promise<{ id: string; status: string; cancel_reason: string | null } | null> {
  return env.DB.prepare("SELECT id, status, cancel_reason FROM teaching_sessions WHERE slot_id = ?")
    .bind(slotId)
    .first<{ id: string; status: string; cancel_reason: string | null }>();
}

async function confirmedHolds(slotId: string): Promise<Set<string>> {
  const rows = await runInDurableObject(slotStub(slotId), (_instance, state) =>
    state.storage.sql
      .exec<{ booking_id: string }>("SELECT booking_id FROM holds WHERE status = 'CONFIRMED'")
      .toArray(),
  );
  return new Set(rows.map((row) => row.booking_id));
}

/** A hold keeps a seat while HELD (until it lapses), CAPTURING, CONFIRMED or MOVING in. */
const holdsSeat = (hold: HoldView, now: number) =>
  hold.status === "HELD"
    ? hold.expires_at > now
    : hold.status === "CAPTURING" || hold.status === "CONFIRMED" || hold.status === "MOVING";

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

async function advanceTime(world: World): Promise<void> {
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
  transfers: "/v1/transfers",
};

/** Mostly a slot that has a session (one booking was confirmed), sometimes any slot. */
async function slotWithSession(world: World, pickIndex: number): Promise<number> {
  const withSession: number[] = [];
  for (const [i, s] of world.slots.entries()) if (await sessionOf(s.id)) withSession.push(i);
  return pickIndex % 5 !== 0 && withSession.length > 0
    ? withSession[pickIndex % withSession.length]!
    : pickIndex % world.slots.length;
}

async function providerJoin(world: World, slotIndex: number, racing: boolean): Promise<string> {
  const session = await sessionOf(world.slots[slotIndex]!.id);
  if (!session) return `join slot${slotIndex}: no session`;
  const res = await api(world, "POST", `/api/sessions/${session.id}/join`, world.provider.token);
  if (res.status === 200) {
    // Raced, the join may answer 200 yet come after the end sealed attendance.
    const known = world.joined.get(slotIndex);
    world.joined.set(slotIndex, racing && known !== "yes" ? "maybe" : "yes");
  } else if (res.status !== 409) {
    violation(world, `provider join answered ${res.status} ${JSON.stringify(res.body)}`);
  }
  return `join slot${slotIndex} → ${code(res)}`;
}

const RESCHEDULE_REFUSALS = new Set([
  "SLOT_FULL",
  "ALREADY_BOOKED",
  "SLOT_NOT_BOOKABLE",
  "RESCHEDULE_TOO_LATE",
  "RESCHEDULE_NOT_ALLOWED",
  "RESCHEDULE_PRICE_HIGHER",
  "BOOKING_NOT_ACTIVE",
]);

function rescheduleTarget(world: World, booking: Tracked, cmd: { slot: number; exact: boolean }): SlotInfo {
  const n = world.slots.length;
  if (cmd.exact) {
    const index = cmd.slot % (n + 1);
    return index === n && foreignSlot ? foreignSlot : world.slots[index % n]!;
  }
  // Mostly a move that can go through: same kind, not dearer (exact picks try the rest).
  const source = world.slots[booking.slot]!;
  const sameKind = world.slots.filter((s, i) => i !== booking.slot && s.sessionType === source.sessionType);
  const affordable = sameKind.filter((s) => s.price <= booking.amount);
  const choice = affordable.length > 0 ? affordable : sameKind.length > 0 ? sameKind : world.slots;
  return choice[cmd.slot % choice.length]!;
}

/**
 * What a reschedule must answer, decided from D1, the slot objects and the model before the
 * request (not raced): "200" when nothing stands in the way, otherwise one of the 409 codes that
 * apply (API.md fixes no order among them).
 */
async function expectedReschedule(
  world: World,
  booking: Tracked,
  target: SlotInfo,
): Promise<{ answers: Set<string>; why: string }> {
  const now = Date.now();
  const source = world.slots[booking.slot]!;
  const row = await env.DB.prepare("SELECT status, amount, rescheduled_to FROM bookings WHERE id = ?")
    .bind(booking.id)
    .first<{ status: string; amount: number; rescheduled_to: string | null }>();
  if (row?.status === "CANCELLED" && row.rescheduled_to) {
    const moved = world.bookings.find((b) => b.id === row.rescheduled_to);
    if (moved && world.slots[moved.slot]?.id === target.id)
      return { answers: new Set(["200"]), why: "a repeat of a move that went through" };
  }
  const reasons = new Map<string, string>();
  if (row?.status !== "CONFIRMED") reasons.set("BOOKING_NOT_ACTIVE", `the booking is ${row?.status}`);
  const sourceHold = (await slotObjectView(source.id)).holds.find((h) => h.booking_id === booking.id);
  if (sourceHold?.status !== "CONFIRMED")
    reasons.set("BOOKING_NOT_ACTIVE", `its seat is ${sourceHold?.status ?? "unknown"} in the slot object`);
  if (target === foreignSlot || target.id === source.id || target.sessionType !== source.sessionType)
    reasons.set("RESCHEDULE_NOT_ALLOWED", `${source.label} → ${target.label}`);
  const targetRow = await env.DB.prepare("SELECT status FROM slots WHERE id = ?")
    .bind(target.id)
    .first<{ status: string }>();
  if (targetRow?.status !== "OPEN" || target.startsAt <= now)
    reasons.set("SLOT_NOT_BOOKABLE", `${target.label} is ${targetRow?.status}`);
  if (target.price > (row?.amount ?? 0))
    reasons.set("RESCHEDULE_PRICE_HIGHER", `${target.price} > ${row?.amount}`);
  const sourceSession = await sessionOf(source.id);
  const hoursLeft = (source.startsAt - now) / HOUR_MS;
  if (
    hoursLeft < booking.policy.rescheduleMinNoticeHours ||
    (sourceSession?.status ?? "SCHEDULED") !== "SCHEDULED"
  )
    reasons.set(
      "RESCHEDULE_TOO_LATE",
      `${hoursLeft.toFixed(2)} h left, ${booking.policy.rescheduleMinNoticeHours} h needed, session ${sourceSession?.status}`,
    );
  if (target !== foreignSlot) {
    const seated = (await slotObjectView(target.id)).holds.filter((h) => holdsSeat(h, now));
    const studentId = world.students[booking.student]!.id;
    if (seated.some((h) => h.student_id === studentId)) reasons.set("ALREADY_BOOKED", "a seat there already");
    if (seated.length >= target.capacity)
      reasons.set("SLOT_FULL", `${seated.length} of ${target.capacity} taken`);
  }
  if (reasons.size === 0) return { answers: new Set(["200"]), why: "nothing stands in the way" };
  return {
    answers: new Set(reasons.keys()),
    why: [...reasons].map(([c, why]) => `${c}: ${why}`).join("; "),
  };
}

async function runReschedule(
  world: World,
  cmd: Extract<Cmd, { t: "reschedule" }>,
  racing: boolean,
): Promise<string> {
  const booking = await bookingFor(world, cmd.booking, confirmedInD1);
  if (!booking) return "reschedule: no booking";
  const target = rescheduleTarget(world, booking, cmd);
  const expected = racing ? undefined : await expectedReschedule(world, booking, target);
  const token = world.students[booking.student]!.token;
  const res = await api(world, "POST", `/api/bookings/${booking.id}/reschedule`, token, {
    body: { slotId: target.id },
  });
  const answer = res.status === 200 ? "200" : String(res.body?.error?.code);
  const line = `reschedule ${booking.id} ${world.slots[booking.slot]!.label} → ${target.label} → ${code(res)}`;
  seen(`reschedule ${answer}`);
  if (res.status !== 200 && !(res.status === 409 && RESCHEDULE_REFUSALS.has(answer)))
    violation(world, `${line}: not a documented answer ${JSON.stringify(res.body)}`);
  if (expected && !expected.answers.has(answer))
    violation(world, `${line}, expected ${[...expected.answers].join(" or ")} (${expected.why})`);
  if (res.status !== 200) return line;

  const moved = res.body.booking;
  const problems: string[] = [];
  if (moved.paymentIntentId !== booking.intentId)
    problems.push(`paymentIntentId ${moved.paymentIntentId}, the booking's is ${booking.intentId}`);
  if (moved.amount !== target.price)
    problems.push(`amount ${moved.amount}, ${target.label} costs ${target.price}`);
  if (moved.rescheduledFrom !== booking.id) problems.push(`rescheduledFrom ${moved.rescheduledFrom}`);
  if (moved.slotId !== target.id) problems.push(`slotId ${moved.slotId}`);
  if (!samePolicy(moved.cancellationPolicy, booking.policy))
    problems.push(`policy ${JSON.stringify(moved.cancellationPolicy)}, the booking's snapshot is another`);
  if (!racing && moved.status !== "CONFIRMED") problems.push(`status ${moved.status}`);
  const again = world.bookings.find((b) => b.id === moved.id);
  if (again) {
    if (booking.movedTo !== moved.id) problems.push(`answered with ${moved.id}, which is not where it moved`);
  } else {
    if (booking.movedTo) problems.push(`moved a second time, to ${moved.id} (first to ${booking.movedTo})`);
    booking.movedTo = moved.id;
    world.bookings.push({
      id: moved.id,
      intentId: booking.intentId,
      slot: world.slots.indexOf(target),
      student: booking.student,
      amount: target.price,
      policy: booking.policy,
      movedFrom: booking.id,
    });
  }
  if (!racing) {
    // Both seats changed at once: the old booking gave up its seat and its payment row.
    const old = await env.DB.prepare(
      `SELECT b.status, b.cancelled_by, b.rescheduled_to, p.booking_id AS pay_booking
         FROM bookings b LEFT JOIN payments p ON p.payment_intent_id = b.payment_intent_id WHERE b.id = ?`,
    )
      .bind(booking.id)
      .first<{
        status: string;
        cancelled_by: string | null;
        rescheduled_to: string | null;
        pay_booking: string;
      }>();
    if (old?.status !== "CANCELLED" || old.cancelled_by !== "RESCHEDULE" || old.rescheduled_to !== moved.id)
      problems.push(`the old booking is ${old?.status}/${old?.cancelled_by} → ${old?.rescheduled_to}`);
    if (old?.pay_booking !== moved.id) problems.push(`the payments row is on ${old?.pay_booking}`);
  }
  if (problems.length > 0) violation(world, `${line}: ${problems.join("; ")}`);
  return `${line} #${world.bookings.findIndex((b) => b.id === moved.id)} ${moved.id}`;
}

async function runCancel(world: World, cmd: Extract<Cmd, { t: "cancel" }>, racing: boolean): Promise<string> {
  const booking = await bookingFor(world, cmd.booking, active);
  if (!booking) return "cancel: no booking";
  const slot = world.slots[booking.slot]!;
  const token = world.students[booking.student]!.token;
  const hold = (await slotObjectView(slot.id)).holds.find((h) => h.booking_id === booking.id);
  const before = Date.now();
  const percent = refundPercentAt(booking.policy, slot.startsAt, before);
  let preview = "";
  if (!racing) {
    // Not raced, the outcome is known: a confirmed seat before the lesson is cancelled by its tier.
    const d1 = await statusInD1(booking);
    const session = await sessionOf(slot.id);
    const cancellable =
      d1 === "CONFIRMED" &&
      hold?.status === "CONFIRMED" &&
      session?.status === "SCHEDULED" &&
      before < slot.startsAt;
    if (cancellable) {
      const res = await api(world, "GET", `/api/bookings/${booking.id}/cancel-preview`, token);
      const pay = await env.DB.prepare(
        "SELECT amount_captured, refunded_amount, refund_pending_amount FROM payments WHERE booking_id = ?",
      )
        .bind(booking.id)
        .first<{ amount_captured: number; refunded_amount: number; refund_pending_amount: number }>();
      const left = Math.max(
        0,
        (pay?.amount_captured ?? 0) - (pay?.refunded_amount ?? 0) - (pay?.refund_pending_amount ?? 0),
      );
      const refund = Math.min(booking.amount - keptShare(booking.amount, percent), left);
      if (res.status !== 200 || res.body.refundPercent !== percent || res.body.refundAmount !== refund)
        violation(
          world,
          `cancel-preview of ${booking.id} answered ${code(res)} ${JSON.stringify(res.body)}, expected ${refund} at ${percent} %`,
        );
      preview = ` (preview ${refund} at ${percent} %)`;
    }
    const res = await api(world, "POST", `/api/bookings/${booking.id}/cancel`, token);
    if (cancellable && res.status !== 200)
      violation(world, `cancel of confirmed ${booking.id} before its lesson answered ${code(res)}`);
    const seated =
      hold !== undefined &&
      (hold.status === "CONFIRMED" || (hold.status === "HELD" && hold.expires_at > before));
    if (res.status === 200 && !seated)
      violation(
        world,
        `cancel of ${booking.id} answered 200 while its seat was ${hold?.status ?? "unknown"}`,
      );
    if (res.status === 200)
      world.cancels.set(
        booking.id,
        new Set([hold?.status === "CONFIRMED" ? keptShare(booking.amount, percent) : 0]),
      );
    return `cancel ${booking.id} → ${code(res)}${res.status === 200 ? ` ${res.body.paymentStatus}` : ""}${preview}`;
  }
  const res = await api(world, "POST", `/api/bookings/${booking.id}/cancel`, token);
  if (res.status === 200) {
    // Raced, the seat may have been confirmed meanwhile: either share, by the tier at either instant.
    const after = refundPercentAt(booking.policy, slot.startsAt, Date.now());
    world.cancels.set(
      booking.id,
      new Set([0, keptShare(booking.amount, percent), keptShare(booking.amount, after)]),
    );
  }
  return `cancel ${booking.id} → ${code(res)}${res.status === 200 ? ` ${res.body.paymentStatus}` : ""}`;
}

async function runCommand(world: World, cmd: Cmd, racing = false): Promise<string> {
  switch (cmd.t) {
    case "book": {
      const studentIndex = cmd.student % world.students.length;
      const slotIndex = cmd.slot % world.slots.length;
      const slot = world.slots[slotIndex]!;
      const student = world.students[studentIndex]!;
      const res = await api(world, "POST", `/api/slots/${slot.id}/bookings`, student.token, {
        allow502: true,
      });
      if (res.status === 201) {
        const tracked: Tracked = {
          id: res.body.booking.id as string,
          intentId: res.body.payment.paymentIntentId as string,
          slot: slotIndex,
          student: studentIndex,
          amount: slot.price,
          policy: POLICIES[world.policy],
        };
        world.bookings.push(tracked);
        const line = `book s${studentIndex} slot${slotIndex} → 201 #${world.bookings.length - 1} ${tracked.id} ${tracked.intentId}`;
        // The policy in force now is kept with the booking (setPolicy never races a booking).
        if (!samePolicy(res.body.booking.cancellationPolicy, tracked.policy))
          violation(
            world,
            `${line}: policy ${JSON.stringify(res.body.booking.cancellationPolicy)}, ${world.policy} is in force`,
          );
        if (res.body.booking.amount !== slot.price)
          violation(world, `${line}: amount ${res.body.booking.amount}`);
        return line;
      }
      if (res.status !== 409 && res.status !== 502) {
        violation(world, `booking answered ${res.status} ${JSON.stringify(res.body)}`);
      }
      return `book s${studentIndex} slot${slotIndex} → ${code(res)}`;
    }
    case "bookPaid": {
      const line = await runCommand(world, { t: "book", student: cmd.student, slot: cmd.slot }, racing);
      if (!line.includes("→ 201")) return line;
      const booking = world.bookings.at(-1)!;
      const res = await confirmIntent(booking.intentId, cmd.card);
      return `${line}; pay ${cmd.card} → ${res.status}; deliver all → ${await deliverEverything(world)}`;
    }
    case "pay":
    case "decline": {
      const booking = await bookingFor(world, cmd.booking, unpaid);
      if (!booking) return `${cmd.t}: no booking`;
      const card = cmd.t === "pay" ? cmd.card : "pm_card_chargeDeclined";
      const res = await confirmIntent(booking.intentId, card);
      return `${cmd.t} ${booking.id} ${card} → ${res.status}`;
    }
    case "cancel":
      return runCancel(world, cmd, racing);
    case "reschedule":
      return runReschedule(world, cmd, racing);
    case "setPolicy": {
      const res = await setPolicy(world.provider, cmd.policy);
      if (res.status !== 200) violation(world, `policy ${cmd.policy} answered ${code(res)}`);
      world.policy = cmd.policy;
      return `policy ${cmd.policy}`;
    }
    case "join":
      return providerJoin(world, await slotWithSession(world, cmd.slot), racing);
    case "start":
    case "end":
    case "icancel": {
      const slotIndex = await slotWithSession(world, cmd.slot);
      const slot = world.slots[slotIndex]!;
      const joinLine = cmd.t === "end" && cmd.join ? `${await providerJoin(world, slotIndex, racing)}; ` : "";
      const session = await sessionOf(slot.id);
      if (!session) return `${joinLine}${cmd.t} slot${slotIndex}: no session`;
      const action = cmd.t === "icancel" ? "cancel" : cmd.t;
      const joined = world.joined.get(slotIndex);
      const before = cmd.t === "end" && !racing ? await confirmedHolds(slot.id) : undefined;
      const res = await api(world, "POST", `/api/sessions/${session.id}/${action}`, world.provider.token);
      let verdict = "";
      if (res.status === 200 && cmd.t === "end") {
        // A lesson the provider never joined is a provider no-show; raced, a join may land either side.
        const noShow = res.body.cancelReason === "PROVIDER_NO_SHOW";
        const expected = joined === "yes" ? false : joined === undefined && !racing ? true : undefined;
        if (expected !== undefined && noShow !== expected)
          violation(
            world,
            `end slot${slotIndex} answered cancelReason ${res.body.cancelReason}; the provider ${joined ? "joined" : "never joined"}`,
          );
        verdict = noShow ? " PROVIDER_NO_SHOW" : "";
        if (noShow) {
          const owed = await env.DB.prepare("SELECT COUNT(*) AS n FROM payouts WHERE slot_id = ?")
            .bind(slot.id)
            .first<{ n: number }>();
          if (owed?.n) violation(world, `slot${slotIndex}: a provider no-show left ${owed.n} payout(s) owed`);
        }
      }
      if (res.status === 200 && cmd.t !== "start" && !world.endings.has(slotIndex)) {
        world.endings.set(slotIndex, {
          kind: cmd.t === "icancel" ? "CANCELLED" : verdict ? "NO_SHOW" : "COMPLETED",
          eventIndex: standin.store.events.length,
          confirmed: await confirmedHolds(slot.id),
          before,
        });
      }
      return `${joinLine}${cmd.t} slot${slotIndex} → ${code(res)}${verdict}`;
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
      await advanceTime(world);
      return "advance";
    case "teach": {
      const started = await runCommand(world, { t: "start", slot: cmd.slot }, racing);
      return `${started}; ${await runCommand(world, { t: "end", slot: cmd.slot, join: true }, racing)}`;
    }
    case "payout": {
      const report = await runPayouts(
        buildDeps(env, () => Date.now() + PAYOUT_CLOCK_MS),
        world.provider.id,
      );
      return `payouts → ${JSON.stringify(report)}`;
    }
    case "onboard": {
      const account = standin.store.accounts.get(world.accountId);
      if (account?.payouts_enabled) return "onboard: already";
      standin.onboardAccount(world.accountId);
      return "onboard";
    }
    case "race": {
      const [a, b] = await Promise.all([runCommand(world, cmd.a, true), runCommand(world, cmd.b, true)]);
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
  cancelled_by: string | null;
  retained_amount: number;
  rescheduled_from: string | null;
  rescheduled_to: string | null;
  pay_intent: string | null;
  pay_slot: string | null;
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
            b.cancelled_by, b.retained_amount, b.rescheduled_from, b.rescheduled_to,
            p.payment_intent_id AS pay_intent, p.slot_id AS pay_slot, p.status AS pay_status, p.amount_captured,
            p.refunded_amount, p.refund_pending_amount, p.refund_id
       FROM bookings b LEFT JOIN payments p ON p.booking_id = b.id
      WHERE b.slot_id IN (${marks}) ORDER BY b.created_at, b.id`,
  )
    .bind(...slotIds)
    .all<BookingRow>();
  return results;
}

interface HoldView {
  booking_id: string;
  student_id: string;
  status: string;
  expires_at: number;
  keep_amount: number | null;
  moved_to: string | null;
}

interface SlotObjectView {
  holds: HoldView[];
  outbox: { kind: string; booking_id: string; attempts: number; last_error: string | null }[];
}

async function slotObjectView(slotId: string): Promise<SlotObjectView> {
  return runInDurableObject(slotStub(slotId), (_instance, state) => ({
    holds: state.storage.sql
      .exec<{
        booking_id: string;
        student_id: string;
        status: string;
        expires_at: number;
        keep_amount: number | null;
        moved_to: string | null;
      }>("SELECT booking_id, student_id, status, expires_at, keep_amount, moved_to FROM holds")
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
    rows: rows.map((r) => [
      r.id,
      r.status,
      r.cancelled_by,
      r.retained_amount,
      r.pay_status,
      r.amount_captured,
      r.refunded_amount,
    ]),
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

/**
 * What the payment status must be, from Stripe's state alone and what Lectern owes back in total
 * (`refundDue`: nothing while the seat is kept, everything captured but the provider's share once
 * it is given up).
 */
function expectedPaymentStatus(intent: PaymentIntent, refunds: Refund[], refundDue: number): string {
  const captured = intent.amount_received;
  if (captured <= 0) {
    if (intent.status === "canceled") return "CANCELED";
    if (intent.status === "requires_capture") return "AUTHORIZED";
    return "REQUIRES_PAYMENT";
  }
  const succeeded = sumOf(refunds, "succeeded");
  if (sumOf(refunds, "pending") > 0) return "REFUND_PENDING";
  if (refunds.at(-1)?.status === "failed") return "REFUND_FAILED";
  if (succeeded < Math.min(refundDue, captured)) return "REFUND_PENDING";
  if (succeeded >= captured) return "REFUNDED";
  return succeeded > 0 ? "PARTIALLY_REFUNDED" : "SUCCEEDED";
}

/**
 * Cheap checks after every step: never oversold, one active booking per student and slot, hold
 * cap, and one active booking per PaymentIntent (a reschedule never leaves both seats active).
 */
async function checkSeats(world: World): Promise<void> {
  const now = Date.now();
  const rows = await bookingRows(world);
  const isActive = (r: BookingRow) => r.status === "CONFIRMED" || r.status === "PENDING_PAYMENT";
  for (const [index, slot] of world.slots.entries()) {
    const mine = rows.filter((r) => r.slot_id === slot.id);
    const confirmed = mine.filter((r) => r.status === "CONFIRMED").length;
    if (confirmed > slot.capacity) violation(world, `slot${index} oversold: ${confirmed} > ${slot.capacity}`);
    const active = mine.filter(isActive);
    const students = new Set(active.map((r) => r.student_id));
    if (students.size !== active.length)
      violation(world, `slot${index}: a student holds two active bookings`);
  }
  const byIntent = new Map<string, string[]>();
  for (const row of rows.filter((r) => isActive(r) && r.payment_intent_id)) {
    const ids = byIntent.get(row.payment_intent_id!) ?? [];
    ids.push(`${row.id} (${row.status})`);
    byIntent.set(row.payment_intent_id!, ids);
  }
  for (const [intentId, ids] of byIntent) {
    if (ids.length > 1)
      violation(world, `intent ${intentId} backs ${ids.length} active bookings: ${ids.join(", ")}`);
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

const inList = (ids: string[]) => ids.map(() => "?").join(", ");

async function checkQuiescent(world: World): Promise<number> {
  const problems: string[] = [];
  const now = Date.now();
  const rows = await bookingRows(world);
  const tracked = new Map(world.bookings.map((b) => [b.id, b]));
  const rowById = new Map(rows.map((r) => [r.id, r]));

  for (const row of rows) {
    if (!tracked.has(row.id))
      problems.push(`${row.id}: in D1 (${row.status}) but no request answered 201 (or a move 200) for it`);
  }
  for (const booking of world.bookings) {
    if (!rowById.has(booking.id)) problems.push(`${booking.id}: answered 201 but gone from D1`);
  }

  // Everything D1 holds about this world's intents (a moved intent's rows keep the ids they had).
  const intentIds = [...new Set(world.bookings.map((b) => b.intentId))];
  const byIntents = async <T>(sql: string): Promise<T[]> =>
    intentIds.length === 0
      ? []
      : (
          await env.DB.prepare(sql.replace("$IDS", inList(intentIds)))
            .bind(...intentIds)
            .all<T>()
        ).results;
  const ledger = await byIntents<{
    kind: string;
    booking_id: string;
    payment_intent_id: string;
    stripe_object_id: string;
    amount: number;
  }>(
    `SELECT kind, booking_id, payment_intent_id, stripe_object_id, amount FROM money_ledger
      WHERE payment_intent_id IN ($IDS)`,
  );
  const refundRows = await byIntents<{
    id: string;
    booking_id: string;
    payment_intent_id: string;
    amount: number;
    status: string;
  }>(
    `SELECT id, booking_id, payment_intent_id, amount, status FROM refunds WHERE payment_intent_id IN ($IDS)`,
  );
  const paymentRows = await byIntents<{ booking_id: string; slot_id: string; payment_intent_id: string }>(
    "SELECT booking_id, slot_id, payment_intent_id FROM payments WHERE payment_intent_id IN ($IDS)",
  );

  const objects = new Map<string, SlotObjectView>();
  for (const slot of world.slots) objects.set(slot.id, await slotObjectView(slot.id));

  // Money at Stripe that no booking accounts for.
  const slotIds = new Set(world.slots.map((s) => s.id));
  for (const pi of standin.store.paymentIntents.values()) {
    if (slotIds.has(pi.metadata.slotId ?? "") && pi.amount_received > 0 && !intentIds.includes(pi.id))
      problems.push(`intent ${pi.id}: ${pi.amount_received} captured for no booking`);
  }

  // Each intent backs a chain of bookings (one per reschedule): the last one has the payment.
  for (const intentId of intentIds) {
    const chain = rows.filter((r) => r.payment_intent_id === intentId);
    const ids = new Set(chain.map((r) => r.id));
    const live = chain.filter((r) => r.status === "CONFIRMED" || r.status === "PENDING_PAYMENT");
    if (live.length > 1) problems.push(`intent ${intentId} backs ${live.length} active bookings`);
    const last = chain.filter((r) => !r.rescheduled_to);
    const pays = paymentRows.filter((p) => p.payment_intent_id === intentId);
    if (last.length !== 1)
      problems.push(`intent ${intentId}: ${last.length} bookings of its chain were not moved on`);
    else if (
      pays.length !== 1 ||
      pays[0]!.booking_id !== last[0]!.id ||
      pays[0]!.slot_id !== last[0]!.slot_id
    )
      problems.push(
        `intent ${intentId}: payments rows ${JSON.stringify(pays)}, the booking it belongs to is ${last[0]!.id} on ${last[0]!.slot_id}`,
      );
    for (const row of chain) {
      if (row.rescheduled_to && rowById.get(row.rescheduled_to)?.rescheduled_from !== row.id)
        problems.push(`${row.id}: rescheduled_to ${row.rescheduled_to}, which does not come from it`);
    }
    for (const fact of ledger.filter((l) => l.payment_intent_id === intentId && !ids.has(l.booking_id)))
      problems.push(
        `intent ${intentId}: ledger ${fact.kind} names booking ${fact.booking_id}, not of its chain`,
      );
    for (const refund of refundRows.filter((r) => r.payment_intent_id === intentId && !ids.has(r.booking_id)))
      problems.push(`intent ${intentId}: refunds row ${refund.id} names booking ${refund.booking_id}`);
  }

  for (const row of rows) {
    seen(`${row.status}/${row.pay_status ?? (row.rescheduled_to ? "moved" : "none")}`);
    if (row.cancelled_by)
      seen(`cancelled by ${row.cancelled_by}${row.retained_amount > 0 ? ", provider kept a share" : ""}`);
    const tag = `${row.id} (${row.status}/${row.pay_status})`;
    const booking = tracked.get(row.id);
    if (!booking) continue;
    const hold = objects.get(row.slot_id)?.holds.find((h) => h.booking_id === row.id);
    const view = await call("GET", `/api/bookings/${row.id}`, {
      token: world.students[booking.student]!.token,
    });
    if (view.status !== 200) {
      problems.push(`${tag}: GET /api/bookings answered ${view.status}`);
      continue;
    }

    // What the booking is, and who ended it.
    if (row.payment_intent_id !== booking.intentId)
      problems.push(`${tag}: payment_intent_id ${row.payment_intent_id}, expected ${booking.intentId}`);
    if (row.amount !== booking.amount || view.body.amount !== booking.amount)
      problems.push(
        `${tag}: amount ${row.amount} (API ${view.body.amount}), its slot's price is ${booking.amount}`,
      );
    if (!samePolicy(view.body.cancellationPolicy, booking.policy))
      problems.push(
        `${tag}: policy ${JSON.stringify(view.body.cancellationPolicy)} is not the one it was booked under`,
      );
    if (
      (row.rescheduled_from ?? undefined) !== booking.movedFrom ||
      (row.rescheduled_to ?? undefined) !== booking.movedTo
    )
      problems.push(
        `${tag}: moved ${row.rescheduled_from} → · → ${row.rescheduled_to}, the answers said ${booking.movedFrom} → · → ${booking.movedTo}`,
      );
    if (view.body.status !== row.status || (view.body.cancelledBy ?? null) !== row.cancelled_by)
      problems.push(`${tag}: API says ${view.body.status}/${view.body.cancelledBy}, D1 ${row.cancelled_by}`);
    if ((row.status === "CANCELLED") !== (row.cancelled_by !== null))
      problems.push(`${tag}: cancelled_by ${row.cancelled_by}`);
    if ((row.cancelled_by === "RESCHEDULE") !== (row.rescheduled_to !== null))
      problems.push(`${tag}: cancelled_by ${row.cancelled_by} but rescheduled_to ${row.rescheduled_to}`);
    if (row.retained_amount !== 0 && row.cancelled_by !== "STUDENT")
      problems.push(
        `${tag}: the provider keeps ${row.retained_amount}, but ${row.cancelled_by} cancelled it`,
      );
    if (row.cancelled_by === "STUDENT") {
      const allowed = world.cancels.get(row.id);
      if (!allowed) problems.push(`${tag}: cancelled by the student, but no cancel of theirs answered 200`);
      else if (!allowed.has(row.retained_amount))
        problems.push(
          `${tag}: the provider keeps ${row.retained_amount}; the booking's policy says ${[...allowed].join(" or ")}`,
        );
    }
    if ((hold?.keep_amount ?? 0) !== row.retained_amount)
      problems.push(
        `${tag}: the slot object keeps ${hold?.keep_amount}, D1 retained_amount ${row.retained_amount}`,
      );

    if (row.rescheduled_to) {
      // Moved on: the seat, the payment row and the money went with it.
      if (row.status !== "CANCELLED")
        problems.push(`${tag}: moved to ${row.rescheduled_to} yet ${row.status}`);
      if (row.pay_status !== null) problems.push(`${tag}: moved, yet the payments row stayed with it`);
      if (hold?.status !== "MOVED" || hold.moved_to !== row.rescheduled_to)
        problems.push(`${tag}: moved in D1, the slot object says ${hold?.status} → ${hold?.moved_to}`);
      if (view.body.rescheduledTo !== row.rescheduled_to)
        problems.push(`${tag}: API rescheduledTo ${view.body.rescheduledTo}`);
      // It still shows what its payment (now the moved booking's) did.
      const payment = rows.find((r) => r.pay_intent === booking.intentId);
      if (
        view.body.paymentStatus !== (payment?.pay_status ?? undefined) ||
        view.body.amountRefunded !== (payment?.refunded_amount ?? undefined)
      )
        problems.push(
          `${tag}: API shows ${view.body.paymentStatus}/${view.body.amountRefunded}, its payment ${payment?.pay_status}/${payment?.refunded_amount}`,
        );
      continue;
    }
    if (view.body.rescheduledFrom !== (row.rescheduled_from ?? undefined))
      problems.push(`${tag}: API rescheduledFrom ${view.body.rescheduledFrom}`);

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
    // What the provider may keep: a kept seat's price, a student's cancel's share, else nothing.
    const keep = confirmed ? row.amount : row.retained_amount;

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
    const expected = expectedPaymentStatus(intent, known, confirmed ? 0 : Math.max(0, captured - keep));
    if (row.pay_status !== expected && !lostAuthorization)
      problems.push(
        `${tag}: payment status ${row.pay_status}, Stripe says ${expected} (intent ${intent.status}, captured ${captured}, kept share ${keep}, refunds ${JSON.stringify(refunds.map((r) => [r.amount, r.status]))})${lost}`,
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
    if (view.body.paymentStatus !== row.pay_status || view.body.amountRefunded !== row.refunded_amount)
      problems.push(
        `${tag}: API shows ${view.body.paymentStatus}/${view.body.amountRefunded}, D1 ${row.pay_status}/${row.refunded_amount}`,
      );

    // 2. Money and seats agree: Stripe keeps what the provider may keep, less refunds made
    // elsewhere, plus refunds that failed; no refund of Lectern's dipped into the kept share.
    if (confirmed && captured !== intent.amount)
      problems.push(`${tag}: CONFIRMED but captured ${captured} ≠ ${intent.amount} authorized`);
    if (row.amount > intent.amount)
      problems.push(`${tag}: priced ${row.amount}, more than the ${intent.amount} paid`);
    if (captured > 0) {
      const gap = captured - succeeded - pending;
      const owed = gap - keep;
      const elsewhere = refunds
        .filter((r) => world.dashboardRefunds.has(r.id) && r.status !== "failed")
        .reduce((t, r) => t + r.amount, 0);
      const who = `${row.status}${row.cancelled_by ? ` by ${row.cancelled_by}` : ""}`;
      if (owed > 0 && !(row.pay_status === "REFUND_FAILED" && owed <= failed)) {
        problems.push(
          `${tag}: Stripe keeps ${gap} of ${captured}; ${who}, the provider may keep ${keep} (failed refunds ${failed})`,
        );
      }
      if (owed < 0 && elsewhere < -owed)
        problems.push(
          `${tag}: refunded ${-owed} of the ${keep} the provider keeps (${who}); dashboard refunds only ${elsewhere}`,
        );
      let running = captured;
      const reasons = new Map<string, number>();
      for (const refund of refunds) {
        if (refund.status !== "failed") running -= refund.amount;
        if (world.dashboardRefunds.has(refund.id)) continue;
        if (refund.status !== "failed" && running < keep)
          problems.push(
            `${tag}: Lectern's refund ${refund.id} of ${refund.amount} left ${running} with Stripe, below the ${keep} the provider keeps`,
          );
        const reason = `${refund.metadata.bookingId} "${refund.metadata.lecternReason}"`;
        reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
      }
      for (const [reason, n] of reasons)
        if (n > 1) problems.push(`${tag}: ${n} refunds by Lectern for ${reason}`);
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
    const holdStatus = hold?.status ?? "none";
    const seatInObject = hold !== undefined && holdsSeat(hold, now);
    const seatInD1 = confirmed || (row.status === "PENDING_PAYMENT" && row.hold_expires_at > now);
    if (seatInObject !== seatInD1 || (holdStatus === "CONFIRMED") !== confirmed)
      problems.push(`${tag}: slot object says ${holdStatus}, D1 says ${row.status}`);
  }

  // Holds at rest: no move left half-way, and none without its booking (an abandoned move's is RELEASED).
  for (const [index, slot] of world.slots.entries()) {
    for (const hold of objects.get(slot.id)?.holds ?? []) {
      if (hold.status === "MOVING")
        problems.push(`slot${index}: a move in (${hold.booking_id}) neither completed nor was abandoned`);
      else if (hold.status !== "RELEASED" && rowById.get(hold.booking_id)?.slot_id !== slot.id)
        problems.push(`slot${index}: hold ${hold.booking_id} ${hold.status} has no booking in D1`);
    }
  }

  for (const [index, slot] of world.slots.entries()) {
    const intents = [...standin.store.paymentIntents.values()].filter((pi) => pi.metadata.slotId === slot.id);
    const mine = rows.filter((r) => r.slot_id === slot.id);

    // 3. Nothing charged after the lesson; a provider no-show or cancel leaves no seat kept.
    const ending = world.endings.get(index);
    if (ending) seen(`session ${ending.kind}`);
    if (ending) {
      for (const row of mine.filter((r) => r.status === "CONFIRMED")) {
        if (ending.kind !== "COMPLETED" || !ending.confirmed.has(row.id))
          problems.push(`slot${index}: ${row.id} CONFIRMED after its session was ${ending.kind}`);
      }
      if (ending.kind === "NO_SHOW") {
        for (const id of ending.before ?? []) {
          const row = rowById.get(id);
          if (row?.cancelled_by !== "PROVIDER_NO_SHOW")
            problems.push(
              `slot${index}: ${id} was confirmed when the provider failed to show, now ${row?.status}/${row?.cancelled_by}`,
            );
        }
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
    const state = session
      ? `${session.status}${session.cancel_reason ? `/${session.cancel_reason}` : ""}`
      : "none";
    const expectedState = ending
      ? { COMPLETED: "COMPLETED", NO_SHOW: "COMPLETED/PROVIDER_NO_SHOW", CANCELLED: "CANCELLED" }[ending.kind]
      : undefined;
    if (expectedState && state !== expectedState)
      problems.push(`slot${index}: session ${state}, the test saw it end ${ending!.kind}`);
    if (!ending && session && session.status !== "SCHEDULED" && session.status !== "IN_PROGRESS")
      problems.push(`slot${index}: session ${state} without the test ending it`);

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

// --- payouts ---------------------------------------------------------------------------------

const transfersOfWorld = (world: World) => {
  const ids = new Set(world.bookings.map((b) => b.id));
  return [...standin.store.transfers.values()].filter((t) => t.transfer_group && ids.has(t.transfer_group));
};

/**
 * At rest, every lesson is made due: a provider still not onboarded has been paid nothing; then
 * onboarding completes and the job runs twice (a transfer, then reversals of later refunds).
 */
async function settlePayouts(world: World): Promise<void> {
  if (!standin.store.accounts.get(world.accountId)?.payouts_enabled) {
    await runPayouts(
      buildDeps(env, () => Date.now() + PAYOUT_CLOCK_MS),
      world.provider.id,
    );
    const early = transfersOfWorld(world);
    if (early.length > 0)
      violation(
        world,
        `transfers to an account that cannot receive payouts: ${early.map((t) => t.id).join(", ")}`,
      );
    standin.onboardAccount(world.accountId);
    world.trace.push("onboard (at rest)");
  }
  await deliverEverything(world);
  for (let round = 0; round < 2; round++) {
    const report = await runPayouts(
      buildDeps(env, () => Date.now() + PAYOUT_CLOCK_MS),
      world.provider.id,
    );
    world.trace.push(`payouts (at rest) → ${JSON.stringify(report)}`);
    await deliverEverything(world);
  }
}

interface PayoutRowView {
  booking_id: string;
  status: string;
  amount: number;
  platform_fee: number;
  captured: number;
  transfer_id: string | null;
  refunded_at_transfer: number | null;
  amount_reversed: number;
}

/**
 * The payout rules, from Stripe's facts alone: a booking CONFIRMED when a lesson the provider
 * attended ended (and only such a booking) is paid captured − refunded − round(captured × 15 %) once,
 * to the provider's account from its charge; refunds after the transfer take back
 * round(transfer × refunded after / what was left), all of it for a full refund; and per
 * payment the ledger says captured = refunded + transferred − reversed + fee kept + not yet paid out.
 */
async function checkPayouts(world: World): Promise<void> {
  const problems: string[] = [];
  const rows = await bookingRows(world);
  const slotIds = world.slots.map((slot) => slot.id);
  const payoutRows = (
    await env.DB.prepare(
      `SELECT booking_id, status, amount, platform_fee, captured, transfer_id, refunded_at_transfer, amount_reversed
         FROM payouts WHERE slot_id IN (${inList(slotIds)})`,
    )
      .bind(...slotIds)
      .all<PayoutRowView>()
  ).results;
  const payoutOf = new Map(payoutRows.map((p) => [p.booking_id, p]));
  const transfers = transfersOfWorld(world);
  const ledgerSum = async (kind: string, column: "booking_id" | "payment_intent_id", id: string) =>
    (
      await env.DB.prepare(
        `SELECT COALESCE(SUM(amount), 0) AS n FROM money_ledger WHERE kind = ? AND ${column} = ?`,
      )
        .bind(kind, id)
        .first<{ n: number }>()
    )?.n ?? 0;

  for (const row of rows) {
    const booking = world.bookings.find((b) => b.id === row.id);
    const intent = row.payment_intent_id
      ? standin.store.paymentIntents.get(row.payment_intent_id)
      : undefined;
    const slotIndex = world.slots.findIndex((slot) => slot.id === row.slot_id);
    // Confirmed when the lesson the provider attended ended (a full refund later may cancel it).
    const ending = world.endings.get(slotIndex);
    const eligible = ending?.kind === "COMPLETED" && ending.confirmed.has(row.id);
    const payout = payoutOf.get(row.id);
    const mine = transfers.filter((t) => t.transfer_group === row.id);
    if (!eligible || !booking || !intent) {
      if (payout)
        problems.push(
          `${row.id} (${row.status}, slot${slotIndex}): a payout ${payout.status} it never earned`,
        );
      if (mine.length > 0)
        problems.push(`${row.id} (${row.status}): ${mine.length} transfer(s) it never earned`);
      continue;
    }
    const refunds = refundsOf(intent.id);
    const C = intent.amount_received;
    const R = sumOf(refunds, "succeeded");
    const pending = sumOf(refunds, "pending");
    const F = Math.round((C * FEE_PERCENT) / 100);
    if (mine.length > 1) problems.push(`${row.id}: ${mine.length} transfers (at most one)`);
    const transfer = mine[0];
    if (!payout) {
      seen("payout: none owed");
      if (transfer) problems.push(`${row.id}: transfer ${transfer.id} without a payout row`);
      if (C - R - F > 0)
        problems.push(`${row.id}: ${C - R - F} owed (captured ${C}, refunded ${R}) but no payout`);
      continue;
    }
    seen(`payout ${payout.status}`);
    if (payout.platform_fee !== F)
      problems.push(`${row.id}: platform fee ${payout.platform_fee}, round(${C} × 15 %) is ${F}`);
    let transferred = 0;
    let reversed = 0;
    let notYetPaid = 0;
    let feeKept: number;
    if (payout.status === "SCHEDULED") {
      if (transfer) problems.push(`${row.id}: SCHEDULED but Stripe has transfer ${transfer.id}`);
      if (pending === 0)
        problems.push(`${row.id}: still SCHEDULED when due, onboarded and no refund pending`);
      notYetPaid = Math.max(0, C - R - F);
      feeKept = Math.min(F, C - R);
    } else {
      if (!transfer) {
        problems.push(`${row.id}: ${payout.status} but Stripe has no transfer for it`);
        continue;
      }
      const R0 = payout.refunded_at_transfer ?? -1;
      const base = C - R0;
      const T = transfer.amount;
      if (R0 < 0 || R0 > R)
        problems.push(`${row.id}: refunded at transfer ${R0}, but Stripe has ${R} refunded`);
      if (T !== Math.max(0, base - F))
        problems.push(
          `${row.id}: transferred ${T}, captured ${C} − refunded before ${R0} − fee ${F} is ${base - F}`,
        );
      if (payout.amount !== T || payout.transfer_id !== transfer.id)
        problems.push(
          `${row.id}: payout says ${payout.amount} by ${payout.transfer_id}, Stripe ${T} by ${transfer.id}`,
        );
      if (transfer.destination !== world.accountId)
        problems.push(`${row.id}: transferred to ${transfer.destination}`);
      if (transfer.source_transaction !== intent.latest_charge)
        problems.push(
          `${row.id}: transfer's source ${transfer.source_transaction}, the charge is ${intent.latest_charge}`,
        );
      const after = R - R0;
      const V = after >= base ? T : Math.round((T * after) / base);
      if (transfer.amount_reversed !== V || payout.amount_reversed !== V)
        problems.push(
          `${row.id}: reversed ${transfer.amount_reversed} at Stripe, ${payout.amount_reversed} in D1; ${after} refunded after a ${T} transfer of ${base} left takes back ${V}`,
        );
      const status = V === 0 ? "PAID" : V >= T ? "REVERSED" : "PARTIALLY_REVERSED";
      if (payout.status !== status) problems.push(`${row.id}: payout ${payout.status}, expected ${status}`);
      if ((await ledgerSum("transferred", "booking_id", row.id)) !== T)
        problems.push(`${row.id}: the ledger's transfers ≠ ${T}`);
      if ((await ledgerSum("transfer_reversed", "booking_id", row.id)) !== V)
        problems.push(`${row.id}: the ledger's reversals ≠ ${V}`);
      transferred = T;
      reversed = V;
      feeKept = Math.min(F, base) - (after - V);
    }
    if (feeKept < 0) problems.push(`${row.id}: the platform kept ${feeKept} (negative)`);
    const ledgerCaptured = await ledgerSum("captured", "payment_intent_id", intent.id);
    const ledgerRefunded = await ledgerSum("refund_succeeded", "payment_intent_id", intent.id);
    if (ledgerCaptured !== ledgerRefunded + transferred - reversed + feeKept + notYetPaid)
      problems.push(
        `${row.id}: ledger captured ${ledgerCaptured} ≠ refunded ${ledgerRefunded} + transferred ${transferred} − reversed ${reversed} + fee kept ${feeKept} + not yet paid out ${notYetPaid}`,
      );
  }
  for (const transfer of transfers) {
    if (!rows.some((r) => r.id === transfer.transfer_group))
      problems.push(`transfer ${transfer.id} for ${transfer.transfer_group}, not a booking of this world`);
  }
  // The provider's own view agrees with D1.
  const view = await call("GET", "/api/me/earnings", { token: world.provider.token });
  if (view.status !== 200) problems.push(`GET /api/me/earnings answered ${view.status}`);
  else {
    for (const line of view.body.payouts as { bookingId: string; status: string; amount: number }[]) {
      const payout = payoutOf.get(line.bookingId);
      if (!payout || payout.status !== line.status || payout.amount !== line.amount)
        problems.push(
          `earnings shows ${line.bookingId} ${line.status} ${line.amount}, D1 ${payout?.status} ${payout?.amount}`,
        );
    }
    if (view.body.payouts.length !== payoutRows.length)
      problems.push(`earnings lists ${view.body.payouts.length} payouts, D1 has ${payoutRows.length}`);
  }
  if (problems.length > 0) violation(world, `payout invariants broken:\n  ${problems.join("\n  ")}`);
}

// ---------------------------------------------------------------------------------------------

async function runScenario(scenario: Scenario): Promise<void> {
  standin = freshStandin();
  inbox.length = 0;
  const world = await createWorld(scenario);
  world.trace.push(
    `policy ${scenario.policy}; ${world.slots.map((s) => `${s.label} ${s.sessionType} ${s.price}`).join(", ")}`,
  );
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
    world.trace.push("--- payouts ---");
    await settlePayouts(world);
    await checkPayouts(world);
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
  const other = await registerProvider(HOURLY_RATE);
  foreignSlot = await createSlot(other, SLOT_SPECS[2], "another provider's slot");
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

it("gap C: a refund owed after an earlier refund failed is tried, not skipped", {
  timeout: 120_000,
}, async () => {
  installSpies();
  await runScenario(GAP_C);
});
