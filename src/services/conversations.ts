import type { ConversationListing, ConversationRow, MessageRow, ReadRow } from "../db/conversation-records";
import type { UserRow } from "../db/schema";
import type { Deps } from "../deps";
import { AppError } from "../domain/errors";
import type { AuthUser } from "../domain/identity";
import { newId } from "../domain/ids";
import type { ReadAnswer, ReadMarker } from "../shared/conversation-protocol";
import { CHAT_RATE_LIMIT } from "../shared/limits";
import { DAY_MS } from "../shared/time";
import { deliver, type LivePush, openRoomSocket, resolveSocketCaller } from "./conversation-live";
import type { RoomCaller } from "./live-room";

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
  /** Messages from the other member that the caller has not read yet. */
  unreadCount: number;
}

function toMessage(row: MessageRow): Message {
  return { id: row.id, senderId: row.senderId, text: row.text, sentAt: new Date(row.sentAt).toISOString() };
}

function toMember(row: UserRow): ConversationMember {
  return { id: row.id, name: row.name, role: row.role };
}

function toConversation(row: ConversationListing): Conversation {
  return {
    id: row.conversation.id,
    memberIds: [row.student.id, row.provider.id],
    members: [toMember(row.student), toMember(row.provider)],
    ...(row.lastMessage ? { lastMessage: toMessage(row.lastMessage) } : {}),
    unreadCount: row.unreadCount,
  };
}

function toReadMarker(row: ReadRow): ReadMarker {
  return { userId: row.userId, lastReadAt: new Date(row.lastReadAt).toISOString() };
}

