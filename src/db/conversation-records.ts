import { and, desc, eq, lt, or, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import type { Db } from "./client";
import { conversationMessages, conversations, type UserRow, users } from "./schema";
import { runBatch } from "./statements";

export type ConversationRow = typeof conversations.$inferSelect;
export type MessageRow = typeof conversationMessages.$inferSelect;

/** A conversation with both members and its newest message (null before the first one). */
export interface ConversationListing {
  conversation: ConversationRow;
  student: UserRow;
  provider: UserRow;
  lastMessage: MessageRow | null;
}

/** Most conversations `listConversationsOf` returns. */
export const CONVERSATION_LIST_LIMIT = 500;

export interface MessageInsert {
  id: string;
  conversationId: string;
  senderId: string;
  text: string;
  /** Epoch ms; the stored sent_at may be later, see `insertMessageWithinLimit`. */
  now: number;
  /** The sender may have at most `limit` messages in this conversation sent after `now - windowMs`. */
  limit: number;
  windowMs: number;
}

const student = alias(users, "student");
const provider = alias(users, "provider");
const latest = alias(conversationMessages, "latest");

/**
 * 1-to-1 conversations (one student, one provider) and their messages. Within a conversation
 * sent_at is strictly increasing, and conversations.last_message_at is the newest message's sent_at.
 * Times are epoch ms.
 */
export interface ConversationRecords {
  findConversation(id: string): Promise<ConversationRow | undefined>;
  /**
   * The user's conversations (as student or as provider), up to CONVERSATION_LIST_LIMIT, most
   * recent activity (last message, else creation) first.
   */
  listConversationsOf(userId: string): Promise<ConversationListing[]>;
  /** The newest `limit` messages sent before `before` (if given), returned oldest first. */
  listLatestMessages(
    conversationId: string,
    page: { before?: number | undefined; limit: number },
  ): Promise<MessageRow[]>;
  /**
   * Stores the message with sent_at = max(now, last_message_at + 1) and moves last_message_at to
   * it, in one batch. The rate count and the insert are one conditional statement, so concurrent
   * posts cannot both see room for the last message (D1 runs statements one at a time). False, and
   * nothing written, when the sender is over the limit (or the conversation does not exist).
   */
  insertMessageWithinLimit(message: MessageInsert): Promise<boolean>;
  findMessage(id: string): Promise<MessageRow | undefined>;
}

export function createConversationRecords(db: Db, d1: D1Database): ConversationRecords {
  return {
    async findConversation(id) {
      const [row] = await db.select().from(conversations).where(eq(conversations.id, id)).limit(1);
      return row;
    },

    listConversationsOf(userId) {
      const latestId = db
        .select({ id: latest.id })
        .from(latest)
        .where(eq(latest.conversationId, conversations.id))
        .orderBy(desc(latest.sentAt))
        .limit(1);
      return db
        .select({ conversation: conversations, student, provider, lastMessage: conversationMessages })
        .from(conversations)
        .innerJoin(student, eq(student.id, conversations.studentId))
        .innerJoin(provider, eq(provider.id, conversations.providerId))
        .leftJoin(conversationMessages, eq(conversationMessages.id, sql`(${latestId})`))
        .where(or(eq(conversations.studentId, userId), eq(conversations.providerId, userId)))
        .orderBy(
          desc(sql`COALESCE(${conversations.lastMessageAt}, ${conversations.createdAt})`),
          desc(conversations.id),
        )
        .limit(CONVERSATION_LIST_LIMIT);
    },

    async listLatestMessages(conversationId, page) {
      const rows = await db
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
      return rows.reverse();
    },

    async insertMessageWithinLimit({ id, conversationId, senderId, text, now, limit, windowMs }) {
      const [inserted] = await runBatch(d1, [
        sql`
          INSERT INTO conversation_messages (id, conversation_id, sender_id, text, sent_at)
          SELECT ${id}, ${conversationId}, ${senderId}, ${text}, MAX(${now}, COALESCE(last_message_at + 1, 0))
            FROM conversations
           WHERE id = ${conversationId}
             AND (SELECT COUNT(*) FROM conversation_messages
                   WHERE conversation_id = ${conversationId} AND sender_id = ${senderId}
                     AND sent_at > ${now - windowMs}) < ${limit}`,
        sql`
          UPDATE conversations SET last_message_at = (SELECT sent_at FROM conversation_messages WHERE id = ${id})
           WHERE id = ${conversationId} AND EXISTS (SELECT 1 FROM conversation_messages WHERE id = ${id})`,
      ]);
      return inserted?.meta.changes === 1;
    },

    async findMessage(id) {
      const [row] = await db
        .select()
        .from(conversationMessages)
        .where(eq(conversationMessages.id, id))
        .limit(1);
      return row;
    },
  };
}
