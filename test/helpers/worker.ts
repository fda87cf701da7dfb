import { exports } from "cloudflare:workers";

/**
 * Sends a request to the worker under test through its real fetch handler, in-process, as a client's
 * request would arrive (`exports.default` is the loopback binding of src/index.ts's default export).
 */
export function workerFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  return exports.default.fetch(new Request(input, init));
}
