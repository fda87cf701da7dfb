import { env } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { StripeStandin } from "../../scripts/stripe-standin/handler";
import { BASE, call, registerProvider, registerUser, type TestUser, unique } from "../helpers/api";
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

// --- unread counts and read markers ------------------------------------------------------------

/** A student who opened a conversation with a new provider through POST /api/conversations. */
async function studentAndTutor() {
  const provider = await registerProvider();
  const student = await registerUser("student");
  const res = await call("POST", "/api/conversations", {
    token: student.token,
    body: { providerId: provider.id },
  });
  expect(res.status).toBe(201);
  return { provider, student, conversationId: res.body.id as string };
}

function markRead(user: TestUser, conversationId: string, body?: unknown) {
  return call("POST", `/api/conversations/${conversationId}/read`, {
    token: user.token,
    ...(body === undefined ? {} : { body }),
  });
}

async function unreadTotal(user: TestUser): Promise<number> {
  const res = await call("GET", "/api/conversations/unread", { token: user.token });
  expect(res.status).toBe(200);
  expect(Object.keys(res.body)).toEqual(["unread"]);
  return res.body.unread;
}

async function unreadIn(user: TestUser, conversationId: string): Promise<number> {
  const conversation = (await listConversations(user)).find((c) => c.id === conversationId);
  return conversation.unreadCount;
}

