import { useEffect, useRef, useState } from "preact/hooks";
import type { ConversationServerMessage } from "../../../src/shared/conversation-protocol";
import { threadSocketUrl } from "../api/conversations";
import { mergeMessage, mergeRead, seenByPartner } from "./conversation-merge";
import { keepSocket, type SocketStatus } from "./conversation-socket";

export interface LiveThread {
  status: SocketStatus;
  /** The socket failed and has not been healthy since: the thread should poll meanwhile. */
  polling: boolean;
}

/**
 * A conversation's live room while the thread is open: hands each frame to `onFrame`, and
 * `onReconnect` after the socket came back from a failure (to catch up on what it missed).
 */
export function useThreadSocket(
  conversationId: string,
  onFrame: (frame: ConversationServerMessage) => void,
  onReconnect: () => void,
  /** False when the thread cannot be read (not a member, gone): no socket, no polling. */
  enabled = true,
): LiveThread {
  const [live, setLive] = useState<LiveThread>({ status: "connecting", polling: false });
  const handlers = useRef({ onFrame, onReconnect });
  handlers.current = { onFrame, onReconnect };

  useEffect(() => {
    if (!enabled) {
      setLive({ status: "stopped", polling: false });
      return;
    }
    setLive({ status: "connecting", polling: false });
    return keepSocket(threadSocketUrl(conversationId), {
      onMessage: (frame) => handlers.current.onFrame(frame),
      onStatus: (status, failures) => {
        // Each reconnect reads what may have been missed while the socket was down.
        if (status === "open" && failures > 0) handlers.current.onReconnect();
        setLive({ status, polling: failures > 0 || status === "stopped" });
      },
    });
  }, [conversationId, enabled]);
  return live;
}

export { mergeMessage, mergeRead, seenByPartner };
