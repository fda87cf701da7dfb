import { useState } from "preact/hooks";
import type { ProviderSummary } from "../api/types";
import { initials, languageName } from "../lib/tutor-labels";
import "../styles/tutors.css";

/** The tutor's photo, or their initials without one (or when it fails to load). Decorative: the name is beside it. */
export function TutorPhoto({
  name,
  photoUrl,
  size = "small",
}: {
  name: string;
  photoUrl: string | null;
  size?: "small" | "large";
}) {
  const [failed, setFailed] = useState<string | null>(null);
  const edge = size === "large" ? 128 : 64;
  if (photoUrl && failed !== photoUrl) {
    return (
      <img
        class={`tutor-photo tutor-photo-${size}`}
        src={photoUrl}
        alt=""
        width={edge}
        height={edge}
        loading="lazy"
        decoding="async"
        onError={() => setFailed(photoUrl)}
      />
    );
  }
  return (
    <span class={`tutor-photo tutor-photo-${size} tutor-initials`} aria-hidden="true">
      {initials(name)}
    </span>
  );
}

/** Subjects as chips, listed for screen readers as "Subjects". */
export function SubjectChips({ subjects }: { subjects: string[] }) {
  if (subjects.length === 0) return null;
  return (
    <ul class="chip-list" aria-label="Subjects">
      {subjects.map((subject) => (
        <li key={subject} class="chip">
          {subject}
        </li>
      ))}
    </ul>
  );
}

/** "Teaches in English, German (Austria)". */
export function TeachingLanguages({ languages }: { languages: string[] }) {
  if (languages.length === 0) return null;
  return <p class="tutor-languages">Teaches in {languages.map((tag) => languageName(tag)).join(", ")}</p>;
}

/** The top of a tutor's page: photo, name, headline, subjects, languages and bio. */
export function TutorHeader({ tutor }: { tutor: ProviderSummary }) {
  const headingId = `tutor-${tutor.id}-name`;
  return (
    <section class="tutor-header" aria-labelledby={headingId}>
      <TutorPhoto name={tutor.name} photoUrl={tutor.photoUrl} size="large" />
      <div class="tutor-header-text">
        <h2 id={headingId} class="tutor-name">
          {tutor.name}
        </h2>
        {tutor.headline && <p class="tutor-headline">{tutor.headline}</p>}
        <SubjectChips subjects={tutor.subjects} />
        <TeachingLanguages languages={tutor.languages} />
        {tutor.bio && <p class="tutor-bio">{tutor.bio}</p>}
      </div>
    </section>
  );
}
