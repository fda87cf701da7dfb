import type { ComponentChildren } from "preact";
import { CALENDAR_FEED_URL } from "../api/endpoints";

/**
 * Downloads the server's iCalendar file of all the caller's lessons (GET /api/me/calendar.ics),
 * so the browser writes no calendar data of its own. Each lesson keeps one UID in the file, in the
 * invite emails and in later downloads, so importing it again updates events instead of
 * duplicating them.
 */
export function AddToCalendar({ children = "Add to calendar (.ics)" }: { children?: ComponentChildren }) {
  return (
    <a class="button secondary" href={CALENDAR_FEED_URL} download="lectern.ics">
      {children}
    </a>
  );
}
