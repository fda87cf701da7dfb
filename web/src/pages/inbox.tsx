import { api } from "../api/endpoints";
import { Async, Badge, Empty, Page } from "../components/ui";
import { useUser } from "../lib/auth";
import { formatDateTime } from "../lib/format";
import { usePolling, useResource } from "../lib/use-resource";

/** The emails Lectern sent (or is about to send) this person: confirmations, refunds, reminders. */
export function Inbox() {
  const user = useUser();
  const mail = useResource(() => api.notifications().then((answer) => answer.notifications));
  usePolling(() => void mail.reload(), 20_000);
  return (
    <Page title="Inbox" intro={`Emails sent to ${user.email}.`}>
      <Async resource={mail} label="Loading your emails…">
        {(list) =>
          list.length === 0 ? (
            <Empty>No emails yet. Booking confirmations, refunds and reminders show up here.</Empty>
          ) : (
            <ul class="mail-list">
              {list.map((item) => (
                <li key={item.id} class="card">
                  <details>
                    <summary>
                      <strong>{item.subject}</strong>{" "}
                      <span class="hint">{formatDateTime(item.sentAt ?? item.createdAt, user.timezone)}</span>{" "}
                      {item.status !== "SENT" && (
                        <Badge tone="warn">
                          {item.status === "PENDING" ? "Sending" : item.status.toLowerCase()}
                        </Badge>
                      )}
                    </summary>
                    <pre class="mail-body">{item.text}</pre>
                  </details>
                </li>
              ))}
            </ul>
          )
        }
      </Async>
    </Page>
  );
}
