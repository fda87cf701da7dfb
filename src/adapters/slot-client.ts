import type { SlotObject } from "../../durable-objects/slot";

/** The slot objects, addressed by slot id: every seat and money decision for a slot goes there. */
export interface SlotObjects {
  get(slotId: string): DurableObjectStub<SlotObject>;
}

export function createSlotObjects(namespace: DurableObjectNamespace<SlotObject>): SlotObjects {
  return { get: (slotId) => namespace.get(namespace.idFromName(slotId)) };
}
