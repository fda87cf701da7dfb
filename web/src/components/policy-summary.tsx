import type { CancellationPolicy } from "../api/types";
import { policyInWords, rescheduleInWords } from "../lib/policy-text";

/** A tutor's cancellation policy in words, for students before they book. */
export function PolicySummary({
  policy,
  heading = "Cancellation policy",
}: {
  policy: CancellationPolicy;
  heading?: string;
}) {
  return (
    <section class="card policy-summary" aria-labelledby="policy-summary-heading">
      <h2 id="policy-summary-heading">{heading}</h2>
      <p data-testid="policy-words">{policyInWords(policy)}</p>
      <p class="hint">
        {rescheduleInWords(policy)} If the tutor cancels or doesn't show up, you get everything back.
      </p>
    </section>
  );
}
