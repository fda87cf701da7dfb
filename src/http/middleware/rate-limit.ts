import type { Context, MiddlewareHandler } from "hono";
import { AppError } from "../../domain/errors";
import type { AppEnv } from "../context";

/**
 * Abuse protection through a Workers Rate Limiting binding (approximate, per location).
 * The key is the client address plus a scope; RATE_LIMITS=off (local dev, load tests) skips it.
 */
export function rateLimit(
  pick: (env: Env) => RateLimit | undefined,
  scope: string,
  key: (c: Context<AppEnv>) => string = clientAddress,
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const limiter = c.env.RATE_LIMITS === "off" ? undefined : pick(c.env);
    if (limiter) {
      const { success } = await limiter.limit({ key: `${scope}:${key(c)}` });
      if (!success) throw new AppError("RATE_LIMITED", "Too many requests; wait a minute and try again.");
    }
    await next();
  };
}

export function clientAddress(c: Context<AppEnv>): string {
  return c.req.header("cf-connecting-ip") ?? "local";
}
