// Node HTTP wrapper around the stand-in: `npx tsx scripts/stripe-standin/server.ts`.
// Env: STANDIN_PORT (12111), WEBHOOK_URL, STRIPE_WEBHOOK_SECRET.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";
import { createStripeStandin, DEFAULT_WEBHOOK_SECRET, NetworkFault, type StripeStandin } from "./handler";

export const DEFAULT_PORT = 12111;
export const DEFAULT_WEBHOOK_URL = "http://127.0.0.1:8787/api/webhooks/stripe";
const HOP_BY_HOP = new Set(["host", "connection", "content-length", "transfer-encoding", "keep-alive"]);

export interface StandinServerOptions {
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  webhookUrl?: string;
  webhookSecret?: string;
  retryDelaysMs?: readonly number[];
  /** How long after creation a pm_card_refundFail refund fails (default 2000). */
  refundFailAfterMs?: number;
  log?: (line: string) => void;
}

export interface RunningStandin {
  url: string;
  standin: StripeStandin;
  close(): Promise<void>;
}

export async function startStripeStandin(options: StandinServerOptions = {}): Promise<RunningStandin> {
  const host = options.host ?? "127.0.0.1";
  const log = options.log ?? ((line: string) => console.log(`[stripe-standin] ${line}`));
  const standin = createStripeStandin({
    webhookUrl: options.webhookUrl ?? DEFAULT_WEBHOOK_URL,
    webhookSecret: options.webhookSecret ?? DEFAULT_WEBHOOK_SECRET,
    retryDelaysMs: options.retryDelaysMs,
    refundFailAfterMs: options.refundFailAfterMs,
    log,
  });

  const server = createServer((req, res) => {
    serve(standin, host, req, res, log).catch((error: unknown) => {
      log(`error: ${error instanceof Error ? error.message : String(error)}`);
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { type: "api_error", message: "Stand-in server error." } }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? DEFAULT_PORT, host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host}:${port}`;
  log(`listening on ${url}, webhooks to ${options.webhookUrl ?? DEFAULT_WEBHOOK_URL}`);

  return {
    url,
    standin,
    close: () =>
      new Promise<void>((resolve, reject) => {
        standin.reset();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

async function serve(
  standin: StripeStandin,
  host: string,
  req: IncomingMessage,
  res: ServerResponse,
  log: (line: string) => void,
): Promise<void> {
  const started = Date.now();
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || HOP_BY_HOP.has(name)) continue;
    headers.set(name, Array.isArray(value) ? value.join(", ") : value);
  }
  const method = req.method ?? "GET";
  const body = method === "GET" || method === "HEAD" ? undefined : Buffer.concat(chunks);
  let response: Response;
  try {
    response = await standin.fetch(`http://${req.headers.host ?? host}${req.url ?? "/"}`, {
      method,
      headers,
      body,
    });
  } catch (error) {
    if (!(error instanceof NetworkFault)) throw error;
    log(`${method} ${req.url} -> dropped connection (injected fault)`);
    req.socket.destroy();
    return;
  }
  const text = await response.text();
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.end(text);
  const replay = response.headers.get("idempotent-replayed") ? " (idempotent replay)" : "";
  log(`${method} ${req.url} -> ${response.status} in ${Date.now() - started} ms${replay}`);
}

const runDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (runDirectly) {
  const running = await startStripeStandin({
    port: process.env.STANDIN_PORT ? Number(process.env.STANDIN_PORT) : DEFAULT_PORT,
    webhookUrl: process.env.WEBHOOK_URL,
    webhookSecret: process.env.STRIPE_WEBHOOK_SECRET,
  });
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => void running.close().then(() => process.exit(0)));
  }
}
