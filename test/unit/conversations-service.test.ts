import { describe, expect, it, vi } from "vitest";
import type {
  ConversationListing,
  ConversationRecords,
  ConversationRow,
  MessageRow,
  ReadRow,
} from "../../src/db/conversation-records";
import type { Records } from "../../src/db/records";
import type { UserRow } from "../../src/db/schema";
import type { Deps } from "../../src/deps";
import type { AuthUser } from "../../src/domain/identity";
import {
  listConversations,
  listMessages,
  markConversationRead,
  NEW_CONVERSATION_LIMIT,
  openConversationWith,
  postMessage,
  SEND_LIMIT,
  SEND_WINDOW_MS,
} from "../../src/services/conversations";
import {
  type ConversationServerMessage,
  MAX_CLIENT_FRAME,
  PING_FRAME,
  readClientFrame,
} from "../../src/shared/conversation-protocol";

const NOW = Date.parse("2030-01-01T00:00:00Z");

const person = (id: string, role: UserRow["role"]): UserRow => ({
  id,
  email: `${id}@example.test`,
  name: id.toUpperCase(),
  role,
  timezone: "UTC",
  locale: "en-US",
  passwordHash: "x",
  createdAt: 0,
});
const student = person("stu", "student");
const provider = person("pro", "provider");
const otherProvider = person("pro2", "provider");
const people = [student, provider, otherProvider];
const asAuth = ({ id, email, name, role, timezone, locale }: UserRow): AuthUser => ({
  locale,
  id,
  email,
  name,
  role,
  timezone,
});
const firstConversation = (): ConversationRow => ({
  id: "cnv_1",
  studentId: student.id,
  providerId: provider.id,
  createdAt: NOW - 1000,
  lastMessageAt: null,
});

/**
 * In-memory ConversationRecords with the repository's rules: sent_at strictly increasing, read
 * markers never moving back, unread = the other member's messages after the reader's marker.
 * `roomLeft` stands in for the database's message rate count, `openLeft` for the daily cap.
 */
function fakeConversations(options: { roomLeft?: boolean; openLeft?: boolean } = {}) {
  const conversations: ConversationRow[] = [firstConversation()];
  const messages: MessageRow[] = [];
  const reads: ReadRow[] = [];
  const inserts: unknown[] = [];
  const opened: unknown[] = [];
  const unreadIn = (c: ConversationRow, userId: string) => {
    const marker = reads.find((r) => r.conversationId === c.id && r.userId === userId)?.lastReadAt ?? -1;
    return messages.filter((m) => m.conversationId === c.id && m.senderId !== userId && m.sentAt > marker)
      .length;
  };
  const listingOf = (c: ConversationRow, readerId: string): ConversationListing => ({
    conversation: c,
    student: people.find((p) => p.id === c.studentId)!,
    provider: people.find((p) => p.id === c.providerId)!,
    lastMessage: messages.filter((m) => m.conversationId === c.id).at(-1) ?? null,
    unreadCount: unreadIn(c, readerId),
  });
  const setMarker = (conversationId: string, userId: string, at: number) => {
    const row = reads.find((r) => r.conversationId === conversationId && r.userId === userId);
    if (row) row.lastReadAt = Math.max(row.lastReadAt, at);
    else reads.push({ conversationId, userId, lastReadAt: at });
    return reads.find((r) => r.conversationId === conversationId && r.userId === userId)!.lastReadAt;
  };
  const mine = (userId: string) =>
    conversations.filter((c) => c.studentId === userId || c.providerId === userId);

  const records: ConversationRecords = {
    async findConversation(id) {
      return conversations.find((c) => c.id === id);
    },
    async findConversationByPair(studentId, providerId) {
      return conversations.find((c) => c.studentId === studentId && c.providerId === providerId);
    },
    async listConversationsOf(userId) {
      return mine(userId).map((c) => listingOf(c, userId));
    },
    async findListing(id, readerId) {
      const c = conversations.find((row) => row.id === id);
      return c ? listingOf(c, readerId) : undefined;
    },
    async listLatestMessages(conversationId, page) {
      return messages
        .filter(
          (m) => m.conversationId === conversationId && (page.before === undefined || m.sentAt < page.before),
        )
        .slice(-page.limit);
    },
    async insertMessageWithinLimit(message) {
      inserts.push(message);
      if (options.roomLeft === false) return false;
      const { id, conversationId, senderId, text, now } = message;
      const conversation = conversations.find((c) => c.id === conversationId)!;
      const sentAt = Math.max(now, (conversation.lastMessageAt ?? -1) + 1);
      messages.push({ id, conversationId, senderId, text, sentAt });
      conversation.lastMessageAt = sentAt;
      setMarker(conversationId, senderId, sentAt);
      return true;
    },
    async findMessage(id) {
      return messages.find((m) => m.id === id);
    },
    async findProvider(userId) {
      return people.find((p) => p.id === userId && p.role === "provider");
    },
    async insertConversationWithinLimit(row) {
      opened.push(row);
      if (options.openLeft === false) return false;
      conversations.push({
        id: row.id,
        studentId: row.studentId,
        providerId: row.providerId,
        createdAt: row.now,
        lastMessageAt: null,
      });
      return true;
    },
    async markRead(conversationId, userId, upTo) {
      const conversation = conversations.find((c) => c.id === conversationId);
      if (!conversation) return undefined;
      return setMarker(conversationId, userId, Math.min(upTo, conversation.lastMessageAt ?? 0));
    },
    async readMarkers(conversationId) {
      return reads.filter((r) => r.conversationId === conversationId).map((r) => ({ ...r }));
    },
    async countUnread(userId) {
      return mine(userId).reduce((total, c) => total + unreadIn(c, userId), 0);
    },
    async rememberSocket() {},
    async socketRoomsOf() {
      return [];
    },
    async forgetSockets() {},
  };
  return { records, conversations, messages, inserts, opened };
}

