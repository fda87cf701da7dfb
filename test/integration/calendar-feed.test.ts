// The secret calendar feed (API.md "Integrations", calendar subscription) and one UID per lesson
// across the feed, the download (GET /api/me/calendar.ics) and the email attachments.
import { env } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { StripeStandin } from "../../scripts/stripe-standin/handler";
import { buildDeps } from "../../src/deps";
import { runNotifications } from "../../src/jobs/notifications";
import { hashSessionToken } from "../../src/security/session-token";
import { call, registerUser, type TestUser } from "../helpers/api";
import { expectError } from "../helpers/fixtures";
import { deliverAll, installStripeStandin } from "../helpers/stripe";
import { world } from "../helpers/world";

let standin: StripeStandin;
beforeEach(() => {
  standin = installStripeStandin();
});
afterEach(() => {
  vi.restoreAllMocks();
});

const FEED_URL = /^http:\/\/127\.0\.0\.1:8787\/api\/calendar\/(lcf_[A-Za-z0-9_-]{43})\.ics$/;

async function openFeed(user: TestUser): Promise<{ url: string; path: string; token: string }> {
  const res = await call("POST", "/api/me/calendar-feed", { token: user.token });
  expect(res.status).toBe(201);
  expect(Object.keys(res.body)).toEqual(["url"]);
  const match = FEED_URL.exec(res.body.url);
  expect(match).not.toBeNull();
  return { url: res.body.url, path: new URL(res.body.url).pathname, token: match?.[1] as string };
}

/** GET the feed as a calendar app does: no cookie, no Authorization header. */
async function readFeed(path: string): Promise<string> {
  const res = await call("GET", path);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("text/calendar; charset=utf-8");
  return res.body as string;
}

async function download(user: TestUser): Promise<string> {
  const res = await call("GET", "/api/me/calendar.ics", { token: user.token });
  expect(res.status).toBe(200);
  return res.body as string;
}

interface Event {
  uid: string;
  sequence: number;
  status: string;
  dtstart: string;
}

/** The VEVENTs of an iCalendar text, unfolded. */
function eventsOf(ics: string): Event[] {
  const unfolded = ics.replace(/\r\n[ \t]/g, "");
  return [...unfolded.matchAll(/BEGIN:VEVENT\r\n([\s\S]*?)END:VEVENT/g)].map(([, body = ""]) => {
    const field = (name: string) => new RegExp(`^${name}:(.*)$`, "m").exec(body)?.[1]?.trim() ?? "";
    return {
      uid: field("UID"),
      sequence: Number(field("SEQUENCE")),
      status: field("STATUS"),
      dtstart: field("DTSTART"),
    };
  });
}

function eventOf(ics: string, uid: string): Event {
  const matching = eventsOf(ics).filter((e) => e.uid === uid);
  expect(matching).toHaveLength(1);
  return matching[0] as Event;
}

const icsTime = (iso: string) => iso.replace(/[-:]/g, "").replace(/\.\d{3}/, "");

/** Runs the notification scan, then answers the .ics stored for `user`'s email of `kind`. */
async function emailIcs(user: TestUser, kind: string): Promise<string> {
  await runNotifications(buildDeps(env), { send: async () => {} });
  const row = await env.DB.prepare("SELECT ics FROM email_outbox WHERE user_id = ? AND kind = ?")
    .bind(user.id, kind)
    .first<{ ics: string | null }>();
  expect(row?.ics).toBeTruthy();
  return row?.ics as string;
}

/** A provider with a 1-to-1 slot in 30 hours, another in 54, and a student who paid for the first. */
async function bookedWorld() {
  const w = await world({ stripe: standin, slot: { startsInHours: 30 } });
  const target = await w.addSlot({ startsInHours: 54 });
  const student = await w.student();
  const booking = await w.paidBooking(student);
  return { provider: w.provider, slot: w.slot, target, student, booking, addSlot: w.addSlot };
}

/** POST /api/bookings/:id/reschedule, insisting on 200; answers the moved booking. */
async function reschedule(student: TestUser, bookingId: string, slotId: string) {
  const res = await call("POST", `/api/bookings/${bookingId}/reschedule`, {
    token: student.token,
    body: { slotId },
  });
  expect(res.status).toBe(200);
  await deliverAll(standin);
  return res.body.booking;
}

