import { request } from "./http";
import type { CalendarFeed } from "./types";

/**
 * POST /api/me/calendar-feed: a new secret feed URL. The server keeps only its hash, so this answer
 * is the one time the URL is seen; calling again replaces it and the old URL stops working.
 */
export function createCalendarFeed(): Promise<CalendarFeed> {
  return request<CalendarFeed>("POST", "/me/calendar-feed");
}

/** The same feed for calendar apps that open webcal:// links (Apple Calendar, Outlook). */
export function webcalUrl(url: string): string {
  return url.replace(/^https?:\/\//i, "webcal://");
}
