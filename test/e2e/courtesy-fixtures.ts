// API set-up shared by courtesies.e2e.ts and screenshots.e2e.ts: people, slots, paid and held
// bookings, sessions and the dev cron, all through the public API (the SPA is what the tests click).
import type { BrowserContext, Page } from "playwright-core";
import { APP, uniqueEmail } from "./browser";

export const PASSWORD = "correct-horse-battery";
export const WAIT = { timeout: 15_000 };
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export async function json<T>(
  path: string,
  init: { method?: string; token?: string; body?: unknown } = {},
): Promise<T> {
  const response = await fetch(`${APP}/api${path}`, {
    method: init.method ?? (init.body === undefined ? "GET" : "POST"),
    headers: {
      "content-type": "application/json",
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${init.method ?? "GET"} ${path}: ${response.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

export interface Person {
  id: string;
  token: string;
  email: string;
  name: string;
}

export async function register(
  role: "provider" | "student",
  name: string,
  timezone = "Europe/Berlin",
): Promise<Person> {
  const email = uniqueEmail(role);
  const answer = await json<{ user: { id: string }; token: string }>("/auth/register", {
    body: { email, password: PASSWORD, name, role, timezone },
  });
  return { id: answer.user.id, token: answer.token, email, name };
}

/** A provider who charges `hourlyRate` (minor units, usd) and has a bio. */
export async function provider(name: string, hourlyRate = 6000): Promise<Person> {
  const person = await register("provider", name);
  await json("/me/provider-profile", {
    method: "PUT",
    token: person.token,
    body: { hourlyRate, currency: "usd", bio: `${name} teaches algebra, step by step.` },
  });
  return person;
}

export interface SlotInfo {
  id: string;
  startsAt: string;
  endsAt: string;
}

/** A slot of `owner` at `startsAt` (ms), one-to-one unless `seats` > 1 (a group). */
export async function slot(
  owner: Person,
  startsAt: number,
  seats = 1,
  durationMinutes = 60,
): Promise<SlotInfo> {
  return json<SlotInfo>("/slots", {
    token: owner.token,
    body: {
      startsAt: new Date(startsAt).toISOString(),
      durationMinutes,
      sessionType: seats > 1 ? "GROUP" : "ONE_TO_ONE",
      ...(seats > 1 ? { maxParticipants: seats } : {}),
    },
  });
}

/** A start 32 to 37 minutes from now on a 5-minute boundary: its session may be started at once. */
export function liveStart(): number {
  return Math.ceil((Date.now() + 32 * MINUTE) / (5 * MINUTE)) * 5 * MINUTE;
}

/** Two days ahead at `hourUtc`:00 UTC (plus `days` more). */
export function daysAhead(days: number, hourUtc: number): number {
  const day = new Date(Date.now() + days * DAY);
  day.setUTCHours(hourUtc, 0, 0, 0);
  return day.getTime();
}

export interface Held {
  bookingId: string;
  paymentIntentId: string;
  clientSecret: string;
}

/** Holds a seat without paying (PENDING_PAYMENT). */
export async function hold(student: Person, slotId: string): Promise<Held> {
  const answer = await json<{
    booking: { id: string };
    payment: { paymentIntentId: string; clientSecret: string };
  }>(`/slots/${slotId}/bookings`, { token: student.token, body: {} });
  return { bookingId: answer.booking.id, ...answer.payment };
}

/** Pays a held seat with the test card at the stand-in, as the SPA's card form does; waits for CONFIRMED. */
export async function pay(student: Person, held: Held): Promise<{ id: string; sessionId: string }> {
  const config = await json<{ payments: { publishableKey: string; standinUrl?: string } }>("/config");
  const standin = (config.payments.standinUrl ?? "http://127.0.0.1:12111").replace(/\/$/, "");
  const paid = await fetch(`${standin}/v1/payment_intents/${held.paymentIntentId}/confirm`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      key: config.payments.publishableKey,
      client_secret: held.clientSecret,
      payment_method: "pm_card_visa",
    }).toString(),
  });
  if (!paid.ok) throw new Error(`confirming the payment: ${paid.status} ${await paid.text()}`);
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const booking = await json<{ status: string; sessionId?: string }>(`/bookings/${held.bookingId}`, {
      token: student.token,
    });
    if (booking.status === "CONFIRMED" && booking.sessionId)
      return { id: held.bookingId, sessionId: booking.sessionId };
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`booking ${held.bookingId} was not confirmed within 15 s`);
}

export async function bookAndPay(student: Person, slotId: string) {
  return pay(student, await hold(student, slotId));
}

/** Runs the every-5-minutes jobs now (notifications among them); local only. */
export async function runCron(): Promise<void> {
  const response = await fetch(`${APP}/api/dev/cron`, { method: "POST" });
  if (!response.ok) throw new Error(`POST /api/dev/cron: ${response.status} ${await response.text()}`);
}

/** Signs in through the page and waits until the app has left the sign-in page. */
export async function signIn(page: Page, person: Person, next: string): Promise<void> {
  await page.goto(`/signin?next=${encodeURIComponent(next)}`);
  await page.getByLabel("Email").fill(person.email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((url) => !url.pathname.startsWith("/signin"), WAIT);
}

/** Puts `person`'s session cookie into `context` (no sign-in page): for set-up and screenshots. */
export async function signInContext(context: BrowserContext, person: Person): Promise<void> {
  await context.addCookies([
    { name: "lectern_session", value: person.token, url: APP, httpOnly: true, sameSite: "Lax" },
  ]);
}
