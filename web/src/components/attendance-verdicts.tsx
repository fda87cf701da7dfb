import type { Session } from "../api/types";
import { ATTENDANCE } from "../lib/labels";
import { Badge } from "./ui";

/**
 * Who came, as sealed when the session ended (`participants[].attendance`). The teacher sees every
 * student; a student sees their own verdict only.
 */
export function AttendanceVerdicts({
  session,
  meId,
  isProvider,
  nameOf,
}: {
  session: Session;
  meId: string;
  isProvider: boolean;
  nameOf: (userId: string) => string;
}) {
  const judged = session.participants.filter(
    (participant) => participant.attendance !== undefined && (isProvider || participant.userId === meId),
  );
  if (judged.length === 0) return null;
  return (
    <section class="card" aria-labelledby="verdicts-heading">
      <h2 id="verdicts-heading">Who came</h2>
      {isProvider ? (
        <ul class="verdict-list" aria-label="Attendance verdicts">
          {judged.map((participant) => {
            const verdict = ATTENDANCE[participant.attendance ?? "NO_SHOW"];
            return (
              <li key={participant.userId}>
                <span>{nameOf(participant.userId)}</span> <Badge tone={verdict.tone}>{verdict.label}</Badge>
              </li>
            );
          })}
        </ul>
      ) : (
        <p>
          {judged[0]?.attendance === "ATTENDED" ? (
            <>
              <Badge tone={ATTENDANCE.ATTENDED.tone}>{ATTENDANCE.ATTENDED.label}</Badge> You joined this
              lesson.
            </>
          ) : (
            <>
              <Badge tone={ATTENDANCE.NO_SHOW.tone}>{ATTENDANCE.NO_SHOW.label}</Badge> You didn't join this
              lesson, so it counts as missed; a missed lesson isn't refunded.
            </>
          )}
        </p>
      )}
      {isProvider && (
        <p class="hint">
          Sealed when the session ended: a student who joined the video at least once attended.
        </p>
      )}
    </section>
  );
}
