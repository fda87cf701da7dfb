import { useEffect, useState } from "preact/hooks";
import { onAnnounce } from "../lib/announce";

/**
 * The app's polite live region: mounted once, empty at first, so screen readers read each
 * announcement as it is written. Repeating a sentence re-announces it (the text alternates a
 * trailing no-break space, which is not read).
 */
export function LiveRegion() {
  const [message, setMessage] = useState("");
  useEffect(
    () => onAnnounce((next) => setMessage((current) => (current === next ? `${next}\u00a0` : next))),
    [],
  );
  return (
    <div class="sr-only" role="status" aria-live="polite" aria-atomic="true" data-testid="live-region">
      {message}
    </div>
  );
}
