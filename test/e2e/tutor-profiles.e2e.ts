// Tutor profiles and discovery (issue #12), by clicking in Chromium:
// (a) a tutor fills headline, subjects and languages and uploads a photo, which the browser makes
//     small (WebP, at most 512 px) before it is stored and served with its type;
// (b) a student filters Find a tutor by subject and price, sees that tutor (photo, headline,
//     subjects, languages, next open times in the student's zone) and not a dearer one, then by
//     "free in my week";
// plus the SPA's pure filter helpers (windows on the student's clock, merging per-day answers),
// which run here because this suite runs in Node.
import { deflateSync } from "node:zlib";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TutorListing } from "../../src/shared/tutor-types";
import { formatMoney, formatTimeRange } from "../../web/src/lib/format";
import {
  comingDays,
  freeWindows,
  mergeListings,
  NO_FILTERS,
  planSearch,
} from "../../web/src/lib/tutor-search";
import { dateKey } from "../../web/src/lib/zoned-time";
import { APP, launchBrowser, newPage, screenshot, uniqueEmail, watchConsole } from "./browser";

const PASSWORD = "correct-horse-battery";
const WAIT = { timeout: 15_000 };
const HOUR = 3_600_000;
const STUDENT_ZONE = "America/New_York";

describe("Find a tutor's filter helpers", () => {
  it("turns chosen days and a time range on the student's clock into one window per day, DST included", () => {
    expect(freeWindows(["2026-03-08", "2026-03-07"], "01:00", "04:00", "America/New_York")).toEqual([
      { freeFrom: "2026-03-07T06:00:00.000Z", freeTo: "2026-03-07T09:00:00.000Z" },
      // Spring forward at 02:00: 01:00 EST to 04:00 EDT is two hours.
      { freeFrom: "2026-03-08T06:00:00.000Z", freeTo: "2026-03-08T08:00:00.000Z" },
    ]);
    // Whole days, and a range past midnight.
    expect(freeWindows(["2026-07-01"], "", "", "Asia/Tokyo")).toEqual([
      { freeFrom: "2026-06-30T15:00:00.000Z", freeTo: "2026-07-01T15:00:00.000Z" },
    ]);
    expect(freeWindows(["2026-07-01"], "22:00", "02:00", "Europe/Berlin")).toEqual([
      { freeFrom: "2026-07-01T20:00:00.000Z", freeTo: "2026-07-02T00:00:00.000Z" },
    ]);
    // A start inside the gap begins at the first minute that exists.
    expect(freeWindows(["2026-03-29"], "02:30", "", "Europe/Berlin")[0]?.freeFrom).toBe(
      "2026-03-29T01:00:00.000Z",
    );
  });

  it("plans one query per day with prices in minor units, or names the fields to fix", () => {
    const days = comingDays(Date.parse("2026-07-01T12:00:00Z"), "Asia/Kolkata");
    expect(days).toHaveLength(7);
    expect(days[0]).toBe("2026-07-01");
    const plan = planSearch(
      {
        ...NO_FILTERS,
        subject: " Maths ",
        minPrice: "30",
        maxPrice: "45.5",
        currency: "eur",
        days: days.slice(0, 2),
      },
      "Asia/Kolkata",
    );
    expect(plan).toEqual({
      ok: true,
      queries: [
        {
          subject: "Maths",
          minPrice: "3000",
          maxPrice: "4550",
          currency: "eur",
          freeFrom: "2026-06-30T18:30:00.000Z",
          freeTo: "2026-07-01T18:30:00.000Z",
        },
        {
          subject: "Maths",
          minPrice: "3000",
          maxPrice: "4550",
          currency: "eur",
          freeFrom: "2026-07-01T18:30:00.000Z",
          freeTo: "2026-07-02T18:30:00.000Z",
        },
      ],
    });
    expect(planSearch({ ...NO_FILTERS, minPrice: "1000", currency: "jpy" }, "UTC")).toEqual({
      ok: true,
      queries: [{ minPrice: "1000", currency: "jpy" }],
    });
    expect(planSearch({ ...NO_FILTERS, minPrice: "ten", maxPrice: "5", currency: "usd" }, "UTC")).toEqual({
      ok: false,
      issues: { minPrice: expect.any(String) },
    });
    expect(planSearch({ ...NO_FILTERS, minPrice: "50", maxPrice: "40", currency: "usd" }, "UTC")).toEqual({
      ok: false,
      issues: { maxPrice: expect.any(String) },
    });
  });

  it("merges per-day answers: each tutor once, by name, with the earliest three open slots", () => {
    const slot = (id: string, startsAt: string) => ({
      id,
      startsAt,
      endsAt: startsAt,
      price: { amount: 1, currency: "usd" },
    });
    const tutor = (id: string, name: string, slots: ReturnType<typeof slot>[]) =>
      ({ id, name, nextOpenSlots: slots }) as unknown as TutorListing;
    const merged = mergeListings([
      [tutor("b", "Bea", [slot("b2", "2026-07-02T10:00:00Z")])],
      [
        tutor("a", "Ann", [slot("a1", "2026-07-03T10:00:00Z")]),
        tutor("b", "Bea", [slot("b1", "2026-07-01T10:00:00Z"), slot("b3", "2026-07-03T10:00:00Z")]),
      ],
      [tutor("b", "Bea", [slot("b4", "2026-07-04T10:00:00Z"), slot("b1", "2026-07-01T10:00:00Z")])],
    ]);
    expect(merged.map((t) => t.id)).toEqual(["a", "b"]);
    expect(merged[1]?.nextOpenSlots.map((s) => s.id)).toEqual(["b1", "b2", "b3"]);
  });
});

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

