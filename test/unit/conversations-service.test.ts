import { describe, expect, it } from "vitest";
import type { ConversationRecords, ConversationRow, MessageRow } from "../../src/db/conversation-records";
import type { Records } from "../../src/db/records";
import type { UserRow } from "../../src/db/schema";
import type { Deps } from "../../src/deps";
import type { AuthUser } from "../../src/domain/identity";
import {
  listConversations,
  listMessages,
  postMessage,
  SEND_LIMIT,
  SEND_WINDOW_MS,
} from "../../src/services/conversations";

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
const asAuth = ({ id, email, name, role, timezone, locale }: UserRow): AuthUser => ({
  locale,
  id,
  email,
  name,
  role,
  timezone,
});
const conversation: ConversationRow = {
  id: "cnv_1",
  studentId: student.id,
  providerId: provider.id,
  createdAt: NOW - 1000,
  lastMessageAt: null,
};

/** In-memory ConversationRecords; `roomLeft` stands in for the database's rate count. */
function fakeConversations(roomLeft = true) {
  const messages: MessageRow[] = [];
  const inserts: unknown[] = [];
  const records: ConversationRecords = {
    async findConversation(id) {
      return id === conversation.id ? conversation : undefined;
    },
    async listConversationsOf(userId) {
      const mine = userId === student.id || userId === provider.id;
      return mine ? [{ conversation, student, provider, lastMessage: messages.at(-1) ?? null }] : [];
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
      if (!roomLeft) return false;
      const { id, conversationId, senderId, text, now } = message;
      messages.push({
        id,
        conversationId,
        senderId,
        text,
        sentAt: Math.max(now, (messages.at(-1)?.sentAt ?? -1) + 1),
      });
      return true;
    },
    async findMessage(id) {
      return messages.find((m) => m.id === id);
    },
  };
  return { records, messages, inserts };
}

/** The conversation services touch only the clock and their repository. */
function depsWith(conversations: ConversationRecords, now = NOW): Deps {
  const records = { conversations } as Partial<Records> as Records;
  return { now: () => now, records } as Partial<Deps> as Deps;
}

describe("conversations service over a fake repository", () => {
  it("answers NOT_FOUND for an unknown conversation and FORBIDDEN for a non-member", async () => {
    const deps = depsWith(fakeConversations().records);
    await expect(listMessages(deps, asAuth(student), "cnv_missing", { limit: 10 })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    const stranger = asAuth(person("eve", "student"));
    await expect(postMessage(deps, stranger, conversation.id, "hi")).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
  });

  it("posts with the product limit and returns the stored message with an ISO sentAt", async () => {
    const fake = fakeConversations();
    const message = await postMessage(depsWith(fake.records), asAuth(student), conversation.id, "hello");
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

  it("returns 429 RATE_LIMITED when the repository finds no room for the message", async () => {
    const fake = fakeConversations(false);
    await expect(
      postMessage(depsWith(fake.records), asAuth(provider), conversation.id, "x"),
    ).rejects.toMatchObject({
      code: "RATE_LIMITED",
    });
    expect(fake.messages).toEqual([]);
  });

  it("lists conversations with both members and the last message only once there is one", async () => {
    const fake = fakeConversations();
    const deps = depsWith(fake.records);
    const [empty] = await listConversations(deps, asAuth(provider));
    expect(empty).toEqual({
      id: conversation.id,
      memberIds: [student.id, provider.id],
      members: [
        { id: student.id, name: "STU", role: "student" },
        { id: provider.id, name: "PRO", role: "provider" },
      ],
    });
    await postMessage(deps, asAuth(student), conversation.id, "first");
    const [withMessage] = await listConversations(deps, asAuth(student));
    expect(withMessage?.lastMessage?.text).toBe("first");
    expect(await listMessages(deps, asAuth(provider), conversation.id, { limit: 10 })).toHaveLength(1);
  });
});
