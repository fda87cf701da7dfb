#!/usr/bin/env node
// `npm start`: local D1 migrated, the Stripe stand-in on :12111, the app on :8787, demo data seeded.
// The app is served by scripts/serve.mjs (Miniflare behind a small Node front), not `wrangler dev`,
// whose proxy turns bursts into 503s (README, "Run it"). Ctrl-C stops everything this script started.
import { execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { seedDemoData } from "./seed.mjs";
import { DEV_VARS, serve } from "./serve.mjs";

const APP_URL = "http://127.0.0.1:8787";
const bin = (name) => `node_modules/.bin/${name}`;
const children = [];

function start(name, command, args, env = {}) {
  const child = spawn(command, args, {
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, ...env },
  });
  child.on("exit", (code, signal) => {
    if (!stopping) {
      console.error(`[start] ${name} exited (${signal ?? code}); stopping.`);
      stop(1);
    }
  });
  children.push(child);
  return child;
}

let stopping = false;
let app;
function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
  // Give Miniflare a moment to stop workerd; exit regardless after 3 s.
  setTimeout(() => process.exit(code), 3000).unref();
  Promise.resolve(app?.close())
    .catch((error) =>
      console.error(`[start] stopping the app: ${error instanceof Error ? error.message : error}`),
    )
    .finally(() => process.exit(code));
}
process.on("SIGINT", () => stop(0));
process.on("SIGTERM", () => stop(0));

async function waitFor(url, label, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not up yet
    }
    await sleep(300);
  }
  throw new Error(`${label} did not come up at ${url} within ${timeoutMs / 1000}s`);
}

console.log("[start] building the web app…");
execFileSync("npm", ["run", "build"], { stdio: "inherit" });

console.log("[start] applying D1 migrations to the local database…");
execFileSync(bin("wrangler"), ["d1", "migrations", "apply", "DB", "--local"], {
  stdio: "inherit",
  env: { ...process.env, CI: "true" },
});

if (existsSync("scripts/stripe-standin/server.ts")) {
  start("stripe stand-in", bin("tsx"), ["scripts/stripe-standin/server.ts"], {
    WEBHOOK_URL: `${APP_URL}/api/webhooks/stripe`,
  });
}

try {
  console.log("[start] bundling the worker and starting it on Miniflare…");
  // Like wrangler dev, the worker is rebuilt when src/ or durable-objects/ change;
  // `npm start -- --no-watch` serves the code as it was at start.
  app = await serve({
    host: "127.0.0.1",
    port: 8787,
    vars: DEV_VARS,
    watch: !process.argv.includes("--no-watch"),
  });
  await waitFor(`${APP_URL}/api/health`, "The API");
  const demo = await seedDemoData(APP_URL);
  console.log(`
  Lectern is running at ${APP_URL}
  Stripe stand-in:      http://127.0.0.1:12111
  Demo provider: ${demo.provider.email} / ${demo.provider.password}
  Demo student:  ${demo.student.email} / ${demo.student.password}
  Cron by hand:  curl -X POST "${APP_URL}/api/dev/cron"   (add ?cron=15+0+*+*+* for the daily job)
  Press Ctrl-C to stop.
`);
} catch (error) {
  console.error(`[start] ${error instanceof Error ? error.message : error}`);
  stop(1);
}
