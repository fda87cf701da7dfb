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

/** A sender may post at most this many messages per conversation within SEND_WINDOW_MS. */
export const SEND_LIMIT = 10;
export const SEND_WINDOW_MS = 10_000;

/**
 * Stores a message and moves the conversation's last_message_at in one batch. sent_at is strictly
 * increasing within a conversation (at least the previous message's + 1 ms), so order is total and
 * paging by `before` never skips a message that shares a millisecond with the page boundary.
 *
 * A product rule, not abuse protection (so RATE_LIMITS=off does not lift it): at most SEND_LIMIT
 * messages per sender per conversation in SEND_WINDOW_MS. The count and the insert are one
 * statement, so concurrent posts cannot both see room for the last message (D1 runs statements
 * one at a time); over the limit nothing is stored and the answer is 429 RATE_LIMITED.
 */
export async function postMessage(
  deps: Deps,
  user: AuthUser,
  conversationId: string,
  text: string,
): Promise<Message> {
  await loadOwnConversation(deps, user, conversationId);
  const id = newId("msg");
  const now = deps.now();
  const [inserted] = await runBatch(deps.d1, [
    sql`
      INSERT INTO conversation_messages (id, conversation_id, sender_id, text, sent_at)
      SELECT ${id}, ${conversationId}, ${user.id}, ${text}, MAX(${now}, COALESCE(last_message_at + 1, 0))
        FROM conversations
       WHERE id = ${conversationId}
         AND (SELECT COUNT(*) FROM conversation_messages
               WHERE conversation_id = ${conversationId} AND sender_id = ${user.id}
                 AND sent_at > ${now - SEND_WINDOW_MS}) < ${SEND_LIMIT}`,
    sql`
      UPDATE conversations SET last_message_at = (SELECT sent_at FROM conversation_messages WHERE id = ${id})
       WHERE id = ${conversationId} AND EXISTS (SELECT 1 FROM conversation_messages WHERE id = ${id})`,
  ]);
  if (inserted?.meta.changes !== 1) {
    throw new AppError(
      "RATE_LIMITED",
      `You can send at most ${SEND_LIMIT} messages every ${SEND_WINDOW_MS / 1000} seconds here; wait a moment.`,
    );
  }
  const [row] = await deps.db
    .select()
    .from(conversationMessages)
    .where(eq(conversationMessages.id, id))
    .limit(1);
  if (!row) throw new AppError("INTERNAL", "The message was not stored.");
  return toMessage(row);
}
