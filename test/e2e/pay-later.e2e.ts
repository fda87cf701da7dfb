// Pay later, elsewhere: a student books in one browser without paying, then signs in afresh in
// another (no sessionStorage copy of the PaymentIntent there), pays from My bookings with the test
// card and sees the booking confirmed. Also: the fourth unpaid hold is refused in words.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APP, launchBrowser, newPage, screenshot, uniqueEmail, watchConsole } from "./browser";

const PASSWORD = "correct-horse-battery";
const ZONE = "Europe/Berlin";
const WAIT = { timeout: 15_000 };

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

async function json<T>(path: string, init: { method?: string; token?: string; body?: unknown } = {}) {
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

async function register(role: "provider" | "student", name: string) {
  const email = uniqueEmail(role);
  const answer = await json<{ user: { id: string }; token: string }>("/auth/register", {
    body: { email, password: PASSWORD, name, role, timezone: ZONE },
  });
  return { id: answer.user.id, token: answer.token, email, name };
}

/** A provider at $60 an hour with `count` one-hour one-to-one slots two days ahead. */
async function providerWithSlots(name: string, count: number): Promise<{ id: string; slotIds: string[] }> {
  const provider = await register("provider", name);
  await json("/me/provider-profile", {
    method: "PUT",
    token: provider.token,
    body: { hourlyRate: 6000, currency: "usd", bio: "Pay-later test tutor." },
  });
  const day = new Date(Date.now() + 2 * 86_400_000);
  day.setUTCHours(8, 0, 0, 0);
  const slotIds: string[] = [];
  for (let i = 0; i < count; i++) {
    const slot = await json<{ id: string }>("/slots", {
      token: provider.token,
      body: {
        startsAt: new Date(day.getTime() + i * 2 * 3_600_000).toISOString(),
        durationMinutes: 60,
        sessionType: "ONE_TO_ONE",
      },
    });
    slotIds.push(slot.id);
  }
  return { id: provider.id, slotIds };
}

async function signIn(page: Page, email: string, next: string): Promise<void> {
  await page.goto(`/signin?next=${encodeURIComponent(next)}`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
}

describe("paying a held seat later, from another browser", () => {
  it("books without paying in one context, then pays from My bookings in a fresh one", async () => {
    const tag = Math.random().toString(36).slice(2, 7);
    const provider = await providerWithSlots(`Paula Later ${tag}`, 1);
    const student = await register("student", `Sam Later ${tag}`);

    // --- Context 1: sign in, book, leave the card form unpaid. ---
    const first = await newPage(browser);
    const second = await newPage(browser);
    const logs = [...watchConsole(first.page, "first"), ...watchConsole(second.page, "second")];
    try {
      await signIn(first.page, student.email, `/find/${provider.id}`);
      await first.page.getByRole("heading", { level: 1, name: `Book Paula Later ${tag}` }).waitFor(WAIT);
      await first.page
        .getByRole("button", { name: /^Book / })
        .first()
        .click();
      await first.page.getByRole("heading", { level: 1, name: "Pay for your lesson" }).waitFor(WAIT);
      await first.page.getByText("Your seat is held for").waitFor(WAIT);
      await first.page.getByLabel("Card number").waitFor(WAIT);
      await first.context.close();

      // --- Context 2: a fresh login (no cookie, no sessionStorage), My bookings. ---
      const s = second.page;
      await signIn(s, student.email, "/bookings");
      await s.getByRole("heading", { level: 1, name: "My bookings" }).waitFor(WAIT);
      const item = s.locator("li.booking-item").first();
      await item.getByText("Awaiting payment").waitFor(WAIT);
      await item.getByText(/\$60\.00 to pay · seat held for \d+:\d\d/).waitFor(WAIT);
      const payNow = item.getByRole("button", { name: /^Pay now/ });
      await payNow.waitFor(WAIT);
      // The button carries the hold's countdown.
      await expect(payNow.textContent()).resolves.toMatch(/Pay now\s*\d+:\d\d left/);
      await screenshot(s, "pay-later-01-my-bookings-pending");

      await payNow.click();
      await expect(item.getByLabel("Card number").inputValue()).resolves.toBe("4242 4242 4242 4242");
      await screenshot(s, "pay-later-02-card-form");
      await item.getByRole("button", { name: /^Pay \$60\.00$/ }).click();

      // Confirmed: the list reloads by itself.
      await item.getByText("Confirmed").waitFor(WAIT);
      await item.getByText("Paid $60.00").waitFor(WAIT);
      await expect(item.getByRole("button", { name: /^Pay now/ }).count()).resolves.toBe(0);
      await item.getByRole("link", { name: /^Open the lesson room/ }).waitFor(WAIT);
      await screenshot(s, "pay-later-03-confirmed");

      const { bookings } = await json<{ bookings: { status: string; paymentStatus: string }[] }>(
        "/me/bookings",
        { token: student.token },
      );
      expect(bookings).toHaveLength(1);
      expect(bookings[0]).toMatchObject({ status: "CONFIRMED", paymentStatus: "SUCCEEDED" });
    } catch (error) {
      await screenshot(second.page, "failure-pay-later").catch(() => undefined);
      if (logs.length > 0) console.error(logs.join("\n"));
      throw error;
    } finally {
      await first.context.close().catch(() => undefined);
      await second.context.close();
    }
  }, 90_000);

  it("explains the fourth unpaid hold and links to My bookings", async () => {
    const tag = Math.random().toString(36).slice(2, 7);
    const provider = await providerWithSlots(`Hana Holds ${tag}`, 4);
    const student = await register("student", `Holly Holds ${tag}`);
    for (const slotId of provider.slotIds.slice(0, 3)) {
      await json(`/slots/${slotId}/bookings`, { token: student.token, body: {} });
    }

    const { context, page } = await newPage(browser);
    const logs = watchConsole(page, "student");
    try {
      await signIn(page, student.email, `/find/${provider.id}`);
      await page.getByRole("heading", { level: 1, name: `Book Hana Holds ${tag}` }).waitFor(WAIT);
      const fourth = page
        .locator("li.bookable")
        .filter({ has: page.getByRole("button", { name: /^Book / }) });
      await fourth
        .first()
        .getByRole("button", { name: /^Book / })
        .click();
      await page
        .getByRole("alert")
        .filter({ hasText: "You already have 3 unpaid bookings: pay for or cancel one first." })
        .waitFor(WAIT);
      await screenshot(page, "pay-later-04-too-many-holds");
      await page.getByRole("link", { name: "Pay for or cancel one in My bookings" }).click();
      await page.getByRole("heading", { level: 1, name: "My bookings" }).waitFor(WAIT);
      const payButtons = page.getByRole("button", { name: /^Pay now/ });
      await payButtons.nth(2).waitFor(WAIT);
      await expect(payButtons.count()).resolves.toBe(3);
    } catch (error) {
      await screenshot(page, "failure-too-many-holds").catch(() => undefined);
      if (logs.length > 0) console.error(logs.join("\n"));
      throw error;
    } finally {
      await context.close();
    }
  }, 60_000);
});
