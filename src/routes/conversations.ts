import { Hono } from "hono";
import type { AppEnv } from "../http/context";

/** /api/conversations (being built). */
export const conversationRoutes = new Hono<AppEnv>();