interface Pushed {
  room: string;
  message: ConversationServerMessage;
  userIds?: string[] | undefined;
}

/** The CONVERSATION namespace, recording what each room was asked to push. */
function fakeRooms(failing = false) {
  const pushed: Pushed[] = [];
  const namespace = {
    idFromName: (name: string) => name,
    get: (room: string) => ({
      async push(message: ConversationServerMessage, userIds?: string[]) {
        if (failing) throw new Error("room unreachable");
        pushed.push({ room, message, userIds });
        return 1;
      },
    }),
  };
  return { namespace, pushed };
}

/** The conversation services touch only the clock, their repository and the room namespace. */
function depsWith(
  conversations: ConversationRecords,
  options: { now?: number; rooms?: ReturnType<typeof fakeRooms> } = {},
): Deps {
  const records = { conversations } as Partial<Records> as Records;
  const env = { CONVERSATION: (options.rooms ?? fakeRooms()).namespace } as unknown as Env;
  return { now: () => options.now ?? NOW, records, env } as Partial<Deps> as Deps;
}

describe("conversations service over a fake repository", () => {
  it("answers NOT_FOUND for an unknown conversation and FORBIDDEN for a non-member", async () => {
    const deps = depsWith(fakeConversations().records);
    await expect(listMessages(deps, asAuth(student), "cnv_missing", { limit: 10 })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    const stranger = asAuth(person("eve", "student"));
    await expect(postMessage(deps, stranger, "cnv_1", "hi")).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    await expect(markConversationRead(deps, stranger, "cnv_1")).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
  });

  it("posts with the product limit and returns the stored message with an ISO sentAt", async () => {
    const fake = fakeConversations();
    const message = await postMessage(depsWith(fake.records), asAuth(student), "cnv_1", "hello");
    expect(fake.inserts).toEqual([
      expect.objectContaining({
        senderId: student.id,
        now: NOW,
        limit: SEND_LIMIT,
        windowMs: SEND_WINDOW_MS,
      }),
    ]);
    expect(message).toEqual({
      id: expect.stringMatching(/^msg_/),
      senderId: student.id,
      text: "hello",
      sentAt: "2030-01-01T00:00:00.000Z",
    });
  });

  it("returns 429 RATE_LIMITED when the repository finds no room for the message, and pushes nothing", async () => {
    const fake = fakeConversations({ roomLeft: false });
    const rooms = fakeRooms();
    await expect(
      postMessage(depsWith(fake.records, { rooms }), asAuth(provider), "cnv_1", "x"),
    ).rejects.toMatchObject({ code: "RATE_LIMITED" });
    expect(fake.messages).toEqual([]);
    expect(rooms.pushed).toEqual([]);
  });

  it("lists conversations with both members, unread 0 and the last message only once there is one", async () => {
    const fake = fakeConversations();
    const deps = depsWith(fake.records);
    const [empty] = await listConversations(deps, asAuth(provider));
    expect(empty).toEqual({
      id: "cnv_1",
      memberIds: [student.id, provider.id],
      members: [
        { id: student.id, name: "STU", role: "student" },
        { id: provider.id, name: "PRO", role: "provider" },
      ],
      unreadCount: 0,
    });
    await postMessage(deps, asAuth(student), "cnv_1", "first");
    const [withMessage] = await listConversations(deps, asAuth(student));
    expect(withMessage?.lastMessage?.text).toBe("first");
    expect(await listMessages(deps, asAuth(provider), "cnv_1", { limit: 10 })).toHaveLength(1);
  });
});

describe("live pushes", () => {
  it("pushes a posted message to the conversation's room and the recipient's new unread total to their feed", async () => {
    const fake = fakeConversations();
    const rooms = fakeRooms();
    const deps = depsWith(fake.records, { rooms });
    await postMessage(deps, asAuth(student), "cnv_1", "one");
    const second = await postMessage(deps, asAuth(student), "cnv_1", "two");
    expect(rooms.pushed.slice(2)).toEqual([
      {
        room: "conversation:cnv_1",
        message: { type: "message", conversationId: "cnv_1", message: second },
        userIds: undefined,
      },
      { room: `inbox:${provider.id}`, message: { type: "unread", unread: 2 }, userIds: undefined },
    ]);
  });

  it("still answers the stored message when the rooms cannot be reached", async () => {
    const fake = fakeConversations();
    const deps = depsWith(fake.records, { rooms: fakeRooms(true) });
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const message = await postMessage(deps, asAuth(student), "cnv_1", "stored anyway");
    expect(fake.messages.map((m) => m.id)).toEqual([message.id]);
    expect(warn).toHaveBeenCalledTimes(2);
    warn.mockRestore();
  });

  it("marks read up to the newest message, pushes read and unread once, and nothing when the marker stays", async () => {
    const fake = fakeConversations();
    const rooms = fakeRooms();
    // Three messages in the same millisecond: sent_at runs ahead of the clock.
    const deps = depsWith(fake.records, { rooms });
    for (const text of ["a", "b", "c"]) await postMessage(deps, asAuth(provider), "cnv_1", text);
    rooms.pushed.length = 0;

    const answer = await markConversationRead(deps, asAuth(student), "cnv_1");
    expect(answer).toEqual({
      conversationId: "cnv_1",
      userId: student.id,
      lastReadAt: new Date(NOW + 2).toISOString(),
      unreadCount: 0,
      unread: 0,
    });
    expect(rooms.pushed.map((p) => [p.room, p.message])).toEqual([
      [
        "conversation:cnv_1",
        { type: "read", conversationId: "cnv_1", userId: student.id, lastReadAt: answer.lastReadAt },
      ],
      [`inbox:${student.id}`, { type: "unread", unread: 0 }],
    ]);

    rooms.pushed.length = 0;
    expect((await markConversationRead(deps, asAuth(student), "cnv_1")).lastReadAt).toBe(answer.lastReadAt);
    expect(rooms.pushed).toEqual([]);
  });

  it("marks read up to a given message time, and never moves the marker back", async () => {
    const fake = fakeConversations();
    const deps = depsWith(fake.records);
    const sent = [];
    for (const text of ["a", "b", "c"]) sent.push(await postMessage(deps, asAuth(provider), "cnv_1", text));

    const partly = await markConversationRead(deps, asAuth(student), "cnv_1", Date.parse(sent[1]!.sentAt));
    expect(partly).toMatchObject({ lastReadAt: sent[1]!.sentAt, unreadCount: 1, unread: 1 });
    const back = await markConversationRead(deps, asAuth(student), "cnv_1", Date.parse(sent[0]!.sentAt));
    expect(back).toMatchObject({ lastReadAt: sent[1]!.sentAt, unreadCount: 1 });
  });
});

describe("a student opens a conversation with a tutor", () => {
  it("answers NOT_FOUND for an unknown id and for a user who is not a provider", async () => {
    const fake = fakeConversations();
    const deps = depsWith(fake.records);
    for (const id of ["usr_nobody", student.id]) {
      await expect(openConversationWith(deps, asAuth(student), id)).rejects.toMatchObject({
        code: "NOT_FOUND",
      });
    }
    expect(fake.opened).toEqual([]);
  });

  it("returns the pair's existing conversation without creating one", async () => {
    const fake = fakeConversations();
    const answer = await openConversationWith(depsWith(fake.records), asAuth(student), provider.id);
    expect(answer).toMatchObject({ created: false, conversation: { id: "cnv_1" } });
    expect(fake.opened).toEqual([]);
  });

  it("creates a new one under the daily cap", async () => {
    const fake = fakeConversations();
    const answer = await openConversationWith(depsWith(fake.records), asAuth(student), otherProvider.id);
    expect(answer.created).toBe(true);
    expect(answer.conversation).toMatchObject({
      id: expect.stringMatching(/^cnv_/),
      memberIds: [student.id, otherProvider.id],
      unreadCount: 0,
    });
    expect(fake.opened).toEqual([
      expect.objectContaining({
        now: NOW,
        limit: NEW_CONVERSATION_LIMIT.conversations,
        windowMs: NEW_CONVERSATION_LIMIT.windowMs,
      }),
    ]);
  });

  it("returns 429 RATE_LIMITED when the cap leaves no room and the pair has none", async () => {
    const fake = fakeConversations({ openLeft: false });
    await expect(
      openConversationWith(depsWith(fake.records), asAuth(student), otherProvider.id),
    ).rejects.toMatchObject({ code: "RATE_LIMITED" });
  });

  it("returns the conversation a concurrent request created first (no 429)", async () => {
    const fake = fakeConversations({ openLeft: false });
    const original = fake.records.insertConversationWithinLimit;
    fake.records.insertConversationWithinLimit = async (row) => {
      fake.conversations.push({ ...firstConversation(), id: "cnv_race", providerId: otherProvider.id });
      return original(row);
    };
    const answer = await openConversationWith(depsWith(fake.records), asAuth(student), otherProvider.id);
    expect(answer).toMatchObject({ created: false, conversation: { id: "cnv_race" } });
  });
});

describe("client frames on a conversation socket", () => {
  it.each([
    ["the ping frame", PING_FRAME],
    ["a ping with spaces and extra fields", '{ "type": "ping", "at": 1 }'],
  ])("reads %s as a ping", (_label, raw) => {
    expect(readClientFrame(raw)).toEqual({ ok: true, frame: { type: "ping" } });
  });

  it.each([
    ["binary", new ArrayBuffer(4)],
    ["not JSON", "hello"],
    ["a chat (messages are posted over HTTP)", '{"type":"chat","text":"hi"}'],
    ["no type", "{}"],
    ["too long", `{"type":"ping","pad":"${"x".repeat(MAX_CLIENT_FRAME)}"}`],
  ])("answers %s with VALIDATION_FAILED", (_label, raw) => {
    expect(readClientFrame(raw)).toMatchObject({ ok: false, code: "VALIDATION_FAILED" });
  });
});
