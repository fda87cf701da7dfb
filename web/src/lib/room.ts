import { useEffect, useRef, useState } from "preact/hooks";
import type { ServerMessage } from "../../../src/shared/protocol";
import { backoffMs, type RoomState, reduce } from "./room-state";

export type { ChatLine, RoomEvent, RoomState, RoomStatus } from "./room-state";

const PING_MS = 25_000;

/** The room socket URL for a slot; same origin, so the session cookie authenticates it. */
export function roomUrl(slotId: string): string {
  return `${location.origin.replace(/^http/, "ws")}/api/slots/${encodeURIComponent(slotId)}/ws`;
}

/**
 * A slot's live room: chat, presence, seats and session events. Reconnects with backoff whenever
 * the socket closes (a deploy disconnects everyone); chat history is re-sent by the room on
 * every connect and merged by message id.
 */
export function useRoom(
  slotId: string | undefined,
  onMessage?: (message: ServerMessage) => void,
  /** Changing it reconnects (the room learns a slot's new size only when a socket connects). */
  reconnectKey = 0,
): RoomState & { send: (text: string) => boolean } {
  const [state, setState] = useState<RoomState>({ status: "connecting", chat: [], online: [], events: [] });
  const socket = useRef<WebSocket | null>(null);
  const listener = useRef(onMessage);
  listener.current = onMessage;

  useEffect(() => {
    if (!slotId) return;
    let stopped = false;
    let attempt = 0;
    let retryTimer: ReturnType<typeof setTimeout> | undefined;
    let pingTimer: ReturnType<typeof setInterval> | undefined;

    const apply = (message: ServerMessage) => {
      setState((current) => reduce(current, message));
      listener.current?.(message);
    };

    const connect = () => {
      const ws = new WebSocket(roomUrl(slotId));
      socket.current = ws;
      ws.onopen = () => {
        attempt = 0;
        setState((current) => ({ ...current, status: "open", retryAt: undefined }));
        pingTimer = setInterval(() => {
          if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: "ping" }));
        }, PING_MS);
      };
      ws.onmessage = (event) => {
        if (typeof event.data !== "string") return;
        try {
          apply(JSON.parse(event.data) as ServerMessage);
        } catch {
          // Not JSON: nothing the room sends, so nothing to show.
        }
      };
      ws.onclose = () => {
        clearInterval(pingTimer);
        if (socket.current === ws) socket.current = null;
        if (stopped) return;
        const delay = backoffMs(attempt++);
        setState((current) => ({
          ...current,
          status: "reconnecting",
          retryAt: Date.now() + delay,
          online: [],
        }));
        retryTimer = setTimeout(connect, delay);
      };
    };

    setState({ status: "connecting", chat: [], online: [], events: [] });
    connect();
    return () => {
      stopped = true;
      clearTimeout(retryTimer);
      clearInterval(pingTimer);
      socket.current?.close(1000, "page closed");
      socket.current = null;
    };
  }, [slotId, reconnectKey]);

  const send = (text: string): boolean => {
    const ws = socket.current;
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(JSON.stringify({ type: "chat", text }));
    return true;
  };
  return { ...state, send };
}
