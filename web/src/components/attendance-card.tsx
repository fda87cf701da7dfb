import { useEffect, useRef } from "preact/hooks";
import { api } from "../api/endpoints";
import { formatTime } from "../lib/format";
import { usePolling, useResource } from "../lib/use-resource";
import { Async, Empty } from "./ui";

/**
 * Who joined the video and when (GET /api/sessions/:id/attendance, teacher only). Polls while the
 * session is live and reloads in place whenever `refreshKey` changes (the session ended: the
 * server has closed every open entry, so "still there" turns into "left at …" without a reload).
 */
export function AttendanceCard({
  sessionId,
  zone,
  nameOf,
  live,
  refreshKey,
}: {
  sessionId: string;
  zone: string;
  nameOf: (userId: string) => string;
  live: boolean;
  refreshKey?: unknown;
}) {
  const attendance = useResource(
    () => api.attendance(sessionId).then((answer) => answer.entries),
    [sessionId],
  );
  usePolling(() => void attendance.reload(), 5000, live);
  const first = useRef(true);
  useEffect(() => {
    if (first.current) first.current = false;
    else void attendance.reload();
  }, [refreshKey]);
  return (
    <section class="card" aria-labelledby="attendance-heading">
      <h2 id="attendance-heading">Attendance</h2>
      <Async resource={attendance} label="Loading attendance…">
        {(entries) =>
          entries.length === 0 ? (
            <Empty>Nobody has joined the video{live ? " yet" : ""}.</Empty>
          ) : (
            <ul class="presence">
              {entries.map((entry) => (
                <li key={`${entry.userId}-${entry.joinedAt}`}>
                  {nameOf(entry.userId)}: joined {formatTime(entry.joinedAt, zone)}
                  {entry.leftAt ? `, left at ${formatTime(entry.leftAt, zone)}` : ", still there"}
                </li>
              ))}
            </ul>
          )
        }
      </Async>
    </section>
  );
}
