// Screenshots of every main page, at desktop (1280×800) and phone (390×844) size, into
// test-output/screenshots/ (page-<size>-<nn>-<page>.png): for reviewing the look, not asserting it.
// One tutor and one student are set up through the API with something on every page: a live
// group lesson, a paid one-to-one (which opens a conversation), a held seat, a few emails.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APP, launchBrowser, screenshot, watchConsole } from "./browser";
import {
  bookAndPay,
  daysAhead,
  hold,
  json,
  liveStart,
  type Person,
  provider,
  register,
  runCron,
  signInContext,
  slot,
  WAIT,
} from "./courtesy-fixtures";

const SIZES = {
  desktop: { viewport: { width: 1280, height: 800 } },
  phone: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 },
} as const;

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

interface Shot {
  name: string;
  path: string;
  as: "guest" | "student" | "tutor";
}

/**
 * Runs in the page: interactive elements smaller than 24×24 CSS px (WCAG 2.5.8), leaving out links
 * inside running text, which the criterion exempts.
 */
const SMALL_TARGETS = `[...document.querySelectorAll("a[href], button, input, select, textarea, summary, [tabindex]:not([tabindex='-1'])")]
  .filter((element) => {
    const rect = element.getBoundingClientRect();
    if (rect.width === 0 || rect.height === 0) return false;
    if (element.closest(".sr-only")) return false;
    const style = getComputedStyle(element);
    if (element.tagName === "A" && style.display === "inline") return false;
    return rect.width < 24 || rect.height < 24;
  })
  .map((element) => {
    const rect = element.getBoundingClientRect();
    const name = (element.getAttribute("aria-label") || element.textContent || element.getAttribute("type") || "").trim().slice(0, 40);
    return element.tagName.toLowerCase() + " '" + name + "' " + Math.round(rect.width) + "x" + Math.round(rect.height);
  })`;

/** Waits for the page's heading and for its loading notes to go (without failing on a slow one). */
async function settle(page: Page): Promise<void> {
  await page.getByRole("heading", { level: 1 }).first().waitFor(WAIT);
  await expect
    .poll(() => page.locator(".loading:visible").count(), { timeout: 8000 })
    .toBe(0)
    .catch(() => undefined);
  // Fonts and the last layout pass.
  await page.waitForTimeout(250);
}

describe("screenshots of the main pages", () => {
  it("saves every main page at desktop and phone size", async () => {
    const t = Math.random().toString(36).slice(2, 7);
    const tutor: Person = await provider(`Tessa Tutor ${t}`, 4500);
    const student: Person = await register("student", `Sam Student ${t}`);
    const other = await register("student", `Ola Other ${t}`);
    const live = await slot(tutor, liveStart(), 4);
    const single = await slot(tutor, daysAhead(2, 9));
    const later = await slot(tutor, daysAhead(2, 11), 3);
    await slot(tutor, daysAhead(3, 9));
    await slot(tutor, daysAhead(4, 14), 6);
    const lesson = await bookAndPay(student, live.id);
    await bookAndPay(other, live.id);
    await bookAndPay(student, single.id);
    const held = await hold(student, later.id);
    await json(`/sessions/${lesson.sessionId}/start`, { token: tutor.token, body: {} });
    const { conversations } = await json<{ conversations: { id: string }[] }>("/conversations", {
      token: student.token,
    });
    const conversation = conversations[0]?.id ?? "";
    await json(`/conversations/${conversation}/messages`, {
      token: student.token,
      body: { text: "Hello! Could we start with quadratic equations?" },
    });
    await json(`/conversations/${conversation}/messages`, {
      token: tutor.token,
      body: { text: "Of course, see you on the day." },
    });
    await runCron();

    const shots: Shot[] = [
      { name: "home", path: "/", as: "guest" },
      { name: "find", path: "/find", as: "student" },
      { name: "tutor-page", path: `/find/${tutor.id}`, as: "student" },
      { name: "checkout", path: `/bookings/${held.bookingId}/pay`, as: "student" },
      { name: "bookings", path: "/bookings", as: "student" },
      { name: "sessions", path: "/sessions", as: "student" },
      { name: "session-room", path: `/sessions/${lesson.sessionId}`, as: "student" },
      { name: "account", path: "/account", as: "tutor" },
      { name: "teach-calendar", path: "/teach", as: "tutor" },
      { name: "slot-detail", path: `/teach/slots/${live.id}`, as: "tutor" },
      { name: "messages", path: `/messages/${conversation}`, as: "student" },
      { name: "inbox", path: "/inbox", as: "student" },
      { name: "tutor-bookings", path: "/bookings", as: "tutor" },
      { name: "tutor-session-room", path: `/sessions/${lesson.sessionId}`, as: "tutor" },
      { name: "weekly-patterns", path: "/teach/patterns", as: "tutor" },
      { name: "new-slot", path: "/teach/slots/new", as: "tutor" },
      { name: "sign-in", path: "/signin", as: "guest" },
      { name: "sign-up", path: "/signup", as: "guest" },
    ];

    const problems: string[] = [];
    const consoleErrors: string[] = [];
    for (const [size, options] of Object.entries(SIZES)) {
      const contexts = {
        guest: await browser.newContext({
          baseURL: APP,
          timezoneId: "Europe/Berlin",
          locale: "en-US",
          ...options,
        }),
        student: await browser.newContext({
          baseURL: APP,
          timezoneId: "Europe/Berlin",
          locale: "en-US",
          ...options,
        }),
        tutor: await browser.newContext({
          baseURL: APP,
          timezoneId: "Europe/Berlin",
          locale: "en-US",
          ...options,
        }),
      };
      await signInContext(contexts.student, student);
      await signInContext(contexts.tutor, tutor);
      try {
        for (const [index, shot] of shots.entries()) {
          const page = await contexts[shot.as].newPage();
          const logs = watchConsole(page, `${size} ${shot.name}`);
          await page.goto(shot.path);
          await settle(page);
          await screenshot(page, `page-${size}-${String(index + 1).padStart(2, "0")}-${shot.name}`);
          // Nothing wider than the screen (a phone must not scroll sideways).
          const width = await page.evaluate<number>("document.documentElement.scrollWidth");
          if (width > options.viewport.width) problems.push(`${size} ${shot.name}: ${width}px wide`);
          consoleErrors.push(...logs);
          const small = await page.evaluate<string[]>(SMALL_TARGETS);
          problems.push(...small.map((target) => `${size} ${shot.name}: target ${target} is under 24×24`));
          await page.close();
        }
      } finally {
        for (const context of Object.values(contexts)) await context.close();
      }
    }
    // Console errors are shown, not failed on: this test is about the look.
    if (consoleErrors.length > 0) console.warn(consoleErrors.join("\n"));
    expect(problems, problems.join("\n")).toEqual([]);
  }, 180_000);
});
