import type { Booking } from "../api/types";
import type { LessonRow } from "../lib/booking-order";
import { formatRange, SESSION_TYPE_LABEL } from "../lib/format";
import { BOOKING_STATUS, paymentText, plural, SLOT_STATUS } from "../lib/labels";
import { Badge } from "./ui";

/** A booking whose seat went to another time (reschedule). */
function movedAway(booking: Booking): boolean {
  return (
    booking.status === "CANCELLED" &&
    (booking.rescheduledTo !== undefined || booking.cancelledBy === "RESCHEDULE")
  );
}

/**
 * The teacher's bookings, one entry per lesson: when, how full, and each student who booked it
 * with where their booking and payment stand. A group lesson is one entry with all its students.
 */
export function LessonGroup({
  title,
  lessons,
  zone,
  students,
}: {
  title: string;
  lessons: LessonRow[];
  zone: string;
  students: Map<string, string>;
}) {
  const id = `group-${title.replace(/\W+/g, "-").toLowerCase()}`;
  return (
    <section aria-labelledby={id} class="booking-group">
      <h2 id={id}>{title}</h2>
      {lessons.length === 0 ? (
        <p class="hint">None.</p>
      ) : (
        <ul class="booking-list">
          {lessons.map((lesson) => (
            <LessonItem key={lesson.slotId} lesson={lesson} zone={zone} students={students} />
          ))}
        </ul>
      )}
    </section>
  );
}

function LessonItem({
  lesson,
  zone,
  students,
}: {
  lesson: LessonRow;
  zone: string;
  students: Map<string, string>;
}) {
  const { slot, rows } = lesson;
  const when = slot ? formatRange(slot.startsAt, slot.endsAt, zone) : "Lesson";
  const sessionId = rows.find((row) => row.booking.sessionId)?.booking.sessionId;
  const active = rows.filter(
    (row) => row.booking.status === "CONFIRMED" || row.booking.status === "PENDING_PAYMENT",
  ).length;
  const status = slot ? SLOT_STATUS[slot.status] : undefined;
  return (
    <li class="card booking-item lesson-item" data-slot={lesson.slotId}>
      <div class="booking-head">
        <h3>{when}</h3>
        {status && <Badge tone={status.tone}>{status.label}</Badge>}
      </div>
      <p>
        {slot ? `${SESSION_TYPE_LABEL[slot.sessionType]} lesson` : "Lesson"}
        {slot && slot.sessionType === "GROUP"
          ? ` · ${slot.seatsTaken} of ${slot.maxParticipants} seats taken`
          : ""}
        {slot?.sessionType !== "GROUP" && active > 0 ? ` · ${plural(active, "student")}` : ""}
      </p>
      {rows.some(({ booking }) => booking.cancelledBy === "PROVIDER_NO_SHOW") ? (
        <p>You didn't join this lesson, so every student was refunded in full.</p>
      ) : rows.some(({ booking }) => booking.cancelledBy === "PROVIDER") ? (
        <p>You cancelled this lesson; everyone who paid was refunded in full.</p>
      ) : null}
      <ul class="lesson-students" aria-label={`Students of ${when}`}>
        {rows.map(({ booking }) => {
          const moved = movedAway(booking);
          const label = moved ? { label: "Moved", tone: "muted" } : BOOKING_STATUS[booking.status];
          return (
            <li key={booking.id}>
              <span class="student-name">{students.get(booking.studentId) ?? "A student"}</span>{" "}
              <Badge tone={label.tone}>{label.label}</Badge>{" "}
              <span class="hint">
                {moved ? "moved the lesson to another time" : paymentText(booking, "provider")}
                {booking.cancelledBy === "STUDENT" ? " · cancelled by the student" : ""}
              </span>
            </li>
          );
        })}
      </ul>
      <div class="button-row">
        {sessionId && (
          <a class="button primary" href={`/sessions/${sessionId}`}>
            Open the lesson room<span class="sr-only"> for {when}</span>
          </a>
        )}
        {slot && (
          <a class="button secondary" href={`/teach/slots/${slot.id}`}>
            Open the slot<span class="sr-only"> {when}</span>
          </a>
        )}
      </div>
    </li>
  );
}
