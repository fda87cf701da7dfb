import { createApp } from "./app";
import { buildDeps } from "./deps";
import { runScheduled } from "./jobs/scheduled";
import { dispatchWebhookEvents, handleWebhookBatch } from "./services/webhook-delivery";

export { ConversationObject } from "../durable-objects/conversation";
export { SlotObject } from "../durable-objects/slot";

const app = createApp();

/** Requests that may have changed something: their webhook events are sent at once. */
const CHANGES = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export default {
  async fetch(request, env, ctx) {
    const response = await app.fetch(request, env, ctx);
    // Refusals (4xx) changed nothing; the 5-minute job picks up anything else.
    if (CHANGES.has(request.method) && response.ok) {
      ctx.waitUntil(
        dispatchWebhookEvents(buildDeps(env), { requeueOverdue: false }).catch((error: unknown) =>
          console.warn("webhook dispatch", error),
        ),
      );
    }
    return response;
  },
  async queue(batch, env, _ctx) {
    await handleWebhookBatch(buildDeps(env), batch);
  },
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