describe("unread counts", () => {
  it("counts the other member's messages after the reader's marker, exactly, per conversation and in total", async () => {
    const { provider, student, conversationId } = await studentAndTutor();
    expect(await unreadIn(provider, conversationId)).toBe(0);
    expect(await unreadTotal(provider)).toBe(0);

    for (const text of ["one", "two", "three"]) await post(student, conversationId, text);
    expect(await unreadIn(provider, conversationId)).toBe(3);
    expect(await unreadTotal(provider)).toBe(3);
    // Your own messages are never unread for you.
    expect(await unreadIn(student, conversationId)).toBe(0);
    expect(await unreadTotal(student)).toBe(0);

    const read = await markRead(provider, conversationId);
    expect(read.status).toBe(200);
    expect(read.body).toEqual({
      conversationId,
      userId: provider.id,
      lastReadAt: (await readMessages(provider, conversationId)).at(-1).sentAt,
      unreadCount: 0,
      unread: 0,
    });
    expect(await unreadIn(provider, conversationId)).toBe(0);
    expect(await unreadTotal(provider)).toBe(0);

    await post(student, conversationId, "four");
    expect(await unreadIn(provider, conversationId)).toBe(1);
    expect(await unreadTotal(provider)).toBe(1);
  });

  it("adds up the unread messages of every conversation the user is in", async () => {
    const provider = await registerProvider();
    const students = [await registerUser("student"), await registerUser("student")];
    const ids = [];
    for (const student of students) {
      const res = await call("POST", "/api/conversations", {
        token: student.token,
        body: { providerId: provider.id },
      });
      ids.push(res.body.id as string);
    }
    await post(students[0]!, ids[0]!, "a");
    await post(students[1]!, ids[1]!, "b");
    await post(students[1]!, ids[1]!, "c");
    expect(await unreadTotal(provider)).toBe(3);
    expect((await markRead(provider, ids[1]!)).body.unread).toBe(1);
    expect(await unreadTotal(provider)).toBe(1);
  });

  it("marks read up to a given message's sentAt, and never moves the marker back", async () => {
    const { provider, student, conversationId } = await studentAndTutor();
    const sent = [];
    for (const text of ["one", "two", "three"]) sent.push((await post(student, conversationId, text)).body);

    const partly = await markRead(provider, conversationId, { at: sent[1].sentAt });
    expect(partly.status).toBe(200);
    expect(partly.body).toMatchObject({ lastReadAt: sent[1].sentAt, unreadCount: 1, unread: 1 });
    const back = await markRead(provider, conversationId, { at: sent[0].sentAt });
    expect(back.body).toMatchObject({ lastReadAt: sent[1].sentAt, unreadCount: 1 });
    // A later time stops at the newest message, so the next message is unread again.
    const ahead = await markRead(provider, conversationId, { at: "2099-01-01T00:00:00Z" });
    expect(ahead.body).toMatchObject({ lastReadAt: sent[2].sentAt, unreadCount: 0, unread: 0 });
    await post(student, conversationId, "four");
    expect(await unreadTotal(provider)).toBe(1);
  });

  it("treats replying as reading: the sender's earlier unread messages are read", async () => {
    const { provider, student, conversationId } = await studentAndTutor();
    await post(student, conversationId, "question?");
    expect(await unreadTotal(provider)).toBe(1);
    await post(provider, conversationId, "answer.");
    expect(await unreadTotal(provider)).toBe(0);
    expect(await unreadTotal(student)).toBe(1);
  });

  it("answers the read markers beside the messages", async () => {
    const { provider, student, conversationId } = await studentAndTutor();
    const sent = (await post(student, conversationId, "hello")).body;
    await markRead(provider, conversationId);
    const res = await call("GET", `/api/conversations/${conversationId}/messages`, { token: student.token });
    expect(res.body.reads).toEqual(
      [
        { userId: student.id, lastReadAt: sent.sentAt },
        { userId: provider.id, lastReadAt: sent.sentAt },
      ].sort((a, b) => a.userId.localeCompare(b.userId)),
    );
  });

  it("counts the messages of a conversation a booking opened", async () => {
    const { provider, student, conversationId } = await openConversation();
    await post(provider, conversationId, "See you Tuesday");
    expect(await unreadIn(student, conversationId)).toBe(1);
    expect(await unreadTotal(student)).toBe(1);
  });

  it.each([
    ["an unknown field", { upTo: "2026-01-01T00:00:00Z" }],
    ["a time without a zone", { at: "2026-01-01T10:00:00" }],
    ["a number", { at: 1767225600000 }],
  ])("returns 400 VALIDATION_FAILED for a read body with %s", async (_label, body) => {
    const { provider, conversationId } = await studentAndTutor();
    expectFieldIssues(await markRead(provider, conversationId, body));
  });

  it("returns 400 VALIDATION_FAILED for malformed JSON in a read body", async () => {
    const { provider, conversationId } = await studentAndTutor();
    const res = await call("POST", `/api/conversations/${conversationId}/read`, {
      token: provider.token,
      headers: { "content-type": "application/json" },
      rawBody: "{not json",
    });
    expectError(res, 400, "VALIDATION_FAILED");
  });

  it("returns 403 FORBIDDEN when a non-member marks read, 404 NOT_FOUND for an unknown conversation, 401 without a session", async () => {
    const { student, conversationId } = await studentAndTutor();
    await post(student, conversationId, "private");
    const outsider = await registerProvider();
    expectError(await markRead(outsider, conversationId), 403, "FORBIDDEN");
    expectError(await markRead(outsider, "cnv_doesnotexist"), 404, "NOT_FOUND");
    expectError(await call("POST", `/api/conversations/${conversationId}/read`), 401, "UNAUTHENTICATED");
    expectError(await call("GET", "/api/conversations/unread"), 401, "UNAUTHENTICATED");
    expect(await unreadTotal(outsider)).toBe(0);
  });

  it("returns 403 FORBIDDEN for a cookie read from a foreign Origin", async () => {
    const { provider, student, conversationId } = await studentAndTutor();
    await post(student, conversationId, "hi");
    const res = await call("POST", `/api/conversations/${conversationId}/read`, {
      headers: { cookie: `lectern_session=${provider.token}`, origin: "https://evil.example" },
    });
    expectError(res, 403, "FORBIDDEN");
    expect(await unreadTotal(provider)).toBe(1);
    const own = await call("POST", `/api/conversations/${conversationId}/read`, {
      headers: { cookie: `lectern_session=${provider.token}`, origin: BASE },
    });
    expect(own.status).toBe(200);
  });
});

// --- a student opens a conversation before booking ---------------------------------------------

/** Users written straight into D1 (fast), as providers or students. */
async function insertUsers(role: "provider" | "student", n: number): Promise<string[]> {
  const ids = Array.from({ length: n }, () => unique("usr_t"));
  await env.DB.batch(
    ids.map((id) =>
      env.DB.prepare(
        "INSERT INTO users (id, email, name, role, timezone, password_hash, created_at) VALUES (?, ?, ?, ?, 'UTC', 'x', ?)",
      ).bind(id, `${id}@example.test`, `Inserted ${role}`, role, Date.now()),
    ),
  );
  return ids;
}

