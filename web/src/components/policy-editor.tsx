import { POLICY_LIMITS } from "../../../src/shared/cancellation-policy";
import type { CancellationPolicy } from "../api/types";
import { formatMoney } from "../lib/format";
import { exampleInWords, formatHours, policyExamples, policyInWords } from "../lib/policy-text";

/** The editor's text fields; numbers are parsed on save so a half-typed value can stay on screen. */
export interface PolicyDraft {
  tiers: { key: number; minNoticeHours: string; refundPercent: string }[];
  rescheduleMinNoticeHours: string;
}

let nextKey = 1;

export function draftFromPolicy(policy: CancellationPolicy): PolicyDraft {
  return {
    tiers: policy.tiers.map((tier) => ({
      key: nextKey++,
      minNoticeHours: String(tier.minNoticeHours),
      refundPercent: String(tier.refundPercent),
    })),
    rescheduleMinNoticeHours: String(policy.rescheduleMinNoticeHours),
  };
}

const PREFIX = "cancellationPolicy";
const tierPath = (index: number, field: "minNoticeHours" | "refundPercent") =>
  `${PREFIX}.tiers.${index}.${field}`;

function wholeNumber(text: string, max: number): number | undefined {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) return undefined;
  const value = Number(trimmed);
  return value <= max ? value : undefined;
}

/**
 * The policy the draft describes, or the fields that are not whole numbers in range, keyed by the
 * same paths the server's VALIDATION_FAILED details use. The order rules (decreasing, last 0 h)
 * are left to the server, whose messages are shown under the same fields.
 */
export function policyFromDraft(draft: PolicyDraft): {
  policy: CancellationPolicy | undefined;
  issues: Record<string, string>;
} {
  const issues: Record<string, string> = {};
  const tiers = draft.tiers.map((row, index) => {
    const minNoticeHours = wholeNumber(row.minNoticeHours, POLICY_LIMITS.maxNoticeHours);
    const refundPercent = wholeNumber(row.refundPercent, 100);
    if (minNoticeHours === undefined)
      issues[tierPath(index, "minNoticeHours")] =
        `Enter whole hours from 0 to ${POLICY_LIMITS.maxNoticeHours}.`;
    if (refundPercent === undefined)
      issues[tierPath(index, "refundPercent")] = "Enter a whole percentage from 0 to 100.";
    return { minNoticeHours: minNoticeHours ?? 0, refundPercent: refundPercent ?? 0 };
  });
  const reschedule = wholeNumber(draft.rescheduleMinNoticeHours, POLICY_LIMITS.maxNoticeHours);
  if (reschedule === undefined)
    issues[`${PREFIX}.rescheduleMinNoticeHours`] =
      `Enter whole hours from 0 to ${POLICY_LIMITS.maxNoticeHours}.`;
  const policy =
    Object.keys(issues).length === 0 ? { tiers, rescheduleMinNoticeHours: reschedule ?? 0 } : undefined;
  return { policy, issues };
}

/**
 * The tiers (up to 5 rows of notice hours and refund percent) and the reschedule notice, with
 * examples worked out from the policy as it stands. `issues` are field errors keyed by API path.
 */
