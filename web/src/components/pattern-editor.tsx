import { useEffect, useRef, useState } from "preact/hooks";
import { BOOKING_WINDOW_DAYS, MAX_GROUP_SEATS, MIN_GROUP_SEATS } from "../../../src/shared/limits";
import { api } from "../api/endpoints";
import { ApiError } from "../api/http";
import type { Pattern, PatternInput, PatternPreview, SessionType, Skipped, Slot } from "../api/types";
import { formatDateTime, formatDuration, formatRange, zoneLabel } from "../lib/format";
import { plural } from "../lib/labels";
import { describeSkip } from "../lib/skip-reasons";
import { dateKey } from "../lib/zoned-time";
import { DURATIONS } from "./slot-form";
import { TimeZoneSelect } from "./time-zone-select";
import { describedBy, ErrorNotice, Field, Loading, Notice } from "./ui";

export const WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
const PREVIEW_DELAY_MS = 350;

interface Row {
  key: number;
  weekday: number;
  startTime: string;
}

let nextKey = 1;

/**
 * The weekly-pattern form. Every change asks the server for a preview (nothing is written):
 * the slots the pattern will make and the starts it will skip, with the reason, before saving.
 * After a save the form keeps what was saved and its button stays off until something changes,
 * so a second click can't make the same pattern again.
 */
