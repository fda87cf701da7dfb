import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { buildDeps } from "../../src/deps";
import { closeConversationSockets } from "../../src/services/conversation-live";
import { BASE, call, registerProvider, registerUser, type TestUser } from "../helpers/api";
import { expectError } from "../helpers/fixtures";
import { workerFetch } from "../helpers/worker";

interface LiveSocket {
  ws: WebSocket;
  messages: any[];
  /** Resolves with the first message (already received or future) matching `match`. */
  next(match: (message: any) => boolean, timeoutMs?: number): Promise<any>;
  /** Resolves with the close code once the server closes the socket. */
  closed: Promise<number>;
  close(): void;
}

/** Opens a conversation socket as a non-browser client (no Origin unless given) with `?token=`. */
async function openSocket(
  path: string,
  token: string | undefined,
  headers: Record<string, string> = { upgrade: "websocket" },
): Promise<{ status: number; socket?: LiveSocket; body?: any }> {
  const query = token ? `?token=${encodeURIComponent(token)}` : "";
  const response = await workerFetch(`${BASE}${path}${query}`, { headers });
  if (!response.webSocket) return { status: response.status, body: await response.json() };
  const ws = response.webSocket;
  const messages: any[] = [];
  const waiters: { match: (m: any) => boolean; resolve: (m: any) => void }[] = [];
  ws.addEventListener("message", (event) => {
    const message = JSON.parse(String(event.data));
    messages.push(message);
    for (const waiter of [...waiters]) {
      if (waiter.match(message)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(message);
      }
    }
  });
  const closed = new Promise<number>((resolve) =>
    ws.addEventListener("close", (event) => resolve(event.code)),
  );
  ws.accept();
  return {
    status: response.status,
    socket: {
      ws,
      messages,
      closed,
      next(match, timeoutMs = 3000) {
        const found = messages.find(match);
        if (found) return Promise.resolve(found);
        return new Promise((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error("no matching WebSocket message in time")),
            timeoutMs,
          );
          waiters.push({
            match,
            resolve: (m) => {
              clearTimeout(timer);
              resolve(m);
            },
          });
        });
      },
      close: () => ws.close(1000, "done"),
    },
  };
}

const threadPath = (conversationId: string) => `/api/conversations/${conversationId}/ws`;
const FEED = "/api/conversations/ws";

/** A student who opened a conversation with a new provider through POST /api/conversations. */
async function pair() {
  const provider = await registerProvider();
  const student = await registerUser("student");
  const res = await call("POST", "/api/conversations", {
    token: student.token,
    body: { providerId: provider.id },
  });
  expect(res.status).toBe(201);
  return { provider, student, conversationId: res.body.id as string };
}

function post(user: TestUser, conversationId: string, text: string) {
  return call("POST", `/api/conversations/${conversationId}/messages`, { token: user.token, body: { text } });
}

/** A ping answered proves the socket is registered with the room before the test acts. */
async function ready(socket: LiveSocket): Promise<LiveSocket> {
  socket.ws.send('{"type":"ping"}');
  await socket.next((m) => m.type === "pong");
  return socket;
}

async function connect(path: string, user: TestUser): Promise<LiveSocket> {
  const opened = await openSocket(path, user.token);
  expect(opened.status).toBe(101);
  return ready(opened.socket!);
}