/** The caller's conversations, most recent activity (last message, else creation) first. */
export async function listConversations(deps: Deps, user: AuthUser): Promise<Conversation[]> {
  const rows = await deps.records.conversations.listConversationsOf(user.id);
  return rows.map(toConversation);
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

function otherMember(row: ConversationRow, userId: string): string {
  return row.studentId === userId ? row.providerId : row.studentId;
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

/** A page of messages (see `listMessages`) and how far each member has read. */
export async function readThread(
  deps: Deps,
  user: AuthUser,
  conversationId: string,
  page: { before?: number | undefined; limit: number },
): Promise<{ messages: Message[]; reads: ReadMarker[] }> {
  await loadOwnConversation(deps, user, conversationId);
  const [rows, reads] = await Promise.all([
    deps.records.conversations.listLatestMessages(conversationId, page),
    deps.records.conversations.readMarkers(conversationId),
  ]);
  return { messages: rows.map(toMessage), reads: reads.map(toReadMarker) };
}

/** A sender may post at most this many messages per conversation within SEND_WINDOW_MS. */
export const SEND_LIMIT = CHAT_RATE_LIMIT.messages;
export const SEND_WINDOW_MS = CHAT_RATE_LIMIT.windowMs;

/**
 * Stores a message and moves the conversation's last_message_at in one batch. sent_at is strictly
 * increasing within a conversation (at least the previous message's + 1 ms), so order is total and
 * paging by `before` never skips a message that shares a millisecond with the page boundary.
 * Replying counts as reading: the sender's read marker moves up to the new message.
 *
 * A product rule, not abuse protection (so RATE_LIMITS=off does not lift it): at most SEND_LIMIT
 * messages per sender per conversation in SEND_WINDOW_MS. The count and the insert are one
 * statement, so concurrent posts cannot both see room for the last message (D1 runs statements
 * one at a time); over the limit nothing is stored and the answer is 429 RATE_LIMITED.
 *
 * Once stored, the message is pushed to the conversation's room (both members' open threads) and
 * the recipient's feed learns their new unread total.
 */
export async function postMessage(
  deps: Deps,
  user: AuthUser,
  conversationId: string,
  text: string,
): Promise<Message> {
  const conversation = await loadOwnConversation(deps, user, conversationId);
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
  const message = toMessage(row);
  const recipient = otherMember(conversation, user.id);
  await deliver(deps, [
    { room: { kind: "conversation", conversationId }, message: { type: "message", conversationId, message } },
    await unreadPush(deps, recipient),
  ]);
  return message;
}

async function unreadPush(deps: Deps, userId: string): Promise<LivePush> {
  const unread = await deps.records.conversations.countUnread(userId);
  return { room: { kind: "inbox", userId }, message: { type: "unread", unread } };
}

/**
 * Marks the conversation read by the caller up to `at` (epoch ms), or up to its newest message
 * (a later `at` stops there too). The marker never moves backwards (an older `at` leaves it). When it moved, the
 * conversation's room hears `read` and the caller's feed the new unread total (other tabs).
 */
export async function markConversationRead(
  deps: Deps,
  user: AuthUser,
  conversationId: string,
  at?: number,
): Promise<ReadAnswer> {
  await loadOwnConversation(deps, user, conversationId);
  const before = (await deps.records.conversations.readMarkers(conversationId)).find(
    (marker) => marker.userId === user.id,
  );
  const stored = await deps.records.conversations.markRead(
    conversationId,
    user.id,
    at ?? Number.MAX_SAFE_INTEGER,
  );
  if (stored === undefined) throw new AppError("NOT_FOUND", "No such conversation.");
  const [listing, unread] = await Promise.all([
    deps.records.conversations.findListing(conversationId, user.id),
    deps.records.conversations.countUnread(user.id),
  ]);
  const lastReadAt = new Date(stored).toISOString();
  if (before?.lastReadAt !== stored) {
    await deliver(deps, [
      {
        room: { kind: "conversation", conversationId },
        message: { type: "read", conversationId, userId: user.id, lastReadAt },
      },
      { room: { kind: "inbox", userId: user.id }, message: { type: "unread", unread } },
    ]);
  }
  return { conversationId, userId: user.id, lastReadAt, unreadCount: listing?.unreadCount ?? 0, unread };
}

/** The caller's unread messages across every conversation (the nav's badge). */
export async function countUnread(deps: Deps, user: AuthUser): Promise<number> {
  return deps.records.conversations.countUnread(user.id);
}

/** A student may start at most this many conversations per rolling day (see `openConversationWith`). */
export const NEW_CONVERSATION_LIMIT = { conversations: 10, windowMs: DAY_MS } as const;

/**
 * A student opens the conversation with a tutor, before or without any booking: the pair's
 * existing one (`created: false`), or a new one. 404 unless `providerId` is a provider.
 *
 * A product rule (RATE_LIMITS=off does not lift it): a student may have at most
 * NEW_CONVERSATION_LIMIT conversations created in the last day, whoever opened them (a booking
 * opens one too); past it, asking for a new one is 429 RATE_LIMITED, while existing ones still open.
 */
export async function openConversationWith(
  deps: Deps,
  user: AuthUser,
  providerId: string,
): Promise<{ conversation: Conversation; created: boolean }> {
  if (!(await deps.records.conversations.findProvider(providerId))) {
    throw new AppError("NOT_FOUND", "No tutor with this id.");
  }
  const existing = await deps.records.conversations.findConversationByPair(user.id, providerId);
  let created = false;
  let id = existing?.id;
  if (!id) {
    const fresh = newId("cnv");
    created = await deps.records.conversations.insertConversationWithinLimit({
      id: fresh,
      studentId: user.id,
      providerId,
      now: deps.now(),
      limit: NEW_CONVERSATION_LIMIT.conversations,
      windowMs: NEW_CONVERSATION_LIMIT.windowMs,
    });
    // Not created: over the cap, or a concurrent request (or a booking) made the pair's first.
    id = created ? fresh : (await deps.records.conversations.findConversationByPair(user.id, providerId))?.id;
    if (!id) {
      throw new AppError(
        "RATE_LIMITED",
        `You can start at most ${NEW_CONVERSATION_LIMIT.conversations} new conversations a day; try again tomorrow.`,
      );
    }
  }
  const listing = await deps.records.conversations.findListing(id, user.id);
  if (!listing) throw new AppError("INTERNAL", "The conversation was not stored.");
  return { conversation: toConversation(listing), created };
}

/** GET /api/conversations/:id/ws: one conversation's live room, for its two members only. */
export async function openConversationSocket(
  deps: Deps,
  conversationId: string,
  caller: RoomCaller,
  upgrade: Request,
): Promise<Response> {
  const who = await resolveSocketCaller(deps, caller);
  await loadOwnConversation(deps, who.user, conversationId);
  return openRoomSocket(deps, { kind: "conversation", conversationId }, who, upgrade);
}

/** GET /api/conversations/ws: the caller's own feed (unread totals as they change). */
export async function openFeedSocket(deps: Deps, caller: RoomCaller, upgrade: Request): Promise<Response> {
  const who = await resolveSocketCaller(deps, caller);
  return openRoomSocket(deps, { kind: "inbox", userId: who.user.id }, who, upgrade);
}