async function register(role: "provider" | "student", name: string, timezone: string): Promise<Person> {
  const email = uniqueEmail(role);
  const answer = await json<{ user: { id: string }; token: string }>("/auth/register", {
    body: { email, password: PASSWORD, name, role, timezone },
  });
  return { id: answer.user.id, token: answer.token, email, name };
}

async function signIn(page: Page, email: string, next: string): Promise<void> {
  await page.goto(`/signin?next=${encodeURIComponent(next)}`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = (CRC_TABLE[(c ^ byte) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A real RGB PNG (a colour gradient), larger than the 512 px the SPA scales photos to. */
function gradientPng(width: number, height: number): Buffer {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    for (let x = 0; x < width; x++) {
      raw[row + 1 + x * 3] = Math.round((x / width) * 255);
      raw[row + 2 + x * 3] = Math.round((y / height) * 255);
      raw[row + 3 + x * 3] = 160;
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk("IHDR", header),
    pngChunk("IDAT", deflateSync(raw)),
    pngChunk("IEND", Buffer.alloc(0)),
  ]);
}

/** A one-to-one slot starting `hours` from now on a whole hour. */
async function slot(tutor: Person, hours: number) {
  const start = Math.ceil((Date.now() + hours * HOUR) / HOUR) * HOUR;
  return json<{ id: string; startsAt: string; endsAt: string }>("/slots", {
    token: tutor.token,
    body: { startsAt: new Date(start).toISOString(), durationMinutes: 60, sessionType: "ONE_TO_ONE" },
  });
}

describe("tutor profiles and Find a tutor in the browser", () => {
  it("a tutor fills the profile with a photo; a student finds them by subject, price and free time", async () => {
    const tag = Math.random().toString(36).slice(2, 7);
    const subject = `Astronomy ${tag}`;
    const tutor = await register("provider", `Tara Telescope ${tag}`, "Europe/Berlin");
    await json("/me/provider-profile", {
      method: "PUT",
      token: tutor.token,
      body: { hourlyRate: 4000, currency: "usd" },
    });
    // Same subject, dearer: the price filter must leave them out.
    const dear = await register("provider", `Dan Dear ${tag}`, "Europe/Berlin");
    await json("/me/provider-profile", {
      method: "PUT",
      token: dear.token,
      body: { hourlyRate: 9000, currency: "usd", subjects: [subject] },
    });
    const first = await slot(tutor, 50);
    await slot(tutor, 75);
    await slot(dear, 50);

    const t = await newPage(browser, { timezoneId: "Europe/Berlin" });
    const tutorLogs = watchConsole(t.page, "tutor");
    const student = await register("student", `Sam Stargazer ${tag}`, STUDENT_ZONE);
    const s = await newPage(browser, { timezoneId: STUDENT_ZONE });
    const studentLogs = watchConsole(s.page, "student");
    try {
      // --- The tutor fills the profile. ---
      const p = t.page;
      await signIn(p, tutor.email, "/account#profile");
      await p.getByRole("heading", { name: "Teaching profile" }).waitFor(WAIT);
      await p.getByLabel("Headline").fill("Stars and planets for curious minds");
      const subjects = p.getByRole("textbox", { name: "Subjects" });
      await subjects.fill(`${subject}, Physics`);
      await subjects.press("Enter");
      await p.getByRole("button", { name: `Remove ${subject}` }).waitFor(WAIT);
      await subjects.fill("physics");
      await subjects.press("Enter");
      const languages = p.getByRole("textbox", { name: "Languages you teach in" });
      await languages.fill("en DE-at");
      await languages.press("Enter");
      await p.getByRole("button", { name: /^Remove .*\(de-AT\)$/ }).waitFor(WAIT);

      await p.getByLabel("Photo", { exact: true }).setInputFiles({
        name: "me.png",
        mimeType: "image/png",
        buffer: gradientPng(900, 600),
      });
      await p.getByText("Photo saved.").waitFor(WAIT);
      await p.getByRole("button", { name: "Remove photo" }).waitFor(WAIT);
      await p.getByRole("button", { name: "Save profile" }).click();
      await p.getByText("Profile saved.").waitFor(WAIT);
      await screenshot(p, "tutor-profiles-01-profile-form");

      const profile = await json<{
        headline: string;
        subjects: string[];
        languages: string[];
        photoUrl: string;
      }>("/me/provider-profile", { token: tutor.token });
      expect(profile).toMatchObject({
        headline: "Stars and planets for curious minds",
        subjects: [subject, "Physics"],
        languages: ["en", "de-AT"],
      });
      expect(profile.photoUrl).toMatch(new RegExp(`^/api/providers/${tutor.id}/photo\\?v=`));
      const photo = await fetch(`${APP}${profile.photoUrl}`);
      expect(photo.status).toBe(200);
      expect(photo.headers.get("content-type")).toBe("image/webp");
      expect(photo.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
      const bytes = Buffer.from(await photo.arrayBuffer());
      expect(bytes.subarray(0, 4).toString("ascii")).toBe("RIFF");
      expect(bytes.subarray(8, 12).toString("ascii")).toBe("WEBP");
      expect(bytes.length).toBeLessThanOrEqual(60 * 1024);

      // --- The student filters by subject and price. ---
      const page = s.page;
      await signIn(page, student.email, "/find");
      await page.getByRole("heading", { level: 1, name: "Find a tutor" }).waitFor(WAIT);
      await page.getByText("Filters: subject, language, price, free times").click();
      await page.getByLabel("Subject", { exact: true }).fill(subject.toLowerCase());
      await page.getByLabel("From", { exact: true }).fill("30");
      await page.getByLabel("To", { exact: true }).fill("50");
      await page.getByRole("button", { name: "Show tutors" }).click();
      await page.getByText("1 tutor match.").waitFor(WAIT);
      const cards = page
        .getByRole("list", { name: "Tutors" })
        .getByRole("listitem")
        .filter({ has: page.getByRole("heading") });
      await expect(cards.count()).resolves.toBe(1);
      const card = cards.first();
      await card.getByRole("heading", { name: tutor.name }).waitFor(WAIT);
      await card.getByText("Stars and planets for curious minds").waitFor(WAIT);
      await card.getByRole("list", { name: "Subjects" }).getByText(subject).waitFor(WAIT);
      await card.getByText("Teaches in English, Austrian German").waitFor(WAIT);
      await card.getByText(`${formatMoney(4000, "usd")} per hour`).waitFor(WAIT);
      const times = card.getByRole("list", { name: "Next open times" });
      const start = Date.parse(first.startsAt);
      await times
        .getByText(formatTimeRange(first.startsAt, first.endsAt, STUDENT_ZONE, "en-US"))
        .waitFor(WAIT);
      await expect(times.getByRole("listitem").count()).resolves.toBe(2);
      const img = card.locator("img.tutor-photo");
      await img.waitFor(WAIT);
      await expect(img.getAttribute("src")).resolves.toBe(profile.photoUrl);
      await page.waitForFunction(
        (el) => {
          const image = el as unknown as { complete: boolean; naturalWidth: number };
          return image.complete && image.naturalWidth > 0;
        },
        await img.elementHandle(),
        WAIT,
      );
      const width = await img.evaluate((el) => (el as unknown as { naturalWidth: number }).naturalWidth);
      expect(width).toBeLessThanOrEqual(512);
      expect(new URL(page.url()).searchParams.get("subject")).toBe(subject.toLowerCase());
      await screenshot(page, "tutor-profiles-02-find-by-subject-and-price");

      // --- Free in my week: the day of the first slot, 00:00–23:59 on the student's clock. ---
      const days = comingDays(Date.now(), STUDENT_ZONE);
      const dayIndex = days.indexOf(dateKey(start, STUDENT_ZONE));
      expect(dayIndex).toBeGreaterThanOrEqual(0);
      await page.getByLabel("From", { exact: true }).fill("");
      await page.getByLabel("To", { exact: true }).fill("");
      await page.locator(".week-days input[type=checkbox]").nth(dayIndex).check();
      await page.getByRole("button", { name: "Show tutors" }).click();
      await page.getByText("2 tutors match.").waitFor(WAIT);
      await expect(
        page.getByRole("list", { name: "Next open times" }).first().getByRole("listitem").count(),
      ).resolves.toBe(1);
      // A day without their slots: nobody.
      const otherDay = days.findIndex(
        (day) => day !== days[dayIndex] && day !== dateKey(start + 25 * HOUR, STUDENT_ZONE),
      );
      await page.locator(".week-days input[type=checkbox]").nth(dayIndex).uncheck();
      await page.locator(".week-days input[type=checkbox]").nth(otherDay).check();
      await page.getByRole("button", { name: "Show tutors" }).click();
      await page.getByText("No tutor matches these filters.").waitFor(WAIT);
      await screenshot(page, "tutor-profiles-03-free-in-my-week");

      await page.getByRole("button", { name: "Clear filters" }).click();
      await page.waitForURL((url) => url.pathname === "/find" && url.search === "", WAIT);
      await expect(page.getByLabel("Subject", { exact: true }).inputValue()).resolves.toBe("");
      // This work's own failures: a script error, or a profile or tutor call that failed.
      const ours = [...tutorLogs, ...studentLogs].filter((line) =>
        /pageerror|provider-profile|\/api\/providers/.test(line),
      );
      expect(ours).toEqual([]);
    } catch (error) {
      await screenshot(t.page, "failure-tutor-profiles-tutor").catch(() => undefined);
      await screenshot(s.page, "failure-tutor-profiles-student").catch(() => undefined);
      console.error([...tutorLogs, ...studentLogs].join("\n"));
      throw error;
    } finally {
      await t.context.close();
      await s.context.close();
    }
  });
});