describe("a conversation's live room", () => {
  it("pushes a posted message to the other member's open socket, and to the sender's own", async () => {
    const { provider, student, conversationId } = await pair();
    const tutor = await connect(threadPath(conversationId), provider);
    const learner = await connect(threadPath(conversationId), student);

    const sent = (await post(student, conversationId, "Can we start with fractions?")).body;
    expect(await tutor.next((m) => m.type === "message")).toEqual({
      type: "message",
      conversationId,
      message: sent,
    });
    expect((await learner.next((m) => m.type === "message")).message).toEqual(sent);
    tutor.close();
    learner.close();
  });

  it("pushes read markers when a member reads", async () => {
    const { provider, student, conversationId } = await pair();
    const learner = await connect(threadPath(conversationId), student);
    const sent = (await post(student, conversationId, "hello")).body;
    const read = await call("POST", `/api/conversations/${conversationId}/read`, { token: provider.token });
    expect(read.status).toBe(200);
    expect(await learner.next((m) => m.type === "read")).toEqual({
      type: "read",
      conversationId,
      userId: provider.id,
      lastReadAt: sent.sentAt,
    });
    learner.close();
  });

  it("keeps each conversation's pushes in its own room", async () => {
    const first = await pair();
    const second = await pair();
    const watcher = await connect(threadPath(first.conversationId), first.provider);
    await post(second.student, second.conversationId, "elsewhere");
    await post(first.student, first.conversationId, "here");
    await watcher.next((m) => m.type === "message" && m.message.text === "here");
    expect(watcher.messages.filter((m) => m.type === "message").map((m) => m.message.text)).toEqual(["here"]);
    watcher.close();
  });

  it("answers pings with pong and anything else with an error frame, keeping the socket open", async () => {
    const { student, conversationId } = await pair();
    const socket = await connect(threadPath(conversationId), student);
    socket.ws.send("not json");
    expect(await socket.next((m) => m.type === "error")).toMatchObject({ code: "VALIDATION_FAILED" });
    socket.ws.send(JSON.stringify({ type: "chat", text: "sockets do not post" }));
    socket.ws.send(JSON.stringify({ type: "ping", extra: true }));
    await socket.next(
      (m) => m.type === "pong" && socket.messages.filter((x) => x.type === "error").length === 2,
    );
    socket.ws.send("x".repeat(2000));
    await socket.next(() => socket.messages.filter((x) => x.type === "error").length === 3);
    await ready(socket);
    socket.close();
  });
});

describe("sockets per person", () => {
  it("closes a person's oldest socket in a room (4008) when they open an 11th", async () => {
    const { student, conversationId } = await pair();
    const sockets: LiveSocket[] = [];
    for (let i = 0; i < 11; i++) sockets.push(await connect(threadPath(conversationId), student));
    expect(await sockets[0]!.closed).toBe(4008);
    await post(student, conversationId, "to the ten still open");
    for (const socket of sockets.slice(1)) {
      await socket.next((m) => m.type === "message");
      socket.close();
    }
  });
});

describe("who may open a conversation socket", () => {
  it("returns 401 UNAUTHENTICATED without a token or with a bad one, before the upgrade", async () => {
    const { conversationId } = await pair();
    for (const token of [undefined, "lct_not-a-real-token"]) {
      const refused = await openSocket(threadPath(conversationId), token);
      expect(refused.status).toBe(401);
      expect(refused.body.error.code).toBe("UNAUTHENTICATED");
    }
    const feed = await openSocket(FEED, undefined);
    expect(feed.status).toBe(401);
  });

  it("returns 403 FORBIDDEN for a student or provider who is not a member", async () => {
    const { conversationId } = await pair();
    for (const outsider of [await registerUser("student"), await registerProvider()]) {
      const refused = await openSocket(threadPath(conversationId), outsider.token);
      expect(refused.status).toBe(403);
      expect(refused.body.error.code).toBe("FORBIDDEN");
    }
  });

  it("returns 404 NOT_FOUND for an unknown conversation and 400 for a bad id", async () => {
    const student = await registerUser("student");
    const missing = await openSocket(threadPath("cnv_doesnotexist"), student.token);
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("NOT_FOUND");
    const bad = await openSocket(threadPath("bad.id"), student.token);
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("VALIDATION_FAILED");
  });

  it("returns 400 VALIDATION_FAILED for a member's plain GET (no upgrade)", async () => {
    const { student, conversationId } = await pair();
    expectError(
      await call("GET", `${threadPath(conversationId)}?token=${student.token}`),
      400,
      "VALIDATION_FAILED",
    );
    expectError(await call("GET", FEED, { token: student.token }), 400, "VALIDATION_FAILED");
  });

  it("refuses a browser upgrade from a foreign Origin but admits the app's own, with the cookie", async () => {
    const { student, conversationId } = await pair();
    const cookie = `lectern_session=${student.token}`;
    for (const path of [threadPath(conversationId), FEED]) {
      const foreign = await openSocket(path, undefined, {
        upgrade: "websocket",
        cookie,
        origin: "https://evil.example",
      });
      expect(foreign.status).toBe(403);
      const own = await openSocket(path, undefined, { upgrade: "websocket", cookie, origin: BASE });
      expect(own.status).toBe(101);
      own.socket?.close();
    }
  });
});

