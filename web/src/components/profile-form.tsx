import { useEffect, useRef, useState } from "preact/hooks";
import { DEFAULT_CANCELLATION_POLICY } from "../../../src/shared/cancellation-policy";
import { MAX_BIO_CHARS } from "../../../src/shared/limits";
import { api } from "../api/endpoints";
import { ApiError } from "../api/http";
import { formatMoney, fromMinorUnits, toMinorUnits } from "../lib/format";
import { useResource } from "../lib/use-resource";
import { draftFromPolicy, type PolicyDraft, PolicyEditor, policyFromDraft } from "./policy-editor";
import { describedBy, ErrorNotice, Field, Loading, Notice } from "./ui";

const CURRENCIES = ["usd", "eur", "gbp", "chf", "cad", "aud", "jpy", "sek", "nok", "dkk", "pln", "inr"];

/** The teacher's hourly rate, currency, bio and cancellation policy (PUT /api/me/provider-profile). */
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
  const [policy, setPolicy] = useState<PolicyDraft>(() => draftFromPolicy(DEFAULT_CANCELLATION_POLICY));
  const [policyIssues, setPolicyIssues] = useState<Record<string, string>>({});
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
    setBusy(true);
    try {
      const next = await api.saveProviderProfile({
        hourlyRate,
        currency,
        bio: bio.trim() || undefined,
        cancellationPolicy: parsed.policy,
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
          {Object.keys(policyErrors).some((path) => path.startsWith("cancellationPolicy")) ? (
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
