import {
  createExecutionContext,
  createScheduledController,
  env,
  waitOnExecutionContext,
} from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createStripeStandin, type StripeStandin } from "../../scripts/stripe-standin/handler";
import {
  createBindingMailer,
  createMailer,
  createResendMailer,
  type Mailer,
  type OutgoingEmail,
} from "../../src/adapters/mailer";
import { LOCAL_WEBHOOK_SECRET } from "../../src/adapters/stripe-payments";
import { createApp } from "../../src/app";
import { buildDeps, type Deps } from "../../src/deps";
import worker from "../../src/index";
import { CLAIM_MS, MAX_ATTEMPTS, retryDelayMs, runNotifications } from "../../src/jobs/notifications";
import { formatDateTime } from "../../src/shared/date-format";
import { BASE, call, registerProvider, registerUser, type TestUser, unique } from "../helpers/api";
import { bookAndPay, createOpenSlot } from "../helpers/bookings";
import { expectError, HOUR_MS } from "../helpers/fixtures";
import { deliverAll } from "../helpers/stripe";

const MINUTE_MS = 60_000;
const STANDIN_HOST = "127.0.0.1:12111";

// --- fakes -------------------------------------------------------------------------------------

interface FakeMailer extends Mailer {
  sent: OutgoingEmail[];
  to(address: string): OutgoingEmail[];
}

/** Records every message; fails for the addresses in `failFor`; `delayMs` widens race windows. */
function fakeMailer(options: { failFor?: string[]; delayMs?: number } = {}): FakeMailer {
  const sent: OutgoingEmail[] = [];
  return {
    sent,
    to: (address) => sent.filter((m) => m.to === address),
    async send(email) {
      if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
      if (options.failFor?.includes(email.to)) throw new Error("mail server said no");
      sent.push(email);
    },
  };
}

type BuilderMessage = Exclude<Parameters<SendEmail["send"]>[0], EmailMessage>;

/** Stands in for the send_email binding and keeps what the app handed it. */
function recordingBinding() {
  const messages: BuilderMessage[] = [];
  const binding = {
    async send(message: BuilderMessage) {
      messages.push(message);
      return { messageId: `<${unique("m")}@lectern.test>` };
    },
  };
  return { messages, binding: binding as unknown as SendEmail };
}

/**
 * The Stripe stand-in, with webhooks delivered to an app whose EMAIL binding records, on
 * execution contexts the test can wait for: the webhook's own notification run (waitUntil)
 * finishes before `settle()` resolves, so nothing races the assertions.
 */
function installStandinWithMailbox() {
  const { messages, binding } = recordingBinding();
  const testEnv = { ...env, EMAIL: binding } as Env;
  const app = createApp();
  const contexts: ExecutionContext[] = [];
  const standin = createStripeStandin({
    delivery: "manual",
    webhookUrl: `${BASE}/api/webhooks/stripe`,
    webhookSecret: LOCAL_WEBHOOK_SECRET,
    retryDelaysMs: [],
    fetchImpl: async (input, init) => {
      const ctx = createExecutionContext();
      contexts.push(ctx);
      return app.fetch(new Request(input, init), testEnv, ctx);
    },
  });
  const original = globalThis.fetch.bind(globalThis);
  vi.spyOn(globalThis, "fetch").mockImplementation((input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.host === STANDIN_HOST) return standin.fetch(input, init);
    return original(input, init);
  });
  return {
    standin,
    messages,
    async settle() {
      while (contexts.length > 0) await Promise.all(contexts.splice(0).map((c) => waitOnExecutionContext(c)));
    },
  };
}

afterEach(() => {
  vi.restoreAllMocks();
});

// --- fixtures ----------------------------------------------------------------------------------

/** Deps with a frozen clock. */
function depsAt(now: number): Deps {
  return { ...buildDeps(env), now: () => now };
}

async function rename(user: TestUser, name: string): Promise<TestUser> {
  await env.DB.prepare("UPDATE users SET name = ? WHERE id = ?").bind(name, user.id).run();
  return user;
}

interface Lesson {
  slotId: string;
  sessionId: string;
  bookingIds: Map<string, string>;
}

/**
 * Writes a booked lesson straight into D1 (as confirmBooking leaves it): slot, SCHEDULED session,
 * and per student a CONFIRMED booking, a SUCCEEDED payment and a CONFIRMED participant.
 * `cancelled` students hold a CANCELLED booking with a REFUNDED payment instead.
 */