describe("POST /api/me/calendar-feed", () => {
  it("answers 201 {url} at /api/calendar/<token>.ics, which serves the lesson with no cookie", async () => {
    const { provider, slot, student, booking } = await bookedWorld();

    const feed = await openFeed(student);
    const ics = await readFeed(feed.path);
    expect(ics).toMatch(/^BEGIN:VCALENDAR\r\n/);
    expect(ics).toMatch(/END:VCALENDAR\r\n$/);
    expect(ics).toContain("\r\nMETHOD:PUBLISH\r\n");
    expect(ics).toContain("\r\nX-WR-CALNAME:Lectern lessons\r\n");
    expect(ics).toContain("\r\nREFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n");
    expect(ics).toContain("\r\nX-PUBLISHED-TTL:PT1H\r\n");
    expect(eventOf(ics, `${booking.id}@lectern`)).toEqual({
      uid: `${booking.id}@lectern`,
      sequence: 0,
      status: "CONFIRMED",
      dtstart: icsTime(slot.startsAt),
    });

    const providerFeed = await readFeed((await openFeed(provider)).path);
    expect(eventOf(providerFeed, `${booking.sessionId}@lectern`)).toMatchObject({ status: "CONFIRMED" });
  });

  it("keeps only the token's SHA-256 in D1, one row per person", async () => {
    const student = await registerUser("student");
    const { token } = await openFeed(student);
    const { results } = await env.DB.prepare("SELECT * FROM calendar_feeds WHERE user_id = ?")
      .bind(student.id)
      .all<Record<string, unknown>>();
    expect(results).toHaveLength(1);
    expect(results[0]?.token_hash).toBe(await hashSessionToken(token));
    expect(JSON.stringify(results)).not.toContain(token);
    expect(JSON.stringify(results)).not.toContain(token.slice(4));
  });

  it("replaces the link on a second POST: the old URL answers 404 NOT_FOUND, the new one 200", async () => {
    const student = await registerUser("student");
    const first = await openFeed(student);
    await readFeed(first.path);
    const second = await openFeed(student);
    expect(second.token).not.toBe(first.token);
    expectError(await call("GET", first.path), 404, "NOT_FOUND");
    await readFeed(second.path);
    const rows = await env.DB.prepare("SELECT COUNT(*) AS n FROM calendar_feeds WHERE user_id = ?")
      .bind(student.id)
      .first<{ n: number }>();
    expect(rows?.n).toBe(1);
  });

  it("answers 401 UNAUTHENTICATED without a session", async () => {
    expectError(await call("POST", "/api/me/calendar-feed"), 401, "UNAUTHENTICATED");
    expectError(
      await call("POST", "/api/me/calendar-feed", { token: "lcf_not-a-session" }),
      401,
      "UNAUTHENTICATED",
    );
  });
});

describe("GET /api/calendar/:file", () => {
  it.each([
    { label: "an unknown well-formed token", file: `lcf_${"A".repeat(43)}.ics` },
    { label: "a token without .ics", file: `lcf_${"A".repeat(43)}` },
    { label: "another extension", file: `lcf_${"A".repeat(43)}.json` },
    { label: "a short token", file: "lcf_abc.ics" },
    { label: "a long token", file: `lcf_${"A".repeat(44)}.ics` },
    { label: "no prefix", file: `${"A".repeat(47)}.ics` },
    { label: "characters outside base64url", file: `lcf_${"A".repeat(42)}%2B.ics` },
    { label: "just .ics", file: ".ics" },
  ])("answers 404 NOT_FOUND for $label", async ({ file }) => {
    expectError(await call("GET", `/api/calendar/${file}`), 404, "NOT_FOUND");
  });

  it("answers 404 for a real token with a wrong suffix, and ignores a login token", async () => {
    const student = await registerUser("student");
    const { token } = await openFeed(student);
    expectError(await call("GET", `/api/calendar/${token}.ICS`), 404, "NOT_FOUND");
    expectError(await call("GET", `/api/calendar/${token}.ics.ics`), 404, "NOT_FOUND");
    expectError(await call("GET", `/api/calendar/${student.token}.ics`), 404, "NOT_FOUND");
  });
});

