/** Unread conversation messages for the nav (filled in by the live conversations work). */
export function UnreadBadge() {
  return null;
}
