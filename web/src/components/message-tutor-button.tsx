/** "Message tutor" before booking (filled in by the live conversations work). */
export function MessageTutorButton(_props: { providerId: string; providerName: string }) {
  return null;
}
