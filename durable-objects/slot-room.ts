/**
 * The slot's live room on the WebSocket hibernation API: accept, chat history, presence rebuilt
 * from the sockets themselves, broadcasts, a per-sender chat limit and evictions. Nothing here
 * decides seats or money; the slot object tells the room what changed.
 */
import { newId } from "../src/domain/ids";
import { CHAT_RATE_LIMIT, MAX_NAME_CHARS } from "../src/shared/limits";
import { clientMessage, ROOM_HEADERS, type ServerMessage } from "../src/shared/protocol";
import { SECOND_MS } from "../src/shared/time";
import type { ChatStorage } from "./slot-storage";

const CHAT_HISTORY = 50;
const SESSION_TAG = "session:";

/** Kept on each hibernatable socket (well under the 2 KB attachment limit). */
interface SocketInfo {
  userId: string;
  name: string;
}

export interface RoomHost {
  ctx: DurableObjectState;
  chat: ChatStorage;
  /** The `slot` message with the current seats and status. */
  seatsMessage(): ServerMessage;
  /** Why chat is closed (the lesson ended or was cancelled), or null while it is open. */
  chatClosed(): string | null;
}

export class SlotRoom {
  constructor(private readonly host: RoomHost) {}

  private get sockets(): WebSocket[] {
    return this.host.ctx.getWebSockets();
  }

  /** Accepts a socket the worker has already authorized; sends history, presence and seats. */
  accept(request: Request): Response {
    const userId = request.headers.get(ROOM_HEADERS.userId);
    if (!userId) return new Response("missing user", { status: 400 });
    const name = decodeURIComponent(request.headers.get(ROOM_HEADERS.name) ?? "").slice(0, MAX_NAME_CHARS);
    const session = request.headers.get(ROOM_HEADERS.session);
    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    this.host.ctx.acceptWebSocket(server, session ? [userId, SESSION_TAG + session] : [userId]);
    server.serializeAttachment({ userId, name } satisfies SocketInfo);
    for (const message of this.host.chat.recent(CHAT_HISTORY)) {
      this.send(server, {
        type: "chat",
        id: message.id,
        senderId: message.senderId,
        senderName: message.senderName,
        text: message.text,
        sentAt: new Date(message.sentAt).toISOString(),
      });
    }
    this.send(server, this.host.seatsMessage());
    this.broadcastPresence();
    return new Response(null, { status: 101, webSocket: client });
  }

  message(ws: WebSocket, raw: string | ArrayBuffer): void {
    const info = ws.deserializeAttachment() as SocketInfo | null;
    if (!info) return;
    if (typeof raw !== "string" || raw.length > 16_384) {
      this.error(ws, "VALIDATION_FAILED", "Send JSON text frames of at most 16 KB.");
      return;
    }
    let parsed: ReturnType<typeof clientMessage.safeParse>;
    try {
      parsed = clientMessage.safeParse(JSON.parse(raw));
    } catch {
      this.error(ws, "VALIDATION_FAILED", "Messages must be JSON.");
      return;
    }
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const message = `Invalid message: ${issue?.path.join(".") || "type"} ${issue?.message ?? ""}`.trim();
      this.error(ws, "VALIDATION_FAILED", message);
      return;
    }
    const message = parsed.data;
    if (message.type === "ping") {
      this.send(ws, { type: "pong" });
      return;
    }
    const closed = this.host.chatClosed();
    if (closed) {
      this.error(ws, "SESSION_ENDED", closed);
      return;
    }
    const now = Date.now();
    // Over CHAT_RATE_LIMIT: an error frame, and the message is not stored.
    if (this.host.chat.sentSince(info.userId, now - CHAT_RATE_LIMIT.windowMs) >= CHAT_RATE_LIMIT.messages) {
      this.error(
        ws,
        "RATE_LIMITED",
        `At most ${CHAT_RATE_LIMIT.messages} messages per ${CHAT_RATE_LIMIT.windowMs / SECOND_MS} seconds; this one was not sent.`,
      );
      return;
    }
    const record = {
      id: newId("msg"),
      senderId: info.userId,
      senderName: info.name,
      text: message.text,
      sentAt: now,
    };
    this.host.chat.append(record);
    this.broadcast({ type: "chat", ...record, sentAt: new Date(record.sentAt).toISOString() });
  }

  closed(ws: WebSocket, code: number): void {
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, "closing");
    } catch {
      // already closed
    }
    this.broadcastPresence(ws);
  }

  errored(ws: WebSocket): void {
    this.broadcastPresence(ws);
  }

  broadcast(message: ServerMessage, except: readonly WebSocket[] = []): void {
    const text = JSON.stringify(message);
    for (const ws of this.sockets) {
      if (except.includes(ws)) continue;
      try {
        ws.send(text);
      } catch {
        // A socket that is going away; its close handler updates presence.
      }
    }
  }

  /** Sends the current seats and status, if anyone listens. */
  broadcastSeats(): void {
    if (this.sockets.length === 0) return;
    this.broadcast(this.host.seatsMessage());
  }

  /** Disconnects a user's sockets (e.g. their seat was cancelled). */
  evict(userId: string, reason: string): void {
    this.closeTagged(userId, 4403, reason);
  }

  /** Disconnects every socket opened with one login session (logout). Returns how many. */
  closeSession(tokenHash: string): number {
    return this.closeTagged(SESSION_TAG + tokenHash, 4401, "You signed out.");
  }

  private closeTagged(tag: string, code: number, reason: string): number {
    const leaving = this.host.ctx.getWebSockets(tag);
    for (const ws of leaving) {
      try {
        ws.close(code, reason);
      } catch {
        // already closed
      }
    }
    if (leaving.length > 0) this.broadcastPresence(...leaving);
    return leaving.length;
  }

  private send(ws: WebSocket, message: ServerMessage): void {
    try {
      ws.send(JSON.stringify(message));
    } catch {
      // see broadcast()
    }
  }

  private error(ws: WebSocket, code: string, message: string): void {
    this.send(ws, { type: "error", code, message });
  }

  /** Who is online, rebuilt from the sockets themselves, so it survives hibernation. */
  private broadcastPresence(...leaving: WebSocket[]): void {
    const online = new Set<string>();
    for (const ws of this.sockets) {
      if (leaving.includes(ws) || ws.readyState !== WebSocket.OPEN) continue;
      const info = ws.deserializeAttachment() as SocketInfo | null;
      if (info) online.add(info.userId);
    }
    this.broadcast({ type: "presence", online: [...online].sort() }, leaving);
  }
}
