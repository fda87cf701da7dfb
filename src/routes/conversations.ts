import { type Context, Hono } from "hono";
import { describeRoute } from "hono-openapi";
import { z } from "zod";
import { AppError } from "../domain/errors";
import type { AppEnv } from "../http/context";
import { currentUser, isOwnOrigin, readToken, requireUser } from "../http/middleware/auth";
import { errors, json, upgrade } from "../http/openapi";
import { id, idParam, instant } from "../http/schemas";
import { validate } from "../http/validate";
import {
  countUnread,
  listConversations,
  markConversationRead,
  openConversationSocket,
  openConversationWith,
  openFeedSocket,
  postMessage,
  readThread,
} from "../services/conversations";
import type { RoomCaller } from "../services/live-room";
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

const openBody = z.object({ providerId: id });

/** No body (or `{}`): read up to the newest message; `at`: up to that instant (a message's sentAt). */
const readBody = z.object({ at: instant.optional() }).strict();

/** Browsers send an Origin on upgrades; only the app's own pages may open sockets with the cookie. */
function socketCaller(c: Context<AppEnv>): RoomCaller {
  const origin = c.req.header("origin");
  if (origin && !isOwnOrigin(c, origin)) {
    throw new AppError("FORBIDDEN", "WebSocket connections are only accepted from this app's own pages.");
  }
  const user = c.get("user");
  return { user, token: user ? readToken(c)?.token : undefined, queryToken: c.req.query("token") };
}

/** The object's 101 in a fresh Response: the object's is immutable, and the app's middleware adds headers. */
function upgraded(response: Response): Response {
  return new Response(null, {
    status: response.status,
    webSocket: response.webSocket,
    headers: response.headers,
  });
}

/**
 * /api/conversations: 1-to-1 chats between a student and a provider, opened by a confirmed
 * ONE_TO_ONE booking or by the student (`POST /`), with unread counts and live sockets.
 */
export const conversationRoutes = new Hono<AppEnv>()
  .get(
    "/",
    describeRoute({
      summary: "My conversations",
      description: "The caller's 1-to-1 chats, with the members, the last message and the unread count.",
      tags: ["Conversations"],
      responses: { 200: json("`{conversations}`"), ...errors(401) },
    }),
    requireUser(),
    async (c) => {
      return c.json({ conversations: await listConversations(c.get("deps"), currentUser(c)) }, 200);
    },
  )
  .post(
    "/",
    describeRoute({
      summary: "Open a chat with a tutor",
      description: "For a student: the conversation with that provider, created on first call.",
      tags: ["Conversations"],
      responses: {
        201: json("The new conversation."),
        200: json("The conversation that already existed."),
        ...errors(400, 401, 403, 404),
      },
    }),
    requireUser("student"),
    validate("json", openBody),
    async (c) => {
      const { conversation, created } = await openConversationWith(
        c.get("deps"),
        currentUser(c),
        c.req.valid("json").providerId,
      );
      return created ? c.json(conversation, 201) : c.json(conversation, 200);
    },
  )
  // The nav's total; GET /api/me/unread where meUnreadRoutes is mounted.
  .get(
    "/unread",
    describeRoute({
      summary: "Unread messages in all my chats",
      tags: ["Conversations"],
      responses: { 200: json("`{unread}`: a count."), ...errors(401) },
    }),
    requireUser(),
    async (c) => {
      return c.json({ unread: await countUnread(c.get("deps"), currentUser(c)) }, 200);
    },
  )
  .get(
    "/ws",
    describeRoute({
      summary: "Live feed of all my chats (WebSocket)",
      description:
        "Upgrades to a WebSocket that pushes new messages and unread counts of every conversation of the caller.",
      tags: ["Conversations"],
      ...upgrade,
      responses: { ...upgrade.responses, ...errors(401, 403) },
    }),
    async (c) => {
      return upgraded(await openFeedSocket(c.get("deps"), socketCaller(c), c.req.raw));
    },
  )
  .get(
    "/:id/ws",
    describeRoute({
      summary: "Live chat (WebSocket)",
      description: "Upgrades to a WebSocket for one conversation, members only.",
      tags: ["Conversations"],
      ...upgrade,
      responses: { ...upgrade.responses, ...errors(400, 401, 403, 404) },
    }),
    validate("param", idParam),
    async (c) => {
      const caller = socketCaller(c);
      return upgraded(
        await openConversationSocket(c.get("deps"), c.req.valid("param").id, caller, c.req.raw),
      );
    },
  )
  .get(
    "/:id/messages",
    describeRoute({
      summary: "A chat's messages",
      description: "Oldest first; `before` and `limit` page back through older ones. Members only.",
      tags: ["Conversations"],
      responses: { 200: json("`{messages: [{id, senderId, text, sentAt}]}`"), ...errors(400, 401, 403, 404) },
    }),
    requireUser(),
    validate("param", idParam),
    validate("query", pageQuery),
    async (c) => {
      const thread = await readThread(
        c.get("deps"),
        currentUser(c),
        c.req.valid("param").id,
        c.req.valid("query"),
      );
      return c.json(thread, 200);
    },
  )
  .post(
    "/:id/messages",
    describeRoute({
      summary: "Send a message",
      description: "Members only; at most 4000 characters.",
      tags: ["Conversations"],
      responses: { 201: json("The stored message."), ...errors(400, 401, 403, 404, 429) },
    }),
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
  )
  .post(
    "/:id/read",
    describeRoute({
      summary: "Mark a chat read",
      description: "Up to the newest message, or up to `at` (a message's sentAt).",
      tags: ["Conversations"],
      responses: { 200: json("The conversation's new read state."), ...errors(400, 401, 403, 404) },
    }),
    requireUser(),
    validate("param", idParam),
    validate("json", readBody),
    async (c) => {
      const answer = await markConversationRead(
        c.get("deps"),
        currentUser(c),
        c.req.valid("param").id,
        c.req.valid("json").at,
      );
      return c.json(answer, 200);
    },
  );

/** GET /unread for mounting under /api/me (`.route("/me", meUnreadRoutes)` in src/app.ts). */
export const meUnreadRoutes = new Hono<AppEnv>().get(
  "/unread",
  describeRoute({
    summary: "Unread messages in all my chats",
    description: "The navigation's total (the same as GET /api/conversations/unread).",
    tags: ["Conversations"],
    responses: { 200: json("`{unread}`: a count."), ...errors(401) },
  }),
  requireUser(),
  async (c) => {
    return c.json({ unread: await countUnread(c.get("deps"), currentUser(c)) }, 200);
  },
);
