#!/usr/bin/env node
// Local serving for `npm start`, without `wrangler dev`'s proxy.
//
// wrangler 4.86's dev proxy pools keep-alive connections to workerd; workerd drops a pooled
// connection whose next request waits more than 5 s while the worker is busy, and the proxy
// reports that as 503 "Your worker restarted mid-request" (README, "Run it"). Here instead:
//   1. wrangler bundles the worker exactly as for production (`wrangler deploy --dry-run`),
//   2. Miniflare runs that bundle with the bindings wrangler derives from wrangler.toml (D1,
//      Durable Objects, assets from web/dist with `run_worker_first`, send_email, rate limits),
//      persisted in .wrangler/state/v3 like `wrangler dev` and `wrangler d1 ... --local`,
//   3. a small Node HTTP server on :8787 forwards every request on a fresh connection to
//      Miniflare's entry socket (no pooled connection for workerd to drop), and pipes WebSocket
//      upgrades through as raw sockets.
//
// `node scripts/serve.mjs [--port 8787] [--no-watch]` serves an already built and migrated app
// with the dev vars; `scripts/start.mjs` builds, migrates, starts the stand-in and seeds first.
import { execFileSync } from "node:child_process";
import { watch as watchFiles } from "node:fs";
import { createServer, request as httpRequest } from "node:http";
import { connect } from "node:net";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { Log, LogLevel, Miniflare } from "miniflare";
import { unstable_getMiniflareWorkerOptions, unstable_readConfig } from "wrangler";

const ROOT = resolve(import.meta.dirname, "..");
const CONFIG = resolve(ROOT, "wrangler.toml");
const BUNDLE_DIR = resolve(ROOT, ".wrangler/serve");
// The same persistence root `wrangler dev` and `wrangler d1 migrations apply --local` use.
const PERSIST_ROOT = resolve(ROOT, ".wrangler/state/v3");
const WATCHED = ["src", "durable-objects"];

/** Request bodies larger than this are held back until the worker asks for them (see below). */
const HOLD_BODY_OVER_BYTES = 64 * 1024;

/** The vars `npm start` runs with (production keeps wrangler.toml's). */
export const DEV_VARS = { RATE_LIMITS: "off", DEV_ROUTES: "on", STRIPE_STANDIN: "on" };

// Hop-by-hop headers belong to one connection, not to the forwarded request.
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "upgrade",
  // The front has already answered `Expect: 100-continue` itself.
  "expect",
]);

/** Miniflare's log without its "Ready on <internal port>" line (the app's URL is the front's). */
class ServeLog extends Log {
  logWithLevel(level, message) {
    if (/^Ready on /.test(message) || /^Updated and ready on /.test(message)) return;
    super.logWithLevel(level, message);
  }
}

function bundleWorker() {
  // Exactly the production bundle (same esbuild config, nodejs_compat handling and define).
  try {
    execFileSync(
      resolve(ROOT, "node_modules/.bin/wrangler"),
      ["deploy", "--dry-run", "--outdir", BUNDLE_DIR, "--config", CONFIG],
      { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, CI: "true" } },
    );
  } catch (error) {
    process.stderr.write(String(error.stdout ?? ""));
    process.stderr.write(String(error.stderr ?? ""));
    throw new Error("bundling the worker with `wrangler deploy --dry-run` failed");
  }
}

function miniflareOptions(vars) {
  const config = unstable_readConfig({ config: CONFIG });
  const { workerOptions } = unstable_getMiniflareWorkerOptions(config);
  return {
    host: "127.0.0.1",
    port: 0,
    defaultPersistRoot: PERSIST_ROOT,
    log: new ServeLog(LogLevel.INFO),
    logRequests: false, // the front logs each request once
    // Offline there is no Request.cf to fetch; the placeholder is what wrangler dev falls back to.
    cf: false,
    // /cdn-cgi/handler/scheduled as under wrangler dev, where it also fails for a worker with
    // assets (500); the app's dev route POST /api/dev/cron is the way to run the cron jobs.
    unsafeTriggerHandlers: true,
    workers: [
      {
        ...workerOptions,
        // The Durable Object state lives under .wrangler/state/v3/do/<name>-<Class>.
        name: config.name,
        bindings: { ...workerOptions.bindings, ...vars },
        modulesRoot: BUNDLE_DIR,
        modules: [{ type: "ESModule", path: resolve(BUNDLE_DIR, "index.js") }],
      },
    ],
  };
}

/** Request paths for the log, without the live room's `?token=`. */
const loggable = (url) => url.replace(/([?&]token=)[^&]*/g, "$1…");

