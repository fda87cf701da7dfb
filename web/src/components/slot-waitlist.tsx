import { useEffect, useRef } from "preact/hooks";
import { api } from "../api/endpoints";
import type { WaitlistEntry } from "../api/types";
import { errorCode } from "../lib/errors";
import { formatTime } from "../lib/format";
import { WAITLIST_STATUS } from "../lib/labels";
import { usePolling, useResource } from "../lib/use-resource";
import { Async, Badge, Empty } from "./ui";

const ORDER: Record<WaitlistEntry["status"], number> = {
  OFFERED: 0,
  WAITING: 1,
  BOOKED: 2,
  EXPIRED: 3,
  LEFT: 4,
};

/** The slot's waiting list for its teacher: who is in line, in which place, and who holds an offer. */
export function SlotWaitlist({
  slotId,
  zone,
  full,
  refreshKey,
}: {
  slotId: string;
  zone: string;
  full: boolean;
  /** Changes whenever the slot page reloads (a seat freed, a booking came in). */
  refreshKey: unknown;
}) {
  const list = useResource(async () => {
    try {
      return (await api.slotWaitlist(slotId)).entries;
    } catch (error) {
      // An API without waiting lists: nothing to show.
      if (errorCode(error) === "NOT_FOUND") return [];
      throw error;
    }
  }, [slotId]);
  usePolling(() => void list.reload(), 10_000);
  // Reload in place (no loading flash) whenever the slot page itself reloads.
  const first = useRef(true);
  useEffect(() => {
    if (first.current) first.current = false;
    else void list.reload();
  }, [refreshKey]);
  if (list.data && list.data.length === 0 && !full) return null;
  return (
    <section class="card" aria-labelledby="waitlist-heading">
      <h2 id="waitlist-heading">Waiting list</h2>
      <Async resource={list} label="Loading the waiting list…">
        {(entries) =>
          entries.length === 0 ? (
            <Empty>Nobody is waiting. Students can join the line while every seat is taken.</Empty>
          ) : (
            <div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Place</th>
                    <th scope="col">Student</th>
                    <th scope="col">Status</th>
                  </tr>
                </thead>
                <tbody>
                  {[...entries]
                    .sort((a, b) => ORDER[a.status] - ORDER[b.status] || a.position - b.position)
                    .map((entry) => (
                      <tr key={entry.id}>
                        <td>{entry.status === "WAITING" ? `#${entry.position}` : "—"}</td>
                        <td>{entry.student?.name ?? "A student"}</td>
                        <td>
                          <Badge tone={WAITLIST_STATUS[entry.status].tone}>
                            {WAITLIST_STATUS[entry.status].label}
                          </Badge>
                          {entry.status === "OFFERED" && entry.offerExpiresAt && (
                            <span class="hint"> until {formatTime(entry.offerExpiresAt, zone)}</span>
                          )}
                        </td>
                      </tr>
                    ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Async>
      <p class="hint">
        When a seat frees up, the first in line is offered it for a few minutes and told by email; if they
        don't take it, it goes to the next.
      </p>
    </section>
  );
}
