import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "../api/endpoints";
import { ApiError } from "../api/http";
import type {
  WebhookDelivery,
  WebhookEndpoint,
  WebhookEndpointCreated,
  WebhookEventType,
} from "../api/types";
import { ConfirmDialog } from "../components/confirm-dialog";
import { Async, Badge, describedBy, Empty, ErrorNotice, Field, Notice, Page } from "../components/ui";
import { announce } from "../lib/announce";
import { useUser } from "../lib/auth";
import { formatDateTime, zoneLabel } from "../lib/format";
import {
  attemptOutcome,
  DELIVERY_POLL_MS,
  DELIVERY_STATUS,
  EVENT_LABELS,
  endpointIssues,
  endpointPayload,
  eventLabel,
  eventsSummary,
  shouldPollDeliveries,
  WEBHOOK_EVENT_TYPES,
} from "../lib/integrations";
import { usePolling, useResource } from "../lib/use-resource";
import "../styles/integrations.css";

const STANDARD_WEBHOOKS = "https://www.standardwebhooks.com/";

export function Integrations() {
  const user = useUser();
  const zone = user.timezone;
  const endpoints = useResource(() => api.webhookEndpoints());
  const [created, setCreated] = useState<WebhookEndpointCreated | null>(null);
  const [deleting, setDeleting] = useState<WebhookEndpoint | null>(null);

  const onCreated = (answer: WebhookEndpointCreated) => {
    endpoints.mutate((current) =>
      current ? { endpoints: [...current.endpoints, answer.endpoint] } : { endpoints: [answer.endpoint] },
    );
    setCreated(answer);
  };

  const remove = async (endpoint: WebhookEndpoint) => {
    await api.deleteWebhookEndpoint(endpoint.id);
    endpoints.mutate((current) =>
      current ? { endpoints: current.endpoints.filter((e) => e.id !== endpoint.id) } : current,
    );
    announce(`Endpoint ${endpoint.url} deleted.`);
  };

  return (
    <Page
      title="Integrations"
      intro={`Send your lesson events to your own systems as they happen. Times in ${zoneLabel(zone)}.`}
      wide
    >
      <section class="card" aria-labelledby="webhooks-about-heading">
        <h2 id="webhooks-about-heading">Webhooks</h2>
        <p class="webhooks-about">
          Lectern POSTs each event of your lessons (a booking confirmed, a session ended, a payout paid…) as
          JSON <code>{"{id, type, createdAt, data}"}</code> to every endpoint you add here. Each request is
          signed the <a href={STANDARD_WEBHOOKS}>Standard Webhooks</a> way: check the{" "}
          <code>webhook-signature</code> header, an HMAC-SHA256 of the <code>webhook-id</code>, the{" "}
          <code>webhook-timestamp</code> and the raw body keyed with the endpoint's secret, before you trust
          it. A delivery your server doesn't answer with a 2xx is retried with growing delays, always with the
          same <code>webhook-id</code>, so you can skip one you have already handled.
        </p>
      </section>

      <AddEndpointForm onCreated={onCreated} />

      <section aria-labelledby="endpoints-heading" class="endpoints-section">
        <h2 id="endpoints-heading">Your endpoints</h2>
        <Async resource={endpoints} label="Loading endpoints…">
          {(data) =>
            data.endpoints.length === 0 ? (
              <Empty>No endpoints yet. Add one above to start receiving events.</Empty>
            ) : (
              <ul class="endpoint-list">
                {data.endpoints.map((endpoint) => (
                  <EndpointCard
                    key={endpoint.id}
                    endpoint={endpoint}
                    zone={zone}
                    onDelete={() => setDeleting(endpoint)}
                  />
                ))}
              </ul>
            )
          }
        </Async>
      </section>

      <SecretDialog created={created} onDone={() => setCreated(null)} />
      <ConfirmDialog
        open={deleting !== null}
        title="Delete this endpoint?"
        confirmLabel="Delete endpoint"
        cancelLabel="Keep it"
        tone="danger"
        onConfirm={async () => {
          if (deleting) await remove(deleting);
        }}
        onClose={() => setDeleting(null)}
      >
        <p>
          Lectern stops sending events to <code class="endpoint-url-text">{deleting?.url}</code> at once. To
          receive them again you would add the endpoint anew, with a new secret.
        </p>
      </ConfirmDialog>
    </Page>
  );
}

