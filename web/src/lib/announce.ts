/**
 * One polite live region for the whole app (rendered by the layout). A region that appears
 * together with its text is often not read out, so components that want something said (a seat
 * count that moved, a seat offered from a waiting list) hand the sentence here instead.
 */
type Listener = (message: string) => void;

const listeners = new Set<Listener>();

/** Says `message` through the app's polite live region (no-op before the layout has mounted). */
export function announce(message: string): void {
  const text = message.trim();
  if (!text) return;
  for (const listener of listeners) listener(text);
}

/** For the live region itself: hears every announcement; returns the unsubscribe. */
export function onAnnounce(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
