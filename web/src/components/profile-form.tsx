import { useEffect, useRef, useState } from "preact/hooks";
import { DEFAULT_CANCELLATION_POLICY } from "../../../src/shared/cancellation-policy";
import { MAX_BIO_CHARS } from "../../../src/shared/limits";
import { cleanSubject, dedupeSubjects, subjectKey, TUTOR_LIMITS } from "../../../src/shared/tutor-types";
import { api } from "../api/endpoints";
import { ApiError } from "../api/http";
import { tutorsApi } from "../api/tutors";
import { useUser } from "../lib/auth";
import { formatMoney, fromMinorUnits, toMinorUnits } from "../lib/format";
import { canonicalLanguage, languageName } from "../lib/tutor-labels";
import { PhotoError, preparePhoto } from "../lib/tutor-photo";
import { useResource } from "../lib/use-resource";
import { draftFromPolicy, type PolicyDraft, PolicyEditor, policyFromDraft } from "./policy-editor";
import { TutorPhoto } from "./tutor-header";
import { describedBy, ErrorNotice, Field, Loading, Notice } from "./ui";
import "../styles/tutors.css";

const CURRENCIES = ["usd", "eur", "gbp", "chf", "cad", "aud", "jpy", "sek", "nok", "dkk", "pln", "inr"];

/**
 * The teacher's hourly rate, currency, bio, cancellation policy, and what students see on Find a
 * tutor: headline, subjects, languages (PUT /api/me/provider-profile) and photo (its own calls).
 */
