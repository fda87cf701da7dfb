import type { ConversationRow, MessageRow } from "../db/conversation-records";
import type { UserRow } from "../db/schema";
import type { Deps } from "../deps";
import { AppError } from "../domain/errors";
import type { AuthUser } from "../domain/identity";
import { newId } from "../domain/ids";
import { CHAT_RATE_LIMIT } from "../shared/limits";

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
  unreadCount: number;
}

function toMessage(row: MessageRow): Message {
  return { id: row.id, senderId: row.senderId, text: row.text, sentAt: new Date(row.sentAt).toISOString() };
}

/** The caller's conversations, most recent activity (last message, else creation) first. */
export async function listConversations(deps: Deps, user: AuthUser): Promise<Conversation[]> {
  const rows = await deps.records.conversations.listConversationsOf(user.id);
  return rows.map((row) => ({
    id: row.conversation.id,
    memberIds: [row.student.id, row.provider.id],
    members: [toMember(row.student), toMember(row.provider)],
    ...(row.lastMessage ? { lastMessage: toMessage(row.lastMessage) } : {}),
    unreadCount: 0,
  }));
}

function toMember(row: UserRow): ConversationMember {
  return { id: row.id, name: row.name, role: row.role };
}

/** 404 for an unknown conversation, 403 unless the caller is its student or its provider. */
async function loadOwnConversation(deps: Deps, user: AuthUser, id: string): Promise<ConversationRow> {
  const row = await deps.records.conversations.findConversation(id);
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
  const rows = await deps.records.conversations.listLatestMessages(conversationId, page);
  return rows.map(toMessage);
}

/** A sender may post at most this many messages per conversation within SEND_WINDOW_MS. */
export const SEND_LIMIT = CHAT_RATE_LIMIT.messages;
export const SEND_WINDOW_MS = CHAT_RATE_LIMIT.windowMs;

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
  const inserted = await deps.records.conversations.insertMessageWithinLimit({
    id,
    conversationId,
    senderId: user.id,
    text,
    now: deps.now(),
    limit: SEND_LIMIT,
    windowMs: SEND_WINDOW_MS,
  });
  if (!inserted) {
    throw new AppError(
      "RATE_LIMITED",
      `You can send at most ${SEND_LIMIT} messages every ${SEND_WINDOW_MS / 1000} seconds here; wait a moment.`,
    );
  }
  const row = await deps.records.conversations.findMessage(id);
  if (!row) throw new AppError("INTERNAL", "The message was not stored.");
  return toMessage(row);
}
