import type { ProviderSummary } from "../api/types";

/** The tutor's photo, headline, subjects and languages (filled in by the tutor profiles work). */
export function TutorHeader(_props: { tutor: ProviderSummary }) {
  return null;
}
