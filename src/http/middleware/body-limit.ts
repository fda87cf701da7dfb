import type { MiddlewareHandler } from "hono";
import { AppError } from "../../domain/errors";
import type { AppEnv } from "../context";

/**
 * Refuses request bodies over `maxBytes` with 400 VALIDATION_FAILED. With a Content-Length the
 * header decides at once. A chunked body is read to its end before answering: refusing
 * half-way leaves the rest on the connection, which then breaks the next request on it
 * (seen with workerd and wrangler 4.86). Bytes past the limit are counted, not kept.
 */
export function limitBody(maxBytes: number): MiddlewareHandler<AppEnv> {
  const tooLarge = () =>
    new AppError("VALIDATION_FAILED", `The request body is larger than ${Math.round(maxBytes / 1024)} KB.`, [
      { path: "body", message: `must be at most ${maxBytes} bytes` },
    ]);
  return async (c, next) => {
    const request = c.req.raw;
    if (!request.body) return next();
    const declared = request.headers.get("content-length");
    if (declared !== null) {
      if (!/^\d+$/.test(declared) || Number(declared) > maxBytes) throw tooLarge();
      return next();
    }
    const reader = request.body.getReader();
    const kept: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total <= maxBytes) kept.push(value);
    }
    if (total > maxBytes) throw tooLarge();
    const body = new Uint8Array(total);
    let offset = 0;
    for (const chunk of kept) {
      body.set(chunk, offset);
      offset += chunk.byteLength;
    }
    c.req.raw = new Request(request, { body });
    return next();
  };
}
