import { and, desc, eq, lt, or, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import { conversationMessages, conversations, type UserRow, users } from "../db/schema";
import { runBatch } from "../db/statements";
import type { Deps } from "../deps";
import { AppError } from "../domain/errors";
import { newId } from "../domain/ids";
import type { AuthUser } from "../http/context";

export interface Message {
  id: string;
  senderId: string;
  text: string;
  sentAt: string;
}

export interface ConversationMember {
  id: string;
  name: string;
  role: UserRow["role"];
}

export interface Conversation {
  id: string;
  /** [studentId, providerId] */
  memberIds: [string, string];
  /** Extension: names and roles, so a client can label the chat without more calls. */
  members: [ConversationMember, ConversationMember];
  lastMessage?: Message;
}

type ConversationRow = typeof conversations.$inferSelect;
type MessageRow = typeof conversationMessages.$inferSelect;

function toMessage(row: MessageRow): Message {
  return { id: row.id, senderId: row.senderId, text: row.text, sentAt: new Date(row.sentAt).toISOString() };
}

const student = alias(users, "student");
const provider = alias(users, "provider");
const latest = alias(conversationMessages, "latest");

/** The caller's conversations, most recent activity (last message, else creation) first. */
export async function listConversations(deps: Deps, user: AuthUser): Promise<Conversation[]> {
  const latestId = deps.db
    .select({ id: latest.id })
    .from(latest)
    .where(eq(latest.conversationId, conversations.id))
    .orderBy(desc(latest.sentAt))
    .limit(1);
  const rows = await deps.db
    .select({ conversation: conversations, student, provider, lastMessage: conversationMessages })
    .from(conversations)
    .innerJoin(student, eq(student.id, conversations.studentId))
    .innerJoin(provider, eq(provider.id, conversations.providerId))
    .leftJoin(conversationMessages, eq(conversationMessages.id, sql`(${latestId})`))
    .where(or(eq(conversations.studentId, user.id), eq(conversations.providerId, user.id)))
    .orderBy(
      desc(sql`COALESCE(${conversations.lastMessageAt}, ${conversations.createdAt})`),
      desc(conversations.id),
    )
    .limit(500);
  return rows.map((row) => ({
    id: row.conversation.id,
    memberIds: [row.student.id, row.provider.id],
    members: [toMember(row.student), toMember(row.provider)],
    ...(row.lastMessage ? { lastMessage: toMessage(row.lastMessage) } : {}),
  }));
}

function toMember(row: UserRow): ConversationMember {
  return { id: row.id, name: row.name, role: row.role };
}

/** 404 for an unknown conversation, 403 unless the caller is its student or its provider. */
async function loadOwnConversation(deps: Deps, user: AuthUser, id: string): Promise<ConversationRow> {
  const [row] = await deps.db.select().from(conversations).where(eq(conversations.id, id)).limit(1);
  if (!row) throw new AppError("NOT_FOUND", "No such conversation.");
  if (row.studentId !== user.id && row.providerId !== user.id) {
    throw new AppError("FORBIDDEN", "Only the two members of this conversation can use it.");
  }
  return row;
}

/** The newest `limit` messages sent before `before` (epoch ms, if given), returned oldest first. */
export async function listMessages(
  deps: Deps,
  user: AuthUser,
  conversationId: string,
  page: { before?: number | undefined; limit: number },
): Promise<Message[]> {
  await loadOwnConversation(deps, user, conversationId);
  const rows = await deps.db
    .select()
    .from(conversationMessages)
    .where(
      and(
        eq(conversationMessages.conversationId, conversationId),
        page.before === undefined ? undefined : lt(conversationMessages.sentAt, page.before),
      ),
    )
    .orderBy(desc(conversationMessages.sentAt))
    .limit(page.limit);
  return rows.reverse().map(toMessage);
}

/**
 * Stores a message and moves the conversation's last_message_at in one batch. sent_at is strictly
 * increasing within a conversation (at least the previous message's + 1 ms), so order is total and
 * paging by `before` never skips a message that shares a millisecond with the page boundary.
 */
export async function postMessage(
  deps: Deps,
  user: AuthUser,
  conversationId: string,
  text: string,
): Promise<Message> {
  await loadOwnConversation(deps, user, conversationId);
  const id = newId("msg");
  const sentAt = sql`(SELECT MAX(${deps.now()}, COALESCE(last_message_at + 1, 0))
                        FROM conversations WHERE id = ${conversationId})`;
  await runBatch(deps.d1, [
    deps.db.insert(conversationMessages).values({ id, conversationId, senderId: user.id, text, sentAt }),
    deps.db
      .update(conversations)
      .set({ lastMessageAt: sql`(SELECT sent_at FROM conversation_messages WHERE id = ${id})` })
      .where(eq(conversations.id, conversationId)),
  ]);
  const [row] = await deps.db
    .select()
    .from(conversationMessages)
    .where(eq(conversationMessages.id, id))
    .limit(1);
  if (!row) throw new AppError("INTERNAL", "The message was not stored.");
  return toMessage(row);
}
