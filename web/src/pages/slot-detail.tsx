import { useRef, useState } from "preact/hooks";
import { useLocation, useRoute } from "preact-iso";
import { api } from "../api/endpoints";
import { ApiError } from "../api/http";
import type { Session, Slot, SlotBooking } from "../api/types";
import { ConfirmDialog } from "../components/confirm-dialog";
import { SeatCount } from "../components/seat-count";
import { SessionControls } from "../components/session-controls";
import { SlotForm } from "../components/slot-form";
import { SlotWaitlist } from "../components/slot-waitlist";
import { Async, Badge, Empty, Notice, Page } from "../components/ui";
import { useUser } from "../lib/auth";
import { formatDuration, formatMoney, formatRange, SESSION_TYPE_LABEL, zoneLabel } from "../lib/format";
import { BOOKING_STATUS, paymentText, SESSION_STATUS, SLOT_STATUS } from "../lib/labels";
import { loadOwnProfile, loadOwnUpcomingSlots } from "../lib/provider-data";
import { useRoom } from "../lib/room";
import { useResource } from "../lib/use-resource";

interface SlotView {
  slot: Slot;
  bookings: SlotBooking[];
  session: Session | undefined;
}

async function loadBookings(slotId: string): Promise<SlotBooking[]> {
  try {
    return (await api.slotBookings(slotId)).bookings;
  } catch (error) {
    if (!(error instanceof ApiError && error.code === "NOT_FOUND")) throw error;
    // Older API without GET /api/slots/:id/bookings: the provider's own list, without names.
    const { bookings } = await api.myBookings();
    return bookings
      .filter((booking) => booking.slotId === slotId)
      .map((booking) => ({ ...booking, student: { id: booking.studentId, name: "A student" } }));
  }
}

async function loadView(id: string): Promise<SlotView> {
  const [slot, bookings] = await Promise.all([api.slot(id), loadBookings(id)]);
  const sessionId = bookings.find((booking) => booking.sessionId)?.sessionId;
  const session = sessionId
    ? await api.session(sessionId)
    : (await api.mySessions()).sessions.find((candidate) => candidate.slotId === id);
  return { slot, bookings, session };
}

