// Pure (no DOM, no preact): also imported by tests that type-check with the worker's types.
import type { ReadMarker } from "../../../src/shared/conversation-protocol";
import type { Message } from "../api/types";

/** Adds `message` to a thread kept oldest first, once (a push and the POST answer may both bring it). */
export function mergeMessage(messages: Message[], message: Message): Message[] {
  if (messages.some((m) => m.id === message.id)) return messages;
  const next = [...messages, message];
  next.sort((a, b) => (a.sentAt < b.sentAt ? -1 : a.sentAt > b.sentAt ? 1 : 0));
  return next;
}

/** The later of two read markers (ISO instants compare as strings), per member. */
export function mergeRead(reads: ReadMarker[], marker: ReadMarker): ReadMarker[] {
  const current = reads.find((r) => r.userId === marker.userId);
  if (current && current.lastReadAt >= marker.lastReadAt) return reads;
  return [...reads.filter((r) => r.userId !== marker.userId), marker];
}

/** Whether the other member has read the caller's newest message. */
export function seenByPartner(messages: Message[], reads: ReadMarker[], meId: string): boolean {
  const mine = messages.filter((m) => m.senderId === meId).at(-1);
  if (!mine || messages.at(-1)?.id !== mine.id) return false;
  return reads.some((r) => r.userId !== meId && r.lastReadAt >= mine.sentAt);
}
