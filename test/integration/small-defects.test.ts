import {
  createExecutionContext,
  createScheduledController,
  env,
  waitOnExecutionContext,
} from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Mailer, OutgoingEmail } from "../../src/adapters/mailer";
import type { EmailOutbox } from "../../src/db/email-outbox";
import { buildDeps, type Deps } from "../../src/deps";
import type { AuthUser } from "../../src/domain/identity";
import worker from "../../src/index";
import { dispatchDueEmails, runNotifications } from "../../src/jobs/notifications";
import { postMessage } from "../../src/services/conversations";
import { topUpPatterns } from "../../src/services/patterns";
import { removeExpiredUnbookedSlots } from "../../src/services/slots";
import {
  BASE,
  call,
  hoursFromNow,
  registerProvider,
  registerUser,
  type TestUser,
  unique,
} from "../helpers/api";
import {
  DAY_MS,
  daily,
  expectError,
  expectFieldIssues,
  HOUR_MS,
  insertSlotRow,
  slotRowExists,
} from "../helpers/fixtures";

const MINUTE_MS = 60_000;

afterEach(() => {
  vi.restoreAllMocks();
});

/** Deps with a frozen clock. */
function depsAt(now: number): Deps {
  return { ...buildDeps(env), now: () => now };
}

function fakeMailer(): Mailer & { sent: OutgoingEmail[]; to(address: string): OutgoingEmail[] } {
  const sent: OutgoingEmail[] = [];
  return {
    sent,
    to: (address) => sent.filter((m) => m.to === address),
    async send(email) {
      sent.push(email);
    },
  };
}

async function rename(user: TestUser, name: string): Promise<TestUser> {
  await env.DB.prepare("UPDATE users SET name = ? WHERE id = ?").bind(name, user.id).run();
  return user;
}

