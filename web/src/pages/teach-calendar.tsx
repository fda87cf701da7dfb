import { useLayoutEffect, useRef, useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import { firstDayOfWeek } from "../../../src/shared/date-format";
import { api } from "../api/endpoints";
import { ApiError } from "../api/http";
import type { Slot } from "../api/types";
import { Badge, ErrorNotice, Loading, Notice, Page } from "../components/ui";
import { useUser } from "../lib/auth";
import { formatDateKey, formatTimeRange, SESSION_TYPE_LABEL, zoneLabel } from "../lib/format";
import { SLOT_STATUS } from "../lib/labels";
import { usePolling, useResource } from "../lib/use-resource";
import { addDays, dateKey, startOfDay, startOfWeek } from "../lib/zoned-time";
import "../styles/calendar.css";

const LIVE_REFRESH_MS = 4000;

/** Where the grid's one tab stop is: a day (column 0–6) and a place in it (its slots, then "Add slot"). */
interface Position {
  col: number;
  row: number;
}

/** How many places each day has; 0 means the day's cell itself takes focus (a past day without slots). */
type Counts = readonly number[];

/**
 * Where a key moves the focus in the week grid (ARIA grid pattern, days as columns): Left/Right
 * change the day keeping the place as far as the day has places, Up/Down move within the day,
 * Home/End go to the first/last day. Days `shown` false (hidden on a phone) are stepped over.
 * PageUp/PageDown change the week and are not decided here. Undefined: the key is not the grid's.
 */
function moveInWeek(
  from: Position,
  key: string,
  counts: Counts,
  shown: (col: number) => boolean,
): Position | undefined {
  const lastRow = (col: number) => Math.max(0, (counts[col] ?? 0) - 1);
  const dayAt = (col: number): Position => ({ col, row: Math.min(from.row, lastRow(col)) });
  const step = (direction: 1 | -1, start: number) => {
    for (let col = start; col >= 0 && col < counts.length; col += direction) {
      if (shown(col)) return dayAt(col);
    }
    return undefined;
  };
  switch (key) {
    case "ArrowLeft":
      return step(-1, from.col - 1) ?? from;
    case "ArrowRight":
      return step(1, from.col + 1) ?? from;
    case "ArrowUp":
      return { col: from.col, row: Math.max(0, from.row - 1) };
    case "ArrowDown":
      return { col: from.col, row: Math.min(lastRow(from.col), from.row + 1) };
    case "Home":
      return step(1, 0) ?? from;
    case "End":
      return step(-1, counts.length - 1) ?? from;
    default:
      return undefined;
  }
}

const cellId = (position: Position) => `${position.col}:${position.row}`;

function positionOf(target: EventTarget | null): Position | undefined {
  const value = target instanceof HTMLElement ? target.dataset.cell : undefined;
  const match = value ? /^(\d):(\d+)$/.exec(value) : null;
  return match ? { col: Number(match[1]), row: Number(match[2]) } : undefined;
}

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
        .then((answer) => ({ week, slots: answer.slots })),
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
  // Right after a change of week the resource still holds the old week's slots for one render.
  const weekSlots = slots.data?.week === week ? slots.data.slots : undefined;
  const loaded = weekSlots !== undefined;
  const byDay = new Map<string, Slot[]>();
  for (const slot of weekSlots ?? []) {
    const key = dateKey(Date.parse(slot.startsAt), zone);
    byDay.set(key, [...(byDay.get(key) ?? []), slot]);
  }
  const columns = days.map((day) => {
    const daySlots = byDay.get(day) ?? [];
    const canAdd = day >= today;
    return { day, slots: daySlots, canAdd, count: daySlots.length + (canAdd ? 1 : 0) };
  });
  const counts = columns.map((column) => column.count);

  // The roving tab stop: today's column at first, then wherever the keyboard or a click put it.
  const [active, setActive] = useState<Position>(() => ({ col: Math.max(0, days.indexOf(today)), row: 0 }));
  const tabStop = { col: active.col, row: Math.min(active.row, Math.max(0, (counts[active.col] ?? 0) - 1)) };
  const grid = useRef<HTMLTableElement>(null);
  // Set when a key moved the tab stop: focus follows it once the week's slots are there.
  const focusPending = useRef(false);

  const elementAt = (position: Position) =>
    grid.current?.querySelector<HTMLElement>(`[data-cell="${cellId(position)}"]`) ?? null;
  const shown = (col: number) =>
    (grid.current?.querySelector(`[data-col="${col}"]`)?.getClientRects().length ?? 0) > 0;

  // A layout effect: the focus has moved by the time the key's event is over.
  useLayoutEffect(() => {
    if (!focusPending.current || !loaded) return;
    focusPending.current = false;
    // Someone who tabbed away while the week loaded keeps their place.
    const current = document.activeElement;
    if (current && current !== document.body && !grid.current?.contains(current)) return;
    const element = elementAt(tabStop);
    if (!element) return;
    // Scrolling ourselves honours scroll-padding, so the sticky header never covers the focus.
    element.focus({ preventScroll: true });
    element.scrollIntoView({ block: "nearest", inline: "nearest" });
  });

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    // A click on the grid's background focuses the grid itself: keys then start from the tab stop.
    const from = positionOf(event.target) ?? (event.target === grid.current ? tabStop : undefined);
    if (!from) return;
    if (event.key === " ") {
      // Links open on Enter by themselves; Space would scroll the page instead.
      if (event.target instanceof HTMLAnchorElement) {
        event.preventDefault();
        event.target.click();
      }
      return;
    }
    if (event.key === "PageUp" || event.key === "PageDown") {
      event.preventDefault();
      setActive({ col: from.col, row: 0 });
      focusPending.current = true;
      // The old week's slots are about to go: the grid holds the focus (and names the new week) meanwhile.
      grid.current?.focus({ preventScroll: true });
      goWeek(addDays(week, event.key === "PageUp" ? -7 : 7));
      return;
    }
    const next = moveInWeek(from, event.key, counts, shown);
    if (!next) return;
    event.preventDefault();
    // At the edge nothing moves (and nothing may steal the focus later).
    if (cellId(next) === cellId(from) && event.target !== grid.current) return;
    setActive(next);
    focusPending.current = true;
  };

  const onFocus = (event: FocusEvent) => {
    const position = positionOf(event.target);
    if (position && cellId(position) !== cellId(active)) setActive(position);
  };

  const place = (col: number, row: number) => ({
    "data-cell": cellId({ col, row }),
    tabIndex: col === tabStop.col && row === tabStop.row ? 0 : -1,
  });

  const weekName = `Week of ${formatDateKey(week, "day")}`;
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
      {slots.error && !loaded ? (
        <ErrorNotice error={slots.error}>
          {" "}
          <button type="button" class="link-button" onClick={() => void slots.reload()}>
            Try again
          </button>
        </ErrorNotice>
      ) : !loaded ? (
        <Loading label="Loading your slots…" />
      ) : (
        weekSlots?.length === 0 && (
          <Notice>
            No slots this week. Add one with <strong>New slot</strong>, or let a{" "}
            <a href="/teach/patterns">weekly pattern</a> fill your calendar.
          </Notice>
        )
      )}
      {/* A table for the rows, column headers and cells every screen reader knows; role="grid" (as in
          the APG date picker) makes it one tab stop whose arrow keys are ours. */}
      <table
        ref={grid}
        // biome-ignore lint/a11y/noNoninteractiveElementToInteractiveRole: the APG grid pattern on a table
        role="grid"
        class="week"
        aria-label={weekName}
        aria-describedby="week-keys"
        aria-busy={!loaded}
        tabIndex={-1}
        onKeyDown={onKeyDown}
        onFocusCapture={onFocus}
      >
        <thead>
          <tr class="week-row">
            {columns.map(({ day, count }, col) => (
              <th
                key={col}
                scope="col"
                aria-current={day === today ? "date" : undefined}
                class={dayClass("day day-head", day, today, count)}
                style={`--col: ${col}`}
              >
                <h3 id={`day-${day}`}>{formatDateKey(day, "day")}</h3>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          <tr class="week-row">
            {columns.map(({ day, slots: daySlots, canAdd, count }, col) => (
              <td
                key={col}
                aria-current={day === today ? "date" : undefined}
                class={dayClass("day day-cell", day, today, count)}
                style={`--col: ${col}`}
                data-col={col}
                {...(count === 0 ? place(col, 0) : {})}
              >
                {loaded && daySlots.length === 0 && <p class="day-empty">No slots</p>}
                {daySlots.length > 0 && (
                  <ul class="slot-list">
                    {daySlots.map((slot, row) => (
                      <li key={slot.id}>
                        <SlotCard slot={slot} zone={zone} {...place(col, row)} />
                      </li>
                    ))}
                  </ul>
                )}
                {canAdd && (
                  <a class="add-slot" href={`/teach/slots/new?date=${day}`} {...place(col, daySlots.length)}>
                    <span aria-hidden="true">+ </span>Add slot
                    <span class="sr-only"> on {formatDateKey(day, "day")}</span>
                  </a>
                )}
              </td>
            ))}
          </tr>
        </tbody>
      </table>
      <p id="week-keys" class="hint week-keys">
        In the week, arrow keys move between days and slots, Page Up and Page Down change the week, Enter
        opens.
      </p>
    </Page>
  );
}

function dayClass(base: string, day: string, today: string, count: number): string {
  const when = day === today ? "today" : day < today ? "past" : "";
  return [base, when, count === 0 ? "is-empty" : ""].filter(Boolean).join(" ");
}

function SlotCard({
  slot,
  zone,
  tabIndex,
  "data-cell": cell,
}: {
  slot: Slot;
  zone: string;
  tabIndex: number;
  "data-cell": string;
}) {
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
      tabIndex={tabIndex}
      data-cell={cell}
    >
      <span class="slot-time">{formatTimeRange(slot.startsAt, slot.endsAt, zone)}</span>
      <span class="slot-meta">
        {SESSION_TYPE_LABEL[slot.sessionType]} · <span class="seats">{seats}</span>
      </span>
      <Badge tone={status.tone}>{status.label}</Badge>
    </a>
  );
}
