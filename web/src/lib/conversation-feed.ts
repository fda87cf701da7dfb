import { conversationApi, feedSocketUrl } from "../api/conversations";
import { keepSocket } from "./conversation-socket";

/**
 * The signed-in person's unread total, shared by everything on the page that shows it (the nav's
 * badge, the conversations list): one feed socket however many follow it, pushed totals as they
 * change, and `refreshUnread` for polling and for catching up after a reconnect.
 */
type Listener = (unread: number | undefined) => void;

const listeners = new Set<Listener>();
let unread: number | undefined;
let stopSocket: (() => void) | undefined;
/** Bumped by every pushed or locally known total, so an older GET answer never overwrites it. */
let version = 0;

function publish(next: number): void {
  version++;
  if (next === unread) return;
  unread = next;
  for (const listener of listeners) listener(next);
}

/** A total the page learned from an answer (e.g. marking a conversation read). */
export function setUnread(next: number): void {
  publish(next);
}

/** Asks the server for the total (polling, and after the socket (re)connects). */
export async function refreshUnread(): Promise<void> {
  const asked = version;
  try {
    const answer = await conversationApi.unread();
    if (asked === version) publish(answer.unread);
  } catch {
    // Keep the last known total; the next poll or push corrects it.
  }
}

/** Calls `listener` with the total now (undefined until known) and on every change. Returns an unfollow. */
export function followUnread(listener: Listener): () => void {
  listeners.add(listener);
  if (!stopSocket) {
    void refreshUnread();
    let opens = 0;
    stopSocket = keepSocket(feedSocketUrl(), {
      onMessage: (message) => {
        if (message.type === "unread") publish(message.unread);
      },
      // Whatever changed while the socket was down is read once it is back.
      onStatus: (status) => {
        if (status === "open" && opens++ > 0) void refreshUnread();
      },
    });
  }
  listener(unread);
  return () => {
    listeners.delete(listener);
    if (listeners.size > 0) return;
    stopSocket?.();
    stopSocket = undefined;
    unread = undefined;
  };
}

/** "3 unread messages": what a screen reader hears for a count. */
export function unreadLabel(count: number): string {
  return `${count} unread ${count === 1 ? "message" : "messages"}`;
}
