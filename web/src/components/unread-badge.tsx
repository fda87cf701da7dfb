import { useEffect, useState } from "preact/hooks";
import { followUnread, refreshUnread, unreadLabel } from "../lib/conversation-feed";
import { usePolling } from "../lib/use-resource";
import "../styles/conversations.css";

const POLL_MS = 30_000;

/**
 * The signed-in person's unread conversation messages, for the nav (beside "Messages"): live
 * from the feed socket, re-read every 30 seconds and when the tab comes back. Nothing at zero.
 */
export function UnreadBadge() {
  const [count, setCount] = useState<number | undefined>(undefined);
  useEffect(() => followUnread(setCount), []);
  usePolling(() => void refreshUnread(), POLL_MS);
  if (!count) return null;
  return (
    <span class="unread-badge" title={unreadLabel(count)}>
      <span aria-hidden="true">{count > 99 ? "99+" : count}</span>
      {/* The badge is a flex box, so the link reads "Messages 3 unread messages". */}
      <span class="sr-only">{unreadLabel(count)}</span>
    </span>
  );
}
