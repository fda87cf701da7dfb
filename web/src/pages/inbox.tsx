import { useState } from "preact/hooks";
import { api } from "../api/endpoints";
import { Async, Badge, Empty, Page } from "../components/ui";
import { useUser } from "../lib/auth";
import { formatDateTime } from "../lib/format";
import { MAIL_KIND } from "../lib/labels";
import { usePolling, useResource } from "../lib/use-resource";

/**
 * The emails Lectern sent (or is about to send) this person, newest first: confirmations,
 * refunds, reminders, and what the other side did (a student cancelling, a tutor not showing).
 */
export function Inbox() {
  const user = useUser();
  const mail = useResource(() =>
    api
      .notifications()
      .then((answer) => [...answer.notifications].sort((a, b) => b.createdAt.localeCompare(a.createdAt))),
  );
  const [checking, setChecking] = useState(false);
  usePolling(() => void mail.reload(), 20_000);
  const check = async () => {
    setChecking(true);
    try {
      await mail.reload();
    } finally {
      setChecking(false);
    }
  };
  return (
    <Page
      title="Inbox"
      intro={`Emails sent to ${user.email}.`}
      actions={
        <button type="button" class="secondary" disabled={checking} onClick={() => void check()}>
          {checking ? "Checking…" : "Check for new emails"}
        </button>
      }
    >
      <Async resource={mail} label="Loading your emails…">
        {(list) =>
          list.length === 0 ? (
            <Empty>No emails yet. Booking confirmations, refunds and reminders show up here.</Empty>
          ) : (
            <ul class="mail-list" aria-label="Emails, newest first">
              {list.map((item) => {
                const kind = MAIL_KIND[item.kind];
                return (
                  <li key={item.id} class="card" data-kind={item.kind}>
                    <details>
                      <summary>
                        {kind && <Badge tone={kind.tone}>{kind.label}</Badge>} <strong>{item.subject}</strong>{" "}
                        <span class="hint">
                          {formatDateTime(item.sentAt ?? item.createdAt, user.timezone)}
                        </span>{" "}
                        {item.status !== "SENT" && (
                          <Badge tone="warn">
                            {item.status === "PENDING" ? "Sending" : item.status.toLowerCase()}
                          </Badge>
                        )}
                      </summary>
                      <pre class="mail-body">{item.text}</pre>
                    </details>
                  </li>
                );
              })}
            </ul>
          )
        }
      </Async>
    </Page>
  );
}