/** URL and event types; a 400 from the API lands under the field it is about. */
function AddEndpointForm({ onCreated }: { onCreated: (answer: WebhookEndpointCreated) => void }) {
  const [url, setUrl] = useState("");
  const [checked, setChecked] = useState<ReadonlySet<WebhookEventType>>(() => new Set(WEBHOOK_EVENT_TYPES));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [local, setLocal] = useState<{ field: "url" | "events"; message: string } | null>(null);
  const urlInput = useRef<HTMLInputElement>(null);
  const firstEvent = useRef<HTMLInputElement>(null);

  const toggle = (type: WebhookEventType, on: boolean) => {
    setLocal(null);
    setChecked((current) => {
      const next = new Set(current);
      if (on) next.add(type);
      else next.delete(type);
      return next;
    });
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    setError(undefined);
    const form = endpointPayload(url, checked);
    if (!form.ok) {
      setLocal({ field: form.field, message: form.message });
      (form.field === "url" ? urlInput : firstEvent).current?.focus();
      return;
    }
    setLocal(null);
    setBusy(true);
    try {
      const answer = await api.createWebhookEndpoint(form.body);
      setUrl("");
      setChecked(new Set(WEBHOOK_EVENT_TYPES));
      onCreated(answer);
    } catch (caught) {
      setError(caught);
      if (caught instanceof ApiError && endpointIssues(caught.fieldIssues()).url) urlInput.current?.focus();
    } finally {
      setBusy(false);
    }
  };

  const apiIssues = error instanceof ApiError ? endpointIssues(error.fieldIssues()) : {};
  const issues = { ...apiIssues, ...(local ? { [local.field]: local.message } : {}) };
  // A refusal tied to a field is said under it; anything else (network, server) above the button.
  const generalError = apiIssues.url || apiIssues.events ? undefined : error;
  const allChecked = checked.size === WEBHOOK_EVENT_TYPES.length;

  return (
    <section class="card" aria-labelledby="add-endpoint-heading">
      <h2 id="add-endpoint-heading">Add an endpoint</h2>
      <form class="form" onSubmit={submit} noValidate>
        <Field
          id="endpoint-url"
          label="Endpoint URL"
          hint="The https address on your server that receives the events."
          error={issues.url}
        >
          <input
            ref={urlInput}
            id="endpoint-url"
            type="url"
            inputMode="url"
            autoComplete="off"
            spellcheck={false}
            required
            maxLength={2000}
            placeholder="https://example.com/webhooks/lectern"
            value={url}
            aria-invalid={issues.url ? true : undefined}
            aria-describedby={describedBy("endpoint-url", true, issues.url)}
            onInput={(e) => {
              setUrl(e.currentTarget.value);
              if (local?.field === "url") setLocal(null);
            }}
          />
        </Field>
        <fieldset
          class={issues.events ? "event-choices has-error" : "event-choices"}
          aria-describedby={describedBy("endpoint-events", true, issues.events)}
        >
          <legend>Events</legend>
          <div class="event-grid">
            {WEBHOOK_EVENT_TYPES.map((type, index) => (
              <label key={type} class="choice">
                <input
                  ref={index === 0 ? firstEvent : undefined}
                  type="checkbox"
                  value={type}
                  checked={checked.has(type)}
                  onChange={(e) => toggle(type, e.currentTarget.checked)}
                />
                <span>
                  {EVENT_LABELS[type]} <code class="event-type">{type}</code>
                </span>
              </label>
            ))}
          </div>
          <p class="hint" id="endpoint-events-hint">
            {allChecked
              ? "With every event checked, the endpoint also receives kinds of events Lectern adds later."
              : "Only the checked events are sent to this endpoint."}
          </p>
          {issues.events && (
            <p class="field-error" id="endpoint-events-error">
              {issues.events}
            </p>
          )}
        </fieldset>
        <ErrorNotice error={generalError} />
        <div class="button-row">
          <button type="submit" class="primary" disabled={busy}>
            {busy ? "Adding…" : "Add endpoint"}
          </button>
        </div>
      </form>
    </section>
  );
}

/**
 * The new endpoint's signing secret, which the API answers only once. Escape doesn't close it, so a
 * reflexive key press can't lose the secret; "Done" does.
 */
