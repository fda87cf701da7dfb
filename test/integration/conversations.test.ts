import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { StripeStandin } from "../../scripts/stripe-standin/handler";
import { call, registerProvider, registerUser, type TestUser } from "../helpers/api";
import { expectError, expectFieldIssues } from "../helpers/fixtures";
import { installStripeStandin } from "../helpers/stripe";
import { world } from "../helpers/world";

let standin: StripeStandin;
beforeEach(() => {
  standin = installStripeStandin();
});
afterEach(() => {
  vi.restoreAllMocks();
});

const ISO_Z = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

async function listConversations(user: TestUser): Promise<any[]> {
  const res = await call("GET", "/api/conversations", { token: user.token });
  expect(res.status).toBe(200);
  return res.body.conversations;
}

/** A student and a provider with a confirmed 1-to-1 booking, and the chat it opened. */
async function openConversation() {
  const { provider, students } = await world({ stripe: standin, students: 1 });
  const student = students[0]!;
  const [conversation] = await listConversations(student);
  return { provider, student, conversationId: conversation.id as string };
}

function post(user: TestUser, conversationId: string, text: unknown) {
  return call("POST", `/api/conversations/${conversationId}/messages`, {
    token: user.token,
    body: { text },
  });
}

async function readMessages(user: TestUser, conversationId: string, query = ""): Promise<any[]> {
  const res = await call("GET", `/api/conversations/${conversationId}/messages${query}`, {
    token: user.token,
  });
  expect(res.status).toBe(200);
  return res.body.messages;
}

describe("opening conversations", () => {
  it("opens exactly one conversation per student and provider, however many 1-to-1 bookings they confirm", async () => {
    const { provider, addSlot, paidBooking } = await world({ stripe: standin, slot: false });
    const student = await registerUser("student");
    expect(await listConversations(student)).toEqual([]);

    await paidBooking(student, await addSlot({ startsInHours: 30 }));
    await paidBooking(student, await addSlot({ startsInHours: 33 }));

    const forStudent = await listConversations(student);
    expect(forStudent).toHaveLength(1);
    expect(forStudent[0]).toMatchObject({ memberIds: [student.id, provider.id] });
    expect(forStudent[0].members).toEqual([
      { id: student.id, name: "Test student", role: "student" },
      { id: provider.id, name: "Test provider", role: "provider" },
    ]);
    expect(forStudent[0]).not.toHaveProperty("lastMessage");
    expect(await listConversations(provider)).toEqual(forStudent);
  });

  it("opens no conversation for a confirmed GROUP booking", async () => {
    const { provider, paidBooking } = await world({ stripe: standin, slot: { seats: 3 } });
    const student = await registerUser("student");
    await paidBooking(student);
    expect(await listConversations(student)).toEqual([]);
    expect(await listConversations(provider)).toEqual([]);
  });

  it("lists the conversation with the most recent activity first", async () => {
    const student = await registerUser("student");
    const first = await world({ stripe: standin });
    const second = await world({ stripe: standin });
    await first.paidBooking(student);
    await second.paidBooking(student);
    const older = (await listConversations(student)).find((c) => c.memberIds[1] === first.provider.id);

    expect((await post(student, older.id, "hello")).status).toBe(201);
    expect((await listConversations(student)).map((c) => c.memberIds[1])).toEqual([
      first.provider.id,
      second.provider.id,
    ]);
  });
});

