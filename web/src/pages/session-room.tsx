import { useEffect, useMemo, useRef } from "preact/hooks";
import { useRoute } from "preact-iso";
import { agoraUid } from "../../../src/shared/agora-uid";
import { MAX_CHAT_TEXT, SESSION_EARLY_START_MS } from "../../../src/shared/limits";
import { MINUTE_MS } from "../../../src/shared/time";
import { api } from "../api/endpoints";
import { ApiError } from "../api/http";
import type { Session, SlotBooking } from "../api/types";
import { AttendanceCard } from "../components/attendance-card";
import { AttendanceVerdicts } from "../components/attendance-verdicts";
import { ChatPanel } from "../components/chat-panel";
import { SeatCount } from "../components/seat-count";
import { SessionControls } from "../components/session-controls";
import { Async, Badge, Notice, Page } from "../components/ui";
import { VideoPanel } from "../components/video-panel";
import { useUser } from "../lib/auth";
import { loadProviders, loadSlot } from "../lib/directory";
import { formatMoney, formatRange, formatTime, zoneLabel } from "../lib/format";
import { plural, SESSION_STATUS } from "../lib/labels";
import { type RoomEvent, useRoom } from "../lib/room";
import { eventsFromSession, mergeEvents } from "../lib/room-state";
import { useResource } from "../lib/use-resource";

async function loadRoom(id: string, isProvider: boolean) {
  const session = await api.session(id);
  const [slot, providers, bookings] = await Promise.all([
    loadSlot(session.slotId, true),
    loadProviders(),
    isProvider
      ? api
          .slotBookings(session.slotId)
          .then((answer) => answer.bookings)
          .catch((error: unknown) => {
            if (error instanceof ApiError && error.code === "NOT_FOUND") return [] as SlotBooking[];
            throw error;
          })
      : Promise.resolve([] as SlotBooking[]),
  ]);
  return { session, slot, provider: providers.get(session.providerId), bookings };
}

/** The live lesson: video, the room's chat and presence, session events as they happen. */
export function SessionRoom() {
  const user = useUser();
  const { params } = useRoute();
  const id = params.id ?? "";
  const zone = user.timezone;
  const isProvider = user.role === "provider";
  const data = useResource(() => loadRoom(id, isProvider), [id]);
  const reloadTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  // The room admits the teacher and confirmed students only; anyone else would just be refused.
  const admitted =
    isProvider ||
    (data.data?.session.participants.some((p) => p.userId === user.id && p.status === "CONFIRMED") ?? false);
  const reloadSoon = () => {
    clearTimeout(reloadTimer.current);
    reloadTimer.current = setTimeout(() => void data.reload(), 250);
  };
  // Every session:* frame changes what the page shows (status, video, chat, attendance): read the
  // session again rather than patch it from the frame.
  const room = useRoom(admitted ? data.data?.slot.id : undefined, (message) => {
    if (message.type.startsWith("session:") || (isProvider && message.type === "slot")) reloadSoon();
  });
  // Each time the socket (re)connects, read the session again: whatever happened between the
  // page's first read and the connection, or while it was down, came as no frame.
  useEffect(() => {
    if (room.status === "open") reloadSoon();
  }, [room.status]);
  useEffect(() => () => clearTimeout(reloadTimer.current), []);

  // Names for presence and video tiles: the teacher, the students the teacher can see, chat senders.
  const names = useMemo(() => {
    const map = new Map<string, string>([[user.id, `${user.name} (you)`]]);
    const loaded = data.data;
    if (loaded) {
      map.set(loaded.session.providerId, `${loaded.provider?.name ?? "The instructor"} (instructor)`);
      for (const booking of loaded.bookings) map.set(booking.student.id, booking.student.name);
    }
    for (const line of room.chat) if (!map.has(line.senderId)) map.set(line.senderId, line.senderName);
    map.set(user.id, `${user.name} (you)`);
    return map;
  }, [data.data, room.chat, user.id, user.name]);
  const nameOf = (userId: string) => names.get(userId) ?? "A student";
  const uidNames = useMemo(
    () => new Map([...names].map(([userId, name]) => [agoraUid(userId), name])),
    [names],
  );

  return (
    <Page
      title="Lesson room"
      wide
      heading={
        data.data
          ? `Lesson: ${formatRange(data.data.session.startsAt, data.data.session.endsAt, zone)}`
          : "Lesson room"
      }
      intro={data.data ? `${withWhom(data.data, isProvider)} Times in ${zoneLabel(zone)}.` : undefined}
    >
      <Async resource={data} label="Opening the room…">
        {({ session, slot, bookings }) => {
          const status = SESSION_STATUS[session.status];
          const confirmedBookings = bookings.filter((booking) => booking.status === "CONFIRMED");
          const tutorNoShow = session.cancelReason === "PROVIDER_NO_SHOW";
          if (!admitted) {
            if (tutorNoShow)
              return (
                <Notice tone="warning">
                  Your tutor did not show up — refunded in full. See <a href="/bookings">My bookings</a> for
                  the refund.
                </Notice>
              );
            return (
              <Notice tone="warning">
                Your booking for this lesson was cancelled, so the room is closed to you. See{" "}
                <a href="/bookings">My bookings</a> for the refund.
              </Notice>
            );
          }
          return (
            <div class="room-layout">
              <div class="room-main">
                <section class="card" aria-labelledby="session-state">
                  <h2 id="session-state">
                    Session <Badge tone={status.tone}>{status.label}</Badge>
                  </h2>
                  <p aria-live="polite">{sessionSentence(session, zone, isProvider)}</p>
                  {isProvider && (
                    <>
                      <SeatCount
                        capacity={slot.maxParticipants}
                        seatsLeft={room.seats?.seatsLeft ?? slot.seatsLeft}
                        live={room.status === "open"}
                      />
                      {confirmedBookings.length > 0 && (
                        <p class="hint">
                          Paid:{" "}
                          {confirmedBookings
                            .map((b) => `${b.student.name} (${formatMoney(b.amount, b.currency)})`)
                            .join(", ")}
                        </p>
                      )}
                      <SessionControls
                        session={session}
                        bookings={bookings}
                        zone={zone}
                        onChanged={() => void data.reload()}
                      />
                      <p class="spaced">
                        <a href={`/teach/slots/${slot.id}`}>Slot details and bookings</a>
                      </p>
                    </>
                  )}
                </section>
                <AttendanceVerdicts
                  session={session}
                  meId={user.id}
                  isProvider={isProvider}
                  nameOf={nameOf}
                />
                <VideoPanel
                  sessionId={session.id}
                  status={session.status}
                  nameOfUid={(uid) => uidNames.get(uid) ?? "A participant"}
                />
                {isProvider && session.status !== "SCHEDULED" && (
                  <AttendanceCard
                    sessionId={session.id}
                    zone={zone}
                    nameOf={nameOf}
                    live={session.status === "IN_PROGRESS"}
                    refreshKey={session.status}
                  />
                )}
              </div>
              <div class="room-side">
                <section class="card" aria-labelledby="presence-heading">
                  <h2 id="presence-heading">In the room</h2>
                  <p class="hint" role="status">
                    {room.status === "open"
                      ? "Connected."
                      : room.status === "connecting"
                        ? "Connecting to the room…"
                        : "Connection lost. Reconnecting…"}
                  </p>
                  {room.online.length === 0 ? (
                    <p class="hint">Nobody is here yet.</p>
                  ) : (
                    <ul class="presence" aria-label="Online now">
                      {room.online.map((userId) => (
                        <li key={userId}>
                          <span class="online-dot" aria-hidden="true" />
                          {nameOf(userId)}
                        </li>
                      ))}
                    </ul>
                  )}
                </section>
                <ChatPanel
                  id="room-chat"
                  title="Room chat"
                  messages={room.chat}
                  meId={user.id}
                  zone={zone}
                  maxLength={MAX_CHAT_TEXT}
                  disabledReason={
                    session.status === "COMPLETED" || session.status === "CANCELLED"
                      ? `The session ${session.status === "COMPLETED" ? "has ended" : "was cancelled"}: the chat is read-only.`
                      : room.status === "open"
                        ? undefined
                        : "Chat reconnects in a moment…"
                  }
                  error={room.error}
                  onSend={(text) => room.send(text)}
                />
                <EventLog events={mergeEvents(eventsFromSession(session), room.events)} zone={zone} />
              </div>
            </div>
          );
        }}
      </Async>
    </Page>
  );
}

