import {
  DEFAULT_CANCELLATION_POLICY,
  policyProblems,
  refundForCancel,
} from "../../../src/shared/cancellation-policy";
import { HOUR_MS } from "../../../src/shared/time";
import type { CancellationPolicy } from "../api/types";

/** 24 → "24 h". */
export function formatHours(hours: number): string {
  return `${hours} h`;
}

function share(percent: number): string {
  if (percent >= 100) return "full refund";
  if (percent <= 0) return "nothing";
  return `${percent} %`;
}

const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/**
 * A policy's refund tiers in one sentence:
 * "Full refund until 24 h before; 50 % until 2 h before; nothing after."
 */
export function policyInWords(policy: CancellationPolicy): string {
  const tiers = policy.tiers.length > 0 ? policy.tiers : DEFAULT_CANCELLATION_POLICY.tiers;
  const [only] = tiers;
  if (tiers.length === 1 && only) {
    if (only.refundPercent >= 100) return "Full refund if you cancel any time before the lesson starts.";
    if (only.refundPercent <= 0) return "No refund if you cancel.";
    return `${only.refundPercent} % back if you cancel any time before the lesson starts.`;
  }
  const parts = tiers.map((tier, index) => {
    const amount = index === 0 ? capitalize(share(tier.refundPercent)) : share(tier.refundPercent);
    if (tier.minNoticeHours > 0) return `${amount} until ${formatHours(tier.minNoticeHours)} before`;
    return tier.refundPercent <= 0 ? "nothing after" : `${amount} after that`;
  });
  return `${parts.join("; ")}.`;
}

/** When a booking may still be moved to another time. */
export function rescheduleInWords(policy: CancellationPolicy): string {
  return policy.rescheduleMinNoticeHours > 0
    ? `A booking can be moved to another time of this tutor until ${formatHours(policy.rescheduleMinNoticeHours)} before it starts.`
    : "A booking can be moved to another time of this tutor any time before it starts.";
}

export interface PolicyExample {
  /** Hours of notice the example cancels with. */
  hours: number;
  refundPercent: number;
  /** What comes back of `amount`, when an amount was given. */
  refundAmount: number;
}

/**
 * One example per tier, worked out with the same rule the server uses (refundForCancel): a notice
 * inside each tier's range, e.g. 30 h for a "24 h or more" tier. Empty for a policy that isn't valid.
 */
export function policyExamples(policy: CancellationPolicy, amount = 0): PolicyExample[] {
  if (policy.tiers.length === 0 || policyProblems(policy).length > 0) return [];
  return policy.tiers.map((tier, index) => {
    const previous = policy.tiers[index - 1]?.minNoticeHours;
    const hours =
      previous === undefined
        ? tier.minNoticeHours === 0
          ? 1
          : tier.minNoticeHours + Math.max(1, Math.round(tier.minNoticeHours / 4))
        : previous - tier.minNoticeHours >= 2
          ? Math.floor((previous + tier.minNoticeHours) / 2)
          : tier.minNoticeHours;
    // A lesson `hours` from an arbitrary "now" (0): only the difference matters.
    const { refundAmount, refundPercent } = refundForCancel(policy, amount, hours * HOUR_MS, 0);
    return { hours, refundPercent, refundAmount };
  });
}

/** "Cancel 30 h before → 50 % back". */
export function exampleInWords(example: PolicyExample): string {
  const when =
    example.hours === 0 ? "Cancel just before the start" : `Cancel ${formatHours(example.hours)} before`;
  return `${when} → ${example.refundPercent} % back`;
}
