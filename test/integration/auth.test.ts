import { describe, expect, it } from "vitest";
import { BASE, call, hoursFromNow, registerProvider, registerUser, unique } from "../helpers/api";
import { expectError, expectFieldIssues } from "../helpers/fixtures";

const PASSWORD = "correct horse battery";

function registration(overrides: Record<string, unknown> = {}) {
  return {
    email: `${unique("auth")}@example.test`,
    password: PASSWORD,
    name: "Ada Lovelace",
    role: "student",
    timezone: "Europe/Berlin",
    ...overrides,
  };
}

function expectNoSecrets(body: unknown) {
  const text = JSON.stringify(body);
  expect(text).not.toMatch(/password/i);
  expect(text).not.toMatch(/pbkdf2/i);
  expect(text).not.toContain(PASSWORD);
}

function sessionCookieFrom(headers: Headers): { value: string; raw: string } {
  const raw = headers.get("set-cookie") ?? "";
  const match = /(?:^|[,\s])lectern_session=([^;,\s]*)/.exec(raw);
  return { value: match?.[1] ?? "", raw };
}

describe("POST /api/auth/register", () => {
  it("returns 201 {user, token} with exactly the public user fields", async () => {
    const body = registration({ role: "provider", timezone: "America/New_York" });
    const res = await call("POST", "/api/auth/register", { body });
    expect(res.status).toBe(201);
    expect(Object.keys(res.body).sort()).toEqual(["token", "user"]);
    expect(typeof res.body.token).toBe("string");
    expect(res.body.token.length).toBeGreaterThan(20);
    expect(Object.keys(res.body.user).sort()).toEqual(["email", "id", "locale", "name", "role", "timezone"]);
    expect(res.body.user).toMatchObject({
      email: body.email,
      name: "Ada Lovelace",
      role: "provider",
      timezone: "America/New_York",
      locale: "en-US",
    });
    expect(typeof res.body.user.id).toBe("string");
    expectNoSecrets(res.body);
  });

  it("keeps the locale the browser sent, canonical, and lets the user change it", async () => {
    const res = await call("POST", "/api/auth/register", { body: { ...registration(), locale: "de-de" } });
    expect(res.status).toBe(201);
    expect(res.body.user.locale).toBe("de-DE");
    const changed = await call("PATCH", "/api/me", { token: res.body.token, body: { locale: "ja-JP" } });
    expect(changed.status).toBe(200);
    expect(changed.body.locale).toBe("ja-JP");
    expect((await call("GET", "/api/me", { token: res.body.token })).body.locale).toBe("ja-JP");
  });

  it.each(["x", "not a locale", "en_US_bogus!", 42])("refuses the locale %j with 400", async (locale) => {
    const res = await call("POST", "/api/auth/register", { body: { ...registration(), locale } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("VALIDATION_FAILED");
  });

  it("returns a token that authenticates GET /api/me as the new user", async () => {
    const body = registration();
    const reg = await call("POST", "/api/auth/register", { body });
    const me = await call("GET", "/api/me", { token: reg.body.token });
    expect(me.status).toBe(200);
    expect(me.body).toEqual(reg.body.user);
    expectNoSecrets(me.body);
  });

  it("normalizes the email to lowercase (and trims it)", async () => {
    const local = unique("MiXeD");
    const res = await call("POST", "/api/auth/register", {
      body: registration({ email: `  ${local}@Example.TEST ` }),
    });
    expect(res.status).toBe(201);
    expect(res.body.user.email).toBe(`${local.toLowerCase()}@example.test`);
  });

  it("returns 409 EMAIL_TAKEN for an email that is already registered", async () => {
    const body = registration();
    expect((await call("POST", "/api/auth/register", { body })).status).toBe(201);
    const again = await call("POST", "/api/auth/register", { body: { ...body, name: "Someone else" } });
    expectError(again, 409, "EMAIL_TAKEN");
  });

  it("returns 409 EMAIL_TAKEN for a duplicate that differs only in letter case", async () => {
    const local = unique("dup");
    const first = await call("POST", "/api/auth/register", {
      body: registration({ email: `${local}@example.test` }),
    });
    expect(first.status).toBe(201);
    const second = await call("POST", "/api/auth/register", {
      body: registration({ email: `${local.toUpperCase()}@EXAMPLE.TEST` }),
    });
    expectError(second, 409, "EMAIL_TAKEN");
  });

  it("lets exactly one of two concurrent registrations with the same email win (the other 409 EMAIL_TAKEN)", async () => {
    const body = registration();
    const results = await Promise.all([
      call("POST", "/api/auth/register", { body }),
      call("POST", "/api/auth/register", { body }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
  });

  it.each([
    ["10 characters", "a".repeat(10)],
    ["200 characters", "b".repeat(200)],
  ])("accepts a password of %s", async (_label, password) => {
    const res = await call("POST", "/api/auth/register", { body: registration({ password }) });
    expect(res.status).toBe(201);
  });

  const jsonCases: [string, Record<string, unknown> | unknown, string | undefined][] = [
    ["a 9-character password", registration({ password: "a".repeat(9) }), "password"],
    ["a 201-character password", registration({ password: "a".repeat(201) }), "password"],
    ["a malformed email", registration({ email: "not-an-email" }), "email"],
    ["an email without a domain", registration({ email: "someone@" }), "email"],
    ["an unknown role", registration({ role: "admin" }), "role"],
    ["an unknown time zone Mars/Olympus", registration({ timezone: "Mars/Olympus" }), "timezone"],
    ["an offset +01:00 as time zone", registration({ timezone: "+01:00" }), "timezone"],
    ["an empty name", registration({ name: "   " }), "name"],
    ["a 101-character name", registration({ name: "n".repeat(101) }), "name"],
    ["a number as email", registration({ email: 42 }), "email"],
    ["missing email", { ...registration(), email: undefined }, "email"],
    ["missing password", { ...registration(), password: undefined }, "password"],
    ["missing name", { ...registration(), name: undefined }, "name"],
    ["missing role", { ...registration(), role: undefined }, "role"],
    ["missing timezone", { ...registration(), timezone: undefined }, "timezone"],
    ["an empty object", {}, "email"],
    ["a JSON array body", [registration()], undefined],
    ["a JSON string body", "hello", undefined],
    ["a JSON null body", null, undefined],
  ];

  it.each(jsonCases)(
    "returns 400 VALIDATION_FAILED with field details for %s",
    async (_label, body, path) => {
      const res = await call("POST", "/api/auth/register", { body });
      const details = expectFieldIssues(res);
      if (path) expect(details.map((d) => d.path)).toContain(path);
    },
  );

  const rawCases: [string, string][] = [
    ["a malformed JSON body", '{"email": "a@example.test", "password": '],
    ["a 100k-character name", JSON.stringify(registration({ name: "x".repeat(100_000) }))],
    ["a body larger than 64 KB", JSON.stringify({ ...registration(), padding: "p".repeat(70 * 1024) })],
  ];

  it.each(rawCases)("returns 400 VALIDATION_FAILED (never 5xx) for %s", async (_label, rawBody) => {
    const res = await call("POST", "/api/auth/register", {
      rawBody,
      headers: { "content-type": "application/json" },
    });
    expectError(res, 400, "VALIDATION_FAILED");
  });

  it("returns 400 VALIDATION_FAILED for a body without a JSON content type", async () => {
    const res = await call("POST", "/api/auth/register", {
      rawBody: JSON.stringify(registration()),
      headers: { "content-type": "text/plain" },
    });
    expectError(res, 400, "VALIDATION_FAILED");
  });

  it("creates no account when validation fails", async () => {
    const body = registration({ timezone: "Mars/Olympus" });
    expect((await call("POST", "/api/auth/register", { body })).status).toBe(400);
    const login = await call("POST", "/api/auth/login", { body: { email: body.email, password: PASSWORD } });
    expectError(login, 401, "INVALID_CREDENTIALS");
  });
});

describe("POST /api/auth/login", () => {
  it("returns 200 {user, token} for the right password, with a fresh working token", async () => {
    const body = registration({ role: "provider" });
    const reg = await call("POST", "/api/auth/register", { body });
    const res = await call("POST", "/api/auth/login", { body: { email: body.email, password: PASSWORD } });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(["token", "user"]);
    expect(res.body.user).toEqual(reg.body.user);
    expect(res.body.token).not.toBe(reg.body.token);
    expectNoSecrets(res.body);
    const me = await call("GET", "/api/me", { token: res.body.token });
    expect(me.status).toBe(200);
    expect(me.body.id).toBe(reg.body.user.id);
  });

  it("accepts the email in any letter case", async () => {
    const body = registration();
    await call("POST", "/api/auth/register", { body });
    const res = await call("POST", "/api/auth/login", {
      body: { email: body.email.toUpperCase(), password: PASSWORD },
    });
    expect(res.status).toBe(200);
  });

  it("returns 401 INVALID_CREDENTIALS for a wrong password", async () => {
    const body = registration();
    await call("POST", "/api/auth/register", { body });
    const res = await call("POST", "/api/auth/login", {
      body: { email: body.email, password: `${PASSWORD}!` },
    });
    expectError(res, 401, "INVALID_CREDENTIALS");
    expect(res.headers.get("set-cookie") ?? "").not.toContain("lectern_session=");
  });

  it("returns 401 INVALID_CREDENTIALS for an unknown email, with the same message as a wrong password", async () => {
    const body = registration();
    await call("POST", "/api/auth/register", { body });
    const wrongPassword = await call("POST", "/api/auth/login", {
      body: { email: body.email, password: "wrong password 123" },
    });
    const unknown = await call("POST", "/api/auth/login", {
      body: { email: `${unique("nobody")}@example.test`, password: PASSWORD },
    });
    expectError(unknown, 401, "INVALID_CREDENTIALS");
    expect(unknown.body.error.message).toBe(wrongPassword.body.error.message);
  });

  it("returns 400 VALIDATION_FAILED for a login body without a password", async () => {
    const res = await call("POST", "/api/auth/login", { body: { email: "a@example.test" } });
    expectFieldIssues(res);
  });
});

describe("POST /api/auth/logout", () => {
  it("returns 204 and revokes the token (GET /api/me is then 401 UNAUTHENTICATED)", async () => {
    const user = await registerUser("student");
    expect((await call("GET", "/api/me", { token: user.token })).status).toBe(200);
    const res = await call("POST", "/api/auth/logout", { token: user.token });
    expect(res.status).toBe(204);
    expectError(await call("GET", "/api/me", { token: user.token }), 401, "UNAUTHENTICATED");
  });

  it("revokes only the presented token, not the user's other sessions", async () => {
    const user = await registerUser("student");
    const login = await call("POST", "/api/auth/login", { body: { email: user.email, password: PASSWORD } });
    expect(login.status).toBe(200);
    expect((await call("POST", "/api/auth/logout", { token: login.body.token })).status).toBe(204);
    expect((await call("GET", "/api/me", { token: login.body.token })).status).toBe(401);
    expect((await call("GET", "/api/me", { token: user.token })).status).toBe(200);
  });

  it("clears the session cookie", async () => {
    const user = await registerUser("student");
    const res = await call("POST", "/api/auth/logout", { token: user.token });
    const { raw } = sessionCookieFrom(res.headers);
    expect(raw).toMatch(/lectern_session=;/);
    expect(raw).toMatch(/Max-Age=0|Expires=Thu, 01 Jan 1970/i);
  });
});

describe("cookie authentication", () => {
  async function cookieLogin(role: "provider" | "student") {
    const user = role === "provider" ? await registerProvider() : await registerUser(role);
    const res = await call("POST", "/api/auth/login", { body: { email: user.email, password: PASSWORD } });
    expect(res.status).toBe(200);
    return { user, res, cookie: sessionCookieFrom(res.headers) };
  }

  it("login sets an HttpOnly lectern_session cookie holding the session token", async () => {
    const { res, cookie } = await cookieLogin("student");
    expect(cookie.value).toBe(res.body.token);
    expect(cookie.raw).toMatch(/HttpOnly/i);
    expect(cookie.raw).toMatch(/Path=\//i);
    expect(cookie.raw).toMatch(/SameSite=(Lax|Strict)/i);
  });

  it("GET /api/me works with only the cookie", async () => {
    const { user, cookie } = await cookieLogin("student");
    const me = await call("GET", "/api/me", { headers: { cookie: `lectern_session=${cookie.value}` } });
    expect(me.status).toBe(200);
    expect(me.body.id).toBe(user.id);
  });

  it("returns 403 FORBIDDEN for a cookie-authenticated POST with a foreign Origin, and creates nothing", async () => {
    const { user, cookie } = await cookieLogin("provider");
    const startsAt = hoursFromNow(30);
    const res = await call("POST", "/api/slots", {
      headers: { cookie: `lectern_session=${cookie.value}`, origin: "https://evil.example" },
      body: { startsAt, durationMinutes: 60, sessionType: "ONE_TO_ONE" },
    });
    expectError(res, 403, "FORBIDDEN");
    const list = await call("GET", `/api/slots?providerId=${user.id}`, { token: user.token });
    expect(list.body.slots).toEqual([]);
  });

  it("returns 403 FORBIDDEN for a cookie-authenticated PUT with a look-alike Origin", async () => {
    const { cookie } = await cookieLogin("provider");
    const res = await call("PUT", "/api/me/provider-profile", {
      headers: { cookie: `lectern_session=${cookie.value}`, origin: "http://127.0.0.1:8787.evil.example" },
      body: { hourlyRate: 1, currency: "usd" },
    });
    expectError(res, 403, "FORBIDDEN");
  });

  it("accepts a cookie-authenticated POST from the app's own origin", async () => {
    const { user, cookie } = await cookieLogin("provider");
    const res = await call("POST", "/api/slots", {
      headers: { cookie: `lectern_session=${cookie.value}`, origin: BASE },
      body: { startsAt: hoursFromNow(30), durationMinutes: 60, sessionType: "ONE_TO_ONE" },
    });
    expect(res.status).toBe(201);
    expect(res.body.providerId).toBe(user.id);
  });

  it("accepts a Bearer-authenticated POST even with a foreign Origin (no cookie, no CSRF risk)", async () => {
    const provider = await registerProvider();
    const res = await call("POST", "/api/slots", {
      token: provider.token,
      headers: { origin: "https://evil.example" },
      body: { startsAt: hoursFromNow(30), durationMinutes: 60, sessionType: "ONE_TO_ONE" },
    });
    expect(res.status).toBe(201);
  });

  it("a logged-out cookie no longer authenticates", async () => {
    const { cookie } = await cookieLogin("student");
    const headers = { cookie: `lectern_session=${cookie.value}` };
    expect((await call("POST", "/api/auth/logout", { headers })).status).toBe(204);
    expectError(await call("GET", "/api/me", { headers }), 401, "UNAUTHENTICATED");
  });
});

describe("GET /api/me", () => {
  it.each([
    ["no credentials", {}],
    ["a garbage Bearer token", { authorization: "Bearer not-a-real-token" }],
    [
      "a well-formed but unknown token",
      { authorization: "Bearer lct_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" },
    ],
    ["a non-Bearer scheme", { authorization: "Basic dXNlcjpwYXNz" }],
    ["an empty Bearer token", { authorization: "Bearer " }],
    ["an oversized Bearer token", { authorization: `Bearer ${"x".repeat(5000)}` }],
    ["a garbage cookie", { cookie: "lectern_session=garbage" }],
  ])("returns 401 UNAUTHENTICATED with %s", async (_label, headers: Record<string, string>) => {
    const res = await call("GET", "/api/me", { headers });
    expectError(res, 401, "UNAUTHENTICATED");
  });
});

describe("PUT /api/me/provider-profile", () => {
  it("returns 200 {userId, hourlyRate, currency (lowercased), bio} for a provider", async () => {
    const provider = await registerUser("provider");
    const res = await call("PUT", "/api/me/provider-profile", {
      token: provider.token,
      body: { hourlyRate: 4500, currency: "EUR", bio: "Maths tutor" },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      userId: provider.id,
      hourlyRate: 4500,
      currency: "eur",
      bio: "Maths tutor",
    });
  });

  it("replaces the previous profile on a second PUT", async () => {
    const provider = await registerUser("provider");
    await call("PUT", "/api/me/provider-profile", {
      token: provider.token,
      body: { hourlyRate: 4500, currency: "usd", bio: "old" },
    });
    const res = await call("PUT", "/api/me/provider-profile", {
      token: provider.token,
      body: { hourlyRate: 5000, currency: "gbp" },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ userId: provider.id, hourlyRate: 5000, currency: "gbp" });
  });

  it("returns 403 FORBIDDEN for a student", async () => {
    const student = await registerUser("student");
    const res = await call("PUT", "/api/me/provider-profile", {
      token: student.token,
      body: { hourlyRate: 4500, currency: "usd" },
    });
    expectError(res, 403, "FORBIDDEN");
  });

  it("returns 403 FORBIDDEN for a student even with an invalid body (authorization first)", async () => {
    const student = await registerUser("student");
    const res = await call("PUT", "/api/me/provider-profile", {
      token: student.token,
      body: { hourlyRate: -1, currency: "dollars" },
    });
    expectError(res, 403, "FORBIDDEN");
  });

  it("returns 401 UNAUTHENTICATED without a token", async () => {
    const res = await call("PUT", "/api/me/provider-profile", {
      body: { hourlyRate: 4500, currency: "usd" },
    });
    expectError(res, 401, "UNAUTHENTICATED");
  });

  it.each([
    ["a 4-letter currency", { hourlyRate: 4500, currency: "usdd" }, "currency"],
    ["a 2-letter currency", { hourlyRate: 4500, currency: "us" }, "currency"],
    ["a currency with a symbol", { hourlyRate: 4500, currency: "u$d" }, "currency"],
    ["a missing currency", { hourlyRate: 4500 }, "currency"],
    ["a negative rate", { hourlyRate: -100, currency: "usd" }, "hourlyRate"],
    ["a non-integer rate", { hourlyRate: 45.5, currency: "usd" }, "hourlyRate"],
    ["a rate as a string", { hourlyRate: "4500", currency: "usd" }, "hourlyRate"],
    ["a missing rate", { currency: "usd" }, "hourlyRate"],
    ["a non-string bio", { hourlyRate: 4500, currency: "usd", bio: 12 }, "bio"],
  ])("returns 400 VALIDATION_FAILED with details for %s", async (_label, body, path) => {
    const provider = await registerUser("provider");
    const res = await call("PUT", "/api/me/provider-profile", { token: provider.token, body });
    const details = expectFieldIssues(res);
    expect(details.map((d) => d.path)).toContain(path);
  });
});