async function insertLesson(spec: {
  provider: TestUser;
  students: TestUser[];
  cancelled?: TestUser[];
  startsAt: number;
  minutes?: number;
  now?: number;
}): Promise<Lesson> {
  const now = spec.now ?? Date.now();
  const minutes = spec.minutes ?? 60;
  const slotId = unique("slot_n");
  const sessionId = unique("ses_n");
  const seats = spec.students.length + (spec.cancelled?.length ?? 0);
  const statements = [
    env.DB.prepare(
      `INSERT INTO slots (id, provider_id, starts_at, ends_at, duration_minutes, session_type, max_participants,
                          seats_taken, status, price_amount, currency, version, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'OPEN', 4500, 'usd', 1, ?, ?)`,
    ).bind(
      slotId,
      spec.provider.id,
      spec.startsAt,
      spec.startsAt + minutes * MINUTE_MS,
      minutes,
      seats > 1 ? "GROUP" : "ONE_TO_ONE",
      Math.max(seats, seats > 1 ? 2 : 1),
      spec.students.length,
      now,
      now,
    ),
    env.DB.prepare(
      `INSERT INTO teaching_sessions (id, slot_id, provider_id, status, channel_name, created_at)
       VALUES (?, ?, ?, 'SCHEDULED', ?, ?)`,
    ).bind(sessionId, slotId, spec.provider.id, `lectern-${slotId}`, now),
  ];
  const bookingIds = new Map<string, string>();
  const seat = (student: TestUser, active: boolean) => {
    const bookingId = unique("bkg_n");
    bookingIds.set(student.id, bookingId);
    statements.push(
      env.DB.prepare(
        `INSERT INTO bookings (id, slot_id, student_id, status, amount, currency, hold_expires_at, session_id,
                               created_at, updated_at)
         VALUES (?, ?, ?, ?, 4500, 'usd', ?, ?, ?, ?)`,
      ).bind(bookingId, slotId, student.id, active ? "CONFIRMED" : "CANCELLED", now, sessionId, now, now),
      env.DB.prepare(
        `INSERT INTO payments (id, booking_id, payment_intent_id, client_secret, amount, currency, status,
                               amount_captured, refunded_amount, created_at, updated_at)
         VALUES (?, ?, ?, 'secret', 4500, 'usd', ?, 4500, ?, ?, ?)`,
      ).bind(
        unique("pay_n"),
        bookingId,
        unique("pi_n"),
        active ? "SUCCEEDED" : "REFUNDED",
        active ? 0 : 4500,
        now,
        now,
      ),
      env.DB.prepare(
        `INSERT INTO session_participants (session_id, user_id, booking_id, status, joined_at)
         VALUES (?, ?, ?, ?, ?)`,
      ).bind(sessionId, student.id, bookingId, active ? "CONFIRMED" : "CANCELLED", now),
    );
  };
  for (const student of spec.students) seat(student, true);
  for (const student of spec.cancelled ?? []) seat(student, false);
  await env.DB.batch(statements);
  return { slotId, sessionId, bookingIds };
}

interface OutboxRow {
  id: string;
  dedupe_key: string;
  user_id: string;
  to_address: string;
  kind: string;
  subject: string;
  text_body: string;
  ics: string | null;
  status: string;
  attempts: number;
  last_error: string | null;
  next_attempt_at: number;
  sent_at: number | null;
}

async function outboxFor(users: TestUser[], kind?: string): Promise<OutboxRow[]> {
  const ids = users.map((u) => u.id);
  const { results } = await env.DB.prepare(
    `SELECT * FROM email_outbox WHERE user_id IN (${ids.map(() => "?").join(", ")})
       ${kind ? "AND kind = ?" : ""} ORDER BY created_at, id`,
  )
    .bind(...ids, ...(kind ? [kind] : []))
    .all<OutboxRow>();
  return results;
}

const kindsOf = (rows: OutboxRow[], user: TestUser) =>
  rows
    .filter((r) => r.user_id === user.id)
    .map((r) => r.kind)
    .sort();

