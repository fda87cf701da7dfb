import { useLocation } from "preact-iso";
import { firstDayOfWeek } from "../../../src/shared/date-format";
import { api } from "../api/endpoints";
import { ApiError } from "../api/http";
import type { Slot } from "../api/types";
import { Async, Badge, ErrorNotice, Notice, Page } from "../components/ui";
import { useUser } from "../lib/auth";
import { formatDateKey, formatTime, SESSION_TYPE_LABEL, zoneLabel } from "../lib/format";
import { SLOT_STATUS } from "../lib/labels";
import { usePolling, useResource } from "../lib/use-resource";
import { addDays, dateKey, startOfDay, startOfWeek } from "../lib/zoned-time";

const LIVE_REFRESH_MS = 4000;

/** The teacher's week: slots per day in their zone, seat counts refreshed every few seconds. */
export function TeachCalendar() {
  const user = useUser();
  const { query, route } = useLocation();
  const zone = user.timezone;
  const today = dateKey(Date.now(), zone);
  // Weeks start where the user's locale starts them: Monday in Germany, Sunday in the US and Japan.
  const firstDay = firstDayOfWeek(user.locale);
  const week = /^\d{4}-\d{2}-\d{2}$/.test(query.week ?? "")
    ? startOfWeek(query.week ?? today, firstDay)
    : startOfWeek(today, firstDay);
  const days = Array.from({ length: 7 }, (_, i) => addDays(week, i));

  const slots = useResource(
    () =>
      api
        .slots({
          providerId: user.id,
          from: new Date(startOfDay(week, zone)).toISOString(),
          to: new Date(startOfDay(addDays(week, 7), zone)).toISOString(),
        })
        .then((answer) => answer.slots),
    [user.id, week, zone],
  );
  usePolling(() => void slots.reload(), LIVE_REFRESH_MS);
  const profile = useResource(() =>
    api.providerProfile().catch((error: unknown) => {
      if (error instanceof ApiError && error.code === "NOT_FOUND") return null;
      throw error;
    }),
  );

  const thisWeek = startOfWeek(today, firstDay);
  const goWeek = (date: string) => route(date === thisWeek ? "/teach" : `/teach?week=${date}`);
  const byDay = new Map<string, Slot[]>();
  for (const slot of slots.data ?? []) {
    const key = dateKey(Date.parse(slot.startsAt), zone);
    byDay.set(key, [...(byDay.get(key) ?? []), slot]);
  }

  return (
    <Page
      title="Your calendar"
      wide
      intro={`Times in ${zoneLabel(zone)}. Seat counts update by themselves.`}
      actions={
        <>
          <a class="button primary" href={`/teach/slots/new?date=${[today, week].sort()[1]}`}>
            New slot
          </a>
          <a class="button secondary" href="/teach/patterns">
            Weekly patterns
          </a>
        </>
      }
    >
      {profile.data === null && (
        <Notice tone="warning">
          Students can't book yet: <a href="/account#profile">set your hourly rate</a> first.
        </Notice>
      )}
      <ErrorNotice error={profile.error} />
      <div class="week-nav">
        <button type="button" class="secondary" onClick={() => goWeek(addDays(week, -7))}>
          <span aria-hidden="true">← </span>Previous<span class="narrow-hidden"> week</span>
        </button>
        <h2 class="week-title" aria-live="polite">
          {formatDateKey(week, "day")} – {formatDateKey(addDays(week, 6), "day")}
        </h2>
        <button type="button" class="secondary" onClick={() => goWeek(thisWeek)} disabled={week === thisWeek}>
          This week
        </button>
        <button type="button" class="secondary" onClick={() => goWeek(addDays(week, 7))}>
          Next<span class="narrow-hidden"> week</span>
          <span aria-hidden="true"> →</span>
        </button>
      </div>
      <Async resource={slots} label="Loading your slots…">
        {(list) => (
          <>
            {list.length === 0 && (
              <Notice>
                No slots this week. Add one with <strong>New slot</strong>, or let a{" "}
                <a href="/teach/patterns">weekly pattern</a> fill your calendar.
              </Notice>
            )}
            <div class="week">
              {days.map((day) => (
                <section
                  key={day}
                  class={[
                    "day",
                    day === today ? "today" : day < today ? "past" : "",
                    (byDay.get(day) ?? []).length === 0 ? "is-empty" : "",
                  ]
                    .filter(Boolean)
                    .join(" ")}
                  aria-labelledby={`day-${day}`}
                >
                  <h3 id={`day-${day}`}>
                    {formatDateKey(day, "day")}
                    {day === today && <span class="sr-only"> (today)</span>}
                  </h3>
                  {(byDay.get(day) ?? []).length === 0 ? (
                    <p class="day-empty">No slots</p>
                  ) : (
                    <ul class="slot-list">
                      {(byDay.get(day) ?? []).map((slot) => (
                        <li key={slot.id}>
                          <SlotCard slot={slot} zone={zone} />
                        </li>
                      ))}
                    </ul>
                  )}
                  {day >= today && (
                    <a class="add-slot" href={`/teach/slots/new?date=${day}`}>
                      + Add slot<span class="sr-only"> on {formatDateKey(day, "day")}</span>
                    </a>
                  )}
                </section>
              ))}
            </div>
          </>
        )}
      </Async>
    </Page>
  );
}

function SlotCard({ slot, zone }: { slot: Slot; zone: string }) {
  const status = SLOT_STATUS[slot.status];
  const seats =
    slot.sessionType === "GROUP"
      ? `${slot.seatsTaken} of ${slot.maxParticipants} booked`
      : slot.seatsTaken > 0
        ? "Booked"
        : "Free";
  const past = Date.parse(slot.endsAt) < Date.now();
  return (
    <a
      class={`slot-card slot-${slot.status.toLowerCase()}${past ? " is-past" : ""}`}
      href={`/teach/slots/${slot.id}`}
    >
      <span class="slot-time">
        {formatTime(slot.startsAt, zone)}–{formatTime(slot.endsAt, zone)}
      </span>
      <span class="slot-meta">
        {SESSION_TYPE_LABEL[slot.sessionType]} · <span class="seats">{seats}</span>
      </span>
      <Badge tone={status.tone}>{status.label}</Badge>
    </a>
  );
}
