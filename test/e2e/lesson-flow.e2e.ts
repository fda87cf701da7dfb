// The whole story in one browser, two people at once: a provider signs up, sets a rate
// and makes a weekly pattern; a student books and pays with the test card; the provider sees the
// seat count change live and starts the session; both chat in the room; the student cancels
// another booking and sees the refund. Screenshots of the main screens go to test-output.
import { readFile } from "node:fs/promises";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatDateTimeRange, formatTime, formatTimeRange } from "../../src/shared/date-format";
import { dateKey, timeKey, weekdayOf, zonedToInstant } from "../../web/src/lib/zoned-time";
import { launchBrowser, newPage, screenshot, uniqueEmail, watchConsole } from "./browser";

const PROVIDER_ZONE = "Europe/Berlin";
const STUDENT_ZONE = "America/New_York";
const PASSWORD = "correct-horse-battery";
const WAIT = { timeout: 15_000 };
// Both sign up in Chromium, which runs in en-US: the app writes their dates the US way.
const LOCALE = "en-US";
const HOUR = 3_600_000;

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

/** A start 32 to 37 minutes from now on a 5-minute boundary: the provider may start it at once. */
function liveStart(): number {
  const soon = Date.now() + 32 * 60_000;
  return Math.ceil(soon / 300_000) * 300_000;
}