describe("posting and reading messages", () => {
  it("lets both members post and read the messages oldest first", async () => {
    const { provider, student, conversationId } = await openConversation();
    const sent = [];
    for (const [author, text] of [
      [student, "Hi, can we focus on fractions?"],
      [provider, "  Sure, bring your homework.  "],
      [student, "Great!"],
    ] as const) {
      const res = await post(author, conversationId, text);
      expect(res.status).toBe(201);
      expect(Object.keys(res.body).sort()).toEqual(["id", "senderId", "sentAt", "text"]);
      expect(res.body).toMatchObject({ senderId: author.id, text: text.trim() });
      expect(res.body.sentAt).toMatch(ISO_Z);
      sent.push(res.body);
    }

    expect(await readMessages(student, conversationId)).toEqual(sent);
    expect(await readMessages(provider, conversationId)).toEqual(sent);
    // sentAt strictly increases within a conversation, even for posts in the same millisecond.
    const times = sent.map((m) => Date.parse(m.sentAt));
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThan(times[i - 1]!);
  });

  it("shows the latest post as lastMessage in both members' lists", async () => {
    const { provider, student, conversationId } = await openConversation();
    await post(student, conversationId, "first");
    const latest = (await post(provider, conversationId, "second")).body;

    for (const member of [student, provider]) {
      const [conversation] = await listConversations(member);
      expect(conversation.lastMessage).toEqual(latest);
    }
  });

  it("pages with before and limit, returning the newest messages before the cursor oldest first", async () => {
    const { student, conversationId } = await openConversation();
    const sent = [];
    for (let i = 1; i <= 5; i++) sent.push((await post(student, conversationId, `message ${i}`)).body);
    const texts = (messages: any[]) => messages.map((m) => m.text);

    const newest = await readMessages(student, conversationId, "?limit=2");
    expect(texts(newest)).toEqual(["message 4", "message 5"]);
    const middle = await readMessages(student, conversationId, `?limit=2&before=${newest[0].sentAt}`);
    expect(texts(middle)).toEqual(["message 2", "message 3"]);
    const oldest = await readMessages(student, conversationId, `?limit=2&before=${middle[0].sentAt}`);
    expect(texts(oldest)).toEqual(["message 1"]);
    expect(await readMessages(student, conversationId, `?before=${oldest[0].sentAt}`)).toEqual([]);
    expect(texts(await readMessages(student, conversationId, `?before=${sent[4].sentAt}`))).toEqual([
      "message 1",
      "message 2",
      "message 3",
      "message 4",
    ]);
  });

  it.each([
    ["limit 0", "?limit=0"],
    ["limit 201", "?limit=201"],
    ["a non-numeric limit", "?limit=ten"],
    ["a before without a zone", "?before=2026-01-01T10:00:00"],
  ])("returns 400 VALIDATION_FAILED for %s", async (_label, query) => {
    const { student, conversationId } = await openConversation();
    expectFieldIssues(
      await call("GET", `/api/conversations/${conversationId}/messages${query}`, { token: student.token }),
    );
  });

  it.each([
    ["empty", ""],
    ["whitespace-only", " \n\t "],
    ["4001 characters long", "a".repeat(4001)],
    ["not a string", 42],
  ])("returns 400 VALIDATION_FAILED when the text is %s", async (_label, text) => {
    const { student, conversationId } = await openConversation();
    expectFieldIssues(await post(student, conversationId, text));
    expect(await readMessages(student, conversationId)).toEqual([]);
  });

  it("accepts a text of exactly 4000 characters", async () => {
    const { student, conversationId } = await openConversation();
    const res = await post(student, conversationId, "a".repeat(4000));
    expect(res.status).toBe(201);
    expect(res.body.text).toHaveLength(4000);
  });
});

describe("who may use a conversation", () => {
  it("returns 403 FORBIDDEN when a non-member student or provider reads the messages", async () => {
    const { student, conversationId } = await openConversation();
    await post(student, conversationId, "private");
    const outsiders = [await registerUser("student"), await registerProvider()];
    for (const outsider of outsiders) {
      expectError(
        await call("GET", `/api/conversations/${conversationId}/messages`, { token: outsider.token }),
        403,
        "FORBIDDEN",
      );
    }
  });

  it("returns 403 FORBIDDEN when a non-member student or provider posts, and stores nothing", async () => {
    const { student, conversationId } = await openConversation();
    const outsiders = [await registerUser("student"), await registerProvider()];
    for (const outsider of outsiders) {
      expectError(await post(outsider, conversationId, "let me in"), 403, "FORBIDDEN");
      expect(await listConversations(outsider)).toEqual([]);
    }
    expect(await readMessages(student, conversationId)).toEqual([]);
  });

  it("returns 404 NOT_FOUND for an unknown conversation", async () => {
    const student = await registerUser("student");
    expectError(
      await call("GET", "/api/conversations/cnv_doesnotexist/messages", { token: student.token }),
      404,
      "NOT_FOUND",
    );
    expectError(await post(student, "cnv_doesnotexist", "hello?"), 404, "NOT_FOUND");
  });

  it("returns 401 UNAUTHENTICATED without a session", async () => {
    const { conversationId } = await openConversation();
    expectError(await call("GET", "/api/conversations"), 401, "UNAUTHENTICATED");
    expectError(await call("GET", `/api/conversations/${conversationId}/messages`), 401, "UNAUTHENTICATED");
    expectError(
      await call("POST", `/api/conversations/${conversationId}/messages`, { body: { text: "hi" } }),
      401,
      "UNAUTHENTICATED",
    );
  });
});
