import { useEffect, useRef, useState } from "preact/hooks";
import { formatTime } from "../lib/format";
import { ErrorNotice } from "./ui";

export interface ChatItem {
  id: string;
  senderId: string;
  senderName: string;
  text: string;
  sentAt: string;
}

/**
 * A chat log and its composer, shared by the live room and 1-to-1 conversations. New messages
 * are announced politely; the log scrolls to the newest unless the reader scrolled up.
 */
export function ChatPanel({
  id,
  title,
  messages,
  meId,
  zone,
  maxLength,
  disabledReason,
  error,
  onSend,
}: {
  id: string;
  title: string;
  messages: ChatItem[];
  meId: string;
  zone: string;
  maxLength: number;
  disabledReason?: string | undefined;
  error?: string | undefined;
  onSend: (text: string) => Promise<boolean> | boolean;
}) {
  const [text, setText] = useState("");
  const [sending, setSending] = useState(false);
  const [sendError, setSendError] = useState<string | undefined>(undefined);
  const log = useRef<HTMLOListElement>(null);
  const stick = useRef(true);

  useEffect(() => {
    const element = log.current;
    if (element && stick.current) element.scrollTop = element.scrollHeight;
  }, [messages.length]);

  const submit = async (event: Event) => {
    event.preventDefault();
    const trimmed = text.trim();
    if (!trimmed) return;
    setSending(true);
    setSendError(undefined);
    try {
      const sent = await onSend(trimmed);
      if (sent) setText("");
      else
        setSendError("Not connected: your message was not sent. It stays in the box; try again in a moment.");
    } catch (caught) {
      setSendError(caught instanceof Error ? caught.message : "Your message was not sent.");
    } finally {
      setSending(false);
    }
  };

  return (
    <section class="chat" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{title}</h2>
      <ol
        ref={log}
        class="chat-log"
        role="log"
        aria-live="polite"
        aria-label={`${title} messages`}
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable log must be reachable by keyboard to scroll it
        tabIndex={0}
        onScroll={(event) => {
          const element = event.currentTarget;
          stick.current = element.scrollHeight - element.scrollTop - element.clientHeight < 40;
        }}
      >
        {messages.length === 0 && <li class="chat-empty">No messages yet. Say hello!</li>}
        {messages.map((message) => (
          <li key={message.id} class={message.senderId === meId ? "chat-line mine" : "chat-line"}>
            <span class="chat-meta">
              <strong>{message.senderId === meId ? "You" : message.senderName}</strong>{" "}
              <time dateTime={message.sentAt}>{formatTime(message.sentAt, zone)}</time>
            </span>
            <span class="chat-text">{message.text}</span>
          </li>
        ))}
      </ol>
      <form class="chat-form" onSubmit={submit}>
        <label for={`${id}-input`} class="sr-only">
          Message
        </label>
        <textarea
          id={`${id}-input`}
          rows={2}
          maxLength={maxLength}
          value={text}
          placeholder={disabledReason ?? "Write a message… (Enter sends, Shift+Enter adds a line)"}
          disabled={Boolean(disabledReason)}
          aria-describedby={disabledReason ? `${id}-closed` : undefined}
          onInput={(e) => setText(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
              e.preventDefault();
              e.currentTarget.form?.requestSubmit();
            }
          }}
        />
        <button type="submit" class="primary" disabled={sending || Boolean(disabledReason) || !text.trim()}>
          Send
        </button>
      </form>
      {disabledReason && (
        <p class="hint" id={`${id}-closed`} data-testid="chat-closed">
          {disabledReason}
        </p>
      )}
      {sendError && <ErrorNotice>{sendError}</ErrorNotice>}
      {error && <ErrorNotice>{error}</ErrorNotice>}
    </section>
  );
}
