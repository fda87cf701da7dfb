import { useRef, useState } from "preact/hooks";
import { api } from "../api/endpoints";
import type { Pattern, Skipped, Slot } from "../api/types";
import { ConfirmDialog } from "../components/confirm-dialog";
import { PatternEditor, WEEKDAYS } from "../components/pattern-editor";
import { Async, Empty, Notice, Page } from "../components/ui";
import { useUser } from "../lib/auth";
import { formatDateKey, formatDateTime, formatDuration, SESSION_TYPE_LABEL } from "../lib/format";
import { plural } from "../lib/labels";
import { describeSkip } from "../lib/skip-reasons";
import { useResource } from "../lib/use-resource";

export function describeWeekly(pattern: Pick<Pattern, "weekly">): string {
  return [...pattern.weekly]
    .sort((a, b) => a.weekday - b.weekday || a.startTime.localeCompare(b.startTime))
    .map((start) => `${WEEKDAYS[start.weekday - 1]}s at ${start.startTime}`)
    .join(", ");
}

export function Patterns() {
  const user = useUser();
  const patterns = useResource(() => api.patterns().then((answer) => answer.patterns));
  const [created, setCreated] = useState<
    { pattern: Pattern; createdSlots: Slot[]; skipped: Skipped[] } | undefined
  >(undefined);
  const [deleting, setDeleting] = useState<Pattern | undefined>(undefined);
  const result = useRef<HTMLDivElement>(null);

  return (
    <Page
      title="Weekly patterns"
      intro="Times you teach every week. A pattern creates the bookable slots for the next 28 days and keeps adding new ones as time moves on."
      actions={
        <a class="button secondary" href="/teach">
          Back to calendar
        </a>
      }
    >
      <div ref={result} tabIndex={-1} class="focus-target">
        {created && (
          <Notice tone="success" live>
            Pattern saved: {plural(created.createdSlots.length, "slot")} created
            {created.skipped.length > 0 ? `, ${plural(created.skipped.length, "start")} skipped` : ""}.{" "}
            <a href="/teach">See them in your calendar</a>.
            {created.skipped.length > 0 && (
              <ul>
                {created.skipped.map((skip) => (
                  <li key={skip.startsAt}>
                    {formatDateTime(skip.startsAt, created.pattern.timezone)}:{" "}
                    {describeSkip(skip.reason, created.pattern.timezone)}
                  </li>
                ))}
              </ul>
            )}
          </Notice>
        )}
      </div>
      <section class="card" aria-labelledby="new-pattern">
        <h2 id="new-pattern">New weekly pattern</h2>
        <PatternEditor
          defaultZone={user.timezone}
          onCreated={(answer) => {
            setCreated(answer);
            void patterns.reload();
            // The save button turns off now; the outcome above is where the reader goes next.
            requestAnimationFrame(() => result.current?.focus());
          }}
        />
      </section>
      <section class="card" aria-labelledby="your-patterns">
        <h2 id="your-patterns">Your patterns</h2>
        <Async resource={patterns} label="Loading your patterns…">
          {(list) =>
            list.length === 0 ? (
              <Empty>No weekly patterns yet.</Empty>
            ) : (
              <ul class="pattern-list">
                {list.map((pattern) => (
                  <li key={pattern.id} class="pattern-item">
                    <div>
                      <strong>{describeWeekly(pattern)}</strong>
                      <p class="hint">
                        {formatDuration(pattern.durationMinutes)} · {SESSION_TYPE_LABEL[pattern.sessionType]}
                        {pattern.sessionType === "GROUP" ? ` (${pattern.maxParticipants} seats)` : ""} ·{" "}
                        {pattern.timezone}
                        {pattern.startsOn ? ` · from ${formatDateKey(pattern.startsOn, "day")}` : ""}
                        {pattern.endsOn ? ` · until ${formatDateKey(pattern.endsOn, "day")}` : ""}
                      </p>
                    </div>
                    <button type="button" class="danger small" onClick={() => setDeleting(pattern)}>
                      Delete<span class="sr-only"> pattern {describeWeekly(pattern)}</span>
                    </button>
                  </li>
                ))}
              </ul>
            )
          }
        </Async>
      </section>
      <ConfirmDialog
        open={deleting !== undefined}
        title="Delete this pattern?"
        confirmLabel="Delete pattern"
        tone="danger"
        onConfirm={async () => {
          if (deleting) await api.deletePattern(deleting.id);
          await patterns.reload();
        }}
        onClose={() => setDeleting(undefined)}
      >
        <p>
          {deleting ? describeWeekly(deleting) : ""}: no new slots will be made, and its future slots that
          nobody has booked are deleted. Booked slots stay, with their students.
        </p>
      </ConfirmDialog>
    </Page>
  );
}
