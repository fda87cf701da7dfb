/**
 * A provider's cancellation policy and the refund it gives, written once for the worker (the
 * slot object's decision, the cancel preview) and the SPA (the policy editor's examples, the
 * tier shown before booking). Pure, no imports but ./time.
 */
import { HOUR_MS } from "./time";

export interface PolicyTier {
  /** The tier applies when at least this many hours are left before the lesson starts. */
  minNoticeHours: number;
  refundPercent: number;
}

export interface CancellationPolicy {
  /** Strictly decreasing `minNoticeHours`, the last one 0. */
  tiers: PolicyTier[];
  /** A reschedule needs at least this many hours before the original start. */
  rescheduleMinNoticeHours: number;
}

/** The v1 behaviour: everything back until the lesson starts, reschedule any time before. */
export const DEFAULT_CANCELLATION_POLICY: CancellationPolicy = {
  tiers: [{ minNoticeHours: 0, refundPercent: 100 }],
  rescheduleMinNoticeHours: 0,
};

export const POLICY_LIMITS = { maxTiers: 5, maxNoticeHours: 672 } as const;

/** Why a policy is not valid (field path and message), or an empty list. */
export function policyProblems(policy: CancellationPolicy): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  const { tiers } = policy;
  if (tiers.length < 1 || tiers.length > POLICY_LIMITS.maxTiers) {
    problems.push({ path: "cancellationPolicy.tiers", message: "must have 1 to 5 tiers" });
  }
  tiers.forEach((tier, i) => {
    if (i > 0 && tier.minNoticeHours >= (tiers[i - 1]?.minNoticeHours ?? 0)) {
      problems.push({
        path: `cancellationPolicy.tiers.${i}.minNoticeHours`,
        message: "must be smaller than the tier before (strictly decreasing)",
      });
    }
  });
  const last = tiers[tiers.length - 1];
  if (last && last.minNoticeHours !== 0) {
    problems.push({
      path: `cancellationPolicy.tiers.${tiers.length - 1}.minNoticeHours`,
      message: "the last tier must start at 0 hours",
    });
  }
  return problems;
}

/** Hours of notice left at `now` before `startsAt` (fractional; negative once started). */
export function noticeHours(startsAt: number, now: number): number {
  return (startsAt - now) / HOUR_MS;
}

/** The first tier whose `minNoticeHours` ≤ the hours left; the last tier (0 h) otherwise. */
export function tierFor(policy: CancellationPolicy, startsAt: number, now: number): PolicyTier {
  const left = noticeHours(startsAt, now);
  const tiers = policy.tiers.length > 0 ? policy.tiers : DEFAULT_CANCELLATION_POLICY.tiers;
  return tiers.find((tier) => tier.minNoticeHours <= left) ?? (tiers[tiers.length - 1] as PolicyTier);
}

/** What a student's cancel gives back of a lesson priced `amount`: floor(amount × percent / 100). */
export function refundForCancel(
  policy: CancellationPolicy,
  amount: number,
  startsAt: number,
  now: number,
): { refundAmount: number; refundPercent: number } {
  const { refundPercent } = tierFor(policy, startsAt, now);
  return { refundAmount: Math.floor((amount * refundPercent) / 100), refundPercent };
}

/** A reschedule is allowed while at least `rescheduleMinNoticeHours` are left. */
export function rescheduleAllowed(policy: CancellationPolicy, startsAt: number, now: number): boolean {
  return noticeHours(startsAt, now) >= policy.rescheduleMinNoticeHours;
}

/** Reads a stored policy (JSON) leniently: anything unreadable or invalid is the default. */
export function parsePolicy(json: string | null | undefined): CancellationPolicy {
  if (!json) return DEFAULT_CANCELLATION_POLICY;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return DEFAULT_CANCELLATION_POLICY;
  }
  return isPolicy(value) ? value : DEFAULT_CANCELLATION_POLICY;
}

const wholeIn = (value: unknown, max: number): value is number =>
  typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= max;

/** Shape, types, ranges and tier order, as the API accepts a policy. */
export function isPolicy(value: unknown): value is CancellationPolicy {
  if (typeof value !== "object" || value === null) return false;
  const { tiers, rescheduleMinNoticeHours } = value as Partial<CancellationPolicy>;
  if (!Array.isArray(tiers) || !wholeIn(rescheduleMinNoticeHours, POLICY_LIMITS.maxNoticeHours)) return false;
  const typed = tiers.every(
    (tier: unknown) =>
      typeof tier === "object" &&
      tier !== null &&
      wholeIn((tier as PolicyTier).minNoticeHours, POLICY_LIMITS.maxNoticeHours) &&
      wholeIn((tier as PolicyTier).refundPercent, 100),
  );
  return typed && policyProblems(value as CancellationPolicy).length === 0;
}
