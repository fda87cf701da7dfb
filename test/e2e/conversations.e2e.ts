// Live conversations in two browsers at once: a student messages a tutor before any booking, the
// tutor's nav badge counts up live and clears when the conversation is opened, and messages sent
// by either appear in the other's open thread without a reload (over the conversation's socket).
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mergeMessage, mergeRead, seenByPartner } from "../../web/src/lib/conversation-merge";
import { retryDelayMs } from "../../web/src/lib/retry-delay";
import { APP, launchBrowser, newPage, screenshot, uniqueEmail, watchConsole } from "./browser";

const WAIT = { timeout: 15_000 };
/** Shorter than the badge's 30-second poll: what arrives within it came over a socket. */
const LIVE = { timeout: 10_000 };

interface Person {
  id: string;
  token: string;
  name: string;
}

async function api<T>(
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

async function register(role: "provider" | "student", name: string): Promise<Person> {
  const answer = await api<{ user: { id: string }; token: string }>("/auth/register", {
    body: {
      email: uniqueEmail(role),
      password: "correct-horse-battery",
      name,
      role,
      timezone: "Europe/Berlin",
    },
  });
  return { id: answer.user.id, token: answer.token, name };
}

/** Signs `person` in by their session cookie (sign-in itself is tested elsewhere). */
async function signInContext(context: BrowserContext, person: Person): Promise<void> {
  await context.addCookies([{ name: "lectern_session", value: person.token, url: APP, httpOnly: true }]);
}

const nav = (page: Page) => page.getByRole("navigation", { name: "Main" });
const messagesLink = (page: Page) => nav(page).getByRole("link", { name: /^Messages/ });
const chatLog = (page: Page) => page.getByRole("log");

async function send(page: Page, text: string): Promise<void> {
  await page.getByLabel("Message", { exact: true }).fill(text);
  await page.getByRole("button", { name: "Send", exact: true }).click();
  await chatLog(page).getByText(text).waitFor(WAIT);
}

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

describe("live conversations", () => {
  it("lets a student message a tutor before booking, with live messages and the nav's unread count", async () => {
    const tag = Math.random().toString(36).slice(2, 7);
    const tutor = await register("provider", `Tess Tutor ${tag}`);
    await api("/me/provider-profile", {
      method: "PUT",
      token: tutor.token,
      body: { hourlyRate: 5000, currency: "usd", bio: "Calculus and statistics." },
    });
    const student = await register("student", `Sam Student ${tag}`);

    const t = await newPage(browser);
    const s = await newPage(browser);
    const logs = [...watchConsole(t.page, "tutor"), ...watchConsole(s.page, "student")];
    await signInContext(t.context, tutor);
    await signInContext(s.context, student);
    try {
      // The tutor works elsewhere in the app; the nav shows no unread count.
      await t.page.goto("/sessions");
      await messagesLink(t.page).waitFor(WAIT);
      expect(await messagesLink(t.page).textContent()).toBe("Messages");

      // The student finds the tutor and messages them before booking anything.
      await s.page.goto(`/find/${tutor.id}`);
      await s.page.getByRole("button", { name: `Message ${tutor.name}` }).click();
      await s.page.waitForURL(/\/messages\/cnv_/, WAIT);
      await s.page.getByRole("heading", { name: `Chat with ${tutor.name}` }).waitFor(WAIT);
      await send(s.page, "Hi! Do you teach calculus for beginners?");

      // The tutor's badge counts up without a reload, and says what it counts.
      await nav(t.page)
        .getByRole("link", { name: /^Messages\s+1 unread message$/ })
        .waitFor(LIVE);
      await expect(messagesLink(t.page).getAttribute("href")).resolves.toBe("/messages");
      await send(s.page, "I could start next week.");
      await messagesLink(t.page).getByText("2 unread messages").waitFor(LIVE);
      await screenshot(t.page, "conversations-01-unread-badge");

      // The list shows the unread count per conversation; opening it clears the badge.
      await messagesLink(t.page).click();
      const entry = t.page
        .getByRole("navigation", { name: "Conversations" })
        .getByRole("link", { name: new RegExp(student.name) });
      await entry.getByText("2 unread messages").waitFor(WAIT);
      await screenshot(t.page, "conversations-02-list-unread");
      await entry.click();
      await chatLog(t.page).getByText("I could start next week.").waitFor(WAIT);
      await messagesLink(t.page)
        .getByText(/unread/)
        .waitFor({ state: "detached", ...LIVE });
      expect(await messagesLink(t.page).textContent()).toBe("Messages");

      // Both threads are open: each side's message appears in the other's, live.
      await s.page.getByText(`Seen by ${tutor.name}`).waitFor(LIVE);
      await send(t.page, "Yes, beginners are welcome. Book any open time.");
      await chatLog(s.page).getByText("Yes, beginners are welcome. Book any open time.").waitFor(LIVE);
      await send(s.page, "Great, see you then!");
      await chatLog(t.page).getByText("Great, see you then!").waitFor(LIVE);
      // The list's preview follows the thread.
      await s.page
        .getByRole("navigation", { name: "Conversations" })
        .getByText(/^Great, see you then!/)
        .waitFor(LIVE);
      await screenshot(s.page, "conversations-03-live-thread");

      // Read while open: the student sees the tutor read the new message, and no nav counts it.
      await s.page.getByText(`Seen by ${tutor.name}`).waitFor(LIVE);
      expect(await api<{ unread: number }>("/conversations/unread", { token: tutor.token })).toEqual({
        unread: 0,
      });
      expect(await messagesLink(t.page).textContent()).toBe("Messages");
      expect(await messagesLink(s.page).textContent()).toBe("Messages");

      // Tutors have no "Message" button of their own on a tutor's page.
      const other = await register("provider", `Otto Other ${tag}`);
      await t.page.goto(`/find/${other.id}`);
      await expect(t.page.getByRole("button", { name: /^Message / }).count()).resolves.toBe(0);
      expect(logs).toEqual([]);
    } catch (error) {
      const tree = await nav(t.page)
        .ariaSnapshot({ timeout: 1000 })
        .catch(() => "(no nav)");
      console.error(["browser console:", ...logs, "tutor's nav:", tree].join("\n"));
      throw error;
    } finally {
      await t.context.close();
      await s.context.close();
    }
  });
});

describe("when the conversation socket fails", () => {
  it("falls back to polling the open thread, and says so", async () => {
    const tag = Math.random().toString(36).slice(2, 7);
    const tutor = await register("provider", `Pia Polled ${tag}`);
    const student = await register("student", `Sid Socketless ${tag}`);
    const conversation = await api<{ id: string }>("/conversations", {
      token: student.token,
      body: { providerId: tutor.id },
    });
    const s = await newPage(browser);
    await signInContext(s.context, student);
    // Every thread socket is accepted and dropped at once, as by a proxy that kills WebSockets.
    await s.context.routeWebSocket(/\/api\/conversations\/[^/]+\/ws/, (ws) =>
      ws.close({ code: 1011, reason: "dropped by the test" }),
    );
    try {
      await s.page.goto(`/messages/${conversation.id}`);
      await s.page.getByRole("heading", { name: `Chat with ${tutor.name}` }).waitFor(WAIT);
      await s.page.getByText("Live updates paused").waitFor(WAIT);
      await api(`/conversations/${conversation.id}/messages`, {
        token: tutor.token,
        body: { text: "This one arrives by polling." },
      });
      await chatLog(s.page).getByText("This one arrives by polling.").waitFor(WAIT);
    } finally {
      await s.context.close();
    }
  });
});

describe("thread helpers", () => {
  const message = (id: string, senderId: string, sentAt: string) => ({ id, senderId, text: id, sentAt });

  it("merges a pushed message once, in time order", () => {
    const first = message("m1", "a", "2026-01-01T10:00:00.000Z");
    const second = message("m2", "b", "2026-01-01T10:00:00.001Z");
    expect(mergeMessage([second], first).map((m) => m.id)).toEqual(["m1", "m2"]);
    expect(mergeMessage([first, second], second).map((m) => m.id)).toEqual(["m1", "m2"]);
  });

  it("keeps the later read marker per member", () => {
    const reads = [{ userId: "a", lastReadAt: "2026-01-01T10:00:00.005Z" }];
    expect(mergeRead(reads, { userId: "a", lastReadAt: "2026-01-01T10:00:00.001Z" })).toBe(reads);
    expect(mergeRead(reads, { userId: "b", lastReadAt: "2026-01-01T10:00:00.001Z" })).toHaveLength(2);
  });

  it("says seen only when the other member read my newest message and it is the last one", () => {
    const mine = message("m1", "me", "2026-01-01T10:00:00.000Z");
    const reply = message("m2", "you", "2026-01-01T10:01:00.000Z");
    const read = [{ userId: "you", lastReadAt: mine.sentAt }];
    expect(seenByPartner([mine], read, "me")).toBe(true);
    expect(seenByPartner([mine], [{ userId: "me", lastReadAt: mine.sentAt }], "me")).toBe(false);
    expect(seenByPartner([mine, reply], read, "me")).toBe(false);
  });

  it("backs off from about half a second to at most 15 seconds", () => {
    expect(retryDelayMs(0, () => 1)).toBe(500);
    expect(retryDelayMs(0, () => 0)).toBe(250);
    expect(retryDelayMs(10, () => 1)).toBe(15_000);
  });
});