async function count(query: string, ...binds: unknown[]): Promise<number> {
  const row = await env.DB.prepare(query)
    .bind(...binds)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

// --- 1. names ----------------------------------------------------------------------------------

const BAD_NAMES: [string, string][] = [
  ["a line feed", "Ann\nBcc: victim@example.test"],
  ["a carriage return", "Ann\rLee"],
  ["a CR LF pair", "Ann\r\nLee"],
  ["a tab", "Ann\tLee"],
  ["a NUL", "Ann\u0000Lee"],
  ["DEL", "Ann\u007fLee"],
  ["a C1 control (NEL)", "Ann\u0085Lee"],
  ["a trailing line feed", "Ann Lee\n"],
  ["101 characters", "a".repeat(101)],
  ["nothing but spaces", "   "],
];

describe("names on register and PATCH /api/me", () => {
  it.each(BAD_NAMES)(
    "register returns 400 VALIDATION_FAILED on name for %s, and creates no account",
    async (_label, name) => {
      const email = `${unique("name")}@example.test`;
      const res = await call("POST", "/api/auth/register", {
        body: { email, password: "correct horse battery", name, role: "student", timezone: "UTC" },
      });
      const issues = expectFieldIssues(res);
      expect(issues.map((i) => i.path)).toContain("name");
      expect(await count("SELECT COUNT(*) AS n FROM users WHERE email = ?", email)).toBe(0);
    },
  );

  it.each(BAD_NAMES)(
    "PATCH /api/me returns 400 VALIDATION_FAILED on name for %s, and keeps the name",
    async (_label, name) => {
      const user = await registerUser("student");
      const res = await call("PATCH", "/api/me", { token: user.token, body: { name } });
      const issues = expectFieldIssues(res);
      expect(issues.map((i) => i.path)).toContain("name");
      const me = await call("GET", "/api/me", { token: user.token });
      expect(me.body.name).toBe("Test student");
    },
  );

  it("accepts a name of exactly 100 characters, counting an emoji as one character", async () => {
    const name = "🎻".repeat(100);
    const res = await call("POST", "/api/auth/register", {
      body: {
        email: `${unique("emoji")}@example.test`,
        password: "correct horse battery",
        name,
        role: "student",
        timezone: "UTC",
      },
    });
    expect(res.status).toBe(201);
    expect(res.body.user.name).toBe(name);
    const renamed = await call("PATCH", "/api/me", { token: res.body.token, body: { name: "Ann Lee" } });
    expect(renamed.status).toBe(200);
    expect(renamed.body.name).toBe("Ann Lee");
  });
});

// --- 2. logout CSRF ----------------------------------------------------------------------------

describe("POST /api/auth/logout and foreign origins", () => {
  it("returns 403 FORBIDDEN for a cookie logout from a foreign Origin and keeps the session", async () => {
    const user = await registerUser("student");
    const cookie = `lectern_session=${user.token}`;
    const res = await call("POST", "/api/auth/logout", {
      headers: { cookie, origin: "https://evil.example" },
    });
    expectError(res, 403, "FORBIDDEN");
    expect(res.headers.get("set-cookie") ?? "").not.toMatch(/lectern_session=;/);
    const me = await call("GET", "/api/me", { headers: { cookie } });
    expect(me.status).toBe(200);
    expect(me.body.id).toBe(user.id);
  });

  it("still logs out a cookie session from the app's own Origin", async () => {
    const user = await registerUser("student");
    const cookie = `lectern_session=${user.token}`;
    expect((await call("POST", "/api/auth/logout", { headers: { cookie, origin: BASE } })).status).toBe(204);
    expectError(await call("GET", "/api/me", { headers: { cookie } }), 401, "UNAUTHENTICATED");
  });

  it("logs out a Bearer session even with a foreign Origin (no cookie, no CSRF risk)", async () => {
    const user = await registerUser("student");
    const res = await call("POST", "/api/auth/logout", {
      token: user.token,
      headers: { origin: "https://evil.example" },
    });
    expect(res.status).toBe(204);
    expectError(await call("GET", "/api/me", { token: user.token }), 401, "UNAUTHENTICATED");
  });
});

// --- 3. conversation post limit ----------------------------------------------------------------

/** A student, a provider and their conversation, written straight into D1. */
async function conversationPair() {
  const provider = await registerProvider();
  const student = await registerUser("student");
  const conversationId = unique("cnv_t");
  await env.DB.prepare(
    "INSERT INTO conversations (id, student_id, provider_id, created_at) VALUES (?, ?, ?, ?)",
  )
    .bind(conversationId, student.id, provider.id, Date.now())
    .run();
  return { provider, student, conversationId };
}

function post(user: TestUser, conversationId: string, text: string) {
  return call("POST", `/api/conversations/${conversationId}/messages`, { token: user.token, body: { text } });
}

const messagesFrom = (conversationId: string, senderId: string) =>
  count(
    "SELECT COUNT(*) AS n FROM conversation_messages WHERE conversation_id = ? AND sender_id = ?",
    conversationId,
    senderId,
  );

function asAuthUser(user: TestUser, role: "provider" | "student"): AuthUser {
  return { id: user.id, email: user.email, name: "Test", role, timezone: "UTC", locale: "en-US" };
}

describe("POST /api/conversations/:id/messages per-sender limit", () => {
  it("returns 429 RATE_LIMITED for the 11th message within 10 seconds and stores nothing", async () => {
    const { student, conversationId } = await conversationPair();
    for (let i = 1; i <= 10; i++) expect((await post(student, conversationId, `m${i}`)).status).toBe(201);
    expectError(await post(student, conversationId, "m11"), 429, "RATE_LIMITED");
    expect(await messagesFrom(conversationId, student.id)).toBe(10);
    const list = await call("GET", `/api/conversations/${conversationId}/messages`, { token: student.token });
    expect(list.body.messages.map((m: { text: string }) => m.text)).not.toContain("m11");
    const [conversation] = (await call("GET", "/api/conversations", { token: student.token })).body
      .conversations;
    expect(conversation.lastMessage.text).toBe("m10");
  });

  it("stores exactly 10 of 30 concurrent posts from one sender (the rest 429 RATE_LIMITED)", async () => {
    const { student, conversationId } = await conversationPair();
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => post(student, conversationId, `burst ${i}`)),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(20);
    expect(await messagesFrom(conversationId, student.id)).toBe(10);
  });

  it("limits each sender separately: the other member may still post", async () => {
    const { provider, student, conversationId } = await conversationPair();
    for (let i = 1; i <= 10; i++) expect((await post(student, conversationId, `s${i}`)).status).toBe(201);
    expect((await post(provider, conversationId, "p1")).status).toBe(201);
    expectError(await post(student, conversationId, "s11"), 429, "RATE_LIMITED");
  });

  it("lets the sender post again once 10 seconds have passed since the burst", async () => {
    const { student, conversationId } = await conversationPair();
    const sender = asAuthUser(student, "student");
    const start = Date.now();
    for (let i = 0; i < 10; i++) await postMessage(depsAt(start), sender, conversationId, `m${i}`);
    await expect(
      postMessage(depsAt(start + 5_000), sender, conversationId, "too soon"),
    ).rejects.toMatchObject({
      code: "RATE_LIMITED",
    });
    const later = await postMessage(depsAt(start + 11_000), sender, conversationId, "later");
    expect(later.text).toBe("later");
    expect(await messagesFrom(conversationId, student.id)).toBe(11);
  });
});

