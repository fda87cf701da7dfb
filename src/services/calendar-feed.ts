import type { Deps } from "../deps";
import { AppError } from "../domain/errors";
import type { AuthUser } from "../domain/identity";
import { hashSessionToken } from "../security/session-token";
import type { CalendarFeed } from "../shared/api-types";
import { buildCalendarFeed } from "./calendar";

/**
 * The secret calendar feed: a URL calendar apps fetch without a cookie, so the token in it is the
 * only credential. Only its SHA-256 is stored (a leaked database opens no feed), which is also why
 * the URL can be shown once only; a new one replaces the old, which then answers 404.
 */

const TOKEN_PREFIX = "lcf_";
const TOKEN_BYTES = 32;
/** The file part of /api/calendar/<token>.ics: the prefix and 32 bytes of base64url (43 characters). */
const FEED_FILE = /^(lcf_[A-Za-z0-9_-]{43})\.ics$/;

/** Makes a new feed URL for `user`; the previous one stops working at once. */
export async function openCalendarFeed(deps: Deps, user: AuthUser): Promise<CalendarFeed> {
  const token = newFeedToken();
  await deps.records.calendar.replaceFeedToken(user.id, await hashSessionToken(token), deps.now());
  const origin = deps.env.APP_ORIGIN.replace(/\/+$/, "");
  return { url: `${origin}/api/calendar/${token}.ics` };
}

/**
 * The feed behind `file` ("<token>.ics"). Anything else, a malformed token or one that is not
 * (or no longer) anyone's answers 404, the same for all, so a probe learns nothing.
 */
export async function readCalendarFeed(deps: Deps, file: string): Promise<string> {
  const token = FEED_FILE.exec(file)?.[1];
  const owner = token ? await deps.records.calendar.feedOwner(await hashSessionToken(token)) : undefined;
  if (!owner) throw new AppError("NOT_FOUND", "No such calendar feed; make a new link on your Account page.");
  return buildCalendarFeed(deps, owner);
}

function newFeedToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(TOKEN_BYTES));
  const base64 = btoa(String.fromCharCode(...bytes));
  return `${TOKEN_PREFIX}${base64.replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "")}`;
}
