import type { Context, MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import { AppError } from "../../domain/errors";
import { findUserBySessionToken } from "../../services/accounts";
import type { AppEnv, AuthUser, Role } from "../context";

export const SESSION_COOKIE = "lectern_session";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export function readToken(c: Context<AppEnv>): { token: string; source: "bearer" | "cookie" } | undefined {
  const header = c.req.header("authorization");
  if (header) {
    const match = /^Bearer\s+(\S{1,200})$/i.exec(header.trim());
    return match?.[1] ? { token: match[1], source: "bearer" } : undefined;
  }
  const cookie = getCookie(c, SESSION_COOKIE);
  return cookie && cookie.length <= 200 ? { token: cookie, source: "cookie" } : undefined;
}

/** Resolves the caller (if any) from a Bearer token or the session cookie; never rejects by itself. */
export function authenticate(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const found = readToken(c);
    if (found) {
      const deps = c.get("deps");
      const user = await findUserBySessionToken(deps, found.token);
      if (user) {
        c.set("user", user);
        c.set("tokenSource", found.source);
      }
    }
    await next();
  };
}

/**
 * Authorization in one line per route: `requireUser()` for anyone signed in,
 * `requireUser("provider")` for a role. 401 without a valid session, 403 for the wrong role,
 * and 403 for a cookie-authenticated unsafe request from a foreign Origin (CSRF).
 */
export function requireUser(...roles: Role[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const user = c.get("user");
    if (!user)
      throw new AppError("UNAUTHENTICATED", "Sign in first: send a Bearer token or the session cookie.");
    if (c.get("tokenSource") === "cookie" && !SAFE_METHODS.has(c.req.method)) {
      const origin = c.req.header("origin");
      if (origin && !isOwnOrigin(c, origin)) {
        throw new AppError("FORBIDDEN", "Cross-site requests with the session cookie are not allowed.");
      }
    }
    if (roles.length > 0 && !roles.includes(user.role)) {
      throw new AppError("FORBIDDEN", `Only a ${roles.join(" or ")} may do this.`);
    }
    await next();
  };
}

export function isOwnOrigin(c: Context<AppEnv>, origin: string): boolean {
  return origin === new URL(c.req.url).origin || origin === c.env.APP_ORIGIN;
}

/** The signed-in user; only call behind `requireUser`. */
export function currentUser(c: Context<AppEnv>): AuthUser {
  const user = c.get("user");
  if (!user) throw new AppError("UNAUTHENTICATED", "Sign in first.");
  return user;
}
