import { DurableObject } from "cloudflare:workers";

/**
 * One object per 1-to-1 conversation: its live room (hibernatable WebSockets). Messages are
 * stored in D1 by the worker; the object pushes them to the members' open sockets.
 */
export class ConversationObject extends DurableObject<Env> {
  override async fetch(_request: Request): Promise<Response> {
    return new Response("expected a WebSocket upgrade", { status: 426 });
  }
}
