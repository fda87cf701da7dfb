import { useRoute } from "preact-iso";
import { MAX_CONVERSATION_TEXT } from "../../../src/shared/limits";
import { api } from "../api/endpoints";
import type { Conversation } from "../api/types";
import { ChatPanel } from "../components/chat-panel";
import { Async, Empty, Page } from "../components/ui";
import { useUser } from "../lib/auth";
import { formatDateTime } from "../lib/format";
import { usePolling, useResource } from "../lib/use-resource";

function other(conversation: Conversation, meId: string) {
  return conversation.members?.find((member) => member.id !== meId);
}

/** 1-to-1 chats between a student and a teacher, opened by a confirmed one-to-one booking. */
export function Conversations() {
  const user = useUser();
  const { params } = useRoute();
  const selected = params.id;
  const list = useResource(() => api.conversations().then((answer) => answer.conversations));
  usePolling(() => void list.reload(), 10_000);
  const current = list.data?.find((conversation) => conversation.id === selected);

  return (
    <Page title="Messages" wide intro="Private chats with the people you have one-to-one lessons with.">
      <div class="conversations">
        <nav
          aria-label="Conversations"
          class={selected ? "conversation-list has-selection" : "conversation-list"}
        >
          <Async resource={list} label="Loading conversations…">
            {(conversations) =>
              conversations.length === 0 ? (
                <Empty>No conversations yet. One opens when a one-to-one lesson is booked and paid.</Empty>
              ) : (
                <ul>
                  {conversations.map((conversation) => {
                    const partner = other(conversation, user.id);
                    return (
                      <li key={conversation.id}>
                        <a
                          href={`/messages/${conversation.id}`}
                          aria-current={conversation.id === selected ? "page" : undefined}
                        >
                          <strong>{partner?.name ?? "Conversation"}</strong>
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
              id={selected}
              partnerName={current ? (other(current, user.id)?.name ?? "Them") : "Them"}
              onSent={() => void list.reload()}
            />
          ) : (
            <p class="hint">Choose a conversation.</p>
          )}
        </div>
      </div>
    </Page>
  );
}

function Thread({ id, partnerName, onSent }: { id: string; partnerName: string; onSent: () => void }) {
  const user = useUser();
  const messages = useResource(() => api.messages(id).then((answer) => answer.messages), [id]);
  usePolling(() => void messages.reload(), 4000);
  return (
    <>
      <p class="back-link">
        <a href="/messages">
          <span aria-hidden="true">← </span>All conversations
        </a>
      </p>
      <Async resource={messages} label="Loading messages…">
        {(list) => (
          <ChatPanel
            id="conversation"
            title={`Chat with ${partnerName}`}
            messages={list.map((message) => ({
              ...message,
              senderName: message.senderId === user.id ? user.name : partnerName,
            }))}
            meId={user.id}
            zone={user.timezone}
            maxLength={MAX_CONVERSATION_TEXT}
            onSend={async (text) => {
              const sent = await api.sendMessage(id, text);
              messages.mutate((current) => [...(current ?? []), sent]);
              onSent();
              return true;
            }}
          />
        )}
      </Async>
    </>
  );
}
