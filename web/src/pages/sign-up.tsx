import { useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import { MAX_NAME_CHARS, MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS } from "../../../src/shared/limits";
import { api } from "../api/endpoints";
import { ApiError } from "../api/http";
import type { Role } from "../api/types";
import { TimeZoneSelect } from "../components/time-zone-select";
import { describedBy, ErrorNotice, Field, Page } from "../components/ui";
import { useAuth } from "../lib/auth";
import { browserLocale } from "../lib/locale";
import { detectTimeZone } from "../lib/zoned-time";

export function SignUp() {
  const { setUser } = useAuth();
  const { route } = useLocation();
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [role, setRole] = useState<Role>("student");
  const [timezone, setTimezone] = useState(detectTimeZone);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [fields, setFields] = useState<Record<string, string>>({});

  const submit = async (event: Event) => {
    event.preventDefault();
    const local: Record<string, string> = {};
    if (!name.trim()) local.name = "Please enter your name.";
    if (password.length < MIN_PASSWORD_CHARS)
      local.password = `Use at least ${MIN_PASSWORD_CHARS} characters.`;
    setFields(local);
    if (Object.keys(local).length > 0) return;
    setBusy(true);
    setError(undefined);
    try {
      // Dates are written the way this browser writes them until the person picks otherwise (Account).
      const body: Parameters<typeof api.register>[0] & { locale: string } = {
        email,
        password,
        name: name.trim(),
        role,
        timezone,
        locale: browserLocale(),
      };
      const { user } = await api.register(body);
      setUser(user);
      route(user.role === "provider" ? "/teach" : "/find");
    } catch (caught) {
      if (caught instanceof ApiError && caught.code === "VALIDATION_FAILED") setFields(caught.fieldIssues());
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Page title="Create an account">
      <form class="card form narrow" onSubmit={submit}>
        <Field id="signup-name" label="Your name" error={fields.name}>
          <input
            id="signup-name"
            autocomplete="name"
            required
            maxLength={MAX_NAME_CHARS}
            value={name}
            aria-invalid={fields.name ? true : undefined}
            aria-describedby={describedBy("signup-name", false, fields.name)}
            onInput={(e) => setName(e.currentTarget.value)}
          />
        </Field>
        <Field id="signup-email" label="Email" error={fields.email}>
          <input
            id="signup-email"
            type="email"
            autocomplete="email"
            required
            value={email}
            aria-invalid={fields.email ? true : undefined}
            aria-describedby={describedBy("signup-email", false, fields.email)}
            onInput={(e) => setEmail(e.currentTarget.value)}
          />
        </Field>
        <Field
          id="signup-password"
          label="Password"
          hint={`At least ${MIN_PASSWORD_CHARS} characters.`}
          error={fields.password}
        >
          <input
            id="signup-password"
            type="password"
            autocomplete="new-password"
            required
            minLength={MIN_PASSWORD_CHARS}
            maxLength={MAX_PASSWORD_CHARS}
            value={password}
            aria-invalid={fields.password ? true : undefined}
            aria-describedby={describedBy("signup-password", true, fields.password)}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </Field>
        <fieldset class="choice-group">
          <legend>I want to</legend>
          <label class="choice">
            <input
              type="radio"
              name="role"
              value="student"
              checked={role === "student"}
              onChange={() => setRole("student")}
            />
            Learn: book lessons
          </label>
          <label class="choice">
            <input
              type="radio"
              name="role"
              value="provider"
              checked={role === "provider"}
              onChange={() => setRole("provider")}
            />
            Teach: publish lesson times
          </label>
        </fieldset>
        <Field
          id="signup-timezone"
          label="Time zone"
          hint="Detected from this device. Lesson times are shown in this zone; you can change it later."
          error={fields.timezone}
        >
          <TimeZoneSelect
            id="signup-timezone"
            value={timezone}
            onChange={setTimezone}
            describedBy={describedBy("signup-timezone", true, fields.timezone)}
          />
        </Field>
        <ErrorNotice error={error} />
        <div class="button-row">
          <button type="submit" class="primary" disabled={busy}>
            {busy ? "Creating your account…" : "Create account"}
          </button>
        </div>
        <p>
          Already have an account? <a href="/signin">Sign in</a>
        </p>
      </form>
    </Page>
  );
}
