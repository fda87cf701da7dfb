import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../http/context";
import { currentUser, requireUser } from "../http/middleware/auth";
import { idParam, instant } from "../http/schemas";
import { validate } from "../http/validate";
import { listConversations, listMessages, postMessage } from "../services/conversations";
import { MAX_CONVERSATION_TEXT } from "../shared/limits";

const messageBody = z.object({
  text: z
    .string()
    .trim()
    .min(1, "must not be empty or only whitespace")
    // Characters are code points, so an emoji counts once.
    .refine(
      (text) => [...text].length <= MAX_CONVERSATION_TEXT,
      `must be at most ${MAX_CONVERSATION_TEXT} characters`,
    ),
});

const pageQuery = z.object({
  before: instant.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(100),
});

/** /api/conversations: the 1-to-1 chats that confirmed ONE_TO_ONE bookings open. */
export const conversationRoutes = new Hono<AppEnv>()
  .get("/", requireUser(), async (c) => {
    return c.json({ conversations: await listConversations(c.get("deps"), currentUser(c)) }, 200);
  })
  .get(
    "/:id/messages",
    requireUser(),
    validate("param", idParam),
    validate("query", pageQuery),
    async (c) => {
      const messages = await listMessages(
        c.get("deps"),
        currentUser(c),
        c.req.valid("param").id,
        c.req.valid("query"),
      );
      return c.json({ messages }, 200);
    },
  )
  .post(
    "/:id/messages",
    requireUser(),
    validate("param", idParam),
    validate("json", messageBody),
    async (c) => {
      const message = await postMessage(
        c.get("deps"),
        currentUser(c),
        c.req.valid("param").id,
        c.req.valid("json").text,
      );
      return c.json(message, 201);
    },
  );
