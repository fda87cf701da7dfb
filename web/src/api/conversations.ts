import { type ClientResponse, hc } from "hono/client";
import type { AppType } from "../../../.types/src/app";
import type { ReadAnswer, ReadMarker } from "../../../src/shared/conversation-protocol";
import { settle } from "./http";
import type { Conversation, Message } from "./types";

/** The conversation calls beyond endpoints.ts: opening one, threads with read markers, unread counts. */
const conversations = hc<AppType>("/").api.conversations;

function call<T>(pending: Promise<ClientResponse<T, number, "json">>): Promise<T> {
  return settle<T>(pending as unknown as Promise<Response>);
}

export const conversationApi = {
  /** A student opens (or finds) the conversation with a tutor. */
  open: (providerId: string): Promise<Conversation> => call(conversations.$post({ json: { providerId } })),
  /** The newest messages, oldest first, and how far each member has read. */
  thread: (id: string): Promise<{ messages: Message[]; reads: ReadMarker[] }> =>
    call(conversations[":id"].messages.$get({ param: { id }, query: {} })),
  /** Marks the conversation read up to its newest message (or `at`, a message's sentAt). */
  markRead: (id: string, at?: string): Promise<ReadAnswer> =>
    call(conversations[":id"].read.$post({ param: { id }, json: at ? { at } : {} })),
  /** The caller's unread messages across every conversation. */
  unread: (): Promise<{ unread: number }> => call(conversations.unread.$get()),
};

function socketUrl(path: string): string {
  return `${location.origin.replace(/^http/, "ws")}${path}`;
}

/** One conversation's live room (same origin, so the session cookie authenticates it). */
export const threadSocketUrl = (id: string) => socketUrl(`/api/conversations/${encodeURIComponent(id)}/ws`);
/** The signed-in person's feed of unread totals. */
export const feedSocketUrl = () => socketUrl("/api/conversations/ws");