async function signUp(
  page: Page,
  person: { name: string; email: string; role: "Teach" | "Learn"; zone?: string },
): Promise<void> {
  await page.goto("/signup");
  await page.getByLabel("Your name").fill(person.name);
  await page.getByLabel("Email").fill(person.email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("radio", { name: new RegExp(`^${person.role}`) }).check();
  // The zone is detected from the browser (the context runs in Europe/Berlin) and editable.
  await expect(page.getByLabel("Time zone").inputValue()).resolves.toBe(PROVIDER_ZONE);
  if (person.zone) await page.getByLabel("Time zone").selectOption(person.zone);
}

describe("a lesson from sign-up to refund", () => {
  it("lets a provider publish, a student pay and join, both chat, and a cancellation refund", async () => {
    const provider = await newPage(browser);
    const student = await newPage(browser);
    const p = provider.page;
    const s = student.page;
    const logs = [...watchConsole(p, "provider"), ...watchConsole(s, "student")];
    const tag = Math.random().toString(36).slice(2, 7);
    const providerName = `Petra Provider ${tag}`;
    const studentName = `Stu Student ${tag}`;

    try {
      // --- The provider signs up, sets a rate and makes a weekly pattern. ---
      await signUp(p, { name: providerName, email: uniqueEmail("provider"), role: "Teach" });
      await screenshot(p, "01-sign-up");
      await p.getByRole("button", { name: "Create account" }).click();
      await p.getByRole("heading", { level: 1, name: "Your calendar" }).waitFor(WAIT);
      await p.getByText("Students can't book yet").waitFor(WAIT);

      await p.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Account" }).click();
      await p.getByLabel("Hourly rate").fill("40");
      await p.getByLabel("Currency").selectOption("eur");
      await p.getByLabel("About you").fill("Algebra and geometry, step by step.");
      await p.getByRole("button", { name: "Save profile" }).click();
      await p.getByText("Profile saved.").waitFor(WAIT);
      await screenshot(p, "02-account-and-rate");

      const live = liveStart();
      const liveDay = dateKey(live, PROVIDER_ZONE);
      // The slot form and the pattern take 24-hour input; the app prints "2:35 – 3:35 PM".
      const liveTime = timeKey(live, PROVIDER_ZONE);
      const providerReader = { locale: LOCALE, timeZone: PROVIDER_ZONE };
      const liveClock = formatTimeRange(live, live + HOUR, providerReader);
      await p
        .getByRole("navigation", { name: "Main" })
        .getByRole("link", { name: "Weekly patterns" })
        .click();
      await p.getByRole("heading", { level: 1, name: "Weekly patterns" }).waitFor(WAIT);
      await p.getByLabel("Day 1").selectOption(String(weekdayOf(liveDay)));
      await p.getByLabel("Start time 1").fill(liveTime);
      await p.getByRole("radio", { name: "Group", exact: true }).check();
      await p.getByLabel("Seats").fill("4");
      // The preview lists what will be made before anything is saved.
      const toCreate = p.getByRole("list", { name: "Slots to be created" });
      await toCreate
        .getByText(formatDateTimeRange(live, live + HOUR, providerReader), { exact: true })
        .waitFor(WAIT);
      await p.getByText(/This pattern will create \d+ slots?/).waitFor(WAIT);
      await screenshot(p, "03-pattern-preview");
      await p.getByRole("button", { name: /^Save pattern and create \d+ slots?$/ }).click();
      await p.getByText(/Pattern saved: \d+ slots? created/).waitFor(WAIT);

      // A one-to-one slot through the slot form; first a clash, explained inline by the rules.
      await p.goto(`/teach/slots/new?date=${liveDay}`);
      await p.getByRole("heading", { level: 1, name: "New slot" }).waitFor(WAIT);
      await p.getByLabel("Start time").fill(liveTime);
      await p.getByText(/It overlaps your slot/).waitFor(WAIT);
      await p.getByRole("button", { name: "Create slot" }).click();
      await p.getByRole("alert").filter({ hasText: "This slot can't be saved yet" }).waitFor(WAIT);
      await screenshot(p, "04-slot-form-rules");
      const otherDay = dateKey(Date.now() + 2 * 86_400_000, PROVIDER_ZONE);
      await p.getByLabel("Date").fill(otherDay);
      await p.getByLabel("Start time").fill("12:00");
      await p.getByRole("button", { name: "Create slot" }).click();
      await p.getByText("Slot created.").waitFor(WAIT);

      // The provider watches the live slot: its seat count comes over the room's WebSocket.
      await p.goto(`/teach?week=${liveDay}`);
      // The live day comes no later than the one-to-one's day, so its card is the first with these times.
      const liveCard = p.getByRole("gridcell").getByRole("link", { name: liveClock }).first();
      await liveCard.waitFor(WAIT);
      await screenshot(p, "05-provider-calendar");
      await liveCard.click();
      await p.getByText("0 of 4 seats taken, 4 left.").waitFor(WAIT);

      // --- The student finds the provider, sees times in their own zone, books and pays. ---
      await signUp(s, {
        name: studentName,
        email: uniqueEmail("student"),
        role: "Learn",
        zone: STUDENT_ZONE,
      });
      await s.getByRole("button", { name: "Create account" }).click();
      await s.getByRole("heading", { level: 1, name: "Find a tutor" }).waitFor(WAIT);
      await s.getByLabel("Search tutors").fill(tag);
      await s.getByRole("link", { name: `See open times of ${providerName}` }).click();
      await s.getByRole("heading", { level: 1, name: `Book ${providerName}` }).waitFor(WAIT);
      const providerId = new URL(s.url()).pathname.split("/").at(-1) ?? "";
      // The open times list prints clock times under each day: "Book Mon, Dec 7 8:35 AM–9:35 AM".
      const studentReader = { locale: LOCALE, timeZone: STUDENT_ZONE };
      const liveForStudent = `${formatTime(live, studentReader)}–${formatTime(live + HOUR, studentReader)}`;
      const bookLive = s.getByRole("button", { name: new RegExp(`^Book .* ${liveForStudent}$`) }).first();
      await bookLive.waitFor(WAIT);
      await screenshot(s, "06-student-slot-list");
      await bookLive.click();

      await s.getByRole("heading", { level: 1, name: "Pay for your lesson" }).waitFor(WAIT);
      await s.getByText("Your seat is held for").waitFor(WAIT);
      await expect(s.getByLabel("Card number").inputValue()).resolves.toBe("4242 4242 4242 4242");
      // The hold alone already moves the provider's seat count, live.
      await p.getByText("1 of 4 seats taken, 3 left.").waitFor(WAIT);
      await screenshot(s, "07-checkout-hold-countdown");
      await s.getByRole("button", { name: /^Pay .*40\.00$/ }).click();
      await s.getByRole("heading", { name: "You're booked" }).waitFor(WAIT);
      await screenshot(p, "08-provider-live-seats");
      // Add to calendar downloads the server's .ics, which already holds the lesson just paid for.
      const [lessonFile] = await Promise.all([
        s.waitForEvent("download"),
        s.getByRole("link", { name: "Add to calendar (.ics)" }).click(),
      ]);
      expect(lessonFile.suggestedFilename()).toBe("lectern.ics");
      const lessonCalendar = await readFile(await lessonFile.path(), "utf8");
      expect(lessonCalendar).toContain("BEGIN:VEVENT");
      expect(lessonCalendar).toContain("STATUS:CONFIRMED");

      // The student waits in the room before the start, so the start arrives as an event.
      await s.getByRole("link", { name: "Open the lesson room" }).click();
      await s.getByRole("heading", { level: 1, name: /^Lesson: / }).waitFor(WAIT);
      await s.getByText("Connected.").waitFor(WAIT);

      // --- The provider starts the session. ---
      await p.getByRole("table").getByText(studentName).waitFor(WAIT);
      await p.getByRole("button", { name: "Start session" }).click();
      const startDialog = p.getByRole("dialog", { name: "Start the session?" });
      await startDialog.getByRole("button", { name: "Start session" }).click();
      await p.getByRole("button", { name: "End session" }).waitFor(WAIT);
      await s.getByRole("log", { name: "Session events" }).getByText("The session started.").waitFor(WAIT);

      // --- Both chat in the room; presence shows both. ---
      await p.getByRole("link", { name: "Open the session room" }).click();
      await p.getByRole("list", { name: "Online now" }).getByText(studentName).waitFor(WAIT);
      await s
        .getByRole("list", { name: "Online now" })
        .getByText(`${providerName} (instructor)`)
        .waitFor(WAIT);
      await p.getByLabel("Message", { exact: true }).fill("Welcome! Today: quadratic equations.");
      await p.getByLabel("Message", { exact: true }).press("Enter");
      await s
        .getByRole("log", { name: "Room chat messages" })
        .getByText("Today: quadratic equations")
        .waitFor(WAIT);
      await s.getByLabel("Message", { exact: true }).fill("Thanks, ready when you are.");
      await s.getByRole("button", { name: "Send" }).click();
      await p.getByRole("log", { name: "Room chat messages" }).getByText("ready when you are").waitFor(WAIT);

      // Video: no Agora network here, so it says so within seconds instead of hanging.
      await s.getByRole("button", { name: "Join video" }).click();
      await s
        .getByText("Video could not connect; check your connection. Chat and the session still work.")
        .waitFor({ timeout: 12_000 });
      await screenshot(s, "09-session-room-student");
      // Joining video is logged even when Agora itself is out of reach: the teacher sees who came.
      await p.getByRole("region", { name: "Attendance" }).getByText(`${studentName}: joined`).waitFor(WAIT);
      await screenshot(p, "10-session-room-provider");

      // --- The student books the one-to-one slot, is declined once, pays, then cancels it. ---
      await s.goto(`/find/${providerId}`);
      const oneToOne = s.locator("li.bookable").filter({ hasText: "One-to-one" });
      await oneToOne.getByRole("button", { name: /^Book / }).click();
      await s.getByRole("heading", { level: 1, name: "Pay for your lesson" }).waitFor(WAIT);
      await s.getByLabel("Card number").fill("4000 0000 0000 0002");
      await s.getByRole("button", { name: /^Pay / }).click();
      await s.getByRole("alert").filter({ hasText: "Your card was declined" }).waitFor(WAIT);
      await screenshot(s, "11-checkout-declined");
      await s.getByLabel("Card number").fill("4242 4242 4242 4242");
      await s.getByRole("button", { name: /^Pay / }).click();
      await s.getByRole("heading", { name: "You're booked" }).waitFor(WAIT);

      // The one-to-one booking opened a private conversation.
      await s.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Messages" }).click();
      await s
        .getByRole("navigation", { name: "Conversations" })
        .getByRole("link", { name: new RegExp(providerName) })
        .click();
      await s.getByLabel("Message", { exact: true }).fill("See you on the day!");
      await s.getByRole("button", { name: "Send" }).click();
      await s
        .getByRole("log", { name: `Chat with ${providerName} messages` })
        .getByText("See you on the day!")
        .waitFor(WAIT);
      await screenshot(s, "11b-conversation");

      await s.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "My bookings" }).click();
      await s.getByRole("heading", { level: 1, name: "My bookings" }).waitFor(WAIT);
      const item = s.locator("li.booking-item").filter({ hasText: "One-to-one" });
      await item.getByRole("button", { name: /^Cancel booking/ }).click();
      const cancelDialog = s.getByRole("dialog", { name: "Cancel this booking?" });
      await cancelDialog.getByText(/full refund of .*40\.00/).waitFor(WAIT);
      await cancelDialog.getByRole("button", { name: "Cancel booking" }).click();
      await s
        .locator("li.booking-item")
        .filter({ hasText: /Refunded .*40\.00/ })
        .waitFor(WAIT);
      await screenshot(s, "12-my-bookings-refunded");

      // The provider's view of all bookings on their slots.
      await p.goto("/bookings");
      await p.getByRole("heading", { level: 1, name: "Bookings on your slots" }).waitFor(WAIT);
      await p
        .getByText(/Refunded .*40\.00/)
        .first()
        .waitFor(WAIT);
      // One entry per lesson, its students listed by name.
      await p.locator("li.lesson-item").getByText(studentName).first().waitFor(WAIT);
      await screenshot(p, "12b-provider-bookings");

      // The provider sees the student's message in their Messages.
      await p.goto("/messages");
      await p
        .getByRole("navigation", { name: "Conversations" })
        .getByRole("link", { name: new RegExp(studentName) })
        .click();
      await p
        .getByRole("log", { name: `Chat with ${studentName} messages` })
        .getByText("See you on the day!")
        .waitFor(WAIT);

      // The student also books next week's group lesson, which the provider then calls off:
      // the confirmation names who gets how much back.
      await s.goto(`/find/${providerId}`);
      await s
        .locator("li.bookable")
        .filter({ hasText: "Group" })
        .first()
        .getByRole("button", { name: /^Book / })
        .click();
      await s.getByRole("button", { name: /^Pay / }).click();
      await s.getByRole("heading", { name: "You're booked" }).waitFor(WAIT);
      await s.getByRole("link", { name: "My bookings" }).last().click();
      await s.getByRole("heading", { level: 1, name: "My bookings" }).waitFor(WAIT);

      await p.goto("/sessions");
      await p
        .locator("li.booking-item")
        .filter({ hasText: "Scheduled" })
        .filter({ hasText: liveClock })
        .first()
        .getByRole("link", { name: /^Open the room/ })
        .click();
      await p.getByRole("button", { name: "Cancel session" }).click();
      const cancelSession = p.getByRole("dialog", { name: "Cancel the session?" });
      await cancelSession.getByText(/1 student will be refunded in full, .*40\.00 in total/).waitFor(WAIT);
      await cancelSession.getByText(new RegExp(`${studentName}: .*40\\.00`)).waitFor(WAIT);
      await screenshot(p, "13-cancel-session-confirmation");
      await cancelSession.getByRole("button", { name: "Cancel session and refund" }).click();
      await p.getByText("The instructor cancelled this session.").waitFor(WAIT);
      await s.reload();
      await s
        .locator("li.booking-item")
        .filter({ hasText: "Group" })
        .filter({ hasText: /Refunded .*40\.00/ })
        .waitFor(WAIT);
      // My bookings offers the same server feed for all lessons.
      const [feed] = await Promise.all([
        s.waitForEvent("download"),
        s.getByRole("link", { name: "Download all lessons (.ics)" }).click(),
      ]);
      expect(await readFile(await feed.path(), "utf8")).toContain("BEGIN:VCALENDAR");
      await screenshot(s, "14-my-bookings-after-instructor-cancel");

      await s.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Inbox" }).click();
      await s.getByRole("heading", { level: 1, name: "Inbox" }).waitFor(WAIT);
      await screenshot(s, "15-student-inbox");

      // The student's slot list on a phone-sized screen.
      const phone = await newPage(browser, {
        mobile: true,
        storageState: await student.context.storageState(),
      });
      await phone.page.goto(`/find/${providerId}`);
      await phone.page.getByRole("heading", { level: 1, name: `Book ${providerName}` }).waitFor(WAIT);
      await phone.page.locator("li.bookable").first().waitFor(WAIT);
      await screenshot(phone.page, "16-phone-student-slot-list");
      const width = await phone.page.evaluate<number>("document.documentElement.scrollWidth");
      expect(width).toBeLessThanOrEqual(390);
      await phone.page.getByRole("button", { name: "Menu" }).click();
      await phone.page
        .getByRole("navigation", { name: "Main" })
        .getByRole("link", { name: "My bookings" })
        .click();
      await phone.page.getByRole("heading", { level: 1, name: "My bookings" }).waitFor(WAIT);
      await phone.page.locator("li.booking-item").first().waitFor(WAIT);
      await screenshot(phone.page, "17-phone-my-bookings");

      // The time zone is editable: the same slots now read in Tokyo time.
      await phone.page.getByRole("button", { name: "Menu" }).click();
      await phone.page
        .getByRole("navigation", { name: "Main" })
        .getByRole("link", { name: "Account" })
        .click();
      await phone.page.getByLabel("Time zone").selectOption("Asia/Tokyo");
      await phone.page.getByRole("button", { name: "Save details" }).click();
      await phone.page.getByText("Saved.").waitFor(WAIT);
      await phone.page.goto(`/find/${providerId}`);
      await phone.page.getByText("Times in your time zone, Asia/Tokyo").waitFor(WAIT);
      const noon = zonedToInstant(otherDay, "12:00", PROVIDER_ZONE) ?? 0;
      const tokyoReader = { locale: LOCALE, timeZone: "Asia/Tokyo" };
      await phone.page
        .getByText(`${formatTime(noon, tokyoReader)}–${formatTime(noon + HOUR, tokyoReader)}`, {
          exact: true,
        })
        .first()
        .waitFor(WAIT);
      await phone.context.close();
    } catch (error) {
      await screenshot(p, "failure-provider").catch(() => undefined);
      await screenshot(s, "failure-student").catch(() => undefined);
      if (logs.length > 0) console.error(logs.join("\n"));
      throw error;
    } finally {
      await provider.context.close();
      await student.context.close();
    }
  }, 150_000);
});
