import type { SlotObject } from "../../durable-objects/slot";

/** The slot's Durable Object, addressed by slot id: every seat decision for it goes there. */
export function slotObject(env: Env, slotId: string): DurableObjectStub<SlotObject> {
  const namespace = env.SLOT as unknown as DurableObjectNamespace<SlotObject>;
  return namespace.get(namespace.idFromName(slotId));
}
