// Locale and zone everywhere: a German-speaking tutor sees German dates with the zone named and
// weeks starting on Monday; switching to US English turns both; the time-zone picker offers
// current zone names only, grouped, searchable, this device's zone first. The first block runs
// the shared formatter under Node's ICU (test/unit/date-format.test.ts runs it in workerd).
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  firstDayOfWeek,
  formatDateKey,
  formatDateTime,
  formatDateTimeRange,
} from "../../src/shared/date-format";
import { canonicalZone, listCanonicalZones, zoneMatches } from "../../web/src/lib/time-zones";
import { addDays, dateKey, listTimeZones, startOfWeek, weekdayOf } from "../../web/src/lib/zoned-time";
import { APP, launchBrowser, screenshot, uniqueEmail, watchConsole } from "./browser";

const WAIT = { timeout: 15_000 };
const PASSWORD = "correct-horse-battery";

describe("the shared formatter under Node's ICU (the same strings as in workerd)", () => {
  const winter = Date.parse("2026-11-30T08:45:00Z");
  it.each([
    { locale: "de-DE", zone: "Europe/Berlin", text: "Mo., 30. Nov., 09:45 MEZ" },
    { locale: "en-GB", zone: "Europe/Berlin", text: "Mon 30 Nov, 09:45 CET" },
    { locale: "en-US", zone: "America/New_York", text: "Mon, Nov 30, 3:45 AM EST" },
    { locale: "ja-JP", zone: "Asia/Tokyo", text: "11月30日(月) 17:45 JST" },
    { locale: "en-GB", zone: "Asia/Kolkata", text: "Mon 30 Nov, 14:15 GMT+5:30" },
    { locale: "de-DE", zone: "Australia/Lord_Howe", text: "Mo., 30. Nov., 19:45 GMT+11" },
  ])("writes $locale in $zone as '$text'", ({ locale, zone, text }) => {
    expect(formatDateTime(winter, { locale, timeZone: zone })).toBe(text);
  });

  it("writes ranges with the zone named once, and both zones across Lord Howe's half-hour jump", () => {
    expect(
      formatDateTimeRange(winter, winter + 3_600_000, { locale: "en-US", timeZone: "America/New_York" }),
    ).toBe("Mon, Nov 30, 3:45 – 4:45 AM EST");
    const jump = Date.parse("2026-10-03T15:15:00Z");
    expect(
      formatDateTimeRange(jump, jump + 3_600_000, { locale: "en-GB", timeZone: "Australia/Lord_Howe" }),
    ).toBe("Sun 4 Oct, 01:45 GMT+10:30 – Sun 4 Oct, 03:15 GMT+11");
  });

  it("starts weeks where the locale does", () => {
    expect([
      firstDayOfWeek("en-US"),
      firstDayOfWeek("ja-JP"),
      firstDayOfWeek("en-GB"),
      firstDayOfWeek("de-DE"),
    ]).toEqual([7, 7, 1, 1]);
    // Wednesday 2026-12-02: the week holding it starts Monday 11-30 or Sunday 11-29.
    expect(startOfWeek("2026-12-02")).toBe("2026-11-30");
    expect(startOfWeek("2026-12-02", 7)).toBe("2026-11-29");
    expect(startOfWeek("2026-11-29", 7)).toBe("2026-11-29");
    expect(startOfWeek("2026-11-29", 1)).toBe("2026-11-23");
  });

  it("lists current zone names only, and finds a zone by part of its name or its old name", () => {
    const zones = listCanonicalZones();
    expect(zones).toEqual(expect.arrayContaining(["Asia/Kolkata", "Europe/Kyiv", "America/Nuuk", "UTC"]));
    for (const old of ["Asia/Calcutta", "Europe/Kiev", "Asia/Saigon", "America/Buenos_Aires"]) {
      expect(zones).not.toContain(old);
    }
    expect(listTimeZones("Asia/Calcutta")).not.toContain("Asia/Calcutta");
    expect(canonicalZone("Asia/Calcutta")).toBe("Asia/Kolkata");
    expect(canonicalZone("Europe/Berlin")).toBe("Europe/Berlin");
    expect(zones.filter((zone) => zoneMatches(zone, "Kolk"))).toEqual(["Asia/Kolkata"]);
    expect(zones.filter((zone) => zoneMatches(zone, "calcutta"))).toEqual(["Asia/Kolkata"]);
    expect(zones.filter((zone) => zoneMatches(zone, "new york"))).toEqual(["America/New_York"]);
  });
});

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