function SecretDialog({ created, onDone }: { created: WebhookEndpointCreated | null; onDone: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const input = useRef<HTMLInputElement>(null);
  const opener = useRef<HTMLElement | null>(null);
  const [copied, setCopied] = useState<"idle" | "copied" | "manual">("idle");

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (created && !dialog.open) {
      setCopied("idle");
      opener.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
      dialog.showModal();
      input.current?.focus();
      input.current?.select();
    } else if (!created && dialog.open) dialog.close();
  }, [created]);

  const selectSecret = () => {
    input.current?.focus();
    input.current?.select();
  };

  const copy = async () => {
    if (!created) return;
    try {
      if (!navigator.clipboard) throw new Error("no clipboard");
      await navigator.clipboard.writeText(created.secret);
      setCopied("copied");
    } catch {
      selectSecret();
      setCopied("manual");
    }
  };

  return (
    <dialog
      ref={ref}
      class="dialog secret-dialog"
      aria-labelledby="secret-dialog-title"
      onCancel={(event) => event.preventDefault()}
      onClose={() => {
        const target = opener.current;
        opener.current = null;
        if (target?.isConnected) target.focus();
        else document.querySelector<HTMLElement>("main h1")?.focus();
        onDone();
      }}
    >
      <h2 id="secret-dialog-title">Endpoint added</h2>
      {created && (
        <div class="dialog-body">
          <p>
            Lectern signs every delivery to <code class="endpoint-url-text">{created.endpoint.url}</code> with
            this secret. Keep it on your server to verify the <code>webhook-signature</code> header.
          </p>
          <Notice tone="warning">
            <strong>This secret is shown only once.</strong> Copy it now: if it is lost, delete the endpoint
            and add it again.
          </Notice>
          <div class="field">
            <label for="webhook-secret">Signing secret</label>
            <div class="secret-row">
              <input
                ref={input}
                id="webhook-secret"
                class="secret-input"
                readOnly
                value={created.secret}
                spellcheck={false}
                autoComplete="off"
                onFocus={(e) => e.currentTarget.select()}
              />
              <button type="button" class="secondary" onClick={() => void copy()}>
                Copy secret
              </button>
            </div>
            <p class="hint" role="status">
              {copied === "copied"
                ? "Copied to the clipboard."
                : copied === "manual"
                  ? "This browser didn't let Lectern copy it. The secret is selected: press Ctrl+C (⌘C on a Mac)."
                  : ""}
            </p>
          </div>
        </div>
      )}
      <div class="button-row">
        <button type="button" class="primary" onClick={() => ref.current?.close()}>
          Done
        </button>
      </div>
    </dialog>
  );
}

function EndpointCard({
  endpoint,
  zone,
  onDelete,
}: {
  endpoint: WebhookEndpoint;
  zone: string;
  onDelete: () => void;
}) {
  const [open, setOpen] = useState(false);
  const [testing, setTesting] = useState(false);
  const [testError, setTestError] = useState<unknown>(undefined);
  const [testSent, setTestSent] = useState(false);
  // Bumped after a test event is queued, so an open log shows it at once.
  const [version, setVersion] = useState(0);
  const headingId = `endpoint-${endpoint.id}-heading`;
  const logId = `endpoint-${endpoint.id}-deliveries`;

  const sendTest = async () => {
    setTesting(true);
    setTestError(undefined);
    setTestSent(false);
    try {
      await api.sendWebhookTest(endpoint.id);
      setTestSent(true);
      setVersion((v) => v + 1);
      announce(open ? "Test event queued." : "Test event queued. Show deliveries to follow it.");
    } catch (caught) {
      setTestError(caught);
    } finally {
      setTesting(false);
    }
  };

  return (
    <li class="card endpoint-card" data-testid={`endpoint-${endpoint.id}`} aria-labelledby={headingId}>
      <h3 id={headingId} class="endpoint-url-text">
        {endpoint.url}
      </h3>
      <dl class="facts endpoint-facts">
        <dt>Events</dt>
        <dd>{eventsSummary(endpoint.events)}</dd>
        <dt>Added</dt>
        <dd>{formatDateTime(endpoint.createdAt, zone)}</dd>
      </dl>
      <div class="button-row">
        <button type="button" class="secondary" disabled={testing} onClick={() => void sendTest()}>
          {testing ? "Sending…" : "Send test event"}
        </button>
        <button
          type="button"
          class="secondary"
          aria-expanded={open}
          aria-controls={open ? logId : undefined}
          onClick={() => setOpen((value) => !value)}
        >
          {open ? "Hide deliveries" : "Show deliveries"}
        </button>
        <button type="button" class="danger" onClick={onDelete}>
          Delete
        </button>
      </div>
      {testSent && (
        <Notice tone="success">Test event queued.{open ? "" : " Show deliveries to follow it."}</Notice>
      )}
      <ErrorNotice error={testError} />
      {open && <Deliveries id={logId} endpoint={endpoint} zone={zone} version={version} />}
    </li>
  );
}

