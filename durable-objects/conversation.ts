import { DurableObject } from "cloudflare:workers";
import {
  CONVERSATION_ROOM_HEADERS,
  type ConversationServerMessage,
  PING_FRAME,
  PONG_FRAME,
  readClientFrame,
} from "../src/shared/conversation-protocol";

const USER_TAG = "user:";
const SESSION_TAG = "session:";
/** A person rarely has more tabs open on one room; beyond this their oldest socket is closed. */
const MAX_SOCKETS_PER_USER = 10;

/** Kept on each hibernatable socket. */
interface SocketInfo {
  userId: string;
}

/**
 * A live room on the WebSocket hibernation API, addressed by name: `conversation:<id>` holds the
 * open threads of one 1-to-1 conversation's two members, `inbox:<userId>` one person's feed (the
 * nav's unread count). Messages are stored in D1 by the worker, which authorizes every socket
 * before the upgrade reaches the room and then tells the room what to push. The room keeps no
 * state of its own: who is connected is read back from the sockets, so hibernation loses nothing.
 */
export class ConversationObject extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // Keep-alive pings are answered by the runtime without waking the object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING_FRAME, PONG_FRAME));
  }

  /** Accepts a socket the worker has already authorized (the caller's id in a header). */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return new Response("expected a WebSocket upgrade", { status: 426 });
    }
    const userId = request.headers.get(CONVERSATION_ROOM_HEADERS.userId);
    if (!userId) return new Response("missing user", { status: 400 });
    const session = request.headers.get(CONVERSATION_ROOM_HEADERS.session);

    const mine = this.ctx.getWebSockets(USER_TAG + userId);
    for (const old of mine.slice(0, Math.max(0, mine.length - MAX_SOCKETS_PER_USER + 1))) {
      close(old, 4008, "Too many open connections; this one was the oldest.");
    }
    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    this.ctx.acceptWebSocket(
      server,
      session ? [USER_TAG + userId, SESSION_TAG + session] : [USER_TAG + userId],
    );
    server.serializeAttachment({ userId } satisfies SocketInfo);
    return new Response(null, { status: 101, webSocket: client });
  }

  /**
   * Sends `message` to every open socket of the room, or only to those of `userIds`.
   * Returns how many sockets it was handed to.
   */
  async push(message: ConversationServerMessage, userIds?: string[]): Promise<number> {
    const sockets = userIds
      ? userIds.flatMap((userId) => this.ctx.getWebSockets(USER_TAG + userId))
      : this.ctx.getWebSockets();
    const text = JSON.stringify(message);
    let sent = 0;
    for (const ws of sockets) {
      try {
        ws.send(text);
        sent++;
      } catch {
        // A socket that is going away.
      }
    }
    return sent;
  }

  /** Logout: closes the sockets that one login session opened here. Returns how many. */
  async closeSessionSockets(tokenHash: string): Promise<number> {
    const leaving = this.ctx.getWebSockets(SESSION_TAG + tokenHash);
    for (const ws of leaving) close(ws, 4401, "You signed out.");
    return leaving.length;
  }

  /** How many sockets are open, per user (for tests and support). */
  async connections(): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const ws of this.ctx.getWebSockets()) {
      const info = ws.deserializeAttachment() as SocketInfo | null;
      if (info) counts[info.userId] = (counts[info.userId] ?? 0) + 1;
    }
    return counts;
  }

  override async webSocketMessage(ws: WebSocket, raw: string | ArrayBuffer): Promise<void> {
    const read = readClientFrame(raw);
    const reply: ConversationServerMessage = read.ok
      ? { type: "pong" }
      : { type: "error", code: read.code, message: read.message };
    try {
      ws.send(JSON.stringify(reply));
    } catch {
      // closing
    }
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    close(ws, code === 1005 || code === 1006 ? 1000 : code, "closing");
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    close(ws, 1011, "socket error");
  }
}

function close(ws: WebSocket, code: number, reason: string): void {
  try {
    ws.close(code, reason);
  } catch {
    // already closed
  }
}
