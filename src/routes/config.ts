import { Hono } from "hono";
import type { AppEnv } from "../http/context";
import { clientConfig } from "../services/client-config";

/** GET /api/config: what the browser needs to pay and to join video (nothing secret). */
export const configRoutes = new Hono<AppEnv>().get("/", (c) => c.json(clientConfig(c.get("deps")), 200));