// --- 4. pattern slot onto a cancelled slot's start ----------------------------------------------

async function createDailyPattern(token: string, startTime: string) {
  const res = await call("POST", "/api/availability-patterns", {
    token,
    body: { timezone: "UTC", weekly: daily(startTime), durationMinutes: 60, sessionType: "ONE_TO_ONE" },
  });
  expect(res.status).toBe(201);
  return res.body as { pattern: { id: string }; createdSlots: { id: string; startsAt: string }[] };
}

describe("pattern slots and cancelled slots of the same pattern", () => {
  it("returns 409 SLOT_OVERLAP, not 500, when a pattern slot is moved onto the start of a cancelled slot of its pattern", async () => {
    const provider = await registerProvider();
    const { createdSlots } = await createDailyPattern(provider.token, "09:00");
    const [, mover, cancelled] = createdSlots;
    if (!mover || !cancelled) throw new Error("pattern made too few slots");
    await env.DB.prepare("UPDATE slots SET status = 'CANCELLED' WHERE id = ?").bind(cancelled.id).run();

    const res = await call("PATCH", `/api/slots/${mover.id}`, {
      token: provider.token,
      body: { startsAt: cancelled.startsAt },
    });
    expectError(res, 409, "SLOT_OVERLAP");
    const unchanged = await call("GET", `/api/slots/${mover.id}`, { token: provider.token });
    expect(unchanged.body.startsAt).toBe(mover.startsAt);
  });

  it("top-up skips a start held by a cancelled slot of the pattern instead of failing", async () => {
    const provider = await registerProvider();
    const { pattern, createdSlots } = await createDailyPattern(provider.token, "10:00");
    const cancelled = createdSlots[20];
    if (!cancelled) throw new Error("pattern made too few slots");
    const cancelledAt = Date.parse(cancelled.startsAt);
    // A pattern materialized only up to three days before the cancelled slot, which stays.
    const until = cancelledAt - 3 * DAY_MS;
    await env.DB.batch([
      env.DB.prepare("UPDATE slots SET status = 'CANCELLED' WHERE id = ?").bind(cancelled.id),
      env.DB.prepare("UPDATE availability_patterns SET materialized_until = ? WHERE id = ?").bind(
        until,
        pattern.id,
      ),
      env.DB.prepare("DELETE FROM slots WHERE pattern_id = ? AND starts_at > ? AND id != ?").bind(
        pattern.id,
        until,
        cancelled.id,
      ),
    ]);
    const removed = createdSlots.filter(
      (s) => Date.parse(s.startsAt) > until && s.id !== cancelled.id,
    ).length;

    const report = await topUpPatterns(buildDeps(env));
    expect(report.failed).toBe(0);
    const { results } = await env.DB.prepare(
      "SELECT id, status FROM slots WHERE pattern_id = ? AND starts_at = ?",
    )
      .bind(pattern.id, cancelledAt)
      .all<{ id: string; status: string }>();
    expect(results).toEqual([{ id: cancelled.id, status: "CANCELLED" }]);
    expect(
      await count(
        "SELECT COUNT(*) AS n FROM slots WHERE pattern_id = ? AND starts_at > ? AND status = 'OPEN'",
        pattern.id,
        until,
      ),
    ).toBe(removed);
  });
});

// --- 5. money history survives slot removal ----------------------------------------------------

interface MoneyRows {
  bookingId: string;
  intentId: string;
}

