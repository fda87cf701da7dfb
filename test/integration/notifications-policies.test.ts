import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Mailer, OutgoingEmail } from "../../src/adapters/mailer";
import { buildDeps, type Deps } from "../../src/deps";
import { runNotifications } from "../../src/jobs/notifications";
import { formatDateTime } from "../../src/shared/date-format";
import { call, registerProvider, registerUser, type TestUser, unique } from "../helpers/api";
import { HOUR_MS } from "../helpers/fixtures";

/**
 * The emails of cancellation policies, reschedules, no-shows and the waitlist, from D1 state
 * written the way the booking code leaves it: each recipient hears once, by dedupe key, and the
 * older scans (confirmation, refund, session cancelled) stay quiet where a newer email says it.
 */

const MINUTE_MS = 60_000;

interface FakeMailer extends Mailer {
  to(address: string): OutgoingEmail[];
}

function fakeMailer(): FakeMailer {
  const sent: OutgoingEmail[] = [];
  return {
    to: (address) => sent.filter((m) => m.to === address),
    async send(email) {
      sent.push(email);
    },
  };
}

function depsAt(now: number): Deps {
  return { ...buildDeps(env), now: () => now };
}

async function person(role: "provider" | "student", name: string, timezone = "Europe/Berlin") {
  const user = role === "provider" ? await registerProvider() : await registerUser("student", timezone);
  await env.DB.prepare("UPDATE users SET name = ? WHERE id = ?").bind(name, user.id).run();
  return user;
}

// --- D1 rows as the backend writes them ---------------------------------------------------------

interface SlotRows {
  slotId: string;
  sessionId: string;
  startsAt: number;
}