/** Who the lesson is with, from the reader's side: the tutor for a student, the students for the tutor. */
function withWhom(
  loaded: { provider: { name: string } | undefined; bookings: SlotBooking[] },
  isProvider: boolean,
): string {
  if (!isProvider) return `With ${loaded.provider?.name ?? "your tutor"}.`;
  const names = loaded.bookings
    .filter((booking) => booking.status === "CONFIRMED")
    .map((booking) => booking.student.name);
  if (names.length === 0) return "Your lesson; no student has a confirmed seat.";
  const list =
    names.length === 1 ? names[0] : `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
  return `Your lesson with ${list}.`;
}

function sessionSentence(session: Session, zone: string, isProvider: boolean): string {
  if (session.cancelReason === "PROVIDER_NO_SHOW") {
    return isProvider
      ? "You didn't join this lesson, so it counts as a no-show: every student was refunded in full."
      : "Your tutor did not show up — refunded in full.";
  }
  switch (session.status) {
    case "SCHEDULED":
      return `Starts at ${formatTime(session.startsAt, zone)}. The instructor can open it from ${SESSION_EARLY_START_MS / MINUTE_MS} minutes before.`;
    case "IN_PROGRESS":
      return `Live since ${formatTime(session.startedAt ?? session.startsAt, zone)}. Join the video below.`;
    case "COMPLETED":
      return `Ended at ${formatTime(session.endedAt ?? session.endsAt, zone)}.`;
    case "CANCELLED":
      return "The instructor cancelled this session. Everyone who paid is refunded in full.";
  }
}

function describeEvent(event: RoomEvent): string {
  switch (event.type) {
    case "session:booked":
      return `A seat was booked (${event.seatsLeft} left).`;
    case "session:started":
      return "The session started.";
    case "session:ended":
      return "The session ended.";
    case "session:cancelled":
      return "The session was cancelled; payments are being refunded.";
    case "session:seat-freed":
      return `A student ${event.reason === "rescheduled" ? "moved to another time" : "cancelled"}; ${plural(event.seatsLeft, "seat")} free.`;
    case "slot":
      return event.status === "FULL" ? "All seats are taken." : `Seats left: ${event.seatsLeft}.`;
  }
}

function EventLog({ events, zone }: { events: RoomEvent[]; zone: string }) {
  return (
    <section class="card" aria-labelledby="events-heading">
      <h2 id="events-heading">Session events</h2>
      <ol class="event-log" role="log" aria-live="polite" aria-label="Session events">
        {events.length === 0 && (
          <li class="hint">Nothing yet. Starts, ends and bookings appear here as they happen.</li>
        )}
        {events.map((event) => (
          <li key={`${event.type}-${event.receivedAt}`}>
            <time dateTime={new Date(event.receivedAt).toISOString()}>
              {formatTime(event.receivedAt, zone)}
            </time>{" "}
            {describeEvent(event)}
          </li>
        ))}
      </ol>
    </section>
  );
}
