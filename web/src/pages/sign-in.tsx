import { useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import { api } from "../api/endpoints";
import { ErrorNotice, Field, Notice, Page } from "../components/ui";
import { useAuth } from "../lib/auth";

/** Only same-app paths are followed after sign-in. */
export function safeNext(next: string | undefined): string | undefined {
  return next?.startsWith("/") && !next.startsWith("//") ? next : undefined;
}

export function SignIn() {
  const { setUser, expired, user } = useAuth();
  const { query, route } = useLocation();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const { user: signedIn } = await api.login({ email, password });
      setUser(signedIn);
      route(safeNext(query.next) ?? (signedIn.role === "provider" ? "/teach" : "/find"));
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Page title="Sign in">
      {expired && <Notice tone="warning">Your session ended. Please sign in again.</Notice>}
      {user && <Notice>You are signed in as {user.email}.</Notice>}
      <form class="card form narrow" onSubmit={submit}>
        <Field id="signin-email" label="Email">
          <input
            id="signin-email"
            type="email"
            autocomplete="email"
            required
            value={email}
            onInput={(e) => setEmail(e.currentTarget.value)}
          />
        </Field>
        <Field id="signin-password" label="Password">
          <input
            id="signin-password"
            type="password"
            autocomplete="current-password"
            required
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </Field>
        <ErrorNotice error={error} />
        <div class="button-row">
          <button type="submit" class="primary" disabled={busy}>
            {busy ? "Signing in…" : "Sign in"}
          </button>
        </div>
        <p>
          New here? <a href="/signup">Create an account</a>
        </p>
      </form>
    </Page>
  );
}
