import { Validator } from "@seriousme/openapi-schema-validator";
import openApi31Schema from "@seriousme/openapi-schema-validator/schemas/v3.1/schema.json";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { Hono } from "hono";
import { describeRoute } from "hono-openapi";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createApp } from "../../src/app";
import type { AppEnv } from "../../src/http/context";
import { handleError } from "../../src/http/errors";
import { openApiDocument } from "../../src/http/openapi";
import { validate } from "../../src/http/validate";
import { call } from "../helpers/api";

/**
 * The package's Validator, unchanged but for where its JSON schema comes from: it reads
 * schemas/v3.1/schema.json with node:fs at run time, and workerd's file system has no node_modules.
 * This compiles the same file (bundled at build time) with the same Ajv setup as the package does;
 * validate() then runs as published (version check, JSON-schema check, $ref check).
 */
class BundledSchemaValidator extends Validator {
  getAjvValidator(version: string) {
    if (version !== "3.1") throw new Error(`only the 3.1 schema is bundled, not ${version}`);
    const ajv = new Ajv2020({ strict: false });
    addFormats(ajv);
    ajv.addFormat("media-range", true);
    return ajv.compile(openApi31Schema);
  }
}

const DOC_ROUTES = new Set(["GET /api/openapi.json", "GET /api/docs"]);

/** hono's `/slots/:id` (or `:id{[0-9]+}`) as OpenAPI's `/slots/{id}`. */
function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)(\{[^}]*\})?\??/g, "{$1}");
}

/** "METHOD /path" of every route under /api that the document leaves out or leaves undescribed. */
function undocumented(routes: { method: string; path: string }[], doc: any): string[] {
  const missing = new Set<string>();
  for (const { method, path } of routes) {
    const route = `${method} ${path}`;
    if (method === "ALL" || !path.startsWith("/api/") || DOC_ROUTES.has(route)) continue;
    const operation = doc.paths?.[openApiPath(path)]?.[method.toLowerCase()];
    if (!operation?.summary?.trim() && !operation?.description?.trim()) missing.add(route);
  }
  return [...missing].sort();
}

async function fetchDocument(): Promise<any> {
  const res = await call("GET", "/api/openapi.json");
  expect(res.status).toBe(200);
  return res.body;
}

describe("GET /api/openapi.json", () => {
  it("answers 200 JSON with an OpenAPI 3.1 document, without sign-in", async () => {
    const res = await call("GET", "/api/openapi.json");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/application\/json/);
    expect(res.body.openapi).toMatch(/^3\.1/);
    expect(res.body.info.title).toBe("Lectern API");
  });

  it("is a valid OpenAPI document (@seriousme/openapi-schema-validator)", async () => {
    const doc = await fetchDocument();
    const result = await new BundledSchemaValidator().validate(doc);
    expect(result.errors ?? [], JSON.stringify(result.errors, null, 2)).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it("describes every /api route the app has", async () => {
    const doc = await fetchDocument();
    const missing = undocumented(createApp().routes, doc);
    expect(missing, `routes without a summary or description:\n${missing.join("\n")}`).toEqual([]);
  });

  it("shows the zod schema of a JSON body and the path parameter of a route with :id", async () => {
    const doc = await fetchDocument();
    const create = doc.paths["/api/slots"].post;
    const body = create.requestBody.content["application/json"].schema;
    expect(Object.keys(body.properties)).toEqual(
      expect.arrayContaining(["startsAt", "durationMinutes", "sessionType", "maxParticipants"]),
    );
    expect(body.required).toEqual(expect.arrayContaining(["startsAt", "durationMinutes", "sessionType"]));
    expect(create.responses["201"].content["application/json"].schema).toEqual({
      $ref: "#/components/schemas/Slot",
    });
    expect(Object.keys(create.responses)).toEqual(expect.arrayContaining(["400", "401", "403", "409"]));

    const getSlot = doc.paths["/api/slots/{id}"].get;
    expect(getSlot.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ in: "path", name: "id", required: true })]),
    );
  });

  it("names the error codes of a route's 409 and points to the error body", async () => {
    const doc = await fetchDocument();
    const conflict = doc.paths["/api/slots/{id}/bookings"].post.responses["409"];
    expect(conflict.description).toContain("SLOT_FULL");
    expect(conflict.content["application/json"].schema).toEqual({ $ref: "#/components/schemas/Error" });
    expect(doc.components.securitySchemes.sessionCookie).toMatchObject({
      in: "cookie",
      name: "lectern_session",
    });
  });
});

describe("the coverage check", () => {
  it("reports exactly the routes that have no description", async () => {
    const app = new Hono<AppEnv>()
      .get("/described/:id", describeRoute({ summary: "Described" }), (c) => c.json({}))
      .get("/undescribed", (c) => c.json({}))
      .post("/validated-only", validate("json", z.object({ a: z.string() })), (c) => c.json({}));
    const doc = await openApiDocument(app);
    const routes = new Hono().route("/api", app).routes;
    expect(undocumented(routes, doc)).toEqual(["GET /api/undescribed", "POST /api/validated-only"]);
  });
});

describe("validate() on hono-openapi's validator", () => {
  const app = new Hono()
    .post(
      "/",
      validate(
        "header",
        z.object({ "idempotency-key": z.string().max(3, "must be at most 3 characters").optional() }),
      ),
      validate(
        "json",
        z.object({ tiers: z.array(z.object({ n: z.number({ error: "must be a number" }) })) }),
      ),
      (c) => c.json({ header: c.req.valid("header"), body: c.req.valid("json") }),
    )
    .onError(handleError);

  it("returns 400 VALIDATION_FAILED with details for a bad header", async () => {
    const res = await app.request("/", { method: "POST", headers: { "Idempotency-Key": "long" } });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: {
        code: "VALIDATION_FAILED",
        message: "Invalid header: idempotency-key: must be at most 3 characters.",
        details: [{ path: "idempotency-key", message: "must be at most 3 characters" }],
      },
    });
  });

  it("returns 400 VALIDATION_FAILED with dotted paths for a nested body field", async () => {
    const res = await app.request("/", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ tiers: [{ n: 1 }, { n: "x" }] }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: {
        code: "VALIDATION_FAILED",
        message: "Invalid json: tiers.1.n: must be a number.",
        details: [{ path: "tiers.1.n", message: "must be a number" }],
      },
    });
  });

  it("passes the parsed values on", async () => {
    const res = await app.request("/", {
      method: "POST",
      headers: { "content-type": "application/json", "idempotency-key": "k1" },
      body: JSON.stringify({ tiers: [{ n: 1 }] }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ header: { "idempotency-key": "k1" }, body: { tiers: [{ n: 1 }] } });
  });
});

describe("GET /api/docs", () => {
  it("answers 200 HTML that loads /api/openapi.json", async () => {
    const res = await call("GET", "/api/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/html/);
    expect(String(res.body)).toContain("/api/openapi.json");
  });
});