/** One slot for its teacher: live seats, bookings, the session's controls, edit and delete. */
export function SlotDetail() {
  const user = useUser();
  const { params } = useRoute();
  const { query, route } = useLocation();
  const id = params.id ?? "";
  const zone = user.timezone;
  const view = useResource(() => loadView(id), [id]);
  const reloadTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const [roomKey, setRoomKey] = useState(0);
  const room = useRoom(
    id,
    (message) => {
      if (message.type === "slot" || message.type.startsWith("session:")) {
        clearTimeout(reloadTimer.current);
        reloadTimer.current = setTimeout(() => void view.reload(), 300);
      }
    },
    roomKey,
  );

  return (
    <Page
      title="Slot"
      heading={view.data ? formatRange(view.data.slot.startsAt, view.data.slot.endsAt, zone) : "Slot"}
      intro={`Times in ${zoneLabel(zone)}.`}
      actions={
        <a class="button secondary" href="/teach">
          Back to calendar
        </a>
      }
    >
      {query.created && roomKey === 0 && (
        <Notice tone="success">
          Slot created.
          {view.data && view.data.slot.price.amount === 0
            ? " Students can book it once you set your hourly rate."
            : " Students can book it now."}
        </Notice>
      )}
      <Async resource={view} label="Loading the slot…">
        {({ slot, bookings, session }) => {
          const seatsLeft = room.seats?.seatsLeft ?? slot.seatsLeft;
          const status = room.seats?.status ?? slot.status;
          return (
            <>
              <section class="card" aria-labelledby="slot-summary">
                <h2 id="slot-summary">Summary</h2>
                <dl class="facts">
                  <dt>Type</dt>
                  <dd>{SESSION_TYPE_LABEL[slot.sessionType]}</dd>
                  <dt>Length</dt>
                  <dd>{formatDuration(slot.durationMinutes)}</dd>
                  <dt>Price</dt>
                  <dd>
                    {slot.price.amount > 0
                      ? `${formatMoney(slot.price.amount, slot.price.currency)} per student`
                      : "No price yet: set your hourly rate"}
                  </dd>
                  <dt>Status</dt>
                  <dd>
                    <Badge tone={SLOT_STATUS[status].tone}>{SLOT_STATUS[status].label}</Badge>
                  </dd>
                </dl>
                <SeatCount
                  capacity={slot.maxParticipants}
                  seatsLeft={seatsLeft}
                  status={status}
                  live={room.status === "open"}
                />
                {room.status === "reconnecting" && <p class="hint">Live updates paused; reconnecting…</p>}
              </section>

              <section class="card" aria-labelledby="session-heading">
                <h2 id="session-heading">Session</h2>
                {session ? (
                  <>
                    <p>
                      <Badge tone={SESSION_STATUS[session.status].tone}>
                        {SESSION_STATUS[session.status].label}
                      </Badge>{" "}
                      <a href={`/sessions/${session.id}`}>Open the session room</a>
                    </p>
                    <SessionControls
                      session={session}
                      bookings={bookings}
                      zone={zone}
                      onChanged={() => void view.reload()}
                    />
                  </>
                ) : (
                  <p>The session is created when the first student's payment is confirmed.</p>
                )}
              </section>

              <section class="card" aria-labelledby="bookings-heading">
                <h2 id="bookings-heading">Bookings</h2>
                {bookings.length === 0 ? (
                  <Empty>No bookings yet. Students find this slot under your name in “Find a tutor”.</Empty>
                ) : (
                  <div class="table-wrap">
                    <table>
                      <thead>
                        <tr>
                          <th scope="col">Student</th>
                          <th scope="col">Booking</th>
                          <th scope="col">Payment</th>
                        </tr>
                      </thead>
                      <tbody>
                        {bookings.map((booking) => (
                          <tr key={booking.id}>
                            <td>{booking.student.name}</td>
                            <td>
                              <Badge tone={BOOKING_STATUS[booking.status].tone}>
                                {BOOKING_STATUS[booking.status].label}
                              </Badge>
                            </td>
                            <td>{paymentText(booking, "provider")}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </div>
                )}
              </section>

              <SlotWaitlist slotId={slot.id} zone={zone} full={status === "FULL"} refreshKey={view.data} />

              <EditSection
                slot={slot}
                bookings={bookings}
                zone={zone}
                onChanged={() => {
                  void view.reload();
                  // The live seat count comes from the room, which reads the slot's size on connect.
                  setRoomKey((key) => key + 1);
                }}
                onDeleted={() => route("/teach")}
                providerId={user.id}
              />
            </>
          );
        }}
      </Async>
    </Page>
  );
}

function EditSection({
  slot,
  bookings,
  zone,
  providerId,
  onChanged,
  onDeleted,
}: {
  slot: Slot;
  bookings: SlotBooking[];
  zone: string;
  providerId: string;
  onChanged: () => void;
  onDeleted: () => void;
}) {
  const [editing, setEditing] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const context = useResource(
    async () =>
      editing
        ? { profile: await loadOwnProfile(), others: await loadOwnUpcomingSlots(providerId) }
        : undefined,
    [editing],
  );
  const active = bookings.some(
    (booking) => booking.status === "CONFIRMED" || booking.status === "PENDING_PAYMENT",
  );
  const locked = active || slot.seatsTaken > 0;
  const finished =
    slot.status === "CANCELLED" || slot.status === "COMPLETED" || slot.status === "IN_PROGRESS";

  if (finished) return null;
  return (
    <section class="card" aria-labelledby="edit-heading">
      <h2 id="edit-heading">Change or delete</h2>
      {locked ? (
        <p>
          This slot has bookings, so it can't be changed or deleted: the students agreed to this time and
          price. To call the lesson off, use <strong>Cancel session</strong> above; everyone who paid is
          refunded in full.
        </p>
      ) : (
        <>
          <div class="button-row">
            <button
              type="button"
              class="secondary"
              aria-expanded={editing}
              onClick={() => setEditing(!editing)}
            >
              {editing ? "Close the editor" : "Change time or size"}
            </button>
            <button type="button" class="danger" onClick={() => setConfirmDelete(true)}>
              Delete slot
            </button>
          </div>
          {editing && (
            <Async resource={context} label="Loading…">
              {(loaded) =>
                loaded ? (
                  <SlotForm
                    zone={zone}
                    slot={slot}
                    others={loaded.others}
                    profile={loaded.profile}
                    onSaved={() => {
                      setEditing(false);
                      onChanged();
                    }}
                  />
                ) : null
              }
            </Async>
          )}
          <ConfirmDialog
            open={confirmDelete}
            title="Delete this slot?"
            confirmLabel="Delete slot"
            tone="danger"
            onConfirm={async () => {
              await api.deleteSlot(slot.id);
              onDeleted();
            }}
            onClose={() => setConfirmDelete(false)}
          >
            <p>
              {formatRange(slot.startsAt, slot.endsAt, zone)} disappears from your calendar. Nobody has booked
              it, so nobody is affected.
              {slot.patternId ? " Your weekly pattern will not re-create it." : ""}
            </p>
          </ConfirmDialog>
        </>
      )}
    </section>
  );
}