async function contextFor(
  locale: string,
  timezoneId: string,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    baseURL: APP,
    locale,
    timezoneId,
    viewport: { width: 1280, height: 900 },
  });
  return { context, page: await context.newPage() };
}

async function signUp(page: Page, name: string, role: "student" | "provider"): Promise<void> {
  await page.goto("/signup");
  await page.getByLabel("Your name").fill(name);
  await page.getByLabel("Email").fill(uniqueEmail("locale"));
  await page.getByLabel("Password").fill(PASSWORD);
  if (role === "provider") await page.getByRole("radio", { name: /^Teach/ }).check();
  await page.getByRole("button", { name: "Create account" }).click();
}

async function me(page: Page): Promise<{ locale: string; timezone: string }> {
  const answer = await page.request.get("/api/me");
  expect(answer.status()).toBe(200);
  return answer.json();
}

/** The day headings of the teacher's week grid, in order. */
async function weekHeadings(page: Page): Promise<string[]> {
  await page.locator(".week .day h3").first().waitFor(WAIT);
  return (await page.locator(".week .day h3").allTextContents()).map((text) => text.replace(" (today)", ""));
}

describe("locale in the browser", () => {
  it("shows a de-DE tutor German dates with the zone named and Monday-first weeks; en-US turns both", async () => {
    const zone = "Europe/Berlin";
    const { context, page } = await contextFor("de-DE", zone);
    const logs = watchConsole(page, "tutor");
    try {
      // Sign-up sends the browser's language.
      await signUp(page, "Greta Grau", "provider");
      await page.getByRole("heading", { level: 1, name: "Your calendar" }).waitFor(WAIT);
      expect(await me(page)).toEqual(expect.objectContaining({ locale: "de-DE", timezone: zone }));

      // The week grid starts on Monday, its days written in German.
      const today = dateKey(Date.now(), zone);
      const monday = startOfWeek(today, 1);
      const germanDays = Array.from({ length: 7 }, (_, i) =>
        formatDateKey(addDays(monday, i), "de-DE", "day"),
      );
      expect(germanDays[0]).toMatch(/^Mo\., /);
      expect(await weekHeadings(page)).toEqual(germanDays);

      // A new slot's page names its time in German with the zone: "Mi., 3. Dez., 10:00–11:00 Uhr MEZ".
      const day = addDays(today, 3);
      await page.goto(`/teach/slots/new?date=${day}`);
      await page.getByLabel("Start time").fill("10:00");
      await page.getByRole("button", { name: "Create slot" }).click();
      await page.getByText("Slot created.").waitFor(WAIT);
      const slotId = new URL(page.url()).pathname.split("/").pop() ?? "";
      const slot = (await (await page.request.get(`/api/slots/${slotId}`)).json()) as {
        startsAt: string;
        endsAt: string;
      };
      const german = formatDateTimeRange(Date.parse(slot.startsAt), Date.parse(slot.endsAt), {
        locale: "de-DE",
        timeZone: zone,
      });
      expect(german).toMatch(/^[A-Z][a-z]\., \d{1,2}\. .+, 10:00–11:00 Uhr (MEZ|MESZ)$/);
      await page.getByRole("heading", { level: 1, name: german, exact: true }).waitFor(WAIT);
      await screenshot(page, "locale-de-slot");

      // Account shows the language, and switching to US English rewrites the dates and the week.
      await page.goto("/account");
      const format = page.getByLabel("Date format (language and region)");
      expect(await format.inputValue()).toBe("de-DE");
      await format.selectOption("en-US");
      await page
        .getByText(/Dates look like this: \w{3}, \w{3} \d{1,2}, \d{1,2}:\d{2} [AP]M GMT\+[12]\./)
        .waitFor(WAIT);
      await screenshot(page, "locale-account-format");
      await page.getByRole("button", { name: "Save details" }).click();
      await page.getByText("Saved.").waitFor(WAIT);
      expect((await me(page)).locale).toBe("en-US");

      await page.goto(`/teach/slots/${slotId}`);
      const english = formatDateTimeRange(Date.parse(slot.startsAt), Date.parse(slot.endsAt), {
        locale: "en-US",
        timeZone: zone,
      });
      expect(english).toMatch(/10:00 – 11:00 AM GMT\+[12]$/);
      await page.getByRole("heading", { level: 1, name: english, exact: true }).waitFor(WAIT);

      await page.goto("/teach");
      const sunday = startOfWeek(today, 7);
      expect(weekdayOf(sunday)).toBe(7);
      expect(await weekHeadings(page)).toEqual(
        Array.from({ length: 7 }, (_, i) => formatDateKey(addDays(sunday, i), "en-US", "day")),
      );

      // A reload keeps the user's locale (from GET /api/me), not the browser's German.
      await page.reload();
      expect((await weekHeadings(page))[0]).toBe(formatDateKey(sunday, "en-US", "day"));
      expect(logs.filter((line) => line.includes("pageerror"))).toEqual([]);
    } catch (error) {
      await screenshot(page, "failure-locale-de").catch(() => undefined);
      throw new Error(`${String(error)}\n${logs.join("\n")}`);
    } finally {
      await context.close();
    }
  }, 90_000);
});

