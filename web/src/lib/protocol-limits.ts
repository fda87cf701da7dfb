/** Mirrors MAX_CHAT_TEXT in src/shared/protocol.ts; that module is imported for types only, as it pulls in zod. */
export const MAX_CHAT_TEXT = 2000;