export function ProfileForm({ onSaved }: { onSaved?: () => void }) {
  const profile = useResource(async () => {
    try {
      return await api.providerProfile();
    } catch (error) {
      if (error instanceof ApiError && error.code === "NOT_FOUND") return null;
      throw error;
    }
  });
  const [rate, setRate] = useState("");
  const [currency, setCurrency] = useState("usd");
  const [bio, setBio] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [rateError, setRateError] = useState<string | undefined>(undefined);
  const [saved, setSaved] = useState(false);
  const [chipErrors, setChipErrors] = useState<{
    subjects?: string | undefined;
    languages?: string | undefined;
  }>({});
  const [policy, setPolicy] = useState<PolicyDraft>(() => draftFromPolicy(DEFAULT_CANCELLATION_POLICY));
  const [policyIssues, setPolicyIssues] = useState<Record<string, string>>({});
  const [headline, setHeadline] = useState("");
  const [subjects, setSubjects] = useState<string[]>([]);
  const [subjectText, setSubjectText] = useState("");
  const [languages, setLanguages] = useState<string[]>([]);
  const [languageText, setLanguageText] = useState("");
  // Kept apart from the loaded profile: a photo change must not reset fields not saved yet.
  const [photoUrl, setPhotoUrl] = useState<string | null>(null);
  const section = useRef<HTMLElement>(null);

  // Links to /account#profile land on this form (after the page has focused its heading).
  useEffect(() => {
    if (location.hash !== "#profile") return;
    const timer = setTimeout(() => section.current?.scrollIntoView({ block: "start" }), 50);
    return () => clearTimeout(timer);
  }, []);

  useEffect(() => {
    const current = profile.data;
    if (!current) return;
    setRate(fromMinorUnits(current.hourlyRate, current.currency));
    setCurrency(current.currency);
    setBio(current.bio ?? "");
    setPolicy(draftFromPolicy(current.cancellationPolicy ?? DEFAULT_CANCELLATION_POLICY));
    setHeadline(current.headline ?? "");
    setSubjects(current.subjects ?? []);
    setLanguages(current.languages ?? []);
    setPhotoUrl(current.photoUrl ?? null);
  }, [profile.data]);

  const submit = async (event: Event) => {
    event.preventDefault();
    setSaved(false);
    setError(undefined);
    const hourlyRate = toMinorUnits(rate, currency);
    if (hourlyRate === undefined || hourlyRate < 1) {
      setRateError("Enter the price of one hour as a number, e.g. 45 or 45.50.");
      return;
    }
    setRateError(undefined);
    const parsed = policyFromDraft(policy);
    setPolicyIssues(parsed.issues);
    if (!parsed.policy) return;
    // Text still in the chip inputs counts as added.
    const subjectList = addSubjects(subjects, subjectText);
    const languageList = addLanguages(languages, languageText);
    setSubjects(subjectList.items);
    setLanguages(languageList.items);
    if (subjectList.error || languageList.error) {
      setChipErrors({ subjects: subjectList.error, languages: languageList.error });
      return;
    }
    setSubjectText("");
    setLanguageText("");
    setChipErrors({});
    setBusy(true);
    try {
      const next = await tutorsApi.saveProfile({
        hourlyRate,
        currency,
        bio: bio.trim() || undefined,
        cancellationPolicy: parsed.policy,
        headline: headline.trim() || null,
        subjects: subjectList.items,
        languages: languageList.items,
      });
      profile.mutate(() => next);
      setSaved(true);
      onSaved?.();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const preview = toMinorUnits(rate, currency);
  // The server's field errors (paths like "cancellationPolicy.tiers.1.minNoticeHours") over the local ones.
  const serverIssues = error instanceof ApiError ? error.fieldIssues() : {};
  const policyErrors = { ...policyIssues, ...serverIssues };
  const fieldError = (path: string) =>
    Object.entries(serverIssues).find(([key]) => key === path || key.startsWith(`${path}.`))?.[1];
  return (
    <section class="card" aria-labelledby="profile-heading" id="profile" ref={section}>
      <h2 id="profile-heading">Teaching profile</h2>
      {profile.loading && profile.data === undefined ? (
        <Loading label="Loading your profile…" />
      ) : (
        <form class="form" onSubmit={submit}>
          {profile.data === null && (
            <Notice tone="warning">
              Set your hourly rate: students can book your slots only once it is set.
            </Notice>
          )}
          <ErrorNotice error={profile.error} />
          <div class="grid-2">
            <Field
              id="profile-rate"
              label="Hourly rate"
              hint={
                preview !== undefined && preview > 0
                  ? `A 60-minute lesson costs ${formatMoney(preview, currency)} per student; other lengths are priced pro rata. Unbooked future slots are re-priced when you change it.`
                  : "The price of one hour per student."
              }
              error={rateError}
            >
              <input
                id="profile-rate"
                inputMode="decimal"
                required
                value={rate}
                aria-invalid={rateError ? true : undefined}
                aria-describedby={describedBy("profile-rate", true, rateError)}
                onInput={(e) => setRate(e.currentTarget.value)}
              />
            </Field>
            <Field id="profile-currency" label="Currency">
              <select
                id="profile-currency"
                value={currency}
                onChange={(e) => setCurrency(e.currentTarget.value)}
              >
                {CURRENCIES.map((code) => (
                  <option key={code} value={code}>
                    {code.toUpperCase()}
                  </option>
                ))}
              </select>
            </Field>
          </div>
          <PhotoEditor enabled={Boolean(profile.data)} photoUrl={photoUrl} onChange={setPhotoUrl} />
          <Field
            id="profile-headline"
            label="Headline"
            hint="One line under your name on Find a tutor, e.g. “Maths and physics for A-levels”."
            error={fieldError("headline")}
          >
            <input
              id="profile-headline"
              maxLength={TUTOR_LIMITS.headlineChars}
              value={headline}
              aria-describedby={describedBy("profile-headline", true, fieldError("headline"))}
              onInput={(e) => setHeadline(e.currentTarget.value)}
            />
          </Field>
          <ChipInput
            id="profile-subjects"
            label="Subjects"
            hint={`What you teach: type one and press Enter, or several separated by commas (up to ${TUTOR_LIMITS.subjects}).`}
            items={subjects}
            text={subjectText}
            error={chipErrors.subjects ?? fieldError("subjects")}
            maxLength={TUTOR_LIMITS.subjectChars * 4}
            onText={setSubjectText}
            onAdd={() => {
              const next = addSubjects(subjects, subjectText);
              setSubjects(next.items);
              setSubjectText(next.rest);
              setChipErrors((current) => ({ ...current, subjects: next.error }));
            }}
            onRemove={(item) => setSubjects(subjects.filter((s) => s !== item))}
            labelOf={(item) => item}
          />
          <ChipInput
            id="profile-languages"
            label="Languages you teach in"
            hint={`Language codes such as en, de or pt-BR; press Enter after each (up to ${TUTOR_LIMITS.languages}).`}
            items={languages}
            text={languageText}
            error={chipErrors.languages ?? fieldError("languages")}
            maxLength={35 * 4}
            onText={setLanguageText}
            onAdd={() => {
              const next = addLanguages(languages, languageText);
              setLanguages(next.items);
              setLanguageText(next.rest);
              setChipErrors((current) => ({ ...current, languages: next.error }));
            }}
            onRemove={(item) => setLanguages(languages.filter((tag) => tag !== item))}
            labelOf={(tag) => `${languageName(tag)} (${tag})`}
          />
          <Field id="profile-bio" label="About you" hint="Optional. What you teach and how; students see it.">
            <textarea
              id="profile-bio"
              rows={3}
              maxLength={MAX_BIO_CHARS}
              value={bio}
              aria-describedby="profile-bio-hint"
              onInput={(e) => setBio(e.currentTarget.value)}
            />
          </Field>
          <PolicyEditor
            draft={policy}
            onChange={setPolicy}
            issues={policyErrors}
            hourlyRate={preview}
            currency={currency}
          />
          {chipErrors.subjects || chipErrors.languages ? (
            <ErrorNotice>Subjects or languages need a change: see the marked fields.</ErrorNotice>
          ) : Object.keys(policyErrors).some((path) => path.startsWith("cancellationPolicy")) ? (
            <ErrorNotice>The cancellation policy needs a change: see the marked fields.</ErrorNotice>
          ) : (
            <ErrorNotice error={error} />
          )}
          {saved && (
            <Notice tone="success" live>
              Profile saved.
            </Notice>
          )}
          <div class="button-row">
            <button type="submit" class="primary" disabled={busy}>
              {busy ? "Saving…" : "Save profile"}
            </button>
          </div>
        </form>
      )}
    </section>
  );
}

interface ChipChange {
  items: string[];
  /** What stays in the input: the parts that could not be added. */
  rest: string;
  error?: string | undefined;
}

/** Adds the comma-separated subjects of `text`: trimmed, each once whatever its case, at most 10. */
function addSubjects(current: string[], text: string): ChipChange {
  const typed = text
    .split(",")
    .map(cleanSubject)
    .filter((part) => part !== "");
  const tooLong = typed.filter((part) => [...part].length > TUTOR_LIMITS.subjectChars);
  const items = dedupeSubjects([...current, ...typed.filter((part) => !tooLong.includes(part))]);
  if (tooLong.length > 0) {
    return {
      items: items.slice(0, TUTOR_LIMITS.subjects),
      rest: tooLong.join(", "),
      error: `A subject has at most ${TUTOR_LIMITS.subjectChars} characters.`,
    };
  }
  if (items.length > TUTOR_LIMITS.subjects) {
    const kept = items.slice(0, TUTOR_LIMITS.subjects);
    const keys = new Set(kept.map(subjectKey));
    return {
      items: kept,
      rest: items.filter((item) => !keys.has(subjectKey(item))).join(", "),
      error: `At most ${TUTOR_LIMITS.subjects} subjects.`,
    };
  }
  return { items, rest: "" };
}

/** Adds the comma- or space-separated language tags of `text`, canonical and each once, at most 10. */
function addLanguages(current: string[], text: string): ChipChange {
  const typed = text.split(/[\s,]+/u).filter((part) => part !== "");
  const unknown = typed.filter((part) => canonicalLanguage(part) === undefined);
  const added = typed.map(canonicalLanguage).filter((tag): tag is string => tag !== undefined);
  const items = [...new Set([...current, ...added])];
  if (unknown.length > 0) {
    return {
      items: items.slice(0, TUTOR_LIMITS.languages),
      rest: unknown.join(" "),
      error: `“${unknown[0]}” is not a language code such as en, de or pt-BR.`,
    };
  }
  if (items.length > TUTOR_LIMITS.languages) {
    return {
      items: items.slice(0, TUTOR_LIMITS.languages),
      rest: items.slice(TUTOR_LIMITS.languages).join(" "),
      error: `At most ${TUTOR_LIMITS.languages} languages.`,
    };
  }
  return { items, rest: "" };
}

/** A text input that turns what is typed into removable chips (Enter, a comma or the Add button). */
function ChipInput({
  id,
  label,
  hint,
  items,
  text,
  error,
  maxLength,
  onText,
  onAdd,
  onRemove,
  labelOf,
}: {
  id: string;
  label: string;
  hint: string;
  items: string[];
  text: string;
  error?: string | undefined;
  maxLength: number;
  onText: (text: string) => void;
  onAdd: () => void;
  onRemove: (item: string) => void;
  labelOf: (item: string) => string;
}) {
  return (
    <div class={error ? "field has-error" : "field"}>
      <label for={id}>{label}</label>
      {items.length > 0 && (
        <ul class="chip-list" aria-label={label}>
          {items.map((item) => (
            <li key={item} class="chip">
              {labelOf(item)}
              <button
                type="button"
                class="chip-remove"
                aria-label={`Remove ${labelOf(item)}`}
                onClick={() => onRemove(item)}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      <div class="chip-input">
        <input
          id={id}
          value={text}
          maxLength={maxLength}
          aria-invalid={error ? true : undefined}
          aria-describedby={describedBy(id, true, error)}
          onInput={(e) => {
            const value = e.currentTarget.value;
            onText(value);
          }}
          onKeyDown={(e) => {
            if (e.key === "Enter") {
              e.preventDefault();
              if (text.trim()) onAdd();
            }
          }}
        />
        <button type="button" class="secondary" onClick={onAdd} disabled={!text.trim()}>
          Add<span class="sr-only"> to {label.toLowerCase()}</span>
        </button>
      </div>
      <p class="hint" id={`${id}-hint`}>
        {hint}
      </p>
      {error && (
        <p class="field-error" id={`${id}-error`}>
          {error}
        </p>
      )}
    </div>
  );
}

/** The photo: chosen, made small in the browser, uploaded at once; removable. Needs a saved profile. */
function PhotoEditor({
  enabled,
  photoUrl: saved,
  onChange,
}: {
  enabled: boolean;
  photoUrl: string | null;
  onChange: (photoUrl: string | null) => void;
}) {
  const user = useUser();
  const [busy, setBusy] = useState<"upload" | "remove" | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [done, setDone] = useState<string | undefined>(undefined);
  const [preview, setPreview] = useState<string | undefined>(undefined);
  useEffect(() => () => (preview ? URL.revokeObjectURL(preview) : undefined), [preview]);

  const upload = async (input: HTMLInputElement) => {
    const file = input.files?.[0];
    if (!file) return;
    setError(undefined);
    setDone(undefined);
    setBusy("upload");
    try {
      const photo = await preparePhoto(file);
      setPreview(URL.createObjectURL(photo));
      onChange((await tutorsApi.uploadPhoto(photo)).photoUrl);
      setDone("Photo saved.");
    } catch (caught) {
      setError(caught instanceof PhotoError ? caught.message : caught);
    } finally {
      setPreview(undefined);
      setBusy(undefined);
      input.value = "";
    }
  };

  const remove = async () => {
    setError(undefined);
    setDone(undefined);
    setBusy("remove");
    try {
      onChange((await tutorsApi.removePhoto()).photoUrl);
      setDone("Photo removed.");
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(undefined);
    }
  };

  const photoUrl = preview ?? saved;
  return (
    <div class="field">
      <div class="photo-editor">
        <TutorPhoto name={user.name} photoUrl={photoUrl} size="large" />
        <div class="photo-editor-actions">
          <div>
            <label for="profile-photo">Photo</label>
            <input
              id="profile-photo"
              type="file"
              accept="image/jpeg,image/png,image/webp"
              disabled={!enabled || busy !== undefined}
              aria-describedby="profile-photo-hint"
              onChange={(e) => void upload(e.currentTarget)}
            />
            <p class="hint" id="profile-photo-hint">
              {enabled
                ? "A JPEG, PNG or WebP photo of you; it is made small here (512 px) and saved at once."
                : "Save your hourly rate first; then you can add a photo."}
            </p>
          </div>
          {saved && (
            <button
              type="button"
              class="secondary"
              disabled={busy !== undefined}
              onClick={() => void remove()}
            >
              {busy === "remove" ? "Removing…" : "Remove photo"}
            </button>
          )}
        </div>
      </div>
      {busy === "upload" && <p role="status">Uploading your photo…</p>}
      {done && (
        <Notice tone="success" live>
          {done}
        </Notice>
      )}
      {typeof error === "string" ? <ErrorNotice>{error}</ErrorNotice> : <ErrorNotice error={error} />}
    </div>
  );
}
