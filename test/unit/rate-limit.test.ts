import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import type { AppEnv } from "../../src/http/context";
import { handleError } from "../../src/http/errors";
import { rateLimit } from "../../src/http/middleware/rate-limit";

function fakeLimiter(allowed: number) {
  const seen = new Map<string, number>();
  const limiter = {
    async limit({ key }: { key: string }) {
      const count = (seen.get(key) ?? 0) + 1;
      seen.set(key, count);
      return { success: count <= allowed };
    },
  };
  return { limiter, seen };
}

function appWith(limiter: RateLimit, mode: string) {
  const app = new Hono<AppEnv>().post(
    "/login",
    rateLimit(() => limiter, "auth"),
    (c) => c.text("ok"),
  );
  app.onError(handleError);
  const env = { RATE_LIMITS: mode } as unknown as Env;
  return (ip: string) => app.request("/login", { method: "POST", headers: { "cf-connecting-ip": ip } }, env);
}

describe("rateLimit", () => {
  it("returns 429 RATE_LIMITED once a client exceeds its limit, per client address", async () => {
    const { limiter, seen } = fakeLimiter(2);
    const send = appWith(limiter as unknown as RateLimit, "on");
    expect((await send("203.0.113.1")).status).toBe(200);
    expect((await send("203.0.113.1")).status).toBe(200);
    const limited = await send("203.0.113.1");
    expect(limited.status).toBe(429);
    expect(await limited.json()).toMatchObject({ error: { code: "RATE_LIMITED" } });
    expect((await send("203.0.113.2")).status).toBe(200);
    expect([...seen.keys()]).toEqual(["auth:203.0.113.1", "auth:203.0.113.2"]);
  });

  it("does not consult the limiter when RATE_LIMITS is off", async () => {
    const { limiter, seen } = fakeLimiter(0);
    const send = appWith(limiter as unknown as RateLimit, "off");
    expect((await send("203.0.113.1")).status).toBe(200);
    expect(seen.size).toBe(0);
  });
});
