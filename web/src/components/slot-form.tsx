import { useMemo, useState } from "preact/hooks";
import { BOOKING_WINDOW_DAYS, MAX_GROUP_SEATS, MIN_GROUP_SEATS } from "../../../src/shared/limits";
import { priceForDuration } from "../../../src/shared/pricing";
import { api } from "../api/endpoints";
import { ApiError } from "../api/http";
import type { ProviderProfile, SessionType, Slot } from "../api/types";
import { errorCode, explain } from "../lib/errors";
import { formatDuration, formatMoney, zoneLabel } from "../lib/format";
import { checkSlot, type RuleCheck, type RuleId, ruleForCode } from "../lib/slot-rules";
import { useNow } from "../lib/use-resource";
import { addDays, dateKey, timeKey, zonedToInstant } from "../lib/zoned-time";
import { describedBy, ErrorNotice, Field } from "./ui";

export const DURATIONS = [15, 30, 45, 60, 75, 90, 120, 150, 180, 240, 300, 360, 420, 480];

/**
 * Create or edit a slot by its local date and time in the provider's zone. The rules are listed
 * beside the form and checked as the provider types; a server refusal points at the rule it broke.
 */
export function SlotForm({
  zone,
  slot,
  initialDate,
  others,
  profile,
  onSaved,
}: {
  zone: string;
  slot?: Slot;
  initialDate?: string;
  /** The provider's other slots, for the overlap rule. */
  others: Slot[];
  profile: ProviderProfile | null;
  onSaved: (slot: Slot) => void;
}) {
  const now = useNow(30_000);
  const [date, setDate] = useState(
    slot ? dateKey(Date.parse(slot.startsAt), zone) : (initialDate ?? dateKey(now, zone)),
  );
  const [time, setTime] = useState(slot ? timeKey(Date.parse(slot.startsAt), zone) : "");
  const [duration, setDuration] = useState(slot?.durationMinutes ?? 60);
  const [sessionType, setSessionType] = useState<SessionType>(slot?.sessionType ?? "ONE_TO_ONE");
  const [seats, setSeats] = useState(
    slot && slot.sessionType === "GROUP" ? String(slot.maxParticipants) : "4",
  );
  const [busy, setBusy] = useState(false);
  const [serverError, setServerError] = useState<unknown>(undefined);
  const [serverRule, setServerRule] = useState<{ id: RuleId; text: string } | undefined>(undefined);
  const [attempted, setAttempted] = useState(false);

  const startsAt = date && time ? zonedToInstant(date, time, zone) : undefined;
  const gap = Boolean(date && time && startsAt === undefined);
  const maxParticipants = sessionType === "GROUP" ? Number(seats) : 1;
  const checks = useMemo(
    () =>
      checkSlot(
        { startsAt, durationMinutes: duration, sessionType, maxParticipants },
        others.filter((other) => other.id !== slot?.id),
        now,
        zone,
      ),
    [startsAt, duration, sessionType, maxParticipants, others, slot?.id, now, zone],
  );
  const failing = checks.filter((check) => check.ok === false);
  const durations = DURATIONS.includes(duration) ? DURATIONS : [...DURATIONS, duration].sort((a, b) => a - b);
  const prefix = slot ? "edit-slot" : "slot";
  const timeError =
    attempted && !time
      ? "Choose a start time."
      : gap
        ? `This time doesn't exist on that day in ${zone} (the clocks jump forward). Choose another time.`
        : undefined;
  const seatsError =
    sessionType === "GROUP" && checks.find((check) => check.id === "capacity")?.ok === false
      ? `Enter ${MIN_GROUP_SEATS} to ${MAX_GROUP_SEATS} seats.`
      : undefined;

  const submit = async (event: Event) => {
    event.preventDefault();
    setAttempted(true);
    setServerError(undefined);
    setServerRule(undefined);
    if (startsAt === undefined || failing.length > 0) return;
    const body = {
      startsAt: new Date(startsAt).toISOString(),
      durationMinutes: duration,
      sessionType,
      ...(sessionType === "GROUP" ? { maxParticipants } : {}),
    };
    setBusy(true);
    try {
      onSaved(slot ? await api.updateSlot(slot.id, body) : await api.createSlot(body));
    } catch (caught) {
      const rule = ruleForCode(errorCode(caught));
      if (rule) setServerRule({ id: rule, text: explain(caught) });
      else setServerError(caught);
    } finally {
      setBusy(false);
    }
  };

  const price = profile ? priceForDuration(profile.hourlyRate, duration) : undefined;
  return (
    <form class="form slot-form" onSubmit={submit} aria-describedby={`${prefix}-rules-heading`}>
      <div class="slot-form-grid">
        <div>
          <div class="grid-2">
            <Field id={`${prefix}-date`} label="Date">
              <input
                id={`${prefix}-date`}
                type="date"
                required
                min={dateKey(now, zone)}
                max={addDays(dateKey(now, zone), BOOKING_WINDOW_DAYS)}
                value={date}
                onInput={(e) => setDate(e.currentTarget.value)}
              />
            </Field>
            <Field id={`${prefix}-time`} label="Start time" error={timeError}>
              <input
                id={`${prefix}-time`}
                type="time"
                required
                step={300}
                value={time}
                aria-invalid={timeError ? true : undefined}
                aria-describedby={describedBy(`${prefix}-time`, false, timeError)}
                onInput={(e) => setTime(e.currentTarget.value)}
              />
            </Field>
          </div>
          <p class="hint">Times are in your time zone, {zoneLabel(zone)}.</p>
          <Field id={`${prefix}-duration`} label="Length">
            <select
              id={`${prefix}-duration`}
              value={String(duration)}
              onChange={(e) => setDuration(Number(e.currentTarget.value))}
            >
              {durations.map((minutes) => (
                <option key={minutes} value={String(minutes)}>
                  {formatDuration(minutes)}
                </option>
              ))}
            </select>
          </Field>
          <fieldset class="choice-group">
            <legend>Lesson type</legend>
            <label class="choice">
              <input
                type="radio"
                name={`${prefix}-type`}
                checked={sessionType === "ONE_TO_ONE"}
                onChange={() => setSessionType("ONE_TO_ONE")}
              />
              One-to-one (one student)
            </label>
            <label class="choice">
              <input
                type="radio"
                name={`${prefix}-type`}
                checked={sessionType === "GROUP"}
                onChange={() => setSessionType("GROUP")}
              />
              Group ({MIN_GROUP_SEATS}–{MAX_GROUP_SEATS} students)
            </label>
          </fieldset>
          {sessionType === "GROUP" && (
            <Field
              id={`${prefix}-seats`}
              label="Seats"
              hint={`${MIN_GROUP_SEATS} to ${MAX_GROUP_SEATS} students.`}
              error={seatsError}
            >
              <input
                id={`${prefix}-seats`}
                type="number"
                min={MIN_GROUP_SEATS}
                max={MAX_GROUP_SEATS}
                required
                value={seats}
                aria-invalid={seatsError ? true : undefined}
                aria-describedby={describedBy(`${prefix}-seats`, true, seatsError)}
                onInput={(e) => setSeats(e.currentTarget.value)}
              />
            </Field>
          )}
          <p class="price-line">
            {price !== undefined ? (
              <>
                Price per student: <strong>{formatMoney(price, profile?.currency ?? "usd")}</strong> (your
                hourly rate for {formatDuration(duration)}).
              </>
            ) : (
              <>
                You haven't set an hourly rate yet: students can't book this slot until you{" "}
                <a href="/account#profile">set one</a>.
              </>
            )}
          </p>
        </div>
        <RulesList
          id={`${prefix}-rules-heading`}
          checks={checks}
          showProblems={attempted || startsAt !== undefined}
          serverRule={serverRule}
        />
      </div>
      {attempted && failing.length > 0 && (
        <ErrorNotice>
          This slot can't be saved yet: {failing.map((check) => check.problem ?? check.rule).join(" ")}
        </ErrorNotice>
      )}
      {serverRule && <ErrorNotice>{serverRule.text}</ErrorNotice>}
      <ErrorNotice error={serverError} />
      {serverError instanceof ApiError && serverError.code === "SLOT_HAS_BOOKINGS" && (
        <p class="hint">Open the slot's bookings to cancel its session instead.</p>
      )}
      <div class="button-row">
        <button type="submit" class="primary" disabled={busy}>
          {busy ? "Saving…" : slot ? "Save changes" : "Create slot"}
        </button>
      </div>
    </form>
  );
}

