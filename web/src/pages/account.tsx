import { useState } from "preact/hooks";
import { MAX_NAME_CHARS } from "../../../src/shared/limits";
import { api } from "../api/endpoints";
import { ApiError } from "../api/http";
import { ProfileForm } from "../components/profile-form";
import { TimeZoneSelect } from "../components/time-zone-select";
import { describedBy, ErrorNotice, Field, Notice, Page } from "../components/ui";
import { useAuth, useUser } from "../lib/auth";
import { zoneLabel } from "../lib/format";
import { detectTimeZone } from "../lib/zoned-time";

export function Account() {
  const user = useUser();
  const { setUser } = useAuth();
  const [name, setName] = useState(user.name);
  const [timezone, setTimezone] = useState(user.timezone);
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
      setUser(await api.updateMe({ name: name.trim(), timezone }));
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
                {detected !== timezone && (
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
    </Page>
  );
}