export function PatternEditor({
  defaultZone,
  onCreated,
}: {
  defaultZone: string;
  onCreated: (result: { pattern: Pattern; createdSlots: Slot[]; skipped: Skipped[] }) => void;
}) {
  const [zone, setZone] = useState(defaultZone);
  const [rows, setRows] = useState<Row[]>([{ key: nextKey++, weekday: 1, startTime: "09:00" }]);
  const [duration, setDuration] = useState(60);
  const [sessionType, setSessionType] = useState<SessionType>("ONE_TO_ONE");
  const [seats, setSeats] = useState("4");
  const [startsOn, setStartsOn] = useState("");
  const [endsOn, setEndsOn] = useState("");
  const [preview, setPreview] = useState<PatternPreview | undefined>(undefined);
  const [previewError, setPreviewError] = useState<unknown>(undefined);
  const [previewing, setPreviewing] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  /** The request body of the pattern just saved, and how many slots it made. */
  const [saved, setSaved] = useState<{ key: string; created: number } | undefined>(undefined);
  const generation = useRef(0);

  const duplicates = new Set<string>();
  const seen = new Set<string>();
  for (const row of rows) {
    const id = `${row.weekday} ${row.startTime}`;
    if (seen.has(id)) duplicates.add(id);
    seen.add(id);
  }
  const seatCount = Number(seats);
  const seatsError =
    sessionType === "GROUP" &&
    !(Number.isInteger(seatCount) && seatCount >= MIN_GROUP_SEATS && seatCount <= MAX_GROUP_SEATS)
      ? `Enter ${MIN_GROUP_SEATS} to ${MAX_GROUP_SEATS} seats.`
      : undefined;
  const datesError =
    startsOn && endsOn && endsOn < startsOn ? "The last day can't be before the first day." : undefined;
  const rowsValid =
    rows.length > 0 && rows.every((row) => /^\d{2}:\d{2}$/.test(row.startTime)) && duplicates.size === 0;
  const valid = rowsValid && !seatsError && !datesError;

  const body: PatternInput = {
    timezone: zone,
    weekly: rows.map((row) => ({ weekday: row.weekday, startTime: row.startTime })),
    durationMinutes: duration,
    sessionType,
    ...(sessionType === "GROUP" ? { maxParticipants: seatCount } : {}),
    ...(startsOn ? { startsOn } : {}),
    ...(endsOn ? { endsOn } : {}),
  };
  const bodyKey = JSON.stringify(body);
  const unchanged = saved?.key === bodyKey;

  useEffect(() => {
    if (!valid || unchanged) {
      setPreview(undefined);
      return;
    }
    const mine = ++generation.current;
    setPreviewing(true);
    const timer = setTimeout(() => {
      api
        .previewPattern(JSON.parse(bodyKey) as PatternInput)
        .then((answer) => {
          if (mine !== generation.current) return;
          setPreview(answer);
          setPreviewError(undefined);
        })
        .catch((caught: unknown) => {
          if (mine !== generation.current) return;
          setPreview(undefined);
          setPreviewError(caught);
        })
        .finally(() => {
          if (mine === generation.current) setPreviewing(false);
        });
    }, PREVIEW_DELAY_MS);
    return () => clearTimeout(timer);
  }, [bodyKey, valid, unchanged]);

  const update = (key: number, change: Partial<Row>) =>
    setRows((current) => current.map((row) => (row.key === key ? { ...row, ...change } : row)));

  const submit = async (event: Event) => {
    event.preventDefault();
    if (!valid || unchanged) return;
    setBusy(true);
    setError(undefined);
    try {
      const result = await api.createPattern(body);
      setSaved({ key: bodyKey, created: result.createdSlots.length });
      onCreated(result);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const serverIssues = error instanceof ApiError ? error.fieldIssues() : {};
  return (
    <form class="form pattern-editor" onSubmit={submit}>
      <fieldset class="weekly-starts">
        <legend>Weekly start times</legend>
        <p class="hint">
          Each start repeats every week at the same clock time, also across daylight-saving changes.
        </p>
        <ul>
          {rows.map((row, index) => {
            const duplicate = duplicates.has(`${row.weekday} ${row.startTime}`);
            return (
              <li key={row.key} class="weekly-row">
                <div class="field">
                  <label for={`weekday-${row.key}`}>Day {index + 1}</label>
                  <select
                    id={`weekday-${row.key}`}
                    value={String(row.weekday)}
                    onChange={(e) => update(row.key, { weekday: Number(e.currentTarget.value) })}
                  >
                    {WEEKDAYS.map((name, i) => (
                      <option key={name} value={String(i + 1)}>
                        {name}
                      </option>
                    ))}
                  </select>
                </div>
                <div class="field">
                  <label for={`start-${row.key}`}>Start time {index + 1}</label>
                  <input
                    id={`start-${row.key}`}
                    type="time"
                    step={300}
                    required
                    value={row.startTime}
                    aria-invalid={duplicate ? true : undefined}
                    aria-describedby={duplicate ? `dup-${row.key}` : undefined}
                    onInput={(e) => update(row.key, { startTime: e.currentTarget.value })}
                  />
                </div>
                <button
                  type="button"
                  class="secondary small"
                  disabled={rows.length === 1}
                  onClick={() => setRows((current) => current.filter((other) => other.key !== row.key))}
                >
                  Remove<span class="sr-only"> start time {index + 1}</span>
                </button>
                {duplicate && (
                  <p class="field-error" id={`dup-${row.key}`}>
                    This day and time is listed twice.
                  </p>
                )}
              </li>
            );
          })}
        </ul>
        <button
          type="button"
          class="secondary"
          disabled={rows.length >= 50}
          onClick={() => {
            const last = rows.at(-1);
            setRows([
              ...rows,
              {
                key: nextKey++,
                weekday: last ? (last.weekday % 7) + 1 : 1,
                startTime: last?.startTime ?? "09:00",
              },
            ]);
          }}
        >
          Add a start time
        </button>
      </fieldset>

      <div class="grid-2">
        <Field id="pattern-duration" label="Length of each lesson">
          <select
            id="pattern-duration"
            value={String(duration)}
            onChange={(e) => setDuration(Number(e.currentTarget.value))}
          >
            {DURATIONS.map((minutes) => (
              <option key={minutes} value={String(minutes)}>
                {formatDuration(minutes)}
              </option>
            ))}
          </select>
        </Field>
        <Field id="pattern-zone" label="Time zone of these times" hint={zoneLabel(zone)}>
          <TimeZoneSelect id="pattern-zone" value={zone} onChange={setZone} describedBy="pattern-zone-hint" />
        </Field>
      </div>
      <fieldset class="choice-group">
        <legend>Lesson type</legend>
        <label class="choice">
          <input
            type="radio"
            name="pattern-type"
            checked={sessionType === "ONE_TO_ONE"}
            onChange={() => setSessionType("ONE_TO_ONE")}
          />
          One-to-one
        </label>
        <label class="choice">
          <input
            type="radio"
            name="pattern-type"
            checked={sessionType === "GROUP"}
            onChange={() => setSessionType("GROUP")}
          />
          Group
        </label>
      </fieldset>
      {sessionType === "GROUP" && (
        <Field
          id="pattern-seats"
          label="Seats"
          hint={`${MIN_GROUP_SEATS} to ${MAX_GROUP_SEATS} students per lesson.`}
          error={seatsError ?? serverIssues.maxParticipants}
        >
          <input
            id="pattern-seats"
            type="number"
            min={MIN_GROUP_SEATS}
            max={MAX_GROUP_SEATS}
            value={seats}
            aria-invalid={seatsError ? true : undefined}
            aria-describedby={describedBy("pattern-seats", true, seatsError)}
            onInput={(e) => setSeats(e.currentTarget.value)}
          />
        </Field>
      )}
      <div class="grid-2">
        <Field id="pattern-starts-on" label="First day (optional)" hint="Leave empty to start today.">
          <input
            id="pattern-starts-on"
            type="date"
            value={startsOn}
            min={dateKey(Date.now(), zone)}
            aria-describedby="pattern-starts-on-hint"
            onInput={(e) => setStartsOn(e.currentTarget.value)}
          />
        </Field>
        <Field
          id="pattern-ends-on"
          label="Last day (optional)"
          hint={`Leave empty to keep going; slots are made up to ${BOOKING_WINDOW_DAYS} days ahead and topped up daily.`}
          error={datesError}
        >
          <input
            id="pattern-ends-on"
            type="date"
            value={endsOn}
            aria-invalid={datesError ? true : undefined}
            aria-describedby={describedBy("pattern-ends-on", true, datesError)}
            onInput={(e) => setEndsOn(e.currentTarget.value)}
          />
        </Field>
      </div>

      {unchanged ? (
        <section class="preview" aria-labelledby="preview-heading">
          <h3 id="preview-heading">Saved</h3>
          <p class="preview-summary">
            This pattern is saved and made {plural(saved?.created ?? 0, "slot")}. Change a day, time or
            setting above to make another pattern.
          </p>
        </section>
      ) : (
        <PreviewPanel
          preview={valid ? preview : undefined}
          error={previewError}
          loading={previewing && valid}
          zone={zone}
          invalid={!valid}
        />
      )}
      <ErrorNotice error={error} />
      <div class="button-row">
        <button type="submit" class="primary" disabled={busy || !valid || unchanged || previewing}>
          {busy
            ? "Saving…"
            : unchanged
              ? "Saved"
              : preview
                ? `Save pattern and create ${plural(preview.slots.length, "slot")}`
                : "Save pattern"}
        </button>
      </div>
    </form>
  );
}

function PreviewPanel({
  preview,
  error,
  loading,
  zone,
  invalid,
}: {
  preview: PatternPreview | undefined;
  error: unknown;
  loading: boolean;
  zone: string;
  invalid: boolean;
}) {
  return (
    <section class="preview" aria-labelledby="preview-heading" aria-busy={loading}>
      <h3 id="preview-heading">Preview</h3>
      <div aria-live="polite">
        {invalid ? (
          <p class="hint">Fix the form above to see which slots this pattern makes.</p>
        ) : preview ? (
          <>
            <p class="preview-summary">
              This pattern will create <strong>{plural(preview.slots.length, "slot")}</strong>
              {preview.skipped.length > 0 ? (
                <>
                  {" "}
                  and skip <strong>{plural(preview.skipped.length, "start")}</strong>
                </>
              ) : null}
              .
            </p>
            {preview.slots.length === 0 && (
              <Notice tone="warning">
                No slots: every start is in the past, outside the dates, or skipped.
              </Notice>
            )}
            {preview.slots.length > 0 && (
              <ul class="preview-list" aria-label="Slots to be created">
                {preview.slots.map((slot) => (
                  <li key={slot.startsAt}>{formatRange(slot.startsAt, slot.endsAt, zone)}</li>
                ))}
              </ul>
            )}
            {preview.skipped.length > 0 && (
              <>
                <h4>Skipped</h4>
                <ul class="preview-list skipped" aria-label="Starts that will be skipped">
                  {preview.skipped.map((skip) => (
                    <li key={skip.startsAt}>
                      <strong>{formatDateTime(skip.startsAt, zone)}</strong>:{" "}
                      {describeSkip(skip.reason, zone)}
                    </li>
                  ))}
                </ul>
              </>
            )}
          </>
        ) : error ? (
          <ErrorNotice error={error} title="The preview isn't available." />
        ) : (
          <Loading label="Working out the slots…" />
        )}
      </div>
    </section>
  );
}