async function insertConversations(studentId: string, providerIds: string[], createdAt: number) {
  await env.DB.batch(
    providerIds.map((providerId) =>
      env.DB.prepare(
        "INSERT INTO conversations (id, student_id, provider_id, created_at) VALUES (?, ?, ?, ?)",
      ).bind(unique("cnv_t"), studentId, providerId, createdAt),
    ),
  );
}

function open(user: TestUser | undefined, providerId: unknown) {
  return call("POST", "/api/conversations", { token: user?.token, body: { providerId } });
}

describe("POST /api/conversations", () => {
  it("creates the conversation with a tutor before any booking (201), then returns the same one (200)", async () => {
    const provider = await registerProvider();
    const student = await registerUser("student");
    const created = await open(student, provider.id);
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(/^cnv_/),
      memberIds: [student.id, provider.id],
      members: [
        { id: student.id, name: "Test student", role: "student" },
        { id: provider.id, name: "Test provider", role: "provider" },
      ],
      unreadCount: 0,
    });
    const again = await open(student, provider.id);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(created.body);
    expect(await listConversations(provider)).toEqual([created.body]);
    // Both members may write at once.
    expect((await post(student, created.body.id, "Do you teach calculus?")).status).toBe(201);
    expect((await post(provider, created.body.id, "Yes!")).status).toBe(201);
  });

  it("returns the conversation a booking already opened (200), with its unread count", async () => {
    const { provider, student, conversationId } = await openConversation();
    await post(provider, conversationId, "Welcome");
    const res = await open(student, provider.id);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: conversationId, unreadCount: 1 });
  });

  it("lets a provider tutor without a profile be messaged too", async () => {
    const provider = await registerUser("provider");
    const student = await registerUser("student");
    expect((await open(student, provider.id)).status).toBe(201);
  });

  it("returns 403 FORBIDDEN for a provider and 401 UNAUTHENTICATED without a session", async () => {
    const provider = await registerProvider();
    const other = await registerProvider();
    expectError(await open(other, provider.id), 403, "FORBIDDEN");
    expectError(await open(undefined, provider.id), 401, "UNAUTHENTICATED");
    expect(await listConversations(provider)).toEqual([]);
  });

  it("returns 404 NOT_FOUND for an unknown tutor and for a student's id", async () => {
    const student = await registerUser("student");
    const other = await registerUser("student");
    expectError(await open(student, "usr_doesnotexist"), 404, "NOT_FOUND");
    expectError(await open(student, other.id), 404, "NOT_FOUND");
    expect(await listConversations(student)).toEqual([]);
  });

  it.each([
    ["missing", undefined],
    ["empty", ""],
    ["not a string", 42],
    ["not an id", "../usr"],
  ])("returns 400 VALIDATION_FAILED when providerId is %s", async (_label, providerId) => {
    const student = await registerUser("student");
    expectFieldIssues(
      await call("POST", "/api/conversations", {
        token: student.token,
        body: providerId === undefined ? {} : { providerId },
      }),
    );
  });

  it("returns 429 RATE_LIMITED for an 11th new conversation in a day, creates nothing, and still opens existing ones", async () => {
    const student = await registerUser("student");
    const tutors = await insertUsers("provider", 11);
    await insertConversations(student.id, tutors.slice(0, 9), Date.now() - 60_000);
    expect((await open(student, tutors[9])).status).toBe(201);

    expectError(await open(student, tutors[10]), 429, "RATE_LIMITED");
    expect(await listConversations(student)).toHaveLength(10);
    expect((await open(student, tutors[0])).status).toBe(200);
  });

  it("counts only the last 24 hours toward the cap", async () => {
    const student = await registerUser("student");
    const tutors = await insertUsers("provider", 11);
    await insertConversations(student.id, tutors.slice(0, 10), Date.now() - 25 * 3_600_000);
    expect((await open(student, tutors[10])).status).toBe(201);
  });

  it("creates one conversation for concurrent requests of the same pair", async () => {
    const provider = await registerProvider();
    const student = await registerUser("student");
    const answers = await Promise.all(Array.from({ length: 5 }, () => open(student, provider.id)));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 201]);
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
  });
});
