// Cancellation policy, reschedule and waiting list, by clicking in Chromium:
// (a) a student with a paid booking moves it to a cheaper time of the same tutor, sees the price
//     difference before confirming and the new time on My bookings;
// (b) a one-to-one slot is full, a second student joins its waiting list, the first student cancels
//     (seeing the refund the tutor's policy gives), and the second student books the offered seat
//     and pays with the test card; the tutor sees the line on the slot page;
// (c) a tutor edits the policy: examples in words, the server's field errors under the fields.
// Setup (accounts, slots, the first paid booking) goes through the API as in the other e2e tests.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatDateTimeRange, formatTime } from "../../src/shared/date-format";
import { APP, launchBrowser, newPage, screenshot, uniqueEmail, watchConsole } from "./browser";

const PASSWORD = "correct-horse-battery";
const ZONE = "Europe/Berlin";
// Users registered through the API without a locale read dates in en-US.
const READER = { locale: "en-US", timeZone: ZONE };
const WAIT = { timeout: 15_000 };
const HOUR = 3_600_000;

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

interface SlotInfo {
  id: string;
  startsAt: string;
  endsAt: string;
}

/** A provider at $60 an hour, with one-to-one slots two days ahead of the given lengths (minutes), 2 h apart. */
async function providerWithSlots(
  name: string,
  lengths: number[],
  cancellationPolicy?: unknown,
): Promise<{ provider: Person; slots: SlotInfo[] }> {
  const provider = await register("provider", name);
  await json("/me/provider-profile", {
    method: "PUT",
    token: provider.token,
    body: {
      hourlyRate: 6000,
      currency: "usd",
      bio: "Policies test tutor.",
      ...(cancellationPolicy ? { cancellationPolicy } : {}),
    },
  });
  const day = new Date(Date.now() + 2 * 86_400_000);
  day.setUTCHours(7, 0, 0, 0);
  const slots: SlotInfo[] = [];
  for (const [i, durationMinutes] of lengths.entries()) {
    slots.push(
      await json<SlotInfo>("/slots", {
        token: provider.token,
        body: {
          startsAt: new Date(day.getTime() + i * 2 * HOUR).toISOString(),
          durationMinutes,
          sessionType: "ONE_TO_ONE",
        },
      }),
    );
  }
  return { provider, slots };
}

/** Books `slotId` for the student and pays with the test card at the stand-in, as the SPA does; waits for CONFIRMED. */
async function bookAndPay(student: Person, slotId: string): Promise<string> {
  const config = await json<{ payments: { publishableKey: string; standinUrl?: string } }>("/config");
  const answer = await json<{
    booking: { id: string };
    payment: { paymentIntentId: string; clientSecret: string };
  }>(`/slots/${slotId}/bookings`, { token: student.token, body: {} });
  const standin = (config.payments.standinUrl ?? "http://127.0.0.1:12111").replace(/\/$/, "");
  const paid = await fetch(`${standin}/v1/payment_intents/${answer.payment.paymentIntentId}/confirm`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      key: config.payments.publishableKey,
      client_secret: answer.payment.clientSecret,
      payment_method: "pm_card_visa",
    }).toString(),
  });
  if (!paid.ok) throw new Error(`confirming the payment: ${paid.status} ${await paid.text()}`);
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const booking = await json<{ status: string }>(`/bookings/${answer.booking.id}`, {
      token: student.token,
    });
    if (booking.status === "CONFIRMED") return answer.booking.id;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`booking ${answer.booking.id} was not confirmed within 15 s`);
}

