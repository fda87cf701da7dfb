// Provider payouts through Stripe Connect, end to end: a tutor opens Earnings, sets up payouts on
// the stand-in's hosted onboarding page and comes back; teaches a paid lesson; sees the payout
// SCHEDULED, then PAID once the every-5-minutes job runs as if 49 hours had passed; downloads the
// CSV. Also: a student is not shown the page, and the API answers them 403.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APP, launchBrowser, newPage, screenshot, uniqueEmail, watchConsole } from "./browser";

const PASSWORD = "correct-horse-battery";
const ZONE = "Europe/Berlin";
const WAIT = { timeout: 15_000 };
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const STANDIN = "http://127.0.0.1:12111";
const STRIPE_SECRET = "sk_test_lectern_local";

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

async function call(path: string, init: { method?: string; token?: string; body?: unknown } = {}) {
  return fetch(`${APP}/api${path}`, {
    method: init.method ?? (init.body === undefined ? "GET" : "POST"),
    headers: {
      "content-type": "application/json",
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
}

async function json<T>(path: string, init: { method?: string; token?: string; body?: unknown } = {}) {
  const response = await call(path, init);
  const text = await response.text();
  if (!response.ok) throw new Error(`${init.method ?? "GET"} ${path}: ${response.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

interface Person {
  id: string;
  token: string;
  email: string;
  name: string;
}

async function register(role: "provider" | "student", name: string): Promise<Person> {
  const email = uniqueEmail(role);
  const answer = await json<{ user: { id: string }; token: string }>("/auth/register", {
    body: { email, password: PASSWORD, name, role, timezone: ZONE },
  });
  return { id: answer.user.id, token: answer.token, email, name };
}

/** A start 30 to 35 minutes from now on a whole minute: the provider may start its session at once. */
function liveStart(): number {
  return Math.ceil((Date.now() + 30 * MINUTE) / MINUTE) * MINUTE;
}

interface Earnings {
  account: { id: string; chargesEnabled: boolean; payoutsEnabled: boolean; detailsSubmitted: boolean } | null;
  totals: { currency: string; scheduled: number; paid: number; reversed: number; platformFees: number }[];
  payouts: {
    bookingId: string;
    amount: number;
    platformFee: number;
    status: string;
    transferId?: string;
    availableAt: string;
    currency: string;
    captured: number;
  }[];
}

/** Books the slot as the student and pays with the test card at the stand-in; waits for CONFIRMED. */
async function bookAndPay(
  student: Person,
  slotId: string,
): Promise<{ bookingId: string; sessionId: string }> {
  const { booking, payment } = await json<{
    booking: { id: string };
    payment: { paymentIntentId: string; clientSecret: string };
  }>(`/slots/${slotId}/bookings`, { token: student.token, body: {} });
  const paid = await fetch(`${STANDIN}/v1/payment_intents/${payment.paymentIntentId}/confirm`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      authorization: `Bearer ${STRIPE_SECRET}`,
    },
    body: new URLSearchParams({ payment_method: "pm_card_visa" }).toString(),
  });
  if (!paid.ok) throw new Error(`confirming the payment: ${paid.status} ${await paid.text()}`);
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const current = await json<{ status: string; sessionId?: string }>(`/bookings/${booking.id}`, {
      token: student.token,
    });
    if (current.status === "CONFIRMED" && current.sessionId)
      return { bookingId: booking.id, sessionId: current.sessionId };
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`booking ${booking.id} was not confirmed within 15 s`);
}

async function signIn(page: Page, person: Person, next: string): Promise<void> {
  await page.goto(`/signin?next=${encodeURIComponent(next)}`);
  await page.getByLabel("Email").fill(person.email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((url) => !url.pathname.startsWith("/signin"), WAIT);
}

describe("provider payouts", () => {
  it("a tutor sets up payouts, teaches, and sees the payout go from SCHEDULED to PAID", async () => {
    const tag = Math.random().toString(36).slice(2, 7);
    // --- Set-up through the API: a $60/h tutor, a slot half an hour ahead, a paid booking. ---
    const provider = await register("provider", `Penny Payout ${tag}`);
    await json("/me/provider-profile", {
      method: "PUT",
      token: provider.token,
      body: { hourlyRate: 6000, currency: "usd", bio: "Payout test tutor." },
    });
    const slot = await json<{ id: string }>("/slots", {
      token: provider.token,
      body: { startsAt: new Date(liveStart()).toISOString(), durationMinutes: 60, sessionType: "ONE_TO_ONE" },
    });
    const student = await register("student", `Sid Student ${tag}`);
    const { bookingId, sessionId } = await bookAndPay(student, slot.id);

    const { context, page } = await newPage(browser);
    const logs = watchConsole(page, "provider");
    try {
      // --- Earnings from the nav: nothing yet, no account. ---
      await signIn(page, provider, "/teach");
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Earnings" }).click();
      await page.getByRole("heading", { level: 1, name: "Earnings" }).waitFor(WAIT);
      await page.getByRole("heading", { level: 2, name: "Payouts" }).waitFor(WAIT);
      await page.getByText("No lessons to be paid for yet.").waitFor(WAIT);
      const setUp = page.getByRole("button", { name: "Set up payouts" });
      await setUp.waitFor(WAIT);
      await expect(page.getByText("Payouts are on").count()).resolves.toBe(0);
      await screenshot(page, "payouts-01-no-account");

      // --- Set up payouts: hold the API's answer back until the busy state has been seen. ---
      let release: () => void = () => undefined;
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      await page.route("**/api/me/payout-account", async (route) => {
        await held;
        await route.continue();
      });
      await setUp.click();
      const busy = page.getByRole("button", { name: "Opening Stripe…" });
      await busy.waitFor(WAIT);
      await expect(busy.isDisabled()).resolves.toBe(true);
      release();
      await page.waitForURL(/^http:\/\/127\.0\.0\.1:12111\/connect\/onboarding\//, WAIT);
      await page.unroute("**/api/me/payout-account");
      await page.getByRole("heading", { level: 1, name: "Onboarding complete" }).waitFor(WAIT);
      await screenshot(page, "payouts-02-standin-onboarding");
      await page.getByRole("link", { name: "Return to the platform" }).click();
      await page.waitForURL(`${APP}/earnings?onboarding=return`, WAIT);
      // The account.updated webhook may land after the return; the page polls until it has.
      await page.getByText("Payouts are on").waitFor(WAIT);
      await page.getByText("Your payout setup is complete.").waitFor(WAIT);
      await expect(page.getByRole("button", { name: "Set up payouts" }).count()).resolves.toBe(0);
      await screenshot(page, "payouts-03-payouts-on");

      // --- Teach the lesson through the API: start, both join, end. ---
      await json(`/sessions/${sessionId}/start`, { token: provider.token, body: {} });
      await json(`/sessions/${sessionId}/join`, { token: provider.token, body: {} });
      await json(`/sessions/${sessionId}/join`, { token: student.token, body: {} });
      const ended = await json<{ endedAt?: string }>(`/sessions/${sessionId}/end`, {
        token: provider.token,
        body: {},
      });
      expect(ended.endedAt).toBeTruthy();
      const endedAt = Date.parse(ended.endedAt ?? "");

      // --- SCHEDULED: $60.00 captured, $9.00 fee, $51.00 to the tutor. ---
      await page.goto("/earnings");
      await page.getByRole("heading", { level: 1, name: "Earnings" }).waitFor(WAIT);
      const row = page.getByTestId(`payout-${bookingId}`);
      await row.waitFor(WAIT);
      await expect(row.getByTestId("payout-status").textContent()).resolves.toBe("Scheduled");
      const scheduledRow = (await row.textContent()) ?? "";
      expect(scheduledRow).toContain("$60.00");
      expect(scheduledRow).toContain("$51.00");
      expect(scheduledRow).toContain("$9.00");
      expect(scheduledRow).toContain(student.name);
      const usd = page.getByTestId("earnings-total-usd");
      const total = (term: string) => usd.locator(`dt:text-is("${term}") + dd`);
      await expect(total("Scheduled").textContent()).resolves.toBe("$51.00");
      await expect(total("Paid").textContent()).resolves.toBe("$0.00");
      await expect(total("Platform fees").textContent()).resolves.toBe("$9.00");

      const before = await json<Earnings>("/me/earnings", { token: provider.token });
      const scheduled = before.payouts.find((p) => p.bookingId === bookingId);
      expect(scheduled).toMatchObject({
        status: "SCHEDULED",
        amount: 5100,
        platformFee: 900,
        captured: 6000,
        currency: "usd",
      });
      expect(Date.parse(scheduled?.availableAt ?? "")).toBe(endedAt + 48 * HOUR);
      expect(scheduled?.transferId).toBeUndefined();
      await screenshot(page, "payouts-04-scheduled");

      // --- The every-5-minutes job, as if 49 hours had passed since the end: the transfer goes. ---
      const at = new Date(endedAt + 49 * HOUR).toISOString();
      const cron = await fetch(`${APP}/api/dev/cron?at=${encodeURIComponent(at)}`, { method: "POST" });
      const cronText = await cron.text();
      expect(cron.status, cronText).toBe(200);
      const report = JSON.parse(cronText) as { payouts?: { paid?: number; error?: string } };
      expect(report.payouts, cronText).toBeDefined();
      expect(report.payouts?.paid ?? 0, cronText).toBeGreaterThanOrEqual(1);

      await page.reload();
      await row.waitFor(WAIT);
      await expect(row.getByTestId("payout-status").textContent()).resolves.toBe("Paid");
      await expect(total("Paid").textContent()).resolves.toBe("$51.00");
      await expect(total("Scheduled").textContent()).resolves.toBe("$0.00");
      const after = await json<Earnings>("/me/earnings", { token: provider.token });
      const paid = after.payouts.find((p) => p.bookingId === bookingId);
      expect(paid).toMatchObject({ status: "PAID", amount: 5100, platformFee: 900 });
      expect(paid?.transferId).toMatch(/^tr_/);
      expect(after.account).toMatchObject({ payoutsEnabled: true });
      expect(after.account?.id).toMatch(/^acct_/);

      // --- The CSV download, with the page's own cookie. ---
      const csvLink = page.getByRole("link", { name: "Download CSV" });
      await expect(csvLink.getAttribute("href")).resolves.toBe("/api/me/earnings.csv");
      const csv = await page.request.get(`${APP}/api/me/earnings.csv`);
      expect(csv.status()).toBe(200);
      const csvText = await csv.text();
      const line = csvText.split(/\r?\n/).find((l) => l.includes(bookingId));
      expect(line, csvText).toBeDefined();
      expect(line).toContain(",PAID,");
      expect(line).toContain(paid?.transferId ?? "tr_");

      // --- ARIA spot check: the table is named by its heading, its columns are headers. ---
      const table = page.getByRole("table", { name: "Lessons" });
      await table.waitFor(WAIT);
      await table.getByRole("columnheader", { name: "You get" }).waitFor(WAIT);
      await table.getByRole("columnheader", { name: "Status" }).waitFor(WAIT);
      // The CSV link is reachable from the keyboard.
      await csvLink.focus();
      await expect(page.evaluate<string | undefined>("document.activeElement?.textContent")).resolves.toBe(
        "Download CSV",
      );
      await screenshot(page, "payouts-05-paid");
    } catch (error) {
      await screenshot(page, "failure-payouts").catch(() => undefined);
      if (logs.length > 0) console.error(logs.join("\n"));
      throw error;
    } finally {
      await context.close();
    }
  }, 120_000);

  it("keeps a student away from Earnings: the page says it is for teachers, the API answers 403", async () => {
    const tag = Math.random().toString(36).slice(2, 7);
    const student = await register("student", `Stella Nosy ${tag}`);
    const { context, page } = await newPage(browser);
    const logs = watchConsole(page, "student");
    try {
      await signIn(page, student, "/find");
      const nav = page.getByRole("navigation", { name: "Main" });
      await nav.getByRole("link", { name: "Find a tutor" }).waitFor(WAIT);
      await expect(nav.getByRole("link", { name: "Earnings" }).count()).resolves.toBe(0);

      await page.goto("/earnings");
      await page.getByRole("heading", { level: 1, name: "Page not found" }).waitFor(WAIT);
      await page.getByText("This page is for teachers.").waitFor(WAIT);
      await expect(page.getByRole("heading", { name: "Payouts" }).count()).resolves.toBe(0);
      await expect(page.getByRole("button", { name: "Set up payouts" }).count()).resolves.toBe(0);
      await expect(page.getByRole("link", { name: "Download CSV" }).count()).resolves.toBe(0);
      await screenshot(page, "payouts-06-student-refused");

      const earnings = await call("/me/earnings", { token: student.token });
      expect(earnings.status).toBe(403);
      const csv = await page.request.get(`${APP}/api/me/earnings.csv`);
      expect(csv.status()).toBe(403);
      const account = await call("/me/payout-account", { token: student.token, body: {} });
      expect(account.status).toBe(403);
    } catch (error) {
      await screenshot(page, "failure-payouts-student").catch(() => undefined);
      if (logs.length > 0) console.error(logs.join("\n"));
      throw error;
    } finally {
      await context.close();
    }
  }, 60_000);
});
