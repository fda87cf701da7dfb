import { createApp } from "./app";
import { buildDeps } from "./deps";
import { runScheduled } from "./jobs/scheduled";

export { ConversationObject } from "../durable-objects/conversation";
export { SlotObject } from "../durable-objects/slot";

const app = createApp();

export default {
  fetch: app.fetch,
  async scheduled(controller, env, ctx) {
    ctx.waitUntil(
      Promise.resolve()
        .then(() => runScheduled(controller.cron, buildDeps(env)))
        .then((report) => console.log("cron", controller.cron, JSON.stringify(report)))
        // A rejected waitUntil promise is lost without a trace; say what failed instead.
        .catch((error: unknown) => console.error("cron failed", controller.cron, error)),
    );
  },
} satisfies ExportedHandler<Env>;