describe("one lesson, one UID", () => {
  it("is the same in the feed, the download and the confirmation email, for the student and the provider", async () => {
    const { provider, student, booking } = await bookedWorld();
    const cases = [
      { user: student, uid: `${booking.id}@lectern`, email: "booking-confirmed" },
      { user: provider, uid: `${booking.sessionId}@lectern`, email: "booking-new" },
    ];
    for (const { user, uid, email } of cases) {
      const feed = await readFeed((await openFeed(user)).path);
      const file = await download(user);
      const attached = await emailIcs(user, email);
      expect(eventOf(attached, uid)).toEqual(eventOf(feed, uid));
      expect(eventOf(file, uid)).toEqual(eventOf(feed, uid));
      expect(attached).toContain("METHOD:REQUEST");
    }
  });

  it("moves the student's event on a reschedule: same UID, SEQUENCE one up, the new time", async () => {
    const { student, booking, target, addSlot } = await bookedWorld();
    const feed = await openFeed(student);
    const uid = `${booking.id}@lectern`;
    expect(eventOf(await readFeed(feed.path), uid).sequence).toBe(0);

    const moved = await reschedule(student, booking.id, target.id);
    for (const ics of [await readFeed(feed.path), await download(student)]) {
      // One event for the lesson, not a cancelled old one beside a new one.
      expect(eventsOf(ics)).toEqual([
        { uid, sequence: 1, status: "CONFIRMED", dtstart: icsTime(target.startsAt) },
      ]);
    }

    // Moved again, then cancelled: still the first booking's event, each change one up.
    const later = await addSlot({ startsInHours: 78 });
    const again = await reschedule(student, moved.id, later.id);
    expect(eventsOf(await readFeed(feed.path))).toEqual([
      { uid, sequence: 2, status: "CONFIRMED", dtstart: icsTime(later.startsAt) },
    ]);
    expect((await call("POST", `/api/bookings/${again.id}/cancel`, { token: student.token })).status).toBe(
      200,
    );
    await deliverAll(standin);
    expect(eventsOf(await readFeed(feed.path))).toEqual([
      { uid, sequence: 3, status: "CANCELLED", dtstart: icsTime(later.startsAt) },
    ]);
  });

  it("marks a cancelled lesson STATUS:CANCELLED one SEQUENCE up, and the email's .ics is a METHOD:CANCEL", async () => {
    const { student, booking } = await bookedWorld();
    const feed = await openFeed(student);
    const uid = `${booking.id}@lectern`;

    const cancelled = await call("POST", `/api/bookings/${booking.id}/cancel`, { token: student.token });
    expect(cancelled.status).toBe(200);
    await deliverAll(standin);

    const expected = { uid, sequence: 1, status: "CANCELLED" };
    expect(eventOf(await readFeed(feed.path), uid)).toMatchObject(expected);
    expect(eventOf(await download(student), uid)).toMatchObject(expected);
    const attached = await emailIcs(student, "booking-refund");
    expect(attached).toContain("\r\nMETHOD:CANCEL\r\n");
    expect(eventOf(attached, uid)).toMatchObject(expected);
  });

  it("cancels the provider's session event (SEQUENCE one up) in the feed and in their cancellation email", async () => {
    const { provider, booking } = await bookedWorld();
    const feed = await openFeed(provider);
    const uid = `${booking.sessionId}@lectern`;
    const res = await call("POST", `/api/sessions/${booking.sessionId}/cancel`, { token: provider.token });
    expect(res.status).toBe(200);
    await deliverAll(standin);

    const expected = { uid, sequence: 1, status: "CANCELLED" };
    expect(eventOf(await readFeed(feed.path), uid)).toMatchObject(expected);
    const attached = await emailIcs(provider, "session-cancelled");
    expect(attached).toContain("\r\nMETHOD:CANCEL\r\n");
    expect(eventOf(attached, uid)).toMatchObject(expected);
  });

  it("gives the student's reschedule email the first booking's UID and the feed's SEQUENCE", async () => {
    const { student, booking, target } = await bookedWorld();
    const uid = `${booking.id}@lectern`;
    await reschedule(student, booking.id, target.id);
    const feed = await readFeed((await openFeed(student)).path);
    const attached = await emailIcs(student, "booking-rescheduled");
    expect(attached).toContain("METHOD:REQUEST");
    expect(eventOf(attached, uid)).toEqual(eventOf(feed, uid));
    expect(eventOf(feed, uid).sequence).toBe(1);
  });

  it("gives the student's session-cancelled email their booking's UID, after a move too", async () => {
    const { provider, student, booking, target } = await bookedWorld();
    const uid = `${booking.id}@lectern`;
    const moved = await reschedule(student, booking.id, target.id);
    const res = await call("POST", `/api/sessions/${moved.sessionId}/cancel`, { token: provider.token });
    expect(res.status).toBe(200);
    await deliverAll(standin);
    const feed = await readFeed((await openFeed(student)).path);
    const attached = await emailIcs(student, "session-cancelled");
    expect(attached).toContain("METHOD:CANCEL");
    expect(eventOf(attached, uid)).toEqual(eventOf(feed, uid));
    expect(eventOf(feed, uid)).toMatchObject({ sequence: 2, status: "CANCELLED" });
  });
});