/** The endpoint's log, newest first; polls while a delivery is still pending. */
function Deliveries({
  id,
  endpoint,
  zone,
  version,
}: {
  id: string;
  endpoint: WebhookEndpoint;
  zone: string;
  version: number;
}) {
  const deliveries = useResource(() => api.webhookDeliveries(endpoint.id), [endpoint.id]);
  const first = useRef(true);
  useEffect(() => {
    if (first.current) first.current = false;
    else void deliveries.reload();
  }, [version]);
  usePolling(
    () => void deliveries.reload(),
    DELIVERY_POLL_MS,
    shouldPollDeliveries(true, deliveries.data?.deliveries),
  );

  const headingId = `${id}-heading`;
  const refreshing = deliveries.loading && deliveries.data !== undefined;
  return (
    <section id={id} class="deliveries" aria-labelledby={headingId}>
      <div class="deliveries-head">
        <h4 id={headingId}>Deliveries</h4>
        <button
          type="button"
          class="secondary small"
          disabled={deliveries.loading}
          onClick={() => void deliveries.reload()}
        >
          {refreshing ? "Refreshing…" : "Refresh"}
        </button>
      </div>
      {deliveries.data !== undefined && <ErrorNotice error={deliveries.error} />}
      <Async resource={deliveries} label="Loading deliveries…">
        {(data) =>
          data.deliveries.length === 0 ? (
            <Empty>No deliveries yet. Send a test event to try the endpoint.</Empty>
          ) : (
            <DeliveryTable deliveries={data.deliveries} zone={zone} labelledBy={headingId} />
          )
        }
      </Async>
    </section>
  );
}

function DeliveryTable({
  deliveries,
  zone,
  labelledBy,
}: {
  deliveries: WebhookDelivery[];
  zone: string;
  labelledBy: string;
}) {
  return (
    <div class="table-wrap deliveries-wrap">
      <table class="deliveries-table" aria-labelledby={labelledBy}>
        <thead>
          <tr>
            <th scope="col">Event</th>
            <th scope="col">Created</th>
            <th scope="col">Status</th>
            <th scope="col" class="num">
              Attempts
            </th>
            <th scope="col" class="num">
              Last status code
            </th>
            <th scope="col">Next attempt</th>
          </tr>
        </thead>
        <tbody>
          {deliveries.map((delivery) => {
            const status = DELIVERY_STATUS[delivery.status];
            return (
              <tr key={delivery.id} data-testid={`delivery-${delivery.id}`}>
                <td>
                  <details class="attempt-details">
                    <summary>{eventLabel(delivery.eventType)}</summary>
                    <p class="event-id">
                      <span class="hint">webhook-id</span> <code>{delivery.eventId}</code>
                    </p>
                    {delivery.log.length === 0 ? (
                      <p class="hint">No attempt yet.</p>
                    ) : (
                      <ol class="attempt-log" aria-label="Attempts, oldest first">
                        {delivery.log.map((attempt, index) => (
                          <li key={`${attempt.at}-${index}`}>
                            {formatDateTime(attempt.at, zone)}: {attemptOutcome(attempt)}
                          </li>
                        ))}
                      </ol>
                    )}
                  </details>
                </td>
                <td>{formatDateTime(delivery.createdAt, zone)}</td>
                <td data-testid="delivery-status">
                  <Badge tone={status.tone}>{status.label}</Badge>
                </td>
                <td class="num">{delivery.attempts}</td>
                <td class="num">{delivery.lastStatusCode ?? "—"}</td>
                <td>{delivery.nextAttemptAt ? formatDateTime(delivery.nextAttemptAt, zone) : "—"}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
