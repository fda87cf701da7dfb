import { createApp } from "./app";
import { buildDeps } from "./deps";
import { runScheduled } from "./jobs/scheduled";

export { SlotObject } from "../durable-objects/slot";

const app = createApp();

export default {
  fetch: app.fetch,
  async scheduled(controller, env, ctx) {
    ctx.waitUntil(
      runScheduled(controller.cron, buildDeps(env)).then((report) =>
        console.log("cron", controller.cron, JSON.stringify(report)),
      ),
    );
  },
} satisfies ExportedHandler<Env>;
