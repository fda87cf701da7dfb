import { useMemo, useState } from "preact/hooks";
import { MAX_NAME_CHARS } from "../../../src/shared/limits";
import { api } from "../api/endpoints";
import { ApiError } from "../api/http";
import { CalendarFeedCard } from "../components/calendar-feed-card";
import { ProfileForm } from "../components/profile-form";
import { TimeZoneSelect } from "../components/time-zone-select";
import { describedBy, ErrorNotice, Field, Notice, Page } from "../components/ui";
import { useAuth, useUser } from "../lib/auth";
import { formatDateTime, zoneLabel } from "../lib/format";
import { setDisplayLocale } from "../lib/locale";
import { localeOptions } from "../lib/locales";
import { canonicalZone } from "../lib/time-zones";
import { detectTimeZone } from "../lib/zoned-time";

export function Account() {
  const user = useUser();
  const { setUser } = useAuth();
  const [name, setName] = useState(user.name);
  const [timezone, setTimezone] = useState(user.timezone);
  const [locale, setLocale] = useState(user.locale);
  const locales = useMemo(() => localeOptions(user.locale), [user.locale]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [saved, setSaved] = useState(false);
  const detected = detectTimeZone();

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setSaved(false);
    try {
      const changes: Parameters<typeof api.updateMe>[0] & { locale: string } = {
        name: name.trim(),
        timezone,
        locale,
      };
      const updated = await api.updateMe(changes);
      // Before the re-render setUser causes, so every date on the next screen uses it.
      setDisplayLocale(updated.locale);
      setUser(updated);
      setSaved(true);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const issues = error instanceof ApiError ? error.fieldIssues() : {};
  return (
    <Page title="Account" intro={`Signed in as ${user.email}.`}>
      <section class="card" aria-labelledby="account-details">
        <h2 id="account-details">Your details</h2>
        <form class="form" onSubmit={submit}>
          <Field id="account-name" label="Name" error={issues.name}>
            <input
              id="account-name"
              required
              maxLength={MAX_NAME_CHARS}
              value={name}
              aria-describedby={describedBy("account-name", false, issues.name)}
              onInput={(e) => setName(e.currentTarget.value)}
            />
          </Field>
          <Field
            id="account-timezone"
            label="Time zone"
            hint={
              <>
                All lesson times are shown in {zoneLabel(timezone)}.
                {detected !== canonicalZone(timezone) && (
                  <>
                    {" "}
                    This device is set to {detected}.{" "}
                    <button type="button" class="link-button" onClick={() => setTimezone(detected)}>
                      Use {detected}
                    </button>
                  </>
                )}
              </>
            }
            error={issues.timezone}
          >
            <TimeZoneSelect
              id="account-timezone"
              value={timezone}
              onChange={setTimezone}
              describedBy={describedBy("account-timezone", true, issues.timezone)}
            />
          </Field>
          <Field
            id="account-locale"
            label="Date format (language and region)"
            hint={
              <>
                Dates look like this: {formatDateTime(Date.now(), timezone, locale)}. The words of the app and
                its emails stay in English.
              </>
            }
            error={issues.locale}
          >
            <select
              id="account-locale"
              value={locale}
              aria-describedby={describedBy("account-locale", true, issues.locale)}
              onChange={(e) => setLocale(e.currentTarget.value)}
            >
              {locales.map((option) => (
                <option key={option.tag} value={option.tag} lang={option.tag}>
                  {option.label}
                </option>
              ))}
            </select>
          </Field>
          <ErrorNotice error={error} />
          {saved && (
            <Notice tone="success" live>
              Saved.
            </Notice>
          )}
          <div class="button-row">
            <button type="submit" class="primary" disabled={busy}>
              {busy ? "Saving…" : "Save details"}
            </button>
          </div>
        </form>
      </section>
      {user.role === "provider" && <ProfileForm />}
      <CalendarFeedCard />
    </Page>
  );
}
