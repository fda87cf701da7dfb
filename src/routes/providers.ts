import { Hono } from "hono";
import type { AppEnv } from "../http/context";
import { requireUser } from "../http/middleware/auth";
import { listProviders } from "../services/accounts";

export const providerRoutes = new Hono<AppEnv>().get("/", requireUser(), async (c) => {
  return c.json({ providers: await listProviders(c.get("deps")) }, 200);
});