async function runCron() {
  const ctx = createExecutionContext();
  await worker.scheduled(
    createScheduledController({ cron: "*/5 * * * *", scheduledTime: Date.now() }),
    env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
}

// --- booking confirmed -------------------------------------------------------------------------

describe("booking confirmed", () => {
  let mailbox: ReturnType<typeof installStandinWithMailbox>;
  let standin: StripeStandin;
  beforeEach(() => {
    mailbox = installStandinWithMailbox();
    standin = mailbox.standin;
  });

  it("emails the student (with an .ics invite) and the provider once each, right after the webhook", async () => {
    const provider = await rename(await registerProvider(6000), "Prof. Plum");
    const slot = await createOpenSlot(provider, { startsInHours: 30, durationMinutes: 45 });
    const student = await rename(await registerUser("student", "America/New_York"), "Sam Student");
    const booking = await bookAndPay(standin, student, slot.id);
    await mailbox.settle();

    const rows = await outboxFor([student, provider]);
    expect(kindsOf(rows, student)).toEqual(["booking-confirmed"]);
    expect(kindsOf(rows, provider)).toEqual(["booking-new"]);
    expect(rows.every((r) => r.status === "SENT" && r.sent_at !== null && r.attempts === 0)).toBe(true);
    expect(rows.map((r) => r.dedupe_key).sort()).toEqual(
      [`booking-confirmed:${booking.id}:${student.id}`, `booking-new:${booking.id}:${provider.id}`].sort(),
    );

    // Sent through the send_email binding: one message each, the invite attached for the student.
    const toStudent = mailbox.messages.filter((m) => m.to === student.email);
    const toProvider = mailbox.messages.filter((m) => m.to === provider.email);
    expect(toStudent).toHaveLength(1);
    expect(toProvider).toHaveLength(1);
    const confirmation = toStudent[0]!;
    expect(confirmation.from).toEqual({ name: "Lectern", email: "lessons@lectern.test" });
    expect(confirmation.subject).toContain("Prof. Plum");
    expect(confirmation.text).toContain("Paid: $45.00");
    expect(confirmation.text).toContain("(America/New_York)");
    expect(confirmation.html).toContain("<p>Hi Sam Student,</p>");
    const [invite] = confirmation.attachments ?? [];
    expect(invite).toMatchObject({
      filename: "lesson.ics",
      disposition: "attachment",
      type: "text/calendar; charset=utf-8; method=REQUEST",
    });
    const ics = String(invite?.content);
    expect(ics).toContain("METHOD:REQUEST");
    expect(ics).toContain(`UID:${booking.id}@lectern`);
    expect(ics).toContain(`DTSTART:${slot.startsAt.replace(/[-:]/g, "").replace(/\.\d{3}/, "")}`);
    expect(ics).toContain("SUMMARY:Lesson with Prof. Plum");
    expect(toProvider[0]?.subject).toMatch(/^New booking: Sam Student on /);
    expect(toProvider[0]?.text).toContain("(Europe/Berlin)");
    // Every email carries the lesson: the provider's invite names the student.
    expect(String(toProvider[0]?.attachments?.[0]?.content)).toContain("SUMMARY:Lesson with Sam Student");

    // Later runs (an injected mailer, then the cron) find nothing new to queue or send.
    const mailer = fakeMailer();
    const report = await runNotifications(buildDeps(env), mailer);
    expect(report.queued).toBe(0);
    expect(mailer.to(student.email)).toHaveLength(0);
    expect(mailer.to(provider.email)).toHaveLength(0);
    await runCron();
    expect(await outboxFor([student, provider])).toHaveLength(2);
  });

  it("tells the student how much is refunded after they cancel a confirmed booking", async () => {
    const provider = await registerProvider(6000);
    const slot = await createOpenSlot(provider, { startsInHours: 30, durationMinutes: 45 });
    const student = await registerUser("student");
    const booking = await bookAndPay(standin, student, slot.id);
    const cancelled = await call("POST", `/api/bookings/${booking.id}/cancel`, { token: student.token });
    expect(cancelled.body).toMatchObject({ status: "CANCELLED" });
    await deliverAll(standin);
    await mailbox.settle();
    await runNotifications(buildDeps(env), fakeMailer());

    const refunds = await outboxFor([student], "booking-refund");
    expect(refunds).toHaveLength(1);
    expect(refunds[0]).toMatchObject({
      dedupe_key: `booking-refund:${booking.id}:${student.id}`,
      status: "SENT",
    });
    expect(refunds[0]?.subject).toMatch(/^(Refunded: \$45\.00|Refund on its way: \$45\.00)/);
    expect(refunds[0]?.text_body).toContain("$45.00");
    expect(await outboxFor([provider], "booking-refund")).toHaveLength(0);
  });

  it("queues and sends through the injected mailer on a direct run, and queues nothing the second time", async () => {
    const provider = await registerProvider();
    const student = await registerUser("student");
    const now = Date.now();
    const lesson = await insertLesson({
      provider,
      students: [student],
      startsAt: now + 3 * 24 * HOUR_MS,
      now,
    });
    const mailer = fakeMailer();

    const first = await runNotifications(depsAt(now), mailer);
    expect(first.queued).toBeGreaterThanOrEqual(2);
    expect(mailer.to(student.email).map((m) => m.subject)).toEqual([expect.stringMatching(/^Booked: /)]);
    expect(mailer.to(student.email)[0]?.ics).toContain(`UID:${lesson.bookingIds.get(student.id)}@lectern`);
    expect(mailer.to(student.email)[0]?.idempotencyKey).toMatch(/^eml_/);
    expect(mailer.to(provider.email).map((m) => m.subject)).toEqual([
      expect.stringMatching(/^New booking: /),
    ]);

    const second = await runNotifications(depsAt(now + MINUTE_MS), mailer);
    expect(second).toMatchObject({ queued: 0 });
    expect(mailer.to(student.email)).toHaveLength(1);
    expect(mailer.to(provider.email)).toHaveLength(1);
  });
});

// --- reminders ---------------------------------------------------------------------------------

describe("reminders", () => {
  it("queues the 24 h reminder once per recipient at 23 h, then the 1 h reminder once at 50 minutes", async () => {
    const provider = await rename(await registerProvider(), "Prof. Plum");
    const ann = await rename(await registerUser("student", "Asia/Tokyo"), "Ann");
    const bob = await rename(await registerUser("student", "America/New_York"), "Bob");
    const gone = await rename(await registerUser("student"), "Gone");
    const now = Date.now();
    const startsAt = now + 23 * HOUR_MS;
    const lesson = await insertLesson({ provider, students: [ann, bob], cancelled: [gone], startsAt, now });
    const everyone = [provider, ann, bob, gone];
    const mailer = fakeMailer();

    await runNotifications(depsAt(now), mailer);
    await runNotifications(depsAt(now + 5 * MINUTE_MS), mailer);
    const day = await outboxFor(everyone, "reminder-24h");
    expect(day.map((r) => r.dedupe_key).sort()).toEqual(
      [provider, ann, bob].map((u) => `reminder-24h:${lesson.sessionId}:${u.id}`).sort(),
    );
    expect(day.every((r) => r.status === "SENT")).toBe(true);
    const reminders = (address: string) => mailer.to(address).filter((m) => m.subject.startsWith("Reminder"));
    expect(reminders(ann.email)).toHaveLength(1);
    expect(reminders(ann.email)[0]?.subject).toBe("Reminder: your lesson with Prof. Plum starts tomorrow");
    expect(reminders(ann.email)[0]?.ics).toContain(`UID:${lesson.bookingIds.get(ann.id)}@lectern`);
    expect(reminders(ann.email)[0]?.text).toContain("(Asia/Tokyo)");
    expect(reminders(bob.email)[0]?.text).toContain("(America/New_York)");
    expect(reminders(provider.email)).toHaveLength(1);
    expect(reminders(provider.email)[0]?.subject).toBe(
      "Reminder: your lesson for Ann and Bob starts tomorrow",
    );
    expect(reminders(gone.email)).toHaveLength(0);

    // 50 minutes before the start: the 1 h reminder, once, and no second 24 h one.
    const later = startsAt - 50 * MINUTE_MS;
    await runNotifications(depsAt(later), mailer);
    await runNotifications(depsAt(later + 5 * MINUTE_MS), mailer);
    const hour = await outboxFor(everyone, "reminder-1h");
    expect(hour.map((r) => r.user_id).sort()).toEqual([provider.id, ann.id, bob.id].sort());
    expect(await outboxFor(everyone, "reminder-24h")).toHaveLength(3);
    expect(reminders(ann.email).map((m) => m.subject)).toEqual([
      "Reminder: your lesson with Prof. Plum starts tomorrow",
      "Reminder: your lesson with Prof. Plum starts in about an hour",
    ]);
    expect(reminders(provider.email)).toHaveLength(2);
  });

  it("also works when the slot is moved into the window by updating D1", async () => {
    const provider = await registerProvider();
    const student = await registerUser("student");
    const now = Date.now();
    const lesson = await insertLesson({
      provider,
      students: [student],
      startsAt: now + 3 * 24 * HOUR_MS,
      now,
    });
    const mailer = fakeMailer();
    await runNotifications(depsAt(now), mailer);
    expect(await outboxFor([provider, student], "reminder-24h")).toHaveLength(0);

    await env.DB.prepare("UPDATE slots SET starts_at = ?, ends_at = ? WHERE id = ?")
      .bind(now + 23 * HOUR_MS, now + 24 * HOUR_MS, lesson.slotId)
      .run();
    await runNotifications(depsAt(now), mailer);
    await runNotifications(depsAt(now), mailer);
    expect((await outboxFor([provider, student], "reminder-24h")).map((r) => r.user_id).sort()).toEqual(
      [provider.id, student.id].sort(),
    );
  });

  it.each([
    { label: "25 h ahead", startsIn: 25 * HOUR_MS, sessionStatus: "SCHEDULED", students: 1 },
    { label: "already started", startsIn: -10 * MINUTE_MS, sessionStatus: "SCHEDULED", students: 1 },
    { label: "in progress", startsIn: 30 * MINUTE_MS, sessionStatus: "IN_PROGRESS", students: 1 },
    { label: "cancelled", startsIn: 5 * HOUR_MS, sessionStatus: "CANCELLED", students: 1 },
    { label: "without confirmed students", startsIn: 5 * HOUR_MS, sessionStatus: "SCHEDULED", students: 0 },
  ])("sends no reminder for a lesson $label", async ({ startsIn, sessionStatus, students }) => {
    const provider = await registerProvider();
    const student = await registerUser("student");
    const now = Date.now();
    const lesson = await insertLesson({
      provider,
      students: students ? [student] : [],
      cancelled: students ? [] : [student],
      startsAt: now + startsIn,
      now,
    });
    await env.DB.prepare("UPDATE teaching_sessions SET status = ? WHERE id = ?")
      .bind(sessionStatus, lesson.sessionId)
      .run();
    await runNotifications(depsAt(now), fakeMailer());
    const rows = await outboxFor([provider, student]);
    expect(rows.filter((r) => r.kind.startsWith("reminder"))).toEqual([]);
  });
});

// --- session cancelled -------------------------------------------------------------------------

describe("session cancelled by the instructor", () => {
  it("emails every participant and the provider once, with a METHOD:CANCEL file", async () => {
    const provider = await rename(await registerProvider(), "Prof. Plum");
    const ann = await rename(await registerUser("student"), "Ann");
    const bob = await rename(await registerUser("student"), "Bob");
    // Bob reads German: PATCH /api/me stores it, and his emails must take it from users.locale.
    const german = await call("PATCH", "/api/me", { token: bob.token, body: { locale: "de-de" } });
    expect(german.body.locale).toBe("de-DE");
    const now = Date.now();
    const startsAt = now + 2 * 24 * HOUR_MS;
    const lesson = await insertLesson({
      provider,
      students: [ann, bob],
      startsAt,
      now,
    });
    const mailer = fakeMailer();
    await runNotifications(depsAt(now), mailer);

    // What the cancel route leaves behind: session CANCELLED, seats withdrawn, refunds pending.
    await env.DB.batch([
      env.DB.prepare("UPDATE teaching_sessions SET status = 'CANCELLED' WHERE id = ?").bind(lesson.sessionId),
      env.DB.prepare("UPDATE session_participants SET status = 'CANCELLED' WHERE session_id = ?").bind(
        lesson.sessionId,
      ),
      env.DB.prepare("UPDATE bookings SET status = 'CANCELLED', updated_at = ? WHERE session_id = ?").bind(
        now,
        lesson.sessionId,
      ),
      env.DB.prepare(
        "UPDATE payments SET status = 'REFUND_PENDING', updated_at = ? WHERE booking_id IN (SELECT id FROM bookings WHERE session_id = ?)",
      ).bind(now, lesson.sessionId),
    ]);
    await runNotifications(depsAt(now + MINUTE_MS), mailer);
    await runNotifications(depsAt(now + 2 * MINUTE_MS), mailer);

    const rows = await outboxFor([provider, ann, bob], "session-cancelled");
    expect(rows.map((r) => r.dedupe_key).sort()).toEqual(
      [provider, ann, bob].map((u) => `session-cancelled:${lesson.sessionId}:${u.id}`).sort(),
    );
    for (const user of [provider, ann, bob]) {
      const notices = mailer.to(user.email).filter((m) => m.subject.startsWith("Cancelled"));
      expect(notices).toHaveLength(1);
      expect(notices[0]?.ics).toContain("METHOD:CANCEL");
      expect(notices[0]?.ics).toContain("STATUS:CANCELLED");
      // The provider's event is the session, each student's their booking.
      const id = user === provider ? lesson.sessionId : lesson.bookingIds.get(user.id);
      expect(notices[0]?.ics).toContain(`UID:${id}@lectern`);
    }
    expect(mailer.to(ann.email).find((m) => m.subject.startsWith("Cancelled"))?.text).toContain(
      "Prof. Plum had to cancel",
    );
    expect(mailer.to(provider.email).find((m) => m.subject.startsWith("Cancelled"))?.text).toContain(
      "Ann and Bob",
    );
    // Each student also hears about the money: one refund notice naming the amount and the lesson,
    // in their own locale and zone (both in Berlin here), the zone named.
    const refundsTo = (student: TestUser) =>
      mailer
        .to(student.email)
        .filter((m) => m.subject.startsWith("Refund on its way"))
        .map((m) => m.subject);
    const berlin = (locale: string) => formatDateTime(startsAt, { locale, timeZone: "Europe/Berlin" });
    expect(berlin("de-DE")).toMatch(/ (MEZ|MESZ)$/);
    expect(refundsTo(ann)).toEqual([
      `Refund on its way: $45.00 for your lesson with Prof. Plum on ${berlin("en-US")}`,
    ]);
    expect(refundsTo(bob)).toEqual([
      `Refund on its way: 45,00 $ for your lesson with Prof. Plum on ${berlin("de-DE")}`,
    ]);
    expect(mailer.to(bob.email).find((m) => m.subject.startsWith("Cancelled"))?.subject).toBe(
      `Cancelled: your lesson with Prof. Plum on ${berlin("de-DE")}`,
    );
  });
});

// --- dispatch ----------------------------------------------------------------------------------

describe("dispatch", () => {
  it("leaves a failed row PENDING with attempts 1 and a later next_attempt_at; a later run sends it", async () => {
    const provider = await registerProvider();
    const student = await registerUser("student");
    const now = Date.now();
    await insertLesson({ provider, students: [student], startsAt: now + 3 * 24 * HOUR_MS, now });

    const failing = fakeMailer({ failFor: [student.email] });
    const report = await runNotifications(depsAt(now), failing);
    expect(report.failed).toBeGreaterThanOrEqual(1);
    const [row] = await outboxFor([student], "booking-confirmed");
    expect(row).toMatchObject({
      status: "PENDING",
      attempts: 1,
      last_error: "mail server said no",
      sent_at: null,
    });
    expect(row!.next_attempt_at).toBe(now + retryDelayMs(1));
    expect(row!.next_attempt_at).toBeGreaterThan(now);
    expect((await outboxFor([provider], "booking-new"))[0]?.status).toBe("SENT");

    // Not due yet: nothing is sent before the backoff ends.
    const working = fakeMailer();
    await runNotifications(depsAt(now + MINUTE_MS), working);
    expect(working.to(student.email)).toHaveLength(0);

    await runNotifications(depsAt(now + retryDelayMs(1)), working);
    expect(working.to(student.email)).toHaveLength(1);
    const [sent] = await outboxFor([student], "booking-confirmed");
    expect(sent).toMatchObject({ status: "SENT", attempts: 1 });
    expect(sent!.sent_at).toBe(now + retryDelayMs(1));
  });

  it("backs off exponentially and marks the row FAILED after the 8th failed attempt", async () => {
    expect([1, 2, 3, 7].map(retryDelayMs)).toEqual([5, 10, 20, 320].map((m) => m * MINUTE_MS));
    const provider = await registerProvider();
    const student = await registerUser("student");
    const now = Date.now();
    await insertLesson({ provider, students: [student], startsAt: now + 3 * 24 * HOUR_MS, now });
    const failing = fakeMailer({ failFor: [student.email] });
    await runNotifications(depsAt(now), failing);
    await env.DB.prepare("UPDATE email_outbox SET attempts = ?, next_attempt_at = ? WHERE user_id = ?")
      .bind(MAX_ATTEMPTS - 1, now, student.id)
      .run();

    const report = await runNotifications(depsAt(now + MINUTE_MS), failing);
    expect(report.gaveUp).toBeGreaterThanOrEqual(1);
    const [row] = await outboxFor([student], "booking-confirmed");
    expect(row).toMatchObject({
      status: "FAILED",
      attempts: MAX_ATTEMPTS,
      last_error: "mail server said no",
    });
    await runNotifications(depsAt(now + 24 * HOUR_MS), fakeMailer());
    expect((await outboxFor([student], "booking-confirmed"))[0]?.status).toBe("FAILED");
  });

  it("sends each row once when two runs overlap", async () => {
    const provider = await registerProvider();
    const students = [await registerUser("student"), await registerUser("student")];
    const now = Date.now();
    await insertLesson({ provider, students, startsAt: now + 3 * 24 * HOUR_MS, now });
    const mailer = fakeMailer({ delayMs: 20 });

    await Promise.all([runNotifications(depsAt(now), mailer), runNotifications(depsAt(now), mailer)]);

    expect(mailer.to(provider.email)).toHaveLength(2);
    for (const student of students) expect(mailer.to(student.email)).toHaveLength(1);
    expect((await outboxFor([provider, ...students])).every((r) => r.status === "SENT")).toBe(true);
  });

  it("retries a row whose sender died after claiming it, once the claim lapses", async () => {
    const provider = await registerProvider();
    const student = await registerUser("student");
    const now = Date.now();
    await insertLesson({ provider, students: [student], startsAt: now + 3 * 24 * HOUR_MS, now });
    const never: Mailer = {
      send: (m) => (m.to === student.email ? new Promise(() => {}) : Promise.resolve()),
    };
    // A run that claims and then hangs forever (a crashed isolate): don't wait for it.
    void runNotifications(depsAt(now), never);
    await vi.waitFor(async () => {
      const [row] = await outboxFor([student], "booking-confirmed");
      expect(row?.next_attempt_at).toBe(now + CLAIM_MS);
    });
    const mailer = fakeMailer();
    await runNotifications(depsAt(now + MINUTE_MS), mailer);
    expect(mailer.to(student.email)).toHaveLength(0);
    await runNotifications(depsAt(now + CLAIM_MS), mailer);
    expect(mailer.to(student.email)).toHaveLength(1);
  });
});

// --- transports --------------------------------------------------------------------------------

describe("mail transports", () => {
  const email: OutgoingEmail = {
    to: "ann@example.test",
    subject: "Booked",
    text: "Hi",
    html: "<p>Hi</p>",
    ics: "BEGIN:VCALENDAR\r\nMETHOD:CANCEL\r\nEND:VCALENDAR\r\n",
    idempotencyKey: "eml_1",
  };

  it("hands the send_email binding from, to, bodies and the invite as a text/calendar attachment", async () => {
    const { messages, binding } = recordingBinding();
    await createBindingMailer(binding, "Lectern <lessons@lectern.test>").send(email);
    expect(messages).toEqual([
      {
        from: { name: "Lectern", email: "lessons@lectern.test" },
        to: "ann@example.test",
        subject: "Booked",
        text: "Hi",
        html: "<p>Hi</p>",
        attachments: [
          {
            disposition: "attachment",
            filename: "lesson.ics",
            type: "text/calendar; charset=utf-8; method=CANCEL",
            content: email.ics,
          },
        ],
      },
    ]);
  });

  it("posts to Resend with the bearer key, an idempotency key and a base64 attachment", async () => {
    const requests: Request[] = [];
    const fetchImpl = (async (input: RequestInfo | URL, init?: RequestInit) => {
      requests.push(new Request(input, init));
      return Response.json({ id: "re_1" });
    }) as typeof fetch;
    await createResendMailer("re_test_key", "Lectern <lessons@lectern.test>", fetchImpl).send(email);
    expect(requests).toHaveLength(1);
    const request = requests[0]!;
    expect(request.url).toBe("https://api.resend.com/emails");
    expect(request.headers.get("authorization")).toBe("Bearer re_test_key");
    expect(request.headers.get("idempotency-key")).toBe("eml_1");
    const body = (await request.json()) as Record<string, any>;
    expect(body).toMatchObject({
      from: "Lectern <lessons@lectern.test>",
      to: ["ann@example.test"],
      subject: "Booked",
    });
    expect(atob(body.attachments[0].content)).toBe(email.ics);
    expect(body.attachments[0]).toMatchObject({
      filename: "lesson.ics",
      content_type: expect.stringContaining("text/calendar"),
    });
  });

  it("turns a Resend error answer into a failed send", async () => {
    const fetchImpl = (async () =>
      Response.json({ message: "domain not verified" }, { status: 403 })) as unknown as typeof fetch;
    await expect(createResendMailer("re_x", "a@b.test", fetchImpl).send(email)).rejects.toThrow(
      /Resend answered 403: .*domain not verified/,
    );
  });

  it("chooses Resend when RESEND_API_KEY is set, the binding otherwise", async () => {
    const calls: string[] = [];
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input: RequestInfo | URL) => {
      calls.push(String(input instanceof Request ? input.url : input));
      return Response.json({ id: "re_2" });
    });
    await createMailer({ ...env, RESEND_API_KEY: "re_key" } as Env).send(email);
    expect(calls).toEqual(["https://api.resend.com/emails"]);
    const { messages, binding } = recordingBinding();
    await createMailer({ ...env, EMAIL: binding } as Env).send(email);
    expect(messages).toHaveLength(1);
    expect(calls).toHaveLength(1);
  });
});

