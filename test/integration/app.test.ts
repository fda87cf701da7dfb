import { describe, expect, it } from "vitest";
import { call } from "../helpers/api";

describe("routing", () => {
  it("answers unknown API paths with 404 NOT_FOUND as JSON", async () => {
    const res = await call("GET", "/api/nope");
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: { code: "NOT_FOUND", message: "No route for GET /api/nope." } });
  });

  it("serves the SPA's index.html for app paths", async () => {
    const res = await call("GET", "/slots/some-client-route");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/html/);
    expect(String(res.body)).toContain("<title>Lectern</title>");
  });

  it("reports health", async () => {
    expect((await call("GET", "/api/health")).body).toEqual({ ok: true });
  });
});

describe("dev cron route", () => {
  it("answers 404 unless DEV_ROUTES is on (it is off in tests and production)", async () => {
    const res = await call("POST", "/api/dev/cron");
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("NOT_FOUND");
  });
});
