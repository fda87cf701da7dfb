import type { ConversationServerMessage } from "../../../src/shared/conversation-protocol";
import { retryDelayMs } from "./retry-delay";

export type SocketStatus = "connecting" | "open" | "retrying" | "stopped";

const PING_MS = 25_000;
/** A connection counts as healthy once it has stayed open this long (a flapping one never does). */
const STABLE_MS = 10_000;
/** Closes that mean "you may not be here" (signed out, too many tabs): do not reconnect. */
const FINAL_CODES = new Set([4401, 4403, 4008]);

export { retryDelayMs };

/**
 * Keeps a conversation socket open: reconnects with backoff whenever it closes, pings to keep
 * proxies from dropping it, and stops for good on a final close (signed out). `failures` counts
 * the closes since the connection was last healthy (open for STABLE_MS), so a socket that opens
 * and drops at once keeps backing off and a caller keeps polling. Returns a stop function.
 */
export function keepSocket(
  url: string,
  handlers: {
    onMessage: (message: ConversationServerMessage) => void;
    onStatus: (status: SocketStatus, failures: number) => void;
  },
): () => void {
  let stopped = false;
  let failures = 0;
  let ws: WebSocket | undefined;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let pingTimer: ReturnType<typeof setInterval> | undefined;
  let stableTimer: ReturnType<typeof setTimeout> | undefined;

  const connect = () => {
    handlers.onStatus(failures === 0 ? "connecting" : "retrying", failures);
    const socket = new WebSocket(url);
    ws = socket;
    socket.onopen = () => {
      handlers.onStatus("open", failures);
      stableTimer = setTimeout(() => {
        failures = 0;
        handlers.onStatus("open", 0);
      }, STABLE_MS);
      pingTimer = setInterval(() => {
        if (socket.readyState === WebSocket.OPEN) socket.send('{"type":"ping"}');
      }, PING_MS);
    };
    socket.onmessage = (event) => {
      if (typeof event.data !== "string") return;
      try {
        handlers.onMessage(JSON.parse(event.data) as ConversationServerMessage);
      } catch {
        // Not JSON: nothing the room sends.
      }
    };
    socket.onclose = (event) => {
      clearInterval(pingTimer);
      clearTimeout(stableTimer);
      if (stopped) return;
      if (FINAL_CODES.has(event.code)) {
        handlers.onStatus("stopped", failures);
        return;
      }
      failures++;
      handlers.onStatus("retrying", failures);
      retryTimer = setTimeout(connect, retryDelayMs(failures - 1));
    };
  };

  connect();
  return () => {
    stopped = true;
    clearTimeout(retryTimer);
    clearInterval(pingTimer);
    clearTimeout(stableTimer);
    ws?.close(1000, "page closed");
  };
}