// --- HTTP: calendar feed and mailbox -----------------------------------------------------------

describe("GET /api/me/calendar.ics", () => {
  it("lists the session for its provider and confirmed student with a stable UID, not for an outsider", async () => {
    const provider = await rename(await registerProvider(), "Prof. Plum");
    const student = await rename(await registerUser("student"), "Ann");
    const outsider = await registerUser("student");
    const startsAt = Math.ceil((Date.now() + 2 * 24 * HOUR_MS) / MINUTE_MS) * MINUTE_MS;
    const lesson = await insertLesson({ provider, students: [student], startsAt });
    // The provider's event is the session, the student's their booking.
    const uid = `UID:${lesson.sessionId}@lectern`;
    const studentUid = `UID:${lesson.bookingIds.get(student.id)}@lectern`;
    const dtstart = `DTSTART:${new Date(startsAt)
      .toISOString()
      .replace(/[-:]/g, "")
      .replace(/\.\d{3}/, "")}`;

    const mine = await call("GET", "/api/me/calendar.ics", { token: provider.token });
    expect(mine.status).toBe(200);
    expect(mine.headers.get("content-type")).toBe("text/calendar; charset=utf-8");
    expect(mine.body).toMatch(/^BEGIN:VCALENDAR\r\n/);
    expect(mine.body).toContain(uid);
    expect(mine.body).toContain(dtstart);
    expect(mine.body).toContain("SUMMARY:Lesson with Ann");
    expect(mine.body).toContain("STATUS:CONFIRMED");

    const theirs = await call("GET", "/api/me/calendar.ics", { token: student.token });
    expect(theirs.status).toBe(200);
    expect(theirs.body).toContain(studentUid);
    expect(theirs.body).toContain("SUMMARY:Lesson with Prof. Plum");
    expect(theirs.body).toMatch(/END:VCALENDAR\r\n$/);

    const other = await call("GET", "/api/me/calendar.ics", { token: outsider.token });
    expect(other.status).toBe(200);
    expect(other.body).toContain("BEGIN:VCALENDAR");
    expect(other.body).not.toContain("BEGIN:VEVENT");
  });

  it("marks a cancelled session STATUS:CANCELLED for both sides, keeping its UID", async () => {
    const provider = await registerProvider();
    const student = await registerUser("student");
    const lesson = await insertLesson({ provider, students: [student], startsAt: Date.now() + 30 * HOUR_MS });
    await env.DB.batch([
      env.DB.prepare("UPDATE teaching_sessions SET status = 'CANCELLED' WHERE id = ?").bind(lesson.sessionId),
      env.DB.prepare("UPDATE session_participants SET status = 'CANCELLED' WHERE session_id = ?").bind(
        lesson.sessionId,
      ),
    ]);
    for (const [user, id] of [
      [provider, lesson.sessionId],
      [student, lesson.bookingIds.get(student.id)],
    ] as const) {
      const res = await call("GET", "/api/me/calendar.ics", { token: user.token });
      expect(res.body).toContain(`UID:${id}@lectern`);
      expect(res.body).toContain("STATUS:CANCELLED");
      expect(res.body).toContain("SEQUENCE:1");
    }
  });

  it("leaves out sessions that ended more than 30 days ago", async () => {
    const provider = await registerProvider();
    const student = await registerUser("student");
    const old = await insertLesson({
      provider,
      students: [student],
      startsAt: Date.now() - 31 * 24 * HOUR_MS,
    });
    const recent = await insertLesson({
      provider,
      students: [student],
      startsAt: Date.now() - 2 * 24 * HOUR_MS,
    });
    const res = await call("GET", "/api/me/calendar.ics", { token: student.token });
    expect(res.body).not.toContain(`${old.bookingIds.get(student.id)}`);
    expect(res.body).toContain(`${recent.bookingIds.get(student.id)}`);
  });

  it("answers 401 UNAUTHENTICATED without a session", async () => {
    expectError(await call("GET", "/api/me/calendar.ics"), 401, "UNAUTHENTICATED");
    expectError(await call("GET", "/api/me/calendar.ics", { token: "not-a-token" }), 401, "UNAUTHENTICATED");
  });
});

