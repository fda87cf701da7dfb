import { Hono, type MiddlewareHandler } from "hono";
import { deleteCookie, setCookie } from "hono/cookie";
import { describeRoute } from "hono-openapi";
import { z } from "zod";
import { AppError } from "../domain/errors";
import type { AppEnv } from "../http/context";
import { isOwnOrigin, readToken, SESSION_COOKIE } from "../http/middleware/auth";
import { rateLimit } from "../http/middleware/rate-limit";
import { errors, json, noContent, PUBLIC, signedInSchema } from "../http/openapi";
import { locale, personName, timeZone } from "../http/schemas";
import { validate } from "../http/validate";
import { login, logout, register, SESSION_TTL_MS } from "../services/accounts";
import { MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS } from "../shared/limits";

const email = z
  .string()
  .trim()
  .max(254)
  .email("must be an email address")
  .transform((value) => value.toLowerCase());

const registerBody = z.object({
  email,
  password: z
    .string()
    .min(MIN_PASSWORD_CHARS, `must be at least ${MIN_PASSWORD_CHARS} characters`)
    .max(MAX_PASSWORD_CHARS, `must be at most ${MAX_PASSWORD_CHARS} characters`),
  name: personName,
  role: z.enum(["provider", "student"]),
  timezone: timeZone,
  locale: locale.optional(),
});

const loginBody = z.object({ email, password: z.string().min(1).max(MAX_PASSWORD_CHARS) });

const authLimit = rateLimit((env) => env.AUTH_LIMITER, "auth");

function setSessionCookie(c: Parameters<typeof setCookie>[0], token: string) {
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    secure: new URL(c.req.url).protocol === "https:",
    sameSite: "Lax",
    path: "/",
    maxAge: Math.floor(SESSION_TTL_MS / 1000),
  });
}

/**
 * Logout is a cookie-authenticated write like any other: a page on a foreign origin must not end
 * the user's session. Same rule as requireUser's CSRF check (403 FORBIDDEN); Bearer callers and
 * requests without an Origin header (not a browser) are unaffected.
 */
function sameOriginForCookie(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const origin = c.req.header("origin");
    if (readToken(c)?.source === "cookie" && origin && !isOwnOrigin(c, origin)) {
      throw new AppError("FORBIDDEN", "Cross-site requests with the session cookie are not allowed.");
    }
    await next();
  };
}

export const authRoutes = new Hono<AppEnv>()
  .post(
    "/register",
    describeRoute({
      summary: "Sign up",
      description:
        "Creates a provider or student account and signs it in: answers the user and a Bearer token, and sets the HttpOnly session cookie.",
      tags: ["Auth"],
      security: PUBLIC,
      responses: {
        201: json("The new user and a session token.", signedInSchema),
        ...errors(400, 429, "EMAIL_TAKEN"),
      },
    }),
    authLimit,
    validate("json", registerBody),
    async (c) => {
      const result = await register(c.get("deps"), c.req.valid("json"));
      setSessionCookie(c, result.token);
      return c.json(result, 201);
    },
  )
  .post(
    "/login",
    describeRoute({
      summary: "Sign in",
      description: "Answers the user and a Bearer token, and sets the HttpOnly session cookie.",
      tags: ["Auth"],
      security: PUBLIC,
      responses: {
        200: json("The user and a session token.", signedInSchema),
        ...errors(400, 429, "INVALID_CREDENTIALS"),
      },
    }),
    authLimit,
    validate("json", loginBody),
    async (c) => {
      const { email, password } = c.req.valid("json");
      const result = await login(c.get("deps"), email, password);
      setSessionCookie(c, result.token);
      return c.json(result, 200);
    },
  )
  .post(
    "/logout",
    describeRoute({
      summary: "Sign out",
      description:
        "Ends the caller's session (if any), closes its open WebSockets and clears the cookie. With the cookie, only from the app's own origin.",
      tags: ["Auth"],
      security: PUBLIC,
      responses: { 204: noContent, ...errors(403) },
    }),
    sameOriginForCookie(),
    async (c) => {
      const found = readToken(c);
      if (found) await logout(c.get("deps"), found.token);
      deleteCookie(c, SESSION_COOKIE, { path: "/" });
      return c.body(null, 204);
    },
  );
