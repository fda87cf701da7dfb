// A provider's slot life cycle in the browser: create, a pattern preview that names the clash it
// will skip, edit, delete. Uses a fresh provider so it never touches the demo data.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatDateTimeRange, formatTime } from "../../src/shared/date-format";
import { addDays, dateKey, weekdayOf, zonedToInstant } from "../../web/src/lib/zoned-time";
import { launchBrowser, newPage, screenshot, uniqueEmail } from "./browser";

const ZONE = "Europe/Berlin";
const WAIT = { timeout: 15_000 };
// Chromium runs in en-US, so the new account reads dates the US way ("10:00 AM").
const READER = { locale: "en-US", timeZone: ZONE };
const HOUR = 3_600_000;

/** The instant a Berlin clock shows `time` on `day`. */
function at(day: string, time: string): number {
  const instant = zonedToInstant(day, time, ZONE);
  if (instant === undefined) throw new Error(`${day} ${time} does not exist in ${ZONE}`);
  return instant;
}

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

describe("slots for a provider", () => {
  it("creates a slot, previews a pattern that skips the clash, edits and deletes the slot", async () => {
    const { context, page } = await newPage(browser);
    try {
      await page.goto("/signup");
      await page.getByLabel("Your name").fill("Edith Editor");
      await page.getByLabel("Email").fill(uniqueEmail("editor"));
      await page.getByLabel("Password").fill("correct-horse-battery");
      await page.getByRole("radio", { name: /^Teach/ }).check();
      await page.getByRole("button", { name: "Create account" }).click();
      await page.getByRole("heading", { level: 1, name: "Your calendar" }).waitFor(WAIT);

      const day = addDays(dateKey(Date.now(), ZONE), 3);
      await page.goto(`/teach/slots/new?date=${day}`);
      await page.getByLabel("Start time").fill("10:00");
      // No rate yet: the form says students can't book until one is set.
      await page.getByText("You haven't set an hourly rate yet").waitFor(WAIT);
      await page.getByRole("button", { name: "Create slot" }).click();
      await page.getByText("Slot created.").waitFor(WAIT);
      const slotUrl = page.url();

      await page.goto("/teach/patterns");
      await page.getByLabel("Day 1").selectOption(String(weekdayOf(day)));
      await page.getByLabel("Start time 1").fill("10:30");
      const skipped = page.getByRole("list", { name: "Starts that will be skipped" });
      // The reason names the one-hour slot made above by its clock times.
      const clash = `${formatTime(at(day, "10:00"), READER)}–${formatTime(at(day, "10:00") + HOUR, READER)}`;
      expect(clash).toBe("10:00 AM–11:00 AM");
      await skipped.getByText(`Clashes with your existing slot ${clash}.`).waitFor(WAIT);
      await screenshot(page, "20-pattern-preview-with-clash");

      await page.goto(slotUrl);
      await page.getByRole("button", { name: "Change time or size" }).click();
      await page.getByLabel("Start time").fill("11:30");
      await page.getByRole("radio", { name: /^Group/ }).check();
      await page.getByLabel("Seats").fill("6");
      await page.getByRole("button", { name: "Save changes" }).click();
      // The slot's heading: its day and new times with the zone named ("Thu, Dec 10, 11:30 AM – 12:30 PM GMT+1").
      const moved = formatDateTimeRange(at(day, "11:30"), at(day, "11:30") + HOUR, READER);
      expect(moved).toMatch(/11:30 AM – 12:30 PM GMT\+[12]$/);
      await page.getByRole("heading", { level: 1, name: moved, exact: true }).waitFor(WAIT);
      await page.getByText("0 of 6 seats taken, 6 left.").waitFor(WAIT);

      await page.getByRole("button", { name: "Delete slot" }).click();
      await page
        .getByRole("dialog", { name: "Delete this slot?" })
        .getByRole("button", { name: "Delete slot" })
        .click();
      await page.getByRole("heading", { level: 1, name: "Your calendar" }).waitFor(WAIT);
      await page.goto(`/teach?week=${day}`);
      await page.getByText("No slots this week.").waitFor(WAIT);

      // The calendar on a phone: the week becomes a list of days.
      await page.setViewportSize({ width: 390, height: 844 });
      await page.goto("/teach");
      await page.getByRole("heading", { level: 1, name: "Your calendar" }).waitFor(WAIT);
      await screenshot(page, "21-phone-provider-calendar");
    } catch (error) {
      await screenshot(page, "failure-slot-editing").catch(() => undefined);
      throw error;
    } finally {
      await context.close();
    }
  }, 60_000);
});