describe("the personal feed (the nav's unread count)", () => {
  it("pushes the recipient's new unread total on each message and 0 once they read", async () => {
    const { provider, student, conversationId } = await pair();
    const feed = await connect(FEED, provider);
    const studentFeed = await connect(FEED, student);

    await post(student, conversationId, "one");
    expect(await feed.next((m) => m.type === "unread")).toEqual({ type: "unread", unread: 1 });
    await post(student, conversationId, "two");
    await feed.next((m) => m.type === "unread" && m.unread === 2);

    await call("POST", `/api/conversations/${conversationId}/read`, { token: provider.token });
    await feed.next((m) => m.type === "unread" && m.unread === 0);
    // The sender's own feed heard nothing: their unread count did not change.
    expect(studentFeed.messages.filter((m) => m.type === "unread")).toEqual([]);
    feed.close();
    studentFeed.close();
  });

  it("sums every conversation and reaches only its owner", async () => {
    const provider = await registerProvider();
    const students = [await registerUser("student"), await registerUser("student")];
    const ids: string[] = [];
    for (const student of students) {
      const res = await call("POST", "/api/conversations", {
        token: student.token,
        body: { providerId: provider.id },
      });
      ids.push(res.body.id);
    }
    const feed = await connect(FEED, provider);
    const bystander = await connect(FEED, await registerProvider());
    await post(students[0]!, ids[0]!, "a");
    await post(students[1]!, ids[1]!, "b");
    await feed.next((m) => m.type === "unread" && m.unread === 2);
    expect(bystander.messages.filter((m) => m.type === "unread")).toEqual([]);
    feed.close();
    bystander.close();
  });
});

describe("logout and conversation sockets", () => {
  it("closes every conversation socket of the login session (4401) and none of another session's", async () => {
    const { provider, student, conversationId } = await pair();
    const thread = await connect(threadPath(conversationId), student);
    const feed = await connect(FEED, student);
    const tutor = await connect(threadPath(conversationId), provider);

    const closed = await closeConversationSockets(buildDeps(env), student.token);
    expect(closed).toBe(2);
    expect(await thread.closed).toBe(4401);
    expect(await feed.closed).toBe(4401);
    // The other member's socket stays and still hears the room.
    await post(provider, conversationId, "still here");
    await tutor.next((m) => m.type === "message" && m.message.text === "still here");
    // The bookkeeping is gone: a second logout closes nothing.
    expect(await closeConversationSockets(buildDeps(env), student.token)).toBe(0);
    tutor.close();
  });
});

describe("logout and the nav's total", () => {
  it("POST /api/auth/logout closes that login's conversation sockets at once", async () => {
    const { provider, student, conversationId } = await pair();
    const thread = await connect(threadPath(conversationId), student);
    const feed = await connect(FEED, student);
    expect((await call("POST", "/api/auth/logout", { token: student.token })).status).toBe(204);
    expect(await thread.closed).toBe(4401);
    expect(await feed.closed).toBe(4401);
    expect((await call("GET", "/api/me", { token: student.token })).status).toBe(401);
    expect((await post(provider, conversationId, "after logout")).status).toBe(201);
  });

  it("GET /api/me/unread counts the other member's unread messages", async () => {
    const { provider, student, conversationId } = await pair();
    await post(provider, conversationId, "one");
    await post(provider, conversationId, "two");
    expect((await call("GET", "/api/me/unread", { token: student.token })).body).toEqual({ unread: 2 });
    expect((await call("GET", "/api/me/unread", { token: provider.token })).body).toEqual({ unread: 0 });
    await call("POST", `/api/conversations/${conversationId}/read`, { token: student.token });
    expect((await call("GET", "/api/me/unread", { token: student.token })).body).toEqual({ unread: 0 });
    expect((await call("GET", "/api/me/unread")).status).toBe(401);
  });
});
