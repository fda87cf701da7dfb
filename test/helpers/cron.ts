import {
  createExecutionContext,
  createScheduledController,
  env,
  waitOnExecutionContext,
} from "cloudflare:test";
import worker from "../../src/index";

/** The two schedules wrangler.toml fires. */
export const FREQUENT_CRON = "*/5 * * * *";
export const DAILY_CRON = "15 0 * * *";

/** Runs the worker's scheduled handler for `cron` now and waits for all the work it started. */
export async function runCron(cron: string = FREQUENT_CRON): Promise<void> {
  const controller = createScheduledController({ cron, scheduledTime: Date.now() });
  const ctx = createExecutionContext();
  await worker.scheduled(controller, env, ctx);
  await waitOnExecutionContext(ctx);
}
