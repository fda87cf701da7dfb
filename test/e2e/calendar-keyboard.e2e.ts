// The tutor's week calendar from the keyboard alone (ARIA grid pattern): one tab stop, arrows
// between days and within a day, Home/End, PageUp/PageDown between weeks, Enter and Space to open,
// today marked, the focus visible, never under the sticky header, and every target at least 24 px.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatDateKey, formatDateTimeRange, formatTimeRange } from "../../src/shared/date-format";
import { addDays, dateKey, startOfWeek, zonedToInstant } from "../../web/src/lib/zoned-time";
import { launchBrowser, newPage, screenshot, watchConsole } from "./browser";
import { HOUR, PASSWORD, provider, slot, WAIT } from "./courtesy-fixtures";

const ZONE = "Europe/Berlin";
// Registered through the API without a locale: en-US, so weeks start on Sunday.
const LOCALE = "en-US";
const READER = { locale: LOCALE, timeZone: ZONE };

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

/** What the test reads of the focused element; the page's DOM typed only as far as it is used. */
interface Focus {
  inGrid: boolean;
  tag: string;
  /** Its text, spaces normalised; a leading "+" (hidden from screen readers) dropped. */
  text: string;
  tabIndex: number;
  /** The day column (0–6) of the cell holding the focus, -1 outside the grid. */
  col: number;
  cellCurrent: string | null;
  href: string | null;
  focusVisible: boolean;
  /** Tab stops in the grid: always exactly one. */
  tabStops: number;
  top: number;
  bottom: number;
  width: number;
  height: number;
  /** The sticky header's bottom edge and the viewport's height, in viewport pixels. */
  headerBottom: number;
  viewportHeight: number;
}

async function focused(page: Page): Promise<Focus> {
  return page.evaluate(() => {
    interface Rect {
      top: number;
      bottom: number;
      width: number;
      height: number;
    }
    interface Element {
      tagName: string;
      textContent: string | null;
      tabIndex: number;
      getAttribute(name: string): string | null;
      closest(selector: string): Element | null;
      matches(selector: string): boolean;
      querySelectorAll(selector: string): ArrayLike<Element>;
      getBoundingClientRect(): Rect;
    }
    const { document, innerHeight } = globalThis as unknown as {
      document: { activeElement: Element | null; querySelector(selector: string): Element | null };
      innerHeight: number;
    };
    const active = document.activeElement;
    const grid = document.querySelector('[role="grid"]');
    const cell = active?.closest("td") ?? null;
    const rect = active?.getBoundingClientRect() ?? { top: 0, bottom: 0, width: 0, height: 0 };
    const header = document.querySelector(".site-header")?.getBoundingClientRect();
    return {
      inGrid: Boolean(active && grid && active.closest('[role="grid"]') === grid),
      tag: active?.tagName.toLowerCase() ?? "",
      text: (active?.textContent ?? "")
        .replace(/\s+/g, " ")
        .replace(/^\+\s*/, "")
        .trim(),
      tabIndex: active?.tabIndex ?? -1,
      col: cell ? Number(cell.getAttribute("data-col")) : -1,
      cellCurrent: cell?.getAttribute("aria-current") ?? null,
      href: active?.getAttribute("href") ?? null,
      focusVisible: active?.matches(":focus-visible") ?? false,
      tabStops: grid ? Array.from(grid.querySelectorAll('[tabindex="0"]')).length : 0,
      top: rect.top,
      bottom: rect.bottom,
      width: rect.width,
      height: rect.height,
      headerBottom: header?.bottom ?? 0,
      viewportHeight: innerHeight,
    };
  });
}

/** Presses `key` and checks the focus stayed in the grid, visible, clear of the header and on screen. */
async function press(page: Page, key: string): Promise<Focus> {
  await page.keyboard.press(key);
  let focus = await focused(page);
  // PageUp/PageDown: the grid itself holds the focus until the other week's slots are loaded.
  for (const deadline = Date.now() + WAIT.timeout; focus.tag === "table" && Date.now() < deadline; ) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    focus = await focused(page);
  }
  expect(focus, `after ${key}`).toMatchObject({ inGrid: true, tabIndex: 0, tabStops: 1, focusVisible: true });
  expect(focus.top, `after ${key}: under the sticky header`).toBeGreaterThanOrEqual(focus.headerBottom);
  expect(focus.bottom, `after ${key}: below the fold`).toBeLessThanOrEqual(focus.viewportHeight);
  return focus;
}

