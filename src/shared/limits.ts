/**
 * Product limits, written once for the server (schemas, domain rules, the slot object) and the
 * SPA (form hints, input bounds, messages). Plain constants with no imports but ./time, so the
 * browser bundle takes them as they are (protocol.ts pulls in zod and stays type-only there).
 * Text lengths count code points after trimming, so an emoji counts once.
 */
import { DAY_MS, HOUR_MS, SECOND_MS } from "./time";

/** A slot lasts from 15 minutes to 8 hours (whole minutes). */
export const MIN_SLOT_MINUTES = 15;
export const MAX_SLOT_MINUTES = 480;

/** A GROUP slot has 2..20 seats; a ONE_TO_ONE slot always has 1. */
export const MIN_GROUP_SEATS = 2;
export const MAX_GROUP_SEATS = 20;

/** Slots (and pattern expansions) may start from now up to now + 28 days, inclusive. */
export const BOOKING_WINDOW_DAYS = 28;
export const BOOKING_WINDOW_MS = BOOKING_WINDOW_DAYS * DAY_MS;

/** A student may hold at most this many unpaid seats at once (TOO_MANY_HOLDS). */
export const MAX_UNPAID_HOLDS = 3;

/** A session can be started from this long before its slot starts. */
export const SESSION_EARLY_START_MS = HOUR_MS;

/** A chat message in a slot's live room. */
export const MAX_CHAT_TEXT = 2000;
/** A message in a 1-to-1 conversation: 1..4000 characters. */
export const MAX_CONVERSATION_TEXT = 4000;
/** Each sender may post this many messages per window in one room or conversation; more are refused. */
export const CHAT_RATE_LIMIT = { messages: 10, windowMs: 10 * SECOND_MS } as const;

/** A person's display name: 1..100 characters. */
export const MAX_NAME_CHARS = 100;
/** A new password: 10..200 characters. */
export const MIN_PASSWORD_CHARS = 10;
export const MAX_PASSWORD_CHARS = 200;
/** A provider's bio. */
export const MAX_BIO_CHARS = 2000;
