import type { Slot } from "../api/types";
import { formatDuration, SESSION_TYPE_LABEL } from "../lib/format";
import { downloadText, lessonIcs } from "../lib/ics";

/** Downloads one lesson as an .ics file that any calendar app can import. */
export function AddToCalendar({
  slot,
  providerName,
  sessionId,
}: {
  slot: Slot;
  providerName?: string | undefined;
  sessionId?: string | undefined;
}) {
  const download = () => {
    const title = `Lesson with ${providerName ?? "your tutor"} (Lectern)`;
    const url = sessionId ? `${location.origin}/sessions/${sessionId}` : `${location.origin}/bookings`;
    downloadText(
      `lectern-lesson-${slot.id}.ics`,
      lessonIcs({
        uid: slot.id,
        startsAt: slot.startsAt,
        endsAt: slot.endsAt,
        title,
        description: `${SESSION_TYPE_LABEL[slot.sessionType]} lesson, ${formatDuration(slot.durationMinutes)}. Join: ${url}`,
        url,
      }),
      "text/calendar",
    );
  };
  return (
    <button type="button" class="secondary" onClick={download}>
      Add to calendar (.ics)
    </button>
  );
}