async function signIn(page: Page, email: string, next: string): Promise<void> {
  await page.goto(`/signin?next=${encodeURIComponent(next)}`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** "Tue, Dec 8, 8:00 – 9:00 AM GMT+1": a lesson's span as booking lists and dialogs print it. */
function when(slot: SlotInfo): string {
  return formatDateTimeRange(Date.parse(slot.startsAt), Date.parse(slot.endsAt), READER);
}

/** "8:00 AM–9:00 AM": clock times as a tutor's list of open times prints them under a day heading. */
function clock(slot: SlotInfo): string {
  return `${formatTime(Date.parse(slot.startsAt), READER)}–${formatTime(Date.parse(slot.endsAt), READER)}`;
}

describe("cancellation policy, reschedule and waiting list in the browser", () => {
  it("moves a paid booking to a cheaper time of the same tutor, stating the refund first", async () => {
    const tag = Math.random().toString(36).slice(2, 7);
    // 60 min ($60, booked), 45 min ($45, cheaper), 90 min ($90, dearer: not a choice).
    const { slots } = await providerWithSlots(`Rita Moves ${tag}`, [60, 45, 90]);
    const [booked, cheaper, dearer] = slots as [SlotInfo, SlotInfo, SlotInfo];
    const student = await register("student", `Sol Moves ${tag}`);
    const oldBookingId = await bookAndPay(student, booked.id);

    const { context, page } = await newPage(browser);
    const logs = watchConsole(page, "student");
    try {
      await signIn(page, student.email, "/bookings");
      await page.getByRole("heading", { level: 1, name: "My bookings" }).waitFor(WAIT);
      const upcoming = page.getByRole("region", { name: "Upcoming" });
      const item = upcoming.locator("li.booking-item").filter({ hasText: when(booked) });
      await item.getByText("Confirmed").waitFor(WAIT);
      await item.getByRole("button", { name: /^Reschedule/ }).click();

      const dialog = page.getByRole("dialog", { name: "Move this booking?" });
      await dialog.getByRole("group", { name: "New time" }).waitFor(WAIT);
      // A dearer time is listed but can't be chosen.
      const dearerChoice = dialog.getByRole("radio", { name: when(dearer) });
      await expect(dearerChoice.isDisabled()).resolves.toBe(true);
      await dialog.getByText(/\$30\.00 more: can't move to a dearer slot/).waitFor(WAIT);
      await expect(dialog.getByRole("button", { name: "Move my booking" }).isDisabled()).resolves.toBe(true);

      await dialog.getByRole("radio", { name: when(cheaper) }).check();
      await dialog.getByText("$15.00 will be refunded to your card: the new time is cheaper.").waitFor(WAIT);
      await screenshot(page, "policies-01-reschedule-picker");
      await dialog.getByRole("button", { name: "Move my booking" }).click();

      await page.getByText(`Your booking was moved to ${when(cheaper)}.`).waitFor(WAIT);
      const moved = upcoming.locator("li.booking-item").filter({ hasText: when(cheaper) });
      await moved.getByText("Confirmed").waitFor(WAIT);
      await moved.getByText(/Moved here from .*/).waitFor(WAIT);
      // The old time is gone from Upcoming ("Moved here from …" on the new one names it, so look at headings).
      await expect(upcoming.getByRole("heading", { level: 3, name: when(booked) }).count()).resolves.toBe(0);
      const old = page
        .getByRole("region", { name: "Past and cancelled" })
        .locator("li.booking-item")
        .filter({ hasText: when(booked) });
      await old.getByText("Moved", { exact: true }).waitFor(WAIT);
      await screenshot(page, "policies-02-my-bookings-moved");

      const { bookings } = await json<{
        bookings: { id: string; slotId: string; status: string; amount: number; rescheduledFrom?: string }[];
      }>("/me/bookings", { token: student.token });
      const current = bookings.find((b) => b.slotId === cheaper.id);
      expect(current).toMatchObject({ status: "CONFIRMED", amount: 4500, rescheduledFrom: oldBookingId });
      expect(bookings.find((b) => b.id === oldBookingId)).toMatchObject({ status: "CANCELLED" });
    } catch (error) {
      await screenshot(page, "failure-policies-reschedule").catch(() => undefined);
      if (logs.length > 0) console.error(logs.join("\n"));
      throw error;
    } finally {
      await context.close();
    }
  }, 90_000);

  it("offers a freed seat to the first in line, who books and pays it", async () => {
    const tag = Math.random().toString(36).slice(2, 7);
    // Full refund with 3 days' notice, half after that: the slot is two days ahead.
    const policy = {
      tiers: [
        { minNoticeHours: 72, refundPercent: 100 },
        { minNoticeHours: 0, refundPercent: 50 },
      ],
      rescheduleMinNoticeHours: 0,
    };
    const { provider, slots } = await providerWithSlots(`Wanda Waits ${tag}`, [60], policy);
    const [slot] = slots as [SlotInfo];
    const first = await register("student", `Finn First ${tag}`);
    const second = await register("student", `Sara Second ${tag}`);
    await bookAndPay(first, slot.id);

    const firstPage = await newPage(browser);
    const secondPage = await newPage(browser);
    const tutorPage = await newPage(browser);
    const a = firstPage.page;
    const b = secondPage.page;
    const t = tutorPage.page;
    const logs = [...watchConsole(a, "first"), ...watchConsole(b, "second"), ...watchConsole(t, "tutor")];
    try {
      // --- The second student finds the slot full, reads the policy and joins the line. ---
      await signIn(b, second.email, `/find/${provider.id}`);
      await b.getByRole("heading", { level: 1, name: `Book Wanda Waits ${tag}` }).waitFor(WAIT);
      await b.getByText("Full refund until 72 h before; 50 % after that.").waitFor(WAIT);
      const row = b.locator("li.bookable").filter({ hasText: clock(slot) });
      await row.getByText("Full").waitFor(WAIT);
      await row.getByRole("button", { name: /^Join waitlist/ }).click();
      await row.getByText("You are #1 in line.", { exact: false }).waitFor(WAIT);
      await row.getByRole("button", { name: /^Leave the waiting list/ }).waitFor(WAIT);
      await screenshot(b, "policies-03-waitlist-joined");

      // --- The tutor sees the line on the slot page. ---
      await signIn(t, provider.email, `/teach/slots/${slot.id}`);
      const line = t.getByRole("region", { name: "Waiting list" });
      await line.getByRole("row", { name: new RegExp(`#1 .*Sara Second ${tag}.*Waiting`) }).waitFor(WAIT);
      await screenshot(t, "policies-04-tutor-waiting-list");

      // --- The first student cancels, told first what the policy gives back. ---
      await signIn(a, first.email, "/bookings");
      await a.getByRole("heading", { level: 1, name: "My bookings" }).waitFor(WAIT);
      const item = a.locator("li.booking-item").filter({ hasText: when(slot) });
      await item.getByRole("button", { name: /^Cancel booking/ }).click();
      const cancelDialog = a.getByRole("dialog", { name: "Cancel this booking?" });
      await cancelDialog.getByText("You will get $30.00 back (50 %) to your card.").waitFor(WAIT);
      await screenshot(a, "policies-05-cancel-preview");
      await cancelDialog.getByRole("button", { name: "Cancel booking" }).click();
      await a
        .locator("li.booking-item")
        .filter({ hasText: /Partly refunded: \$30\.00 of \$60\.00 back/ })
        .waitFor(WAIT);

      // --- The second student's page shows the offer (it polls while in line) and books it. ---
      // The banner names the lesson; the app's live region says the same words, so look inside it.
      const offer = b.getByRole("region", { name: `Seat offered: ${when(slot)}` });
      await offer.getByText("A seat is free for you").waitFor({ timeout: 20_000 });
      await offer.getByText(/It's kept for you for \d+:\d\d/).waitFor(WAIT);
      await screenshot(b, "policies-06-offer");
      await b.getByRole("button", { name: /^Book the offered seat/ }).click();
      await b.getByRole("heading", { level: 1, name: "Pay for your lesson" }).waitFor(WAIT);
      await expect(b.getByLabel("Card number").inputValue()).resolves.toBe("4242 4242 4242 4242");
      await b.getByRole("button", { name: /^Pay \$60\.00$/ }).click();
      await b.getByRole("heading", { name: "You're booked" }).waitFor(WAIT);
      await screenshot(b, "policies-07-offer-booked");

      const { bookings } = await json<{ bookings: { slotId: string; status: string }[] }>("/me/bookings", {
        token: second.token,
      });
      expect(bookings.find((booking) => booking.slotId === slot.id)).toMatchObject({ status: "CONFIRMED" });
      const { entries } = await json<{ entries: { slotId: string; status: string }[] }>("/me/waitlist", {
        token: second.token,
      });
      expect(entries.find((entry) => entry.slotId === slot.id)).toMatchObject({ status: "BOOKED" });
    } catch (error) {
      await screenshot(a, "failure-policies-waitlist-first").catch(() => undefined);
      await screenshot(b, "failure-policies-waitlist-second").catch(() => undefined);
      await screenshot(t, "failure-policies-waitlist-tutor").catch(() => undefined);
      if (logs.length > 0) console.error(logs.join("\n"));
      throw error;
    } finally {
      await firstPage.context.close();
      await secondPage.context.close();
      await tutorPage.context.close();
    }
  }, 120_000);

  it("lets a tutor edit the policy, with examples in words and the server's field errors", async () => {
    const tag = Math.random().toString(36).slice(2, 7);
    const { provider } = await providerWithSlots(`Pia Policy ${tag}`, []);
    const { context, page } = await newPage(browser);
    const logs = watchConsole(page, "tutor");
    try {
      await signIn(page, provider.email, "/account");
      await page.getByRole("heading", { level: 1, name: "Account" }).waitFor(WAIT);
      await page.getByLabel("Notice (hours), tier 1").waitFor(WAIT);
      await page.getByRole("button", { name: "Add a tier" }).click();
      // The old last row got a notice to start from (a day); the new one starts at 0 h.
      await expect(page.getByLabel("Notice (hours), tier 1").inputValue()).resolves.toBe("24");
      await page.getByLabel("Refund (%), tier 2").fill("50");
      await page.getByRole("button", { name: "Add a tier" }).click();
      await page.getByLabel("Notice (hours), tier 2").fill("2");
      await page.getByLabel("Refund (%), tier 3").fill("0");
      const examples = page.getByRole("list", { name: "Examples" });
      await page
        .getByText("Full refund until 24 h before; 50 % until 2 h before; nothing after.")
        .waitFor(WAIT);
      await examples.getByText("Cancel 30 h before → 100 % back ($60.00 of a $60.00 hour)").waitFor(WAIT);
      await examples.getByText("Cancel 13 h before → 50 % back ($30.00 of a $60.00 hour)").waitFor(WAIT);
      await examples.getByText("Cancel 1 h before → 0 % back ($0.00 of a $60.00 hour)").waitFor(WAIT);
      await screenshot(page, "policies-08-policy-editor");

      // Notice that goes up from one row to the next: the server refuses it and says where.
      await page.getByLabel("Notice (hours), tier 2").fill("48");
      await page.getByRole("button", { name: "Save profile" }).click();
      await page.getByText("The cancellation policy needs a change: see the marked fields.").waitFor(WAIT);
      await page.getByText("must be smaller than the tier before (strictly decreasing)").waitFor(WAIT);
      await screenshot(page, "policies-09-policy-error");

      await page.getByLabel("Notice (hours), tier 2").fill("2");
      await page.getByLabel("Students may move a booking until (hours before)").fill("12");
      await page.getByRole("button", { name: "Save profile" }).click();
      await page.getByText("Profile saved.").waitFor(WAIT);
      const profile = await json<{ cancellationPolicy: unknown }>("/me/provider-profile", {
        token: provider.token,
      });
      expect(profile.cancellationPolicy).toEqual({
        tiers: [
          { minNoticeHours: 24, refundPercent: 100 },
          { minNoticeHours: 2, refundPercent: 50 },
          { minNoticeHours: 0, refundPercent: 0 },
        ],
        rescheduleMinNoticeHours: 12,
      });
    } catch (error) {
      await screenshot(page, "failure-policies-editor").catch(() => undefined);
      if (logs.length > 0) console.error(logs.join("\n"));
      throw error;
    } finally {
      await context.close();
    }
  }, 60_000);
});
