import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, openSync } from "node:fs";

const APP = "http://127.0.0.1:8787";
let app: ChildProcess | undefined;

async function isUp(): Promise<boolean> {
  try {
    return (await fetch(`${APP}/api/health`)).ok;
  } catch {
    return false;
  }
}

/** Starts `npm start` (unless an app already answers) and waits until it has seeded. */
export async function setup(): Promise<void> {
  if (await isUp()) return;
  mkdirSync("test-output", { recursive: true });
  const log = openSync("test-output/e2e-app.log", "w");
  app = spawn("node", ["scripts/start.mjs"], { stdio: ["ignore", log, log], detached: true });
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (app.exitCode !== null) throw new Error("npm start exited; see test-output/e2e-app.log");
    if ((await isUp()) && (await fetch(`${APP}/api/slots`).catch(() => undefined))) {
      // Seeding finishes right after health turns green; the demo login proves it.
      const login = await fetch(`${APP}/api/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: "provider@lectern.test", password: "lectern-demo-provider" }),
      }).catch(() => undefined);
      if (login?.ok) return;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error("npm start did not come up within 120 s; see test-output/e2e-app.log");
}

export async function teardown(): Promise<void> {
  if (app?.pid) {
    try {
      process.kill(-app.pid, "SIGTERM");
    } catch {
      // already gone
    }
  }
}