function RulesList({
  id,
  checks,
  showProblems,
  serverRule,
}: {
  id: string;
  checks: RuleCheck[];
  showProblems: boolean;
  serverRule: { id: RuleId; text: string } | undefined;
}) {
  return (
    <section class="rules" aria-labelledby={id}>
      <h3 id={id}>A slot must follow these rules</h3>
      <ul>
        {checks.map((check) => {
          const serverSays = serverRule?.id === check.id ? serverRule.text : undefined;
          const ok = serverSays ? false : check.ok;
          const state = ok === undefined ? "pending" : ok ? "ok" : "fail";
          return (
            <li key={check.id} class={`rule rule-${state}`}>
              <span class="rule-icon" aria-hidden="true">
                {state === "ok" ? "✓" : state === "fail" ? "✕" : "•"}
              </span>
              <span>
                {check.rule}
                <span class="sr-only">
                  {state === "ok" ? " (met)" : state === "fail" ? " (not met)" : ""}
                </span>
                {state === "fail" && (showProblems || serverSays) && (
                  <span class="rule-problem"> {serverSays ?? check.problem}</span>
                )}
              </span>
            </li>
          );
        })}
        <li class="rule rule-info">
          <span class="rule-icon" aria-hidden="true">
            i
          </span>
          <span>
            Once someone books it, a slot can't be changed or deleted; you can still cancel its session
            (everyone is refunded).
          </span>
        </li>
      </ul>
    </section>
  );
}
