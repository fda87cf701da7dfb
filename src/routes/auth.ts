import { Hono } from "hono";
import { deleteCookie, setCookie } from "hono/cookie";
import { z } from "zod";
import type { AppEnv } from "../http/context";
import { readToken, SESSION_COOKIE } from "../http/middleware/auth";
import { rateLimit } from "../http/middleware/rate-limit";
import { timeZone } from "../http/schemas";
import { validate } from "../http/validate";
import { login, logout, register, SESSION_TTL_MS } from "../services/accounts";

const email = z
  .string()
  .trim()
  .max(254)
  .email("must be an email address")
  .transform((value) => value.toLowerCase());

const registerBody = z.object({
  email,
  password: z.string().min(10, "must be at least 10 characters").max(200, "must be at most 200 characters"),
  name: z.string().trim().min(1, "is required").max(100),
  role: z.enum(["provider", "student"]),
  timezone: timeZone,
});

const loginBody = z.object({ email, password: z.string().min(1).max(200) });

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

export const authRoutes = new Hono<AppEnv>()
  .post("/register", authLimit, validate("json", registerBody), async (c) => {
    const result = await register(c.get("deps"), c.req.valid("json"));
    setSessionCookie(c, result.token);
    return c.json(result, 201);
  })
  .post("/login", authLimit, validate("json", loginBody), async (c) => {
    const { email, password } = c.req.valid("json");
    const result = await login(c.get("deps"), email, password);
    setSessionCookie(c, result.token);
    return c.json(result, 200);
  })
  .post("/logout", async (c) => {
    const found = readToken(c);
    if (found) await logout(c.get("deps"), found.token);
    deleteCookie(c, SESSION_COOKIE, { path: "/" });
    return c.body(null, 204);
  });