/** Tabs from where the focus is until it lands in the week grid; returns the first element there. */
async function tabIntoGrid(page: Page): Promise<Focus> {
  for (let presses = 0; presses < 30; presses++) {
    await page.keyboard.press("Tab");
    const focus = await focused(page);
    if (focus.inGrid) return focus;
  }
  throw new Error("Tab never reached the week grid");
}

const addSlotText = (day: string) => `Add slot on ${formatDateKey(day, LOCALE, "day")}`;

describe("the week calendar from the keyboard", () => {
  it("is one tab stop; arrows, Home/End and PageUp/PageDown move; Enter opens a slot, Space adds one", async () => {
    const tag = Math.random().toString(36).slice(2, 7);
    const tutor = await provider(`Kira Keys ${tag}`);
    const today = dateKey(Date.now(), ZONE);
    const thisWeek = startOfWeek(today, 7);
    // Next week lies wholly in the future: every day there has an "Add slot".
    const next = addDays(thisWeek, 7);
    const at = (day: string, time: string) => zonedToInstant(day, time, ZONE) ?? 0;
    const monday = addDays(next, 1);
    const wednesday = addDays(next, 3);
    const thursday = addDays(next, 4);
    const early = await slot(tutor, at(monday, "09:00"));
    const late = await slot(tutor, at(monday, "11:00"));
    const midweek = await slot(tutor, at(wednesday, "10:00"));
    const times = (s: { startsAt: string; endsAt: string }) =>
      formatTimeRange(Date.parse(s.startsAt), Date.parse(s.endsAt), READER);

    const { context, page } = await newPage(browser);
    const logs = watchConsole(page, "tutor");
    try {
      // A short window, so moving through the week scrolls under the sticky header.
      await page.setViewportSize({ width: 1280, height: 560 });
      await page.goto("/signin?next=/teach");
      await page.getByLabel("Email").fill(tutor.email);
      await page.getByLabel("Password").fill(PASSWORD);
      await page.keyboard.press("Enter");
      await page.getByRole("heading", { level: 1, name: "Your calendar" }).waitFor(WAIT);
      const grid = page.getByRole("grid", { name: `Week of ${formatDateKey(thisWeek, LOCALE, "day")}` });
      await grid.waitFor(WAIT);
      await expect(grid.getByRole("columnheader").count()).resolves.toBe(7);
      await expect(grid.getByRole("gridcell").count()).resolves.toBe(7);
      expect(await grid.getAttribute("aria-describedby")).toBe("week-keys");
      // What Chromium gives screen readers, CSS display changes and all: a grid of 2 rows, 7 column headers, 7 cells.
      const tree = await (await context.newCDPSession(page)).send("Accessibility.getFullAXTree");
      const roles = tree.nodes.filter((node) => !node.ignored).map((node) => String(node.role?.value));
      const count = (role: string) => roles.filter((r) => r === role).length;
      expect({
        grids: count("grid"),
        rows: count("row"),
        headers: count("columnheader"),
        cells: count("gridcell"),
      }).toEqual({
        grids: 1,
        rows: 2,
        headers: 7,
        cells: 7,
      });
      // Today, and only today, is the current date, in its heading and its cell.
      const todayHeader = grid.locator('th[aria-current="date"]');
      await expect(todayHeader.count()).resolves.toBe(1);
      await expect(todayHeader.textContent()).resolves.toBe(formatDateKey(today, LOCALE, "day"));
      await expect(grid.locator('td[aria-current="date"]').count()).resolves.toBe(1);

      // Tab reaches the grid at today's column: today is never past, so its first place is "Add slot".
      const todayCol = (Date.parse(`${today}T00:00:00Z`) - Date.parse(`${thisWeek}T00:00:00Z`)) / 86_400_000;
      const entered = await tabIntoGrid(page);
      expect(entered).toMatchObject({ col: todayCol, cellCurrent: "date", text: addSlotText(today) });
      expect(entered.tabStops).toBe(1);
      // One tab stop: the next Tab leaves the grid, Shift+Tab comes back to the same place.
      await page.keyboard.press("Tab");
      expect((await focused(page)).inGrid).toBe(false);
      await page.keyboard.press("Shift+Tab");
      expect(await focused(page)).toMatchObject({ inGrid: true, col: todayCol, text: addSlotText(today) });
      await screenshot(page, "calendar-keyboard-this-week");

      // Home and End: the week's first and last day.
      expect(await press(page, "End")).toMatchObject({ col: 6, text: addSlotText(addDays(thisWeek, 6)) });
      const first = await press(page, "Home");
      expect(first.col).toBe(0);
      if (thisWeek < today) {
        // A past day without slots: the cell itself holds the focus and says so.
        expect(first).toMatchObject({ tag: "td", text: "No slots" });
      }

      // PageDown: next week, same day of the week, the grid renamed.
      expect(await press(page, "PageDown")).toMatchObject({ col: 0, text: addSlotText(next) });
      expect(new URL(page.url()).searchParams.get("week")).toBe(next);
      const nextGrid = page.getByRole("grid", { name: `Week of ${formatDateKey(next, LOCALE, "day")}` });
      await nextGrid.waitFor(WAIT);
      await expect(nextGrid.locator('[aria-current="date"]').count()).resolves.toBe(0);

      // Right to Monday's first slot, down through its slots to "Add slot", no further.
      expect(await press(page, "ArrowRight")).toMatchObject({
        col: 1,
        tag: "a",
        href: `/teach/slots/${early.id}`,
      });
      expect((await press(page, "ArrowRight")).col).toBe(2);
      expect((await press(page, "ArrowLeft")).href).toBe(`/teach/slots/${early.id}`);
      const second = await press(page, "ArrowDown");
      expect(second).toMatchObject({ col: 1, href: `/teach/slots/${late.id}` });
      expect(second.text.startsWith(times(late))).toBe(true);
      expect((await press(page, "ArrowDown")).text).toBe(addSlotText(monday));
      expect((await press(page, "ArrowDown")).text).toBe(addSlotText(monday));
      expect((await press(page, "ArrowUp")).href).toBe(`/teach/slots/${late.id}`);
      // A low window scrolled to the end puts Monday's first slot under the sticky header; moving the
      // focus there brings it out (WCAG 2.4.11).
      await page.setViewportSize({ width: 1280, height: 360 });
      const covered = await page.evaluate((id) => {
        const view = globalThis as unknown as {
          document: {
            querySelector(
              selector: string,
            ): { getBoundingClientRect(): { top: number; bottom: number } } | null;
          };
          scrollTo(x: number, y: number): void;
        };
        view.scrollTo(0, 1e6);
        return {
          top: view.document.querySelector(`a[href="/teach/slots/${id}"]`)?.getBoundingClientRect().top ?? 0,
          headerBottom: view.document.querySelector(".site-header")?.getBoundingClientRect().bottom ?? 0,
        };
      }, early.id);
      expect(covered.top).toBeLessThan(covered.headerBottom);
      expect((await press(page, "ArrowUp")).href).toBe(`/teach/slots/${early.id}`);
      await page.setViewportSize({ width: 1280, height: 560 });
      expect((await press(page, "ArrowDown")).href).toBe(`/teach/slots/${late.id}`);
      // Tuesday has one place ("Add slot"); Wednesday's first is its slot.
      expect((await press(page, "ArrowRight")).text).toBe(addSlotText(addDays(next, 2)));
      const onWednesday = await press(page, "ArrowRight");
      expect(onWednesday).toMatchObject({ col: 3, href: `/teach/slots/${midweek.id}` });
      expect(onWednesday.text.startsWith(times(midweek))).toBe(true);
      await screenshot(page, "calendar-keyboard-focus");

      // PageUp and back: the same weekday each time.
      expect((await press(page, "PageUp")).col).toBe(3);
      expect(new URL(page.url()).searchParams.get("week") ?? thisWeek).toBe(thisWeek);
      expect(await press(page, "PageDown")).toMatchObject({ col: 3, href: `/teach/slots/${midweek.id}` });

      // Enter opens the focused slot.
      await page.keyboard.press("Enter");
      const heading = formatDateTimeRange(Date.parse(midweek.startsAt), Date.parse(midweek.endsAt), READER);
      await page.getByRole("heading", { level: 1, name: heading, exact: true }).waitFor(WAIT);
      expect(new URL(page.url()).pathname).toBe(`/teach/slots/${midweek.id}`);

      // Back in the week, Space on Thursday's "Add slot" starts a slot on that day.
      await page.goBack();
      await nextGrid.waitFor(WAIT);
      await page.getByRole("heading", { level: 1, name: "Your calendar" }).focus();
      expect((await tabIntoGrid(page)).col).toBe(0);
      for (let day = 1; day <= 4; day++) await press(page, "ArrowRight");
      expect((await focused(page)).text).toBe(addSlotText(thursday));
      await page.keyboard.press("Space");
      await page.getByRole("heading", { level: 1, name: "New slot" }).waitFor(WAIT);
      expect(new URL(page.url()).search).toBe(`?date=${thursday}`);
      await expect(page.getByLabel("Date").inputValue()).resolves.toBe(thursday);
      await page.getByLabel("Start time").fill("14:00");
      await page.getByRole("button", { name: "Create slot" }).focus();
      await page.keyboard.press("Enter");
      await page.getByText("Slot created.").waitFor(WAIT);

      // The new slot is Thursday's first place in the grid.
      await page.goto(`/teach?week=${next}`);
      await nextGrid.waitFor(WAIT);
      await page.getByRole("heading", { level: 1, name: "Your calendar" }).focus();
      await tabIntoGrid(page);
      for (let day = 1; day <= 4; day++) await press(page, "ArrowRight");
      const created = await focused(page);
      const newTimes = formatTimeRange(at(thursday, "14:00"), at(thursday, "14:00") + HOUR, READER);
      expect(created.col).toBe(4);
      expect(created.text.startsWith(newTimes)).toBe(true);
      expect(created.href).toMatch(/^\/teach\/slots\/[\w-]+$/);

      // Every place a pointer can hit is at least 24 by 24 px (WCAG 2.5.8).
      const sizes = await nextGrid.locator("[data-cell]").evaluateAll((elements) =>
        elements.map((element) => {
          const { width, height } = (
            element as unknown as { getBoundingClientRect(): { width: number; height: number } }
          ).getBoundingClientRect();
          return { width, height };
        }),
      );
      expect(sizes.length).toBeGreaterThan(7);
      for (const size of sizes) {
        expect(size.width).toBeGreaterThanOrEqual(24);
        expect(size.height).toBeGreaterThanOrEqual(24);
      }

      // On a phone the week is one column without the past days that have no slots: Home skips them.
      await page.setViewportSize({ width: 390, height: 844 });
      await page.goto("/teach");
      await grid.waitFor(WAIT);
      await page.getByRole("heading", { level: 1, name: "Your calendar" }).focus();
      expect((await tabIntoGrid(page)).col).toBe(todayCol);
      expect(await press(page, "Home")).toMatchObject({ col: todayCol, text: addSlotText(today) });
      expect((await press(page, "End")).col).toBe(6);
      await screenshot(page, "calendar-keyboard-phone");
      expect(logs.filter((line) => line.includes("pageerror"))).toEqual([]);
    } catch (error) {
      await screenshot(page, "failure-calendar-keyboard").catch(() => undefined);
      if (logs.length > 0) console.error(logs.join("\n"));
      throw error;
    } finally {
      await context.close();
    }
  }, 90_000);
});