describe("GET /api/me/notifications", () => {
  it("lists the caller's own notifications, newest first, with their delivery state", async () => {
    const provider = await registerProvider();
    const student = await registerUser("student");
    const outsider = await registerUser("student");
    const now = Date.now();
    const startsAt = now + 3 * 24 * HOUR_MS;
    await insertLesson({ provider, students: [student], startsAt, now });
    await runNotifications(depsAt(now), fakeMailer());
    await runNotifications(depsAt(startsAt - 23 * HOUR_MS), fakeMailer());

    const res = await call("GET", "/api/me/notifications", { token: student.token });
    expect(res.status).toBe(200);
    const list = res.body.notifications as any[];
    expect(list.map((n) => n.kind)).toEqual(["reminder-24h", "booking-confirmed"]);
    expect(list[0].createdAt).toBe(new Date(startsAt - 23 * HOUR_MS).toISOString());
    for (const n of list) {
      expect(Object.keys(n).sort()).toEqual([
        "createdAt",
        "id",
        "kind",
        "sentAt",
        "status",
        "subject",
        "text",
      ]);
      expect(n.status).toBe("SENT");
      expect(n.sentAt).toMatch(/Z$/);
      expect(n.text).toContain("Hi Test student,");
    }
    const outsiderList = await call("GET", "/api/me/notifications", { token: outsider.token });
    expect(outsiderList.body).toEqual({ notifications: [] });
    expectError(await call("GET", "/api/me/notifications"), 401, "UNAUTHENTICATED");
  });
});
