import { useEffect } from "preact/hooks";
import { formatCountdown } from "../lib/format";
import { useNow } from "../lib/use-resource";

/**
 * How long the seat stays held. The visible clock ticks every second; screen readers hear a
 * calm update once a minute and in the last 30 seconds, not every tick.
 */
export function HoldCountdown({ expiresAt, onExpired }: { expiresAt: string; onExpired?: () => void }) {
  const now = useNow(1000);
  const left = Math.max(0, Math.ceil((Date.parse(expiresAt) - now) / 1000));
  const ended = left === 0;
  useEffect(() => {
    if (ended) onExpired?.();
  }, [ended]);
  const minutes = Math.ceil(left / 60);
  const spoken =
    left === 0
      ? "Your seat hold has ended."
      : left <= 30
        ? `Less than ${left <= 10 ? "10" : "30"} seconds left to pay.`
        : `${minutes} ${minutes === 1 ? "minute" : "minutes"} left to pay.`;
  return (
    <div class={left <= 60 ? "countdown urgent" : "countdown"}>
      <p aria-hidden="true">
        {left > 0 ? (
          <>
            Your seat is held for <strong class="countdown-clock">{formatCountdown(left)}</strong>
          </>
        ) : (
          "Your seat hold has ended."
        )}
      </p>
      <p class="sr-only" role="timer" aria-live="polite" aria-atomic="true">
        {spoken}
      </p>
    </div>
  );
}