describe("the time-zone picker", () => {
  it("puts the device's zone first, offers no old names, finds Asia/Kolkata from 'Kolk' by keyboard", async () => {
    const { context, page } = await contextFor("en-US", "America/New_York");
    const logs = watchConsole(page, "picker");
    try {
      await page.goto("/signup");
      const select = page.getByLabel("Time zone", { exact: true });
      await select.waitFor(WAIT);
      const values = () =>
        select
          .locator("option")
          .evaluateAll((options) => options.map((o) => (o as unknown as { value: string }).value));

      const all = await values();
      expect(all[0]).toBe("America/New_York");
      expect(await select.inputValue()).toBe("America/New_York");
      expect(all.length).toBeGreaterThan(300);
      expect(all).toContain("Asia/Kolkata");
      expect(all).toContain("Europe/Kyiv");
      for (const old of ["Asia/Calcutta", "Europe/Kiev", "Asia/Saigon", "Asia/Katmandu"])
        expect(all).not.toContain(old);
      expect(new Set(all).size).toBe(all.length);
      const groups = await select
        .locator("optgroup")
        .evaluateAll((list) => list.map((g) => (g as unknown as { label: string }).label));
      expect(groups.slice(0, 3)).toEqual(["This device", "Africa", "America"]);
      expect(groups).toEqual(expect.arrayContaining(["Asia", "Europe", "Pacific"]));

      // Keyboard only: type in the labelled search box, Enter picks the first match.
      const search = page.getByLabel("Search by city, region or offset");
      await search.focus();
      await page.keyboard.type("Kolk");
      expect(await values()).toEqual(["America/New_York", "Asia/Kolkata"]);
      await page
        .getByText("1 zone matches. Press Enter to choose the first.")
        .waitFor({ state: "attached", ...WAIT });
      await page.keyboard.press("Enter");
      expect(await select.inputValue()).toBe("Asia/Kolkata");
      // Enter in the search box chose a zone; it did not submit the form.
      expect(new URL(page.url()).pathname).toBe("/signup");
      await screenshot(page, "locale-tz-picker-search");

      // The old name finds the new one; ↓ moves from the search box to the list.
      await search.fill("Calcutta");
      expect(await values()).toEqual(["America/New_York", "Asia/Kolkata"]);
      await search.press("ArrowDown");
      expect(
        await select.evaluate(
          (el) =>
            el === (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement,
        ),
      ).toBe(true);

      await search.fill("no such place");
      await page.getByText("No zone matches “no such place”.").waitFor(WAIT);
      // The chosen zone stays listed, so the select keeps showing it.
      expect(await values()).toEqual(["America/New_York", "Asia/Kolkata"]);

      await page.getByLabel("Your name").fill("Kiran Kolkata");
      await page.getByLabel("Email").fill(uniqueEmail("picker"));
      await page.getByLabel("Password").fill(PASSWORD);
      await page.getByRole("button", { name: "Create account" }).click();
      await page.getByRole("heading", { level: 1, name: "Find a tutor" }).waitFor(WAIT);
      expect(await me(page)).toEqual(expect.objectContaining({ locale: "en-US", timezone: "Asia/Kolkata" }));
      expect(logs.filter((line) => line.includes("pageerror"))).toEqual([]);
    } catch (error) {
      await screenshot(page, "failure-locale-picker").catch(() => undefined);
      throw new Error(`${String(error)}\n${logs.join("\n")}`);
    } finally {
      await context.close();
    }
  }, 60_000);

  it("offers a device on an old zone name its current name, first", async () => {
    const { context, page } = await contextFor("en-IN", "Asia/Calcutta");
    try {
      await page.goto("/signup");
      const select = page.getByLabel("Time zone", { exact: true });
      await select.waitFor(WAIT);
      expect(await select.inputValue()).toBe("Asia/Kolkata");
      const first = await select.locator("option").first().getAttribute("value");
      expect(first).toBe("Asia/Kolkata");
      expect(await select.locator('option[value="Asia/Calcutta"]').count()).toBe(0);
    } finally {
      await context.close();
    }
  }, 60_000);
});
