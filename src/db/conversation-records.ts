import { and, desc, eq, lt, or, type SQL, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import type { Db } from "./client";
import { conversationMessages, conversationReads, conversations, type UserRow, users } from "./schema";
import { runBatch } from "./statements";

export type ConversationRow = typeof conversations.$inferSelect;
export type MessageRow = typeof conversationMessages.$inferSelect;
export type ReadRow = typeof conversationReads.$inferSelect;

/** A conversation with both members, its newest message (null before the first one) and the reader's unread count. */
export interface ConversationListing {
  conversation: ConversationRow;
  student: UserRow;
  provider: UserRow;
  lastMessage: MessageRow | null;
  /** Messages from the other member sent after the reader's last_read_at (all of them without one). */
  unreadCount: number;
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

export interface ConversationInsert {
  id: string;
  studentId: string;
  providerId: string;
  /** Epoch ms. */
  now: number;
  /** The student may have at most `limit` conversations created after `now - windowMs`. */
  limit: number;
  windowMs: number;
}

/** Socket bookkeeping rows share live_connections with the slot rooms under this token prefix. */
const SOCKET_TOKEN_PREFIX = "conversations:";

const student = alias(users, "student");
const provider = alias(users, "provider");
const latest = alias(conversationMessages, "latest");

/**
 * 1-to-1 conversations (one student, one provider), their messages and read markers. Within a
 * conversation sent_at is strictly increasing, conversations.last_message_at is the newest
 * message's sent_at, and a member's last_read_at only moves forward. Times are epoch ms.
 */
export interface ConversationRecords {
  findConversation(id: string): Promise<ConversationRow | undefined>;
  findConversationByPair(studentId: string, providerId: string): Promise<ConversationRow | undefined>;
  /**
   * The user's conversations (as student or as provider), up to CONVERSATION_LIST_LIMIT, most
   * recent activity (last message, else creation) first, with the user's unread counts.
   */
  listConversationsOf(userId: string): Promise<ConversationListing[]>;
  /** One conversation as `listConversationsOf` lists it for `readerId`. */
  findListing(conversationId: string, readerId: string): Promise<ConversationListing | undefined>;
  /** The newest `limit` messages sent before `before` (if given), returned oldest first. */
  listLatestMessages(
    conversationId: string,
    page: { before?: number | undefined; limit: number },
  ): Promise<MessageRow[]>;
  /**
   * Stores the message with sent_at = max(now, last_message_at + 1) and moves last_message_at to
   * it, and the sender's read marker up to it (replying means having read), in one batch. The rate
   * count and the insert are one conditional statement, so concurrent posts cannot both see room
   * for the last message (D1 runs statements one at a time). False, and nothing written, when the
   * sender is over the limit (or the conversation does not exist).
   */
  insertMessageWithinLimit(message: MessageInsert): Promise<boolean>;
  findMessage(id: string): Promise<MessageRow | undefined>;
  /** A user who is a provider, or undefined (no such user, or not a provider). */
  findProvider(userId: string): Promise<UserRow | undefined>;
  /**
   * Creates the pair's conversation unless the student already created `limit` conversations in
   * the window (any origin counts) or the pair already has one: one conditional statement, so
   * concurrent requests cannot pass the cap together. True when this call created it.
   */
  insertConversationWithinLimit(conversation: ConversationInsert): Promise<boolean>;
  /**
   * Moves the user's read marker to min(upTo, last_message_at), never backwards, and returns the
   * marker as stored (undefined for an unknown conversation). Capped at the newest message that
   * exists when the statement runs, not at the clock: a message stored a moment later always has
   * a later sent_at, so it stays unread however the two requests' clocks compare.
   */
  markRead(conversationId: string, userId: string, upTo: number): Promise<number | undefined>;
  readMarkers(conversationId: string): Promise<ReadRow[]>;
  /** Messages from others after the user's marker, across every conversation the user is in. */
  countUnread(userId: string): Promise<number>;
  /** Remembers that a login session opened a socket in a conversation room (so logout can close it). */
  rememberSocket(tokenHash: string, room: string, now: number): Promise<void>;
  /** The rooms a login session opened sockets in, at most `limit`. */
  socketRoomsOf(tokenHash: string, limit: number): Promise<string[]>;
  forgetSockets(tokenHash: string): Promise<void>;
}

/** Unread messages of `conversationId` for `userId` (an SQL expression). */
function unreadOf(conversationId: SQL | string, userId: string): SQL {
  return sql<number>`(SELECT COUNT(*) FROM conversation_messages m
     WHERE m.conversation_id = ${conversationId} AND m.sender_id <> ${userId}
       AND m.sent_at > COALESCE((SELECT r.last_read_at FROM conversation_reads r
                                  WHERE r.conversation_id = ${conversationId} AND r.user_id = ${userId}), -1))`;
}

export function createConversationRecords(db: Db, d1: D1Database): ConversationRecords {
  const listing = (readerId: string, where: SQL | undefined) => {
    const latestId = db
      .select({ id: latest.id })
      .from(latest)
      .where(eq(latest.conversationId, conversations.id))
      .orderBy(desc(latest.sentAt))
      .limit(1);
    return db
      .select({
        conversation: conversations,
        student,
        provider,
        lastMessage: conversationMessages,
        unreadCount: unreadOf(sql`${conversations.id}`, readerId).mapWith(Number),
      })
      .from(conversations)
      .innerJoin(student, eq(student.id, conversations.studentId))
      .innerJoin(provider, eq(provider.id, conversations.providerId))
      .leftJoin(conversationMessages, eq(conversationMessages.id, sql`(${latestId})`))
      .where(where);
  };

  return {
    async findConversation(id) {
      const [row] = await db.select().from(conversations).where(eq(conversations.id, id)).limit(1);
      return row;
    },

    async findConversationByPair(studentId, providerId) {
      const [row] = await db
        .select()
        .from(conversations)
        .where(and(eq(conversations.studentId, studentId), eq(conversations.providerId, providerId)))
        .limit(1);
      return row;
    },

    listConversationsOf(userId) {
      return listing(userId, or(eq(conversations.studentId, userId), eq(conversations.providerId, userId)))
        .orderBy(
          desc(sql`COALESCE(${conversations.lastMessageAt}, ${conversations.createdAt})`),
          desc(conversations.id),
        )
        .limit(CONVERSATION_LIST_LIMIT);
    },

    async findListing(conversationId, readerId) {
      const [row] = await listing(readerId, eq(conversations.id, conversationId)).limit(1);
      return row;
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
        sql`
          INSERT INTO conversation_reads (conversation_id, user_id, last_read_at)
          SELECT conversation_id, sender_id, sent_at FROM conversation_messages WHERE id = ${id}
          ON CONFLICT(conversation_id, user_id) DO UPDATE SET last_read_at = MAX(last_read_at, excluded.last_read_at)`,
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

    async findProvider(userId) {
      const [row] = await db
        .select()
        .from(users)
        .where(and(eq(users.id, userId), eq(users.role, "provider")))
        .limit(1);
      return row;
    },

    async insertConversationWithinLimit({ id, studentId, providerId, now, limit, windowMs }) {
      const result = await db.run(sql`
        INSERT INTO conversations (id, student_id, provider_id, created_at)
        SELECT ${id}, ${studentId}, ${providerId}, ${now}
         WHERE (SELECT COUNT(*) FROM conversations
                 WHERE student_id = ${studentId} AND created_at > ${now - windowMs}) < ${limit}
        ON CONFLICT(student_id, provider_id) DO NOTHING`);
      return result.meta.changes === 1;
    },

    async markRead(conversationId, userId, upTo) {
      const rows = await db.all<{ last_read_at: number }>(sql`
        INSERT INTO conversation_reads (conversation_id, user_id, last_read_at)
        SELECT id, ${userId}, MIN(${upTo}, COALESCE(last_message_at, 0))
          FROM conversations WHERE id = ${conversationId}
        ON CONFLICT(conversation_id, user_id) DO UPDATE SET last_read_at = MAX(last_read_at, excluded.last_read_at)
        RETURNING last_read_at`);
      return rows[0]?.last_read_at;
    },

    readMarkers(conversationId) {
      return db
        .select()
        .from(conversationReads)
        .where(eq(conversationReads.conversationId, conversationId))
        .orderBy(conversationReads.userId);
    },

    async countUnread(userId) {
      const [row] = await db.all<{ unread: number }>(sql`
        SELECT COALESCE(SUM(${unreadOf(sql`c.id`, userId)}), 0) AS unread
          FROM (SELECT id FROM conversations WHERE student_id = ${userId}
                UNION ALL
                SELECT id FROM conversations WHERE provider_id = ${userId}) c`);
      return Number(row?.unread ?? 0);
    },

    async rememberSocket(tokenHash, room, now) {
      await db.run(sql`
        INSERT INTO live_connections (token_hash, slot_id, created_at)
        VALUES (${SOCKET_TOKEN_PREFIX + tokenHash}, ${room}, ${now})
        ON CONFLICT(token_hash, slot_id) DO NOTHING`);
    },

    async socketRoomsOf(tokenHash, limit) {
      const rows = await db.all<{ room: string }>(sql`
        SELECT slot_id AS room FROM live_connections WHERE token_hash = ${SOCKET_TOKEN_PREFIX + tokenHash}
         LIMIT ${limit}`);
      return rows.map((row) => row.room);
    },

    async forgetSockets(tokenHash) {
      await db.run(sql`DELETE FROM live_connections WHERE token_hash = ${SOCKET_TOKEN_PREFIX + tokenHash}`);
    },
  };
}