/** A booking on `slotId` with a PaymentIntent, a payments row, a refund and ledger facts. */
async function insertBookingWithMoney(
  slotId: string,
  studentId: string,
  spec: { booking: string; payment: string; captured?: number; refunded?: number },
): Promise<MoneyRows> {
  const now = Date.now();
  const bookingId = unique("bkg_m");
  const intentId = unique("pi_m");
  await env.DB.batch([
    env.DB.prepare(
      `INSERT INTO bookings (id, slot_id, student_id, status, amount, currency, hold_expires_at, payment_intent_id,
                             created_at, updated_at)
       VALUES (?, ?, ?, ?, 1000, 'usd', ?, ?, ?, ?)`,
    ).bind(bookingId, slotId, studentId, spec.booking, now - HOUR_MS, intentId, now - 2 * HOUR_MS, now),
    env.DB.prepare(
      `INSERT INTO payments (id, booking_id, slot_id, student_id, payment_intent_id, client_secret, amount, currency,
                             status, amount_captured, refunded_amount, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, 'secret', 1000, 'usd', ?, ?, ?, ?, ?)`,
    ).bind(
      unique("pay_m"),
      bookingId,
      slotId,
      studentId,
      intentId,
      spec.payment,
      spec.captured ?? 0,
      spec.refunded ?? 0,
      now,
      now,
    ),
    env.DB.prepare(
      `INSERT INTO money_ledger (id, kind, booking_id, slot_id, payment_intent_id, stripe_object_id, amount, currency,
                                 created_at)
       VALUES (?, 'authorized', ?, ?, ?, ?, 1000, 'usd', ?)`,
    ).bind(unique("led_m"), bookingId, slotId, intentId, intentId, now),
    env.DB.prepare(
      `INSERT INTO refunds (id, payment_intent_id, booking_id, amount, currency, status, created_at, updated_at)
       VALUES (?, ?, ?, 1000, 'usd', 'canceled', ?, ?)`,
    ).bind(unique("re_m"), intentId, bookingId, now, now),
  ]);
  return { bookingId, intentId };
}

async function expectMoneyHistoryKept({ bookingId, intentId }: MoneyRows) {
  const payment = await env.DB.prepare("SELECT payment_intent_id FROM payments WHERE booking_id = ?")
    .bind(bookingId)
    .first<{ payment_intent_id: string }>();
  expect(payment).toEqual({ payment_intent_id: intentId });
  expect(await count("SELECT COUNT(*) AS n FROM refunds WHERE booking_id = ?", bookingId)).toBe(1);
  expect(await count("SELECT COUNT(*) AS n FROM money_ledger WHERE booking_id = ?", bookingId)).toBe(1);
}

describe("money history when slots are removed", () => {
  it("cleanup removes an ended slot and its expired booking but keeps the payment row with its PaymentIntent id", async () => {
    const provider = await registerProvider();
    const student = await registerUser("student");
    const slotId = await insertSlotRow(provider.id, Date.now() - 3 * HOUR_MS, 60);
    const money = await insertBookingWithMoney(slotId, student.id, {
      booking: "EXPIRED",
      payment: "CANCELED",
    });

    const report = await removeExpiredUnbookedSlots(buildDeps(env));
    expect(report.removed).toBeGreaterThanOrEqual(1);
    expect(await slotRowExists(slotId)).toBe(false);
    expect(await count("SELECT COUNT(*) AS n FROM bookings WHERE id = ?", money.bookingId)).toBe(0);
    await expectMoneyHistoryKept(money);
  });

  it("DELETE /api/slots/:id keeps the payment row of an expired booking", async () => {
    const provider = await registerProvider();
    const student = await registerUser("student");
    const created = await call("POST", "/api/slots", {
      token: provider.token,
      body: { startsAt: hoursFromNow(40), durationMinutes: 60, sessionType: "ONE_TO_ONE" },
    });
    expect(created.status).toBe(201);
    const money = await insertBookingWithMoney(created.body.id, student.id, {
      booking: "EXPIRED",
      payment: "REQUIRES_PAYMENT",
    });

    expect((await call("DELETE", `/api/slots/${created.body.id}`, { token: provider.token })).status).toBe(
      204,
    );
    expect(await slotRowExists(created.body.id)).toBe(false);
    await expectMoneyHistoryKept(money);
  });

  it.each(["PARTIALLY_REFUNDED", "REFUND_FAILED", "REFUND_PENDING", "REFUNDED"])(
    "cleanup keeps an ended slot whose cancelled booking's payment is %s (money moved)",
    async (status) => {
      const provider = await registerProvider();
      const student = await registerUser("student");
      const slotId = await insertSlotRow(provider.id, Date.now() - 3 * HOUR_MS, 60);
      const money = await insertBookingWithMoney(slotId, student.id, {
        booking: "CANCELLED",
        payment: status,
        captured: 1000,
        refunded: status === "REFUNDED" ? 1000 : status === "PARTIALLY_REFUNDED" ? 400 : 0,
      });
      await removeExpiredUnbookedSlots(buildDeps(env));
      expect(await slotRowExists(slotId)).toBe(true);
      expect(await count("SELECT COUNT(*) AS n FROM bookings WHERE id = ?", money.bookingId)).toBe(1);
      await expectMoneyHistoryKept(money);
    },
  );
});

