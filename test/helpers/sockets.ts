import { BASE } from "./api";
import { workerFetch } from "./worker";

export interface TestSocket {
  ws: WebSocket;
  messages: any[];
  /** Resolves with the first message (already received or future) matching `match`. */
  next(match: (message: any) => boolean, timeoutMs?: number): Promise<any>;
  send(message: unknown): void;
  close(): void;
}

/** Opens the slot's live room as a non-browser client (no Origin) with `?token=`. */
export async function openRoom(
  slotId: string,
  token: string | undefined,
  headers: Record<string, string> = {},
): Promise<{ status: number; socket?: TestSocket; body?: any }> {
  const query = token ? `?token=${encodeURIComponent(token)}` : "";
  const response = await workerFetch(`${BASE}/api/slots/${slotId}/ws${query}`, {
    headers: { upgrade: "websocket", ...headers },
  });
  if (!response.webSocket) return { status: response.status, body: await response.json() };
  const ws = response.webSocket;
  const messages: any[] = [];
  const waiters: { match: (m: any) => boolean; resolve: (m: any) => void }[] = [];
  ws.addEventListener("message", (event) => {
    const message = JSON.parse(String(event.data));
    messages.push(message);
    for (const waiter of [...waiters]) {
      if (waiter.match(message)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(message);
      }
    }
  });
  // Listen before accepting, so the history the room sends on connect cannot slip past.
  ws.accept();
  const socket: TestSocket = {
    ws,
    messages,
    next(match, timeoutMs = 3000) {
      const found = messages.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("no matching WebSocket message in time")), timeoutMs);
        waiters.push({
          match,
          resolve: (m) => {
            clearTimeout(timer);
            resolve(m);
          },
        });
      });
    },
    send: (message) => ws.send(JSON.stringify(message)),
    close: () => ws.close(1000, "done"),
  };
  return { status: response.status, socket };
}