function forwardHeaders(rawHeaders, extra) {
  const out = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i];
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || lower.startsWith("mf-")) continue;
    out.push(name, rawHeaders[i + 1]);
  }
  for (const [name, value] of Object.entries(extra)) out.push(name, value);
  return out;
}

/**
 * Starts the app. Resolves once it answers on http://host:port; `close()` stops the front and
 * Miniflare (and its workerd).
 */
export async function serve({
  host = "127.0.0.1",
  port = 8787,
  vars = DEV_VARS,
  watch = false,
  logRequests = true,
  maxInFlight = 64,
} = {}) {
  const publicOrigin = `http://${host}:${port}`;
  bundleWorker();
  const mf = new Miniflare(miniflareOptions(vars));
  // Miniflare's entry socket; replaced by a pending promise while a reload is under way, so that
  // requests arriving meanwhile wait for the new worker instead of failing.
  let ready = Promise.resolve(await mf.ready);

  const originalUrl = (path) => ({ "MF-Original-URL": `${publicOrigin}${path}` });

  const upstreamFailed = (req, res, error) => {
    console.error(
      `[serve] ${req.method} ${loggable(req.url)}: the worker's connection failed: ${error.message}`,
    );
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.writeHead(502, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        error: {
          code: "UPSTREAM_FAILED",
          message: `Local server: the worker's connection failed (${error.message}).`,
        },
      }),
    );
  };

  // At most `maxInFlight` requests inside workerd at once; the rest wait here, in order. workerd
  // drops a connection whose request it has not started reading within ~15 s (kj's header
  // timeout), which a burst of 1,000 sign-ups (~22 s of PBKDF2 on one thread) reaches when every
  // request is handed over at once. Waiting in Node has no such limit.
  let inFlight = 0;
  const waiting = [];
  const acquire = () => {
    if (inFlight >= maxInFlight) return new Promise((wake) => waiting.push(wake));
    inFlight++;
    return Promise.resolve();
  };
  const release = () => {
    const wake = waiting.shift();
    if (wake) wake();
    else inFlight--;
  };

  const server = createServer(async (req, res) => {
    const started = performance.now();
    let entry;
    try {
      entry = await ready;
    } catch (error) {
      upstreamFailed(req, res, error);
      return;
    }
    await acquire();
    if (res.destroyed) {
      release(); // the client gave up while waiting
      return;
    }
    try {
      forward(req, res, entry, started);
    } catch (error) {
      release();
      upstreamFailed(req, res, error);
    }
  });
  // Requests may wait here longer than Node's default 5 minutes for the whole request.
  server.requestTimeout = 0;

  function forward(req, res, entry, started) {
    const declared = Number(req.headers["content-length"] ?? 0);
    // workerd resets the connection when the worker answers without reading a large body (a 400
    // on the Content-Length), and the reset can overtake the answer. Bodies over the app's limit
    // are therefore announced with `Expect: 100-continue` and held back until workerd has either
    // answered or, like curl, a second has passed (workerd never sends 100 Continue itself).
    const holdBody = declared > HOLD_BODY_OVER_BYTES;
    const upstream = httpRequest({
      host: entry.hostname,
      port: entry.port,
      method: req.method,
      path: req.url,
      // A fresh connection per request, closed after the response: nothing pooled for workerd
      // to drop while the worker is busy.
      agent: false,
      headers: forwardHeaders(req.rawHeaders, {
        ...originalUrl(req.url),
        Connection: "close",
        ...(holdBody ? { Expect: "100-continue" } : {}),
      }),
    });
    let answered = false;
    let bodySent = false;
    let holdTimer;
    const sendBody = () => {
      clearTimeout(holdTimer);
      if (bodySent || answered) return;
      bodySent = true;
      req.pipe(upstream);
    };
    upstream.on("response", (answer) => {
      answered = true;
      clearTimeout(holdTimer);
      const headers = [];
      for (let i = 0; i < answer.rawHeaders.length; i += 2) {
        const lower = answer.rawHeaders[i].toLowerCase();
        if (HOP_BY_HOP.has(lower) || lower === "transfer-encoding") continue;
        headers.push(answer.rawHeaders[i], answer.rawHeaders[i + 1]);
      }
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, headers);
      answer.pipe(res);
      answer.on("error", () => res.destroy());
      // Answered before the body went out: that connection has nothing more to do.
      answer.on("end", () => {
        if (!bodySent) upstream.destroy();
      });
      if (logRequests)
        res.on("finish", () =>
          console.log(
            `[serve] ${req.method} ${loggable(req.url)} ${answer.statusCode} (${Math.round(performance.now() - started)}ms)`,
          ),
        );
    });
    let released = false;
    upstream.on("close", () => {
      if (!released) {
        released = true;
        release();
      }
    });
    let clientGone = false;
    upstream.on("error", (error) => {
      clearTimeout(holdTimer);
      // The client left (a page navigated away) and its forwarded request was cut: nothing failed.
      if (clientGone) return;
      // The worker answered without reading the whole body and closed its side: the answer stands.
      if (answered) {
        req.unpipe(upstream);
        return;
      }
      upstreamFailed(req, res, error);
    });
    // The client went away before the answer was complete: stop the forwarded request too.
    res.on("close", () => {
      clearTimeout(holdTimer);
      if (!res.writableFinished) {
        clientGone = true;
        upstream.destroy();
        if (logRequests) console.log(`[serve] ${req.method} ${loggable(req.url)} closed by the client`);
      }
    });
    if (holdBody) {
      upstream.flushHeaders();
      upstream.on("continue", sendBody);
      holdTimer = setTimeout(sendBody, 1000);
    } else {
      sendBody();
    }
  }

  // WebSocket upgrades (the live room): a raw socket to Miniflare, the handshake forwarded as is.
  const tunnels = new Set();
  server.on("upgrade", (req, socket, head) => {
    ready.then(
      (entry) => tunnel(req, socket, head, entry),
      () => socket.destroy(),
    );
  });

  function tunnel(req, socket, head, entry) {
    const upstream = connect(entry.port, entry.hostname);
    tunnels.add(socket);
    socket.on("close", () => tunnels.delete(socket));
    const fail = () => {
      socket.destroy();
      upstream.destroy();
    };
    socket.on("error", fail);
    upstream.on("error", fail);
    socket.on("close", () => upstream.destroy());
    upstream.on("close", () => socket.destroy());
    upstream.on("connect", () => {
      socket.setNoDelay(true);
      upstream.setNoDelay(true);
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      const headers = [];
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        const lower = req.rawHeaders[i].toLowerCase();
        if (lower.startsWith("mf-")) continue;
        headers.push(req.rawHeaders[i], req.rawHeaders[i + 1]);
      }
      headers.push("MF-Original-URL", `${publicOrigin}${req.url}`);
      for (let i = 0; i < headers.length; i += 2) lines.push(`${headers[i]}: ${headers[i + 1]}`);
      upstream.write(`${lines.join("\r\n")}\r\n\r\n`);
      if (head?.length) upstream.write(head);
      socket.pipe(upstream);
      upstream.pipe(socket);
      if (logRequests) console.log(`[serve] ${req.method} ${loggable(req.url)} upgrade`);
    });
  }

  await new Promise((resolveListen, rejectListen) => {
    server.once("error", rejectListen);
    server.listen(port, host, () => {
      server.off("error", rejectListen);
      resolveListen();
    });
  }).catch(async (error) => {
    await mf.dispose();
    throw error;
  });

  // Reload on worker source changes, like wrangler dev did (the SPA is built once by npm start).
  const watchers = [];
  if (watch) {
    let timer;
    let reloading = Promise.resolve();
    const reload = () => {
      reloading = reloading.then(async () => {
        try {
          bundleWorker(); // the running worker keeps serving while this builds
        } catch (error) {
          console.error(`[serve] rebuild failed, still serving the previous worker: ${error.message}`);
          return;
        }
        ready = mf.setOptions(miniflareOptions(vars)).then(() => mf.ready);
        try {
          await ready;
          console.log("[serve] worker rebuilt and reloaded");
        } catch (error) {
          console.error(`[serve] reload failed: ${error instanceof Error ? error.message : error}`);
        }
      });
    };
    for (const dir of WATCHED) {
      watchers.push(
        watchFiles(resolve(ROOT, dir), { recursive: true }, () => {
          clearTimeout(timer);
          timer = setTimeout(reload, 300);
        }),
      );
    }
  }

  let closing;
  return {
    url: publicOrigin,
    close() {
      closing ??= (async () => {
        for (const watcher of watchers) watcher.close();
        server.closeAllConnections();
        for (const socket of tunnels) socket.destroy();
        await new Promise((done) => server.close(() => done()));
        await mf.dispose();
      })();
      return closing;
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { values } = parseArgs({
    options: {
      host: { type: "string", default: "127.0.0.1" },
      port: { type: "string", default: "8787" },
      "no-watch": { type: "boolean", default: false },
      quiet: { type: "boolean", default: false },
    },
  });
  const app = await serve({
    host: values.host,
    port: Number(values.port),
    watch: !values["no-watch"],
    logRequests: !values.quiet,
  });
  console.log(`[serve] ${app.url} (Ctrl-C to stop)`);
  const stop = () => app.close().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