export function PolicyEditor({
  draft,
  onChange,
  issues,
  hourlyRate,
  currency,
}: {
  draft: PolicyDraft;
  onChange: (draft: PolicyDraft) => void;
  issues: Record<string, string>;
  /** Minor units; the examples show what comes back of one hour's lesson. */
  hourlyRate: number | undefined;
  currency: string;
}) {
  const { policy } = policyFromDraft(draft);
  const examples = policy ? policyExamples(policy, hourlyRate ?? 0) : [];
  const updateTier = (key: number, patch: Partial<PolicyDraft["tiers"][number]>) =>
    onChange({
      ...draft,
      tiers: draft.tiers.map((row) => (row.key === key ? { ...row, ...patch } : row)),
    });
  const tiersIssue = issues[`${PREFIX}.tiers`];
  const rescheduleIssue = issues[`${PREFIX}.rescheduleMinNoticeHours`];

  return (
    <fieldset class="policy-editor">
      <legend>Cancellation policy</legend>
      <p class="hint">
        How much a student gets back when they cancel, by the hours left before the lesson. List the tiers
        from the longest notice down; the last one starts at 0 h. If you cancel, or don't show up, students
        always get everything back. Bookings keep the policy they were made under.
      </p>
      <ul class="policy-tiers">
        {draft.tiers.map((row, index) => {
          const noticeId = `tier-notice-${row.key}`;
          const percentId = `tier-percent-${row.key}`;
          const noticeIssue = issues[tierPath(index, "minNoticeHours")];
          const percentIssue = issues[tierPath(index, "refundPercent")];
          return (
            <li key={row.key} class="tier-row">
              <div class={noticeIssue ? "field has-error" : "field"}>
                <label for={noticeId}>Notice (hours), tier {index + 1}</label>
                <input
                  id={noticeId}
                  type="number"
                  inputMode="numeric"
                  min={0}
                  max={POLICY_LIMITS.maxNoticeHours}
                  step={1}
                  required
                  value={row.minNoticeHours}
                  aria-invalid={noticeIssue ? true : undefined}
                  aria-describedby={noticeIssue ? `${noticeId}-error` : undefined}
                  onInput={(e) => updateTier(row.key, { minNoticeHours: e.currentTarget.value })}
                />
                {noticeIssue && (
                  <p class="field-error" id={`${noticeId}-error`}>
                    {noticeIssue}
                  </p>
                )}
              </div>
              <div class={percentIssue ? "field has-error" : "field"}>
                <label for={percentId}>Refund (%), tier {index + 1}</label>
                <input
                  id={percentId}
                  type="number"
                  inputMode="numeric"
                  min={0}
                  max={100}
                  step={1}
                  required
                  value={row.refundPercent}
                  aria-invalid={percentIssue ? true : undefined}
                  aria-describedby={percentIssue ? `${percentId}-error` : undefined}
                  onInput={(e) => updateTier(row.key, { refundPercent: e.currentTarget.value })}
                />
                {percentIssue && (
                  <p class="field-error" id={`${percentId}-error`}>
                    {percentIssue}
                  </p>
                )}
              </div>
              <button
                type="button"
                class="secondary small"
                disabled={draft.tiers.length === 1}
                onClick={() =>
                  onChange({ ...draft, tiers: draft.tiers.filter((other) => other.key !== row.key) })
                }
              >
                Remove<span class="sr-only"> tier {index + 1}</span>
              </button>
            </li>
          );
        })}
      </ul>
      {tiersIssue && <p class="field-error">{tiersIssue}</p>}
      <button
        type="button"
        class="secondary"
        disabled={draft.tiers.length >= POLICY_LIMITS.maxTiers}
        onClick={() => {
          // The new row is the last one, at 0 h; a row that was at 0 h gets a notice to start from
          // (half the one before it, or a day), which the teacher can then edit.
          const last = draft.tiers.at(-1);
          const before = Number(draft.tiers.at(-2)?.minNoticeHours);
          const suggested = Number.isFinite(before) && before >= 2 ? Math.floor(before / 2) : 24;
          const tiers = draft.tiers.map((row) =>
            row === last && row.minNoticeHours.trim() === "0"
              ? { ...row, minNoticeHours: String(suggested) }
              : row,
          );
          onChange({
            ...draft,
            tiers: [...tiers, { key: nextKey++, minNoticeHours: "0", refundPercent: "0" }],
          });
        }}
      >
        Add a tier
      </button>
      {draft.tiers.length >= POLICY_LIMITS.maxTiers && (
        <p class="hint">At most {POLICY_LIMITS.maxTiers} tiers.</p>
      )}

      <div class={rescheduleIssue ? "field has-error" : "field"}>
        <label for="policy-reschedule">Students may move a booking until (hours before)</label>
        <input
          id="policy-reschedule"
          type="number"
          inputMode="numeric"
          min={0}
          max={POLICY_LIMITS.maxNoticeHours}
          step={1}
          required
          value={draft.rescheduleMinNoticeHours}
          aria-invalid={rescheduleIssue ? true : undefined}
          aria-describedby={
            rescheduleIssue ? "policy-reschedule-hint policy-reschedule-error" : "policy-reschedule-hint"
          }
          onInput={(e) => onChange({ ...draft, rescheduleMinNoticeHours: e.currentTarget.value })}
        />
        <p class="hint" id="policy-reschedule-hint">
          0 means any time before the lesson. A move goes to another of your open times of the same kind, at
          the same price or cheaper (the difference is refunded).
        </p>
        {rescheduleIssue && (
          <p class="field-error" id="policy-reschedule-error">
            {rescheduleIssue}
          </p>
        )}
      </div>

      <div class="preview policy-preview" aria-live="polite">
        <h3>What students will read</h3>
        {policy && examples.length > 0 ? (
          <>
            <p>{policyInWords(policy)}</p>
            <ul aria-label="Examples">
              {examples.map((example) => (
                <li key={example.hours}>
                  {exampleInWords(example)}
                  {hourlyRate && hourlyRate > 0
                    ? ` (${formatMoney(example.refundAmount, currency)} of a ${formatMoney(hourlyRate, currency)} hour)`
                    : ""}
                </li>
              ))}
            </ul>
            <p class="hint">
              {policy.rescheduleMinNoticeHours > 0
                ? `Moving a booking: until ${formatHours(policy.rescheduleMinNoticeHours)} before the lesson.`
                : "Moving a booking: any time before the lesson."}
            </p>
          </>
        ) : (
          <p class="hint">
            Examples appear once the tiers are complete: notice hours go down from row to row and the last row
            starts at 0 h.
          </p>
        )}
      </div>
    </fieldset>
  );
}
