import { api } from "../api/endpoints";
import type { Session } from "../api/types";
import { Async, Badge, Empty, Page } from "../components/ui";
import { useUser } from "../lib/auth";
import { formatRange, zoneLabel } from "../lib/format";
import { plural, SESSION_STATUS } from "../lib/labels";
import { usePolling, useResource } from "../lib/use-resource";

export function Sessions() {
  const user = useUser();
  const zone = user.timezone;
  const sessions = useResource(() => api.mySessions().then((answer) => answer.sessions));
  usePolling(() => void sessions.reload(), 20_000);

  return (
    <Page title="Sessions" intro={`Your lessons with a confirmed booking. Times in ${zoneLabel(zone)}.`}>
      <Async resource={sessions} label="Loading sessions…">
        {(list) => {
          if (list.length === 0)
            return (
              <Empty>
                No sessions yet.{" "}
                {user.role === "student" ? (
                  <>
                    A session appears here once you've booked and paid. <a href="/find">Find a tutor</a>.
                  </>
                ) : (
                  "A session appears here when a student's payment for one of your slots is confirmed."
                )}
              </Empty>
            );
          const now = Date.now();
          const mine = (s: Session) => s.participants.find((p) => p.userId === user.id);
          const withdrawn = (s: Session) => user.role === "student" && mine(s)?.status === "CANCELLED";
          const active = (s: Session) =>
            !withdrawn(s) &&
            (s.status === "IN_PROGRESS" || (s.status === "SCHEDULED" && Date.parse(s.endsAt) > now));
          const upcoming = list.filter(active).sort((a, b) => a.startsAt.localeCompare(b.startsAt));
          const past = list.filter((s) => !active(s)).sort((a, b) => b.startsAt.localeCompare(a.startsAt));
          return (
            <>
              <SessionList
                title="Upcoming and live"
                sessions={upcoming}
                zone={zone}
                withdrawn={withdrawn}
                isProvider={user.role === "provider"}
              />
              <SessionList
                title="Past and cancelled"
                sessions={past}
                zone={zone}
                withdrawn={withdrawn}
                isProvider={user.role === "provider"}
              />
            </>
          );
        }}
      </Async>
    </Page>
  );
}

function SessionList({
  title,
  sessions,
  zone,
  withdrawn,
  isProvider,
}: {
  title: string;
  sessions: Session[];
  zone: string;
  /** The student cancelled their own seat in this session. */
  withdrawn: (session: Session) => boolean;
  isProvider: boolean;
}) {
  const id = `sessions-${title.replace(/\W+/g, "-").toLowerCase()}`;
  return (
    <section aria-labelledby={id} class="booking-group">
      <h2 id={id}>{title}</h2>
      {sessions.length === 0 ? (
        <p class="hint">None.</p>
      ) : (
        <ul class="booking-list">
          {sessions.map((session) => {
            const when = formatRange(session.startsAt, session.endsAt, zone);
            const status = SESSION_STATUS[session.status];
            const students = session.participants.filter((p) => p.status === "CONFIRMED").length;
            return (
              <li key={session.id} class="card booking-item">
                <div class="booking-head">
                  <h3>{when}</h3>
                  {session.cancelReason === "PROVIDER_NO_SHOW" ? (
                    <Badge tone="warn">{isProvider ? "No-show: refunded" : "Tutor no-show: refunded"}</Badge>
                  ) : withdrawn(session) ? (
                    <Badge tone="muted">You cancelled</Badge>
                  ) : (
                    <Badge tone={status.tone}>{status.label}</Badge>
                  )}
                </div>
                {session.cancelReason === "PROVIDER_NO_SHOW" ? (
                  <p>
                    {isProvider
                      ? "You didn't join, so every student was refunded in full."
                      : "Your tutor did not show up — refunded in full."}
                  </p>
                ) : (
                  <p>{plural(students, "student")} confirmed</p>
                )}
                {!withdrawn(session) && (
                  <a class="button primary" href={`/sessions/${session.id}`}>
                    Open the room<span class="sr-only"> for {when}</span>
                  </a>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