// --- 6. notifications --------------------------------------------------------------------------

interface SeatSpec {
  student: TestUser;
  /** The booking and participant status, and when the booking last changed. */
  booking: "CONFIRMED" | "CANCELLED";
  bookingUpdatedAt: number;
  payment: string;
  captured: number;
  refunded?: number;
  refundPending?: number;
  currency?: string;
}

/** A lesson written into D1: slot, session (optionally cancelled at `cancelledAt`), seats with payments. */
async function insertLesson(spec: {
  provider: TestUser;
  seats: SeatSpec[];
  startsAt: number;
  now: number;
  cancelledAt?: number;
}) {
  const slotId = unique("slot_d");
  const sessionId = unique("ses_d");
  const cancelled = spec.cancelledAt !== undefined;
  const statements = [
    env.DB.prepare(
      `INSERT INTO slots (id, provider_id, starts_at, ends_at, duration_minutes, session_type, max_participants,
                          seats_taken, status, price_amount, currency, version, created_at, updated_at)
       VALUES (?, ?, ?, ?, 60, 'GROUP', 5, 0, ?, 4500, 'usd', 1, ?, ?)`,
    ).bind(
      slotId,
      spec.provider.id,
      spec.startsAt,
      spec.startsAt + HOUR_MS,
      cancelled ? "CANCELLED" : "OPEN",
      spec.now,
      spec.now,
    ),
    env.DB.prepare(
      `INSERT INTO teaching_sessions (id, slot_id, provider_id, status, channel_name, ended_at, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ).bind(
      sessionId,
      slotId,
      spec.provider.id,
      cancelled ? "CANCELLED" : "SCHEDULED",
      `lectern-${slotId}`,
      spec.cancelledAt ?? null,
      spec.now,
    ),
  ];
  const bookingIds = new Map<string, string>();
  const intentIds = new Map<string, string>();
  for (const seat of spec.seats) {
    const bookingId = unique("bkg_d");
    const intentId = unique("pi_d");
    bookingIds.set(seat.student.id, bookingId);
    intentIds.set(seat.student.id, intentId);
    const currency = seat.currency ?? "usd";
    statements.push(
      env.DB.prepare(
        `INSERT INTO bookings (id, slot_id, student_id, status, amount, currency, hold_expires_at, payment_intent_id,
                               session_id, created_at, updated_at)
         VALUES (?, ?, ?, ?, 4500, ?, ?, ?, ?, ?, ?)`,
      ).bind(
        bookingId,
        slotId,
        seat.student.id,
        seat.booking,
        currency,
        spec.now - DAY_MS,
        intentId,
        sessionId,
        spec.now - DAY_MS,
        seat.bookingUpdatedAt,
      ),
      env.DB.prepare(
        `INSERT INTO payments (id, booking_id, slot_id, student_id, payment_intent_id, client_secret, amount, currency,
                               status, amount_captured, refunded_amount, refund_pending_amount, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, 'secret', 4500, ?, ?, ?, ?, ?, ?, ?)`,
      ).bind(
        unique("pay_d"),
        bookingId,
        slotId,
        seat.student.id,
        intentId,
        currency,
        seat.payment,
        seat.captured,
        seat.refunded ?? 0,
        seat.refundPending ?? 0,
        spec.now - DAY_MS,
        seat.bookingUpdatedAt,
      ),
      env.DB.prepare(
        `INSERT INTO session_participants (session_id, user_id, booking_id, status, joined_at)
         VALUES (?, ?, ?, ?, ?)`,
      ).bind(sessionId, seat.student.id, bookingId, seat.booking, spec.now - DAY_MS),
    );
  }
  await env.DB.batch(statements);
  return { slotId, sessionId, bookingIds, intentIds };
}

async function outboxKinds(user: TestUser): Promise<string[]> {
  const { results } = await env.DB.prepare("SELECT kind FROM email_outbox WHERE user_id = ? ORDER BY kind")
    .bind(user.id)
    .all<{ kind: string }>();
  return results.map((r) => r.kind);
}

describe("session-cancelled email", () => {
  it("goes only to students whose seat was still confirmed when the instructor cancelled", async () => {
    const provider = await rename(await registerProvider(), "Prof. Plum");
    const ann = await rename(await registerUser("student"), "Ann");
    const bob = await rename(await registerUser("student"), "Bob");
    const now = Date.now();
    const bobLeft = now - 2 * HOUR_MS;
    const cancelledAt = now - HOUR_MS;
    await insertLesson({
      provider,
      startsAt: now + 2 * DAY_MS,
      now,
      cancelledAt,
      seats: [
        // Ann's seat was withdrawn by the instructor's cancel (same moment or after it).
        {
          student: ann,
          booking: "CANCELLED",
          bookingUpdatedAt: cancelledAt,
          payment: "REFUND_PENDING",
          captured: 4500,
        },
        // Bob had cancelled himself an hour before the instructor did.
        {
          student: bob,
          booking: "CANCELLED",
          bookingUpdatedAt: bobLeft,
          payment: "REFUNDED",
          captured: 4500,
          refunded: 4500,
        },
      ],
    });
    const mailer = fakeMailer();
    await runNotifications(depsAt(now), mailer);
    await runNotifications(depsAt(now + MINUTE_MS), mailer);

    expect(await outboxKinds(provider)).toEqual(["session-cancelled"]);
    expect(await outboxKinds(ann)).toEqual(["booking-refund", "session-cancelled"]);
    expect(await outboxKinds(bob)).toEqual(["booking-refund"]);
    const toProvider = mailer.to(provider.email).find((m) => m.subject.startsWith("Cancelled"));
    expect(toProvider?.text).toContain("with Ann.");
    expect(toProvider?.text).not.toContain("Bob");
  });
});

describe("refund emails", () => {
  it.each([
    ["a released authorization (CANCELED)", "CANCELED"],
    ["a refund pending on nothing captured", "REFUND_PENDING"],
    ["a refund recorded on nothing captured", "REFUNDED"],
  ])("sends no refund email for %s", async (_label, status) => {
    const provider = await registerProvider();
    const student = await registerUser("student");
    const now = Date.now();
    await insertLesson({
      provider,
      startsAt: now + 2 * DAY_MS,
      now,
      seats: [{ student, booking: "CANCELLED", bookingUpdatedAt: now, payment: status, captured: 0 }],
    });
    const mailer = fakeMailer();
    await runNotifications(depsAt(now), mailer);
    expect(await outboxKinds(student)).toEqual([]);
    expect(mailer.to(student.email)).toEqual([]);
  });

  it.each([
    {
      label: "a partial refund shows the refunded amount",
      payment: "PARTIALLY_REFUNDED",
      refunded: 2250,
      refundPending: 0,
      subject: "Refunded: $22.50 for your lesson",
    },
    {
      label: "a full refund shows the refunded amount",
      payment: "REFUNDED",
      refunded: 4500,
      refundPending: 0,
      subject: "Refunded: $45.00 for your lesson",
    },
    {
      label: "a pending refund after an earlier partial one shows what is still coming back",
      payment: "REFUND_PENDING",
      refunded: 1000,
      refundPending: 0,
      subject: "Refund on its way: $35.00",
    },
  ])("$label", async ({ payment, refunded, refundPending, subject }) => {
    const provider = await registerProvider();
    const student = await registerUser("student");
    const now = Date.now();
    await insertLesson({
      provider,
      startsAt: now + 2 * DAY_MS,
      now,
      seats: [
        {
          student,
          booking: "CANCELLED",
          bookingUpdatedAt: now,
          payment,
          captured: 4500,
          refunded,
          refundPending,
        },
      ],
    });
    const mailer = fakeMailer();
    await runNotifications(depsAt(now), mailer);
    const subjects = mailer.to(student.email).map((m) => m.subject);
    expect(subjects).toHaveLength(1);
    // The subject names the lesson after the amount ("… for your lesson with X on <date>").
    expect(subjects[0]?.startsWith(subject)).toBe(true);
  });
});

describe("refund-failed email", () => {
  it("tells the student and the provider once each, with the amount and date, and lists it in both mailboxes", async () => {
    const provider = await rename(await registerProvider(), "Prof. Plum");
    const student = await rename(await registerUser("student"), "Ann");
    const now = Date.now();
    const startsAt = now + 2 * DAY_MS;
    const lesson = await insertLesson({
      provider,
      startsAt,
      now,
      seats: [
        { student, booking: "CANCELLED", bookingUpdatedAt: now, payment: "REFUND_FAILED", captured: 4500 },
      ],
    });
    const bookingId = lesson.bookingIds.get(student.id) ?? "";
    const refundId = unique("re_fail");
    await env.DB.prepare(
      `INSERT INTO refunds (id, payment_intent_id, booking_id, amount, currency, status, failure_reason, created_at,
                            updated_at)
       VALUES (?, ?, ?, 4500, 'usd', 'failed', 'expired_or_canceled_card', ?, ?)`,
    )
      .bind(refundId, lesson.intentIds.get(student.id), bookingId, now, now)
      .run();

    const mailer = fakeMailer();
    await runNotifications(depsAt(now), mailer);
    await runNotifications(depsAt(now + MINUTE_MS), mailer);

    for (const user of [student, provider]) {
      const { results } = await env.DB.prepare(
        "SELECT dedupe_key FROM email_outbox WHERE user_id = ? AND kind = 'refund-failed'",
      )
        .bind(user.id)
        .all<{ dedupe_key: string }>();
      expect(results).toEqual([{ dedupe_key: `refund-failed:${refundId}:${user.id}` }]);
      const sent = mailer.to(user.email).filter((m) => /refund/i.test(m.subject) && /fail/i.test(m.subject));
      expect(sent).toHaveLength(1);
      expect(sent[0]?.subject).toContain("$45.00");
      expect(sent[0]?.text).toContain("$45.00");
      expect(sent[0]?.text).toMatch(/Lectern support will follow up/);

      const mailbox = await call("GET", "/api/me/notifications", { token: user.token });
      expect(mailbox.status).toBe(200);
      const notice = (mailbox.body.notifications as any[]).find((n) => n.kind === "refund-failed");
      expect(notice?.subject).toBe(sent[0]?.subject);
      expect(notice?.status).toBe("SENT");
    }
    expect(mailer.to(student.email).find((m) => m.subject.includes("fail"))?.text).toContain("Prof. Plum");
    expect(mailer.to(provider.email).find((m) => m.subject.includes("fail"))?.text).toContain("Ann");
  });
});

// --- 7. cron robustness ------------------------------------------------------------------------

describe("cron robustness", () => {
  it("the scheduled handler logs a cron run that fails to start instead of rejecting", async () => {
    // An environment whose D1 binding cannot even be read: building the run's deps throws.
    const broken = Object.defineProperty({ ...env }, "DB", {
      get() {
        throw new Error("no D1 binding");
      },
    }) as Env;
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const ctx = createExecutionContext();
    await worker.scheduled(
      createScheduledController({ cron: "*/5 * * * *", scheduledTime: Date.now() }),
      broken,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(errors).toHaveBeenCalledWith("cron failed", "*/5 * * * *", expect.any(Error));
  });

  it("one refund row that cannot be rendered does not keep the other refund emails from going out", async () => {
    const provider = await registerProvider();
    const good = await registerUser("student");
    const poisoned = await registerUser("student");
    const now = Date.now();
    const broken = await insertLesson({
      provider,
      startsAt: now + 2 * DAY_MS,
      now,
      // An unusable currency code makes the email impossible to render.
      seats: [
        {
          student: poisoned,
          booking: "CANCELLED",
          bookingUpdatedAt: now,
          payment: "REFUNDED",
          captured: 4500,
          refunded: 4500,
          currency: "not-a-currency",
        },
      ],
    });
    await insertLesson({
      provider,
      startsAt: now + 3 * DAY_MS,
      now,
      seats: [
        {
          student: good,
          booking: "CANCELLED",
          bookingUpdatedAt: now,
          payment: "REFUNDED",
          captured: 4500,
          refunded: 4500,
        },
      ],
    });
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    try {
      const mailer = fakeMailer();
      await runNotifications(depsAt(now), mailer);
      const subjects = mailer.to(good.email).map((m) => m.subject);
      expect(subjects).toHaveLength(1);
      expect(subjects[0]?.startsWith("Refunded: $45.00 for your lesson with ")).toBe(true);
      expect(mailer.to(poisoned.email)).toEqual([]);
    } finally {
      await env.DB.prepare("UPDATE payments SET currency = 'usd' WHERE slot_id = ?")
        .bind(broken.slotId)
        .run();
      await env.DB.prepare("UPDATE bookings SET currency = 'usd' WHERE slot_id = ?")
        .bind(broken.slotId)
        .run();
    }
  });

  it("a dispatch row whose bookkeeping fails is counted as failed and the other rows are still sent", async () => {
    const now = Date.now();
    const user = await registerUser("student");
    const ids = [unique("eml_a"), unique("eml_b")];
    await env.DB.batch(
      ids.map((id, i) =>
        env.DB.prepare(
          `INSERT INTO email_outbox (id, dedupe_key, user_id, to_address, kind, subject, text_body, status, attempts,
                                     created_at, next_attempt_at)
           VALUES (?, ?, ?, ?, 'test', 'Hello', 'Hi', 'PENDING', 0, ?, ?)`,
        ).bind(id, `test:${id}`, user.id, `${i}-${user.email}`, now - 1000, now - 1000 + i),
      ),
    );
    const deps = depsAt(now);
    const outbox = deps.records.emailOutbox;
    // The first row's claim fails at D1; the second row must still go out.
    const flaky: EmailOutbox = {
      ...outbox,
      claim: async (row, until) => {
        if (row.id === ids[0]) throw new Error("D1 hiccup");
        return outbox.claim(row, until);
      },
    };
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    const mailer = fakeMailer();
    const report = await dispatchDueEmails(
      { ...deps, records: { ...deps.records, emailOutbox: flaky } },
      mailer,
    );
    expect(mailer.to(`1-${user.email}`)).toHaveLength(1);
    expect(mailer.to(`0-${user.email}`)).toHaveLength(0);
    expect(report.failed).toBeGreaterThanOrEqual(1);
    await env.DB.prepare("DELETE FROM email_outbox WHERE id IN (?, ?)").bind(ids[0], ids[1]).run();
  });

  it("one ended slot that cannot be deleted does not keep cleanup from removing the others", async () => {
    const provider = await registerProvider();
    const stuck = await insertSlotRow(provider.id, Date.now() - 5 * HOUR_MS, 60);
    const other = await insertSlotRow(provider.id, Date.now() - 3 * HOUR_MS, 60);
    // Something the cleanup does not know about still refers to one slot (a future table, say).
    await env.DB.prepare(
      "CREATE TABLE IF NOT EXISTS test_slot_refs (slot_id TEXT NOT NULL REFERENCES slots(id))",
    ).run();
    await env.DB.prepare("INSERT INTO test_slot_refs (slot_id) VALUES (?)").bind(stuck).run();
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    try {
      const report = await removeExpiredUnbookedSlots(buildDeps(env));
      expect(report.failed).toBeGreaterThanOrEqual(1);
      expect(await slotRowExists(other)).toBe(false);
      expect(await slotRowExists(stuck)).toBe(true);
    } finally {
      await env.DB.prepare("DROP TABLE test_slot_refs").run();
    }
  });

  it("one broken pattern does not keep the daily top-up from extending the others", async () => {
    const provider = await registerProvider();
    const { pattern } = await createDailyPattern(provider.token, "11:00");
    const until = Date.now() + 10 * DAY_MS;
    await env.DB.batch([
      env.DB.prepare("UPDATE availability_patterns SET materialized_until = ? WHERE id = ?").bind(
        until,
        pattern.id,
      ),
      env.DB.prepare("DELETE FROM slots WHERE pattern_id = ? AND starts_at > ?").bind(pattern.id, until),
    ]);
    const brokenId = `aaa_${unique("pat_broken")}`;
    await env.DB.prepare(
      `INSERT INTO availability_patterns (id, provider_id, timezone, weekly, duration_minutes, session_type,
                                          max_participants, materialized_until, created_at)
       VALUES (?, ?, 'UTC', 'not json', 60, 'ONE_TO_ONE', 1, 0, ?)`,
    )
      .bind(brokenId, provider.id, Date.now())
      .run();
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    try {
      const report = await topUpPatterns(buildDeps(env));
      expect(report.failed).toBeGreaterThanOrEqual(1);
      expect(
        await count(
          "SELECT COUNT(*) AS n FROM slots WHERE pattern_id = ? AND starts_at > ?",
          pattern.id,
          until,
        ),
      ).toBeGreaterThan(0);
    } finally {
      await env.DB.prepare("DELETE FROM availability_patterns WHERE id = ?").bind(brokenId).run();
    }
  });
});
