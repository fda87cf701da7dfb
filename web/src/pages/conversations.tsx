import { useEffect, useRef } from "preact/hooks";
import { useRoute } from "preact-iso";
import type { ConversationServerMessage } from "../../../src/shared/conversation-protocol";
import { MAX_CONVERSATION_TEXT } from "../../../src/shared/limits";
import { conversationApi } from "../api/conversations";
import { api } from "../api/endpoints";
import { ApiError } from "../api/http";
import type { Conversation } from "../api/types";
import { ChatPanel } from "../components/chat-panel";
import { Async, Empty, Page } from "../components/ui";
import { useUser } from "../lib/auth";
import { followUnread, setUnread, unreadLabel } from "../lib/conversation-feed";
import { mergeMessage, mergeRead, seenByPartner, useThreadSocket } from "../lib/conversation-thread";
import { formatDateTime } from "../lib/format";
import { usePolling, useResource } from "../lib/use-resource";
import "../styles/conversations.css";

/** While the socket is down, the open thread is re-read this often. */
const FALLBACK_POLL_MS = 4000;

function other(conversation: Conversation, meId: string) {
  return conversation.members?.find((member) => member.id !== meId);
}

/**
 * 1-to-1 chats between a student and a tutor: opened by a confirmed one-to-one booking or by the
 * student ("Message tutor"). The open thread is live over its WebSocket (polling only while the
 * socket is down); the list follows the unread total from the feed.
 */
export function Conversations() {
  const user = useUser();
  const { params } = useRoute();
  const selected = params.id;
  const list = useResource(() => api.conversations().then((answer) => answer.conversations));
  const current = list.data?.find((conversation) => conversation.id === selected);

  // Any change of the unread total (a message anywhere, a read in another tab) re-reads the list.
  useEffect(() => {
    let last: number | undefined;
    return followUnread((unread) => {
      if (last !== undefined && unread !== undefined && unread !== last) void list.reload();
      if (unread !== undefined) last = unread;
    });
  }, []);

  const markedRead = (conversationId: string) =>
    list.mutate((conversations) =>
      conversations?.map((c) => (c.id === conversationId ? { ...c, unreadCount: 0 } : c)),
    );

  return (
    <Page title="Messages" wide intro="Private chats between you and your tutors or students.">
      <div class="conversations">
        <nav
          aria-label="Conversations"
          class={selected ? "conversation-list has-selection" : "conversation-list"}
        >
          <Async resource={list} label="Loading conversations…">
            {(conversations) =>
              conversations.length === 0 ? (
                <Empty>
                  No conversations yet. One opens when a one-to-one lesson is booked and paid
                  {user.role === "student" ? ", or when you message a tutor from their page" : ""}.
                </Empty>
              ) : (
                <ul>
                  {conversations.map((conversation) => {
                    const partner = other(conversation, user.id);
                    const unread = conversation.id === selected ? 0 : conversation.unreadCount;
                    return (
                      <li key={conversation.id}>
                        <a
                          href={`/messages/${conversation.id}`}
                          aria-current={conversation.id === selected ? "page" : undefined}
                          class={unread > 0 ? "has-unread" : undefined}
                        >
                          <span class="conversation-name">
                            <strong>{partner?.name ?? "Conversation"}</strong>
                            {unread > 0 && (
                              <span class="unread-count">
                                <span aria-hidden="true">{unread > 99 ? "99+" : unread}</span>
                                <span class="sr-only">{unreadLabel(unread)}</span>
                              </span>
                            )}
                          </span>
                          <span class="hint">
                            {conversation.lastMessage
                              ? `${conversation.lastMessage.text.slice(0, 60)} · ${formatDateTime(conversation.lastMessage.sentAt, user.timezone)}`
                              : "No messages yet"}
                          </span>
                        </a>
                      </li>
                    );
                  })}
                </ul>
              )
            }
          </Async>
        </nav>
        <div class="conversation-thread">
          {selected ? (
            <Thread
              key={selected}
              id={selected}
              partnerName={current ? (other(current, user.id)?.name ?? "Them") : "Them"}
              onActivity={() => void list.reload()}
              onRead={() => markedRead(selected)}
            />
          ) : (
            <p class="hint">Choose a conversation.</p>
          )}
        </div>
      </div>
    </Page>
  );
}

function Thread({
  id,
  partnerName,
  onActivity,
  onRead,
}: {
  id: string;
  partnerName: string;
  /** A message was sent or arrived: the list's previews and order change. */
  onActivity: () => void;
  /** The caller read this conversation. */
  onRead: () => void;
}) {
  const user = useUser();
  const thread = useResource(() => conversationApi.thread(id), [id]);
  const readable = !(thread.error instanceof ApiError && [403, 404].includes(thread.error.status));
  /** One mark-read request at a time; a message arriving meanwhile asks for one more round. */
  const reading = useRef({ busy: false, again: false });

  /** Opening the thread, or a message arriving while it is in view, marks it read. */
  const markRead = async () => {
    const state = reading.current;
    if (document.visibilityState !== "visible") return;
    if (state.busy) {
      state.again = true;
      return;
    }
    state.busy = true;
    try {
      do {
        state.again = false;
        const answer = await conversationApi.markRead(id);
        setUnread(answer.unread);
        onRead();
      } while (state.again);
    } catch {
      // Stays unread; the next message or visit marks it again.
    } finally {
      state.busy = false;
    }
  };

  useEffect(() => {
    void markRead();
    const onVisible = () => void markRead();
    document.addEventListener("visibilitychange", onVisible);
    return () => document.removeEventListener("visibilitychange", onVisible);
  }, [id]);

  const onFrame = (frame: ConversationServerMessage) => {
    if (frame.type === "message" && frame.conversationId === id) {
      thread.mutate(
        (current) => current && { ...current, messages: mergeMessage(current.messages, frame.message) },
      );
      onActivity();
      if (frame.message.senderId !== user.id) void markRead();
    } else if (frame.type === "read" && frame.conversationId === id) {
      thread.mutate(
        (current) =>
          current && {
            ...current,
            reads: mergeRead(current.reads, { userId: frame.userId, lastReadAt: frame.lastReadAt }),
          },
      );
    }
  };
  const catchUp = () => {
    void thread.reload();
    void markRead();
  };
  const live = useThreadSocket(id, onFrame, catchUp, readable);
  usePolling(catchUp, FALLBACK_POLL_MS, live.polling);

  return (
    <>
      <p class="back-link">
        <a href="/messages">
          <span aria-hidden="true">← </span>All conversations
        </a>
      </p>
      <Async resource={thread} label="Loading messages…">
        {({ messages, reads }) => (
          <>
            <ChatPanel
              id="conversation"
              title={`Chat with ${partnerName}`}
              messages={messages.map((message) => ({
                ...message,
                senderName: message.senderId === user.id ? user.name : partnerName,
              }))}
              meId={user.id}
              zone={user.timezone}
              maxLength={MAX_CONVERSATION_TEXT}
              onSend={async (text) => {
                const sent = await api.sendMessage(id, text);
                thread.mutate(
                  (current) => current && { ...current, messages: mergeMessage(current.messages, sent) },
                );
                onActivity();
                return true;
              }}
            />
            <p class="conversation-footer hint">
              {seenByPartner(messages, reads, user.id) && (
                <span class="conversation-seen">Seen by {partnerName}</span>
              )}
              {live.polling && (
                <span class="conversation-status">
                  Live updates paused; checking for new messages every few seconds.
                </span>
              )}
            </p>
          </>
        )}
      </Async>
    </>
  );
}