/** A slot and its teaching session (the session is what a confirmed booking points at). */
async function insertSlot(
  provider: TestUser,
  startsAt: number,
  options: { group?: boolean; price?: number; sessionStatus?: string; cancelReason?: string | null } = {},
): Promise<SlotRows> {
  const slotId = unique("slot_p");
  const sessionId = unique("ses_p");
  const now = Date.now();
  await env.DB.batch([
    env.DB.prepare(
      `INSERT INTO slots (id, provider_id, starts_at, ends_at, duration_minutes, session_type, max_participants,
                          seats_taken, status, price_amount, currency, version, created_at, updated_at)
       VALUES (?, ?, ?, ?, 60, ?, ?, 0, 'OPEN', ?, 'usd', 1, ?, ?)`,
    ).bind(
      slotId,
      provider.id,
      startsAt,
      startsAt + HOUR_MS,
      options.group ? "GROUP" : "ONE_TO_ONE",
      options.group ? 5 : 1,
      options.price ?? 4500,
      now,
      now,
    ),
    env.DB.prepare(
      `INSERT INTO teaching_sessions (id, slot_id, provider_id, status, channel_name, cancel_reason, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ).bind(
      sessionId,
      slotId,
      provider.id,
      options.sessionStatus ?? "SCHEDULED",
      `lectern-${slotId}`,
      options.cancelReason ?? null,
      now,
    ),
  ]);
  return { slotId, sessionId, startsAt };
}

interface BookingSpec {
  slot: SlotRows;
  student: TestUser;
  status: "CONFIRMED" | "CANCELLED";
  amount?: number;
  /** Null: a hold that never got its seat. */
  confirmed?: boolean;
  cancelledBy?: string;
  cancelledAt?: number;
  retained?: number;
  rescheduledFrom?: string;
  rescheduledTo?: string;
  /** The payments row; omitted: none (e.g. moved away by a reschedule). */
  payment?: { status: string; captured?: number; refunded?: number; pending?: number; intentId?: string };
  now: number;
}

async function insertBooking(spec: BookingSpec): Promise<string> {
  const id = unique("bkg_p");
  const amount = spec.amount ?? 4500;
  const seated = spec.confirmed !== false;
  const statements = [
    env.DB.prepare(
      `INSERT INTO bookings (id, slot_id, student_id, status, amount, currency, hold_expires_at, session_id,
                             cancelled_by, cancelled_at, retained_amount, rescheduled_from, rescheduled_to,
                             created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, 'usd', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).bind(
      id,
      spec.slot.slotId,
      spec.student.id,
      spec.status,
      amount,
      spec.now,
      seated ? spec.slot.sessionId : null,
      spec.cancelledBy ?? null,
      spec.cancelledBy ? (spec.cancelledAt ?? spec.now) : null,
      spec.retained ?? 0,
      spec.rescheduledFrom ?? null,
      spec.rescheduledTo ?? null,
      spec.now,
      spec.now,
    ),
  ];
  if (seated) {
    statements.push(
      env.DB.prepare(
        `INSERT INTO session_participants (session_id, user_id, booking_id, status, joined_at)
         VALUES (?, ?, ?, ?, ?)`,
      ).bind(spec.slot.sessionId, spec.student.id, id, spec.status, spec.now),
    );
  }
  if (spec.payment) {
    const pay = spec.payment;
    statements.push(
      env.DB.prepare(
        `INSERT INTO payments (id, booking_id, payment_intent_id, client_secret, amount, currency, status,
                               amount_captured, refunded_amount, refund_pending_amount, created_at, updated_at)
         VALUES (?, ?, ?, 'secret', ?, 'usd', ?, ?, ?, ?, ?, ?)`,
      ).bind(
        unique("pay_p"),
        id,
        pay.intentId ?? unique("pi_p"),
        pay.captured ?? amount,
        pay.status,
        pay.captured ?? amount,
        pay.refunded ?? 0,
        pay.pending ?? 0,
        spec.now,
        spec.now,
      ),
    );
  }
  await env.DB.batch(statements);
  return id;
}

interface OutboxRow {
  dedupe_key: string;
  user_id: string;
  kind: string;
  subject: string;
  text_body: string;
  ics: string | null;
}

async function outboxOf(...users: TestUser[]): Promise<OutboxRow[]> {
  const ids = users.map((u) => u.id);
  const { results } = await env.DB.prepare(
    `SELECT dedupe_key, user_id, kind, subject, text_body, ics FROM email_outbox
      WHERE user_id IN (${ids.map(() => "?").join(", ")}) ORDER BY created_at, id`,
  )
    .bind(...ids)
    .all<OutboxRow>();
  return results;
}

const keysOf = (rows: OutboxRow[]) => rows.map((r) => r.dedupe_key).sort();

/** Two runs a few minutes apart: the second must queue nothing (exactly once per key). */
async function runTwice(now: number, mailer: Mailer = fakeMailer()) {
  const first = await runNotifications(depsAt(now), mailer);
  const second = await runNotifications(depsAt(now + 5 * MINUTE_MS), mailer);
  return { first, second };
}

// --- student cancels ------------------------------------------------------------------------------

describe("student cancels a confirmed booking", () => {
  it("tells the provider once (student-cancelled) with the refund the policy gives, and the student their refund", async () => {
    const provider = await person("provider", "Prof. Plum");
    // The provider reads German (users.locale), the student US English in New York.
    await env.DB.prepare("UPDATE users SET locale = 'de-DE' WHERE id = ?").bind(provider.id).run();
    const student = await person("student", "Sam", "America/New_York");
    const now = Date.now();
    const slot = await insertSlot(provider, now + 30 * HOUR_MS);
    const bookingId = await insertBooking({
      slot,
      student,
      status: "CANCELLED",
      cancelledBy: "STUDENT",
      retained: 2250,
      payment: { status: "PARTIALLY_REFUNDED", refunded: 2250 },
      now,
    });

    const mailer = fakeMailer();
    const { second } = await runTwice(now, mailer);
    expect(second.queued).toBe(0);

    const rows = await outboxOf(provider, student);
    expect(keysOf(rows)).toEqual(
      [`student-cancelled:${bookingId}:${provider.id}`, `booking-refund:${bookingId}:${student.id}`].sort(),
    );
    const toProvider = mailer.to(provider.email);
    expect(toProvider).toHaveLength(1);
    const inBerlin = formatDateTime(slot.startsAt, { locale: "de-DE", timeZone: "Europe/Berlin" });
    expect(inBerlin).toMatch(/ (MEZ|MESZ)$/);
    expect(toProvider[0]?.subject).toBe(`Cancelled by Sam: your lesson on ${inBerlin}`);
    expect(toProvider[0]?.text).toContain("Sam gets 22,50 $ back");
    expect(toProvider[0]?.text).toContain("(Europe/Berlin)");
    expect(toProvider[0]?.ics).toBeUndefined();
    const inNewYork = formatDateTime(slot.startsAt, { locale: "en-US", timeZone: "America/New_York" });
    expect(inNewYork).toMatch(/ (EST|EDT)$/);
    expect(mailer.to(student.email).map((m) => m.subject)).toEqual([
      `Refunded: $22.50 for your lesson with Prof. Plum on ${inNewYork}`,
    ]);

    // The provider's mailbox lists it as sent.
    const mailbox = await call("GET", "/api/me/notifications", { token: provider.token });
    expect(mailbox.body.notifications.map((n: { kind: string }) => n.kind)).toEqual(["student-cancelled"]);
  });

  it("words a refund still waiting for Stripe by the policy (amount − retained), not the full capture", async () => {
    const provider = await person("provider", "Prof. Plum");
    const student = await person("student", "Sam");
    const now = Date.now();
    const slot = await insertSlot(provider, now + 30 * HOUR_MS);
    await insertBooking({
      slot,
      student,
      status: "CANCELLED",
      cancelledBy: "STUDENT",
      retained: 1125,
      payment: { status: "REFUND_PENDING" },
      now,
    });
    const mailer = fakeMailer();
    await runTwice(now, mailer);
    const when = formatDateTime(slot.startsAt, { locale: "en-US", timeZone: "Europe/Berlin" });
    expect(mailer.to(student.email).map((m) => m.subject)).toEqual([
      `Refund on its way: $33.75 for your lesson with Prof. Plum on ${when}`,
    ]);
    expect(mailer.to(provider.email)[0]?.text).toContain("Sam gets $33.75 back");
  });

  it("queues no student-cancelled for a hold the student dropped before it was confirmed", async () => {
    const provider = await person("provider", "Prof. Plum");
    const student = await person("student", "Sam");
    const now = Date.now();
    const slot = await insertSlot(provider, now + 30 * HOUR_MS);
    await insertBooking({
      slot,
      student,
      status: "CANCELLED",
      confirmed: false,
      cancelledBy: "STUDENT",
      now,
    });
    await runTwice(now);
    expect(await outboxOf(provider, student)).toEqual([]);
  });
});

// --- reschedule -----------------------------------------------------------------------------------

describe("student reschedules", () => {
  async function reschedule(now: number) {
    const provider = await person("provider", "Prof. Plum");
    const student = await person("student", "Sam", "Asia/Tokyo");
    const from = await insertSlot(provider, now + 30 * HOUR_MS);
    const to = await insertSlot(provider, now + 54 * HOUR_MS, { price: 3000 });
    // The new booking first (its id goes into the old one), then the old one, as the reschedule leaves them.
    const newId = unique("bkg_new");
    const oldId = await insertBooking({
      slot: from,
      student,
      status: "CANCELLED",
      cancelledBy: "RESCHEDULE",
      rescheduledTo: newId,
      now,
    });
    await env.DB.batch([
      env.DB.prepare(
        `INSERT INTO bookings (id, slot_id, student_id, status, amount, currency, hold_expires_at, session_id,
                               rescheduled_from, retained_amount, created_at, updated_at)
         VALUES (?, ?, ?, 'CONFIRMED', 3000, 'usd', ?, ?, ?, 0, ?, ?)`,
      ).bind(newId, to.slotId, student.id, now, to.sessionId, oldId, now, now),
      env.DB.prepare(
        `INSERT INTO session_participants (session_id, user_id, booking_id, status, joined_at)
         VALUES (?, ?, ?, 'CONFIRMED', ?)`,
      ).bind(to.sessionId, student.id, newId, now),
      // The payment moved to the new booking; the difference went back on the same intent.
      env.DB.prepare(
        `INSERT INTO payments (id, booking_id, payment_intent_id, client_secret, amount, currency, status,
                               amount_captured, refunded_amount, created_at, updated_at)
         VALUES (?, ?, ?, 'secret', 4500, 'usd', 'PARTIALLY_REFUNDED', 4500, 1500, ?, ?)`,
      ).bind(unique("pay_p"), newId, unique("pi_p"), now, now),
    ]);
    return { provider, student, from, to, oldId, newId };
  }

  it("tells student and provider once each (booking-rescheduled) with the new invite; no confirmation or refund email", async () => {
    const now = Date.now();
    const { provider, student, to, oldId, newId } = await reschedule(now);
    const mailer = fakeMailer();
    const { second } = await runTwice(now, mailer);
    expect(second.queued).toBe(0);

    const rows = await outboxOf(provider, student);
    expect(keysOf(rows)).toEqual(
      [`booking-rescheduled:${newId}:${student.id}`, `booking-rescheduled:${newId}:${provider.id}`].sort(),
    );
    const [toStudent] = mailer.to(student.email);
    expect(mailer.to(student.email)).toHaveLength(1);
    expect(toStudent?.subject).toMatch(/^Rescheduled: your lesson with Prof\. Plum is now /);
    expect(toStudent?.text).toContain("Was: ");
    expect(toStudent?.text).toContain("(Asia/Tokyo)");
    expect(toStudent?.text).toContain("refunding the difference of $15.00");
    expect(toStudent?.ics).toContain("METHOD:REQUEST");
    // The student's event is their booking chain; until the reschedule fact names the chain's first
    // booking (drafts.ts StudentChain), the moved booking stands in for it.
    expect(toStudent?.ics).toContain(`UID:${oldId}@lectern`);
    const [toProvider] = mailer.to(provider.email);
    expect(mailer.to(provider.email)).toHaveLength(1);
    expect(toProvider?.subject).toMatch(/^Rescheduled by Sam: now /);
    expect(toProvider?.text).toContain("(Europe/Berlin)");
    expect(toProvider?.ics).toContain(`UID:${to.sessionId}@lectern`);
  });

  it("refunds only the new price when the rescheduled booking is later cancelled by its student", async () => {
    const now = Date.now();
    const { provider, student, to, newId } = await reschedule(now);
    const newStartsAt = to.startsAt;
    await runNotifications(depsAt(now), fakeMailer());

    const later = now + 10 * MINUTE_MS;
    await env.DB.batch([
      env.DB.prepare(
        "UPDATE bookings SET status = 'CANCELLED', cancelled_by = 'STUDENT', cancelled_at = ?, updated_at = ? WHERE id = ?",
      ).bind(later, later, newId),
      env.DB.prepare("UPDATE session_participants SET status = 'CANCELLED' WHERE booking_id = ?").bind(newId),
      env.DB.prepare(
        "UPDATE payments SET status = 'REFUNDED', refunded_amount = 4500, updated_at = ? WHERE booking_id = ?",
      ).bind(later, newId),
    ]);
    const mailer = fakeMailer();
    await runTwice(later, mailer);
    const when = formatDateTime(newStartsAt, { locale: "en-US", timeZone: "Asia/Tokyo" });
    expect(mailer.to(student.email).map((m) => m.subject)).toEqual([
      `Refunded: $30.00 for your lesson with Prof. Plum on ${when}`,
    ]);
    expect(mailer.to(provider.email).map((m) => m.text)).toEqual([
      expect.stringContaining("Sam gets $30.00 back"),
    ]);
    expect(keysOf(await outboxOf(student, provider))).toEqual(
      [
        `booking-rescheduled:${newId}:${student.id}`,
        `booking-rescheduled:${newId}:${provider.id}`,
        `booking-refund:${newId}:${student.id}`,
        `student-cancelled:${newId}:${provider.id}`,
      ].sort(),
    );
  });
});

// --- provider no-show -----------------------------------------------------------------------------

describe("provider no-show", () => {
  it.each([
    { label: "cancelled by the 5-minute job", sessionStatus: "CANCELLED" },
    { label: "ended by the provider without joining", sessionStatus: "COMPLETED" },
  ])(
    "tells each student once (provider-no-show) and nothing else when the session was $label",
    async ({ sessionStatus }) => {
      const provider = await person("provider", "Prof. Plum");
      const ann = await person("student", "Ann");
      const bob = await person("student", "Bob", "America/New_York");
      const now = Date.now();
      const slot = await insertSlot(provider, now - 80 * MINUTE_MS, {
        group: true,
        sessionStatus,
        cancelReason: "PROVIDER_NO_SHOW",
      });
      const bookings = new Map<string, string>();
      for (const [student, status] of [
        [ann, "REFUNDED"],
        [bob, "REFUND_PENDING"],
      ] as const) {
        bookings.set(
          student.id,
          await insertBooking({
            slot,
            student,
            status: "CANCELLED",
            cancelledBy: "PROVIDER_NO_SHOW",
            cancelledAt: now - MINUTE_MS,
            payment: {
              status,
              refunded: status === "REFUNDED" ? 4500 : 0,
              pending: status === "REFUNDED" ? 0 : 4500,
            },
            now,
          }),
        );
      }
      const mailer = fakeMailer();
      const { second } = await runTwice(now, mailer);
      expect(second.queued).toBe(0);

      // No session-cancelled (for anyone, the provider included) and no separate refund email.
      expect(keysOf(await outboxOf(provider, ann, bob))).toEqual(
        [ann, bob].map((s) => `provider-no-show:${bookings.get(s.id)}:${s.id}`).sort(),
      );
      expect(mailer.to(provider.email)).toEqual([]);
      const [toAnn] = mailer.to(ann.email);
      expect(mailer.to(ann.email)).toHaveLength(1);
      expect(toAnn?.text).toContain("Your tutor Prof. Plum did not show up");
      expect(toAnn?.text).toContain("You have been refunded in full ($45.00)");
      expect(toAnn?.text).toContain("(Europe/Berlin)");
      expect(mailer.to(bob.email)[0]?.text).toContain("You are being refunded in full ($45.00)");
      expect(mailer.to(bob.email)[0]?.text).toContain("(America/New_York)");
    },
  );

  it("still tells everyone when the provider cancels deliberately (session-cancelled and the refund)", async () => {
    const provider = await person("provider", "Prof. Plum");
    const ann = await person("student", "Ann");
    const now = Date.now();
    const slot = await insertSlot(provider, now + 30 * HOUR_MS, { sessionStatus: "CANCELLED" });
    const bookingId = await insertBooking({
      slot,
      student: ann,
      status: "CANCELLED",
      cancelledBy: "PROVIDER",
      payment: { status: "REFUNDED", refunded: 4500 },
      now,
    });
    await runTwice(now);
    expect(keysOf(await outboxOf(provider, ann))).toEqual(
      [
        `session-cancelled:${slot.sessionId}:${provider.id}`,
        `session-cancelled:${slot.sessionId}:${ann.id}`,
        `booking-refund:${bookingId}:${ann.id}`,
      ].sort(),
    );
  });
});

// --- waitlist -------------------------------------------------------------------------------------

describe("waitlist", () => {
  async function insertEntry(
    slot: SlotRows,
    student: TestUser,
    status: string,
    offer: { at: number; expiresAt: number } | null,
    now: number,
  ): Promise<string> {
    const id = unique("wle_p");
    await env.DB.prepare(
      `INSERT INTO waitlist_entries (id, slot_id, student_id, status, seq, offered_at, offer_expires_at,
                                     created_at, updated_at)
       VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?)`,
    )
      .bind(id, slot.slotId, student.id, status, offer?.at ?? null, offer?.expiresAt ?? null, now, now)
      .run();
    return id;
  }

  it("offers the seat once (waitlist-offered) with its deadline and link, then tells the lapse once (waitlist-lapsed)", async () => {
    const provider = await person("provider", "Prof. Plum");
    const student = await person("student", "Wes", "Asia/Tokyo");
    const now = Date.now();
    const slot = await insertSlot(provider, now + 30 * HOUR_MS);
    const expiresAt = now + 15 * MINUTE_MS;
    const entryId = await insertEntry(slot, student, "OFFERED", { at: now, expiresAt }, now);

    const mailer = fakeMailer();
    const { second } = await runTwice(now, mailer);
    expect(second.queued).toBe(0);
    expect(keysOf(await outboxOf(student))).toEqual([`waitlist-offered:${entryId}:${student.id}`]);
    const [offer] = mailer.to(student.email);
    expect(offer?.subject).toMatch(/^A seat is free: your lesson with Prof\. Plum on /);
    expect(offer?.text).toContain("(Asia/Tokyo)");
    expect(offer?.text).toContain(`Book it from My bookings: ${env.APP_ORIGIN}/bookings`);

    // The offer runs out: one lapse email, and the offer is not told again.
    await env.DB.prepare("UPDATE waitlist_entries SET status = 'EXPIRED', updated_at = ? WHERE id = ?")
      .bind(expiresAt, entryId)
      .run();
    await runTwice(expiresAt + MINUTE_MS, mailer);
    expect(keysOf(await outboxOf(student))).toEqual(
      [`waitlist-offered:${entryId}:${student.id}`, `waitlist-lapsed:${entryId}:${student.id}`].sort(),
    );
    expect(mailer.to(student.email).map((m) => m.subject)).toEqual([
      expect.stringMatching(/^A seat is free/),
      expect.stringMatching(/^Seat offer lapsed/),
    ]);
  });

  it.each([
    { label: "still waiting", status: "WAITING", offered: false },
    { label: "expired without an offer", status: "EXPIRED", offered: false },
    { label: "booked", status: "BOOKED", offered: true },
    { label: "left", status: "LEFT", offered: false },
  ])("sends nothing for an entry $label", async ({ status, offered }) => {
    const provider = await person("provider", "Prof. Plum");
    const student = await person("student", "Wes");
    const now = Date.now();
    const slot = await insertSlot(provider, now + 30 * HOUR_MS);
    await insertEntry(
      slot,
      student,
      status,
      offered ? { at: now, expiresAt: now + 15 * MINUTE_MS } : null,
      now,
    );
    await runTwice(now);
    expect(await outboxOf(student)).toEqual([]);
  });
});
