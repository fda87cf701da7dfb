import { useEffect, useRef, useState } from "preact/hooks";
import { useLocation, useRoute } from "preact-iso";
import { BOOKING_WINDOW_DAYS } from "../../../src/shared/limits";
import { DAY_MS } from "../../../src/shared/time";
import { api } from "../api/endpoints";
import type { Booking, Slot, WaitlistEntry } from "../api/types";
import { MessageTutorButton } from "../components/message-tutor-button";
import { PolicySummary } from "../components/policy-summary";
import { TutorHeader } from "../components/tutor-header";
import { Async, Badge, Empty, ErrorNotice, Page } from "../components/ui";
import { WaitlistOffer } from "../components/waitlist-offer";
import { announce } from "../lib/announce";
import { useUser } from "../lib/auth";
import { loadProviders } from "../lib/directory";
import { errorCode } from "../lib/errors";
import {
  formatDateKey,
  formatDuration,
  formatMoney,
  formatTime,
  SESSION_TYPE_LABEL,
  zoneLabel,
} from "../lib/format";
import { startBooking } from "../lib/start-booking";
import { usePolling, useResource } from "../lib/use-resource";
import { loadActiveWaitlist } from "../lib/waitlist";
import { dateKey } from "../lib/zoned-time";

const REFRESH_MS = 10_000;

/** The student's own booking of each slot that still holds a seat: paid, or held and waiting to be paid. */
function ownSeats(bookings: Booking[], now: number): Map<string, Booking> {
  const mine = new Map<string, Booking>();
  for (const booking of bookings) {
    const held = booking.status === "PENDING_PAYMENT" && Date.parse(booking.holdExpiresAt) > now;
    if (booking.status === "CONFIRMED" || held) mine.set(booking.slotId, booking);
  }
  return mine;
}

/**
 * Seats that moved since the last look, for screen readers (a seat offered from the waiting
 * list announces itself: see WaitlistOffer).
 */
function changesToAnnounce(
  before: { list: Slot[]; waitlist: Map<string, WaitlistEntry> },
  after: { list: Slot[]; waitlist: Map<string, WaitlistEntry> },
  describe: (slot: Slot) => string,
): string[] {
  const out: string[] = [];
  const old = new Map(before.list.map((slot) => [slot.id, slot]));
  for (const slot of after.list) {
    if (after.waitlist.get(slot.id)?.status === "OFFERED") continue;
    const was = old.get(slot.id);
    if (was && was.seatsLeft !== slot.seatsLeft) {
      out.push(
        slot.seatsLeft === 0
          ? `${describe(slot)} is now full.`
          : `${describe(slot)}: ${slot.seatsLeft} of ${slot.maxParticipants} ${slot.maxParticipants === 1 ? "seat" : "seats"} left.`,
      );
    }
  }
  return out;
}

/** A tutor's bookable slots for the next BOOKING_WINDOW_DAYS (28) days, grouped by day in the student's zone. */
export function TutorSlots() {
  const user = useUser();
  const { params } = useRoute();
  const { route } = useLocation();
  const providerId = params.providerId ?? "";
  const zone = user.timezone;
  const provider = useResource(
    () => loadProviders().then((map) => map.get(providerId) ?? null),
    [providerId],
  );
  const slots = useResource(async () => {
    const now = Date.now();
    const [{ slots: list }, waitlist, { bookings }] = await Promise.all([
      api.slots({
        providerId,
        from: new Date(now).toISOString(),
        to: new Date(now + (BOOKING_WINDOW_DAYS + 1) * DAY_MS).toISOString(),
      }),
      loadActiveWaitlist(),
      api.myBookings(),
    ]);
    const mine = ownSeats(bookings, now);
    return {
      list: list.filter((slot) => slot.status === "OPEN" || slot.status === "FULL"),
      waitlist: new Map(waitlist.map((entry) => [entry.slotId, entry])),
      mine,
    };
  }, [providerId]);
  const seen = useRef<typeof slots.data>(undefined);
  useEffect(() => {
    const next = slots.data;
    if (!next) return;
    const before = seen.current;
    seen.current = next;
    if (!before) return;
    const describe = (slot: Slot) =>
      `${formatDateKey(dateKey(Date.parse(slot.startsAt), zone), "day")} ${formatTime(slot.startsAt, zone)}`;
    const said = changesToAnnounce(before, next, describe);
    if (said.length > 0) announce(said.slice(0, 3).join(" "));
  }, [slots.data]);
  const waiting = slots.data
    ? [...slots.data.waitlist.values()].some((entry) => entry.status === "WAITING")
    : false;
  // On a waiting list, look more often: an offer is kept only for a few minutes.
  usePolling(() => void slots.reload(), waiting ? 4000 : REFRESH_MS);
  const [booking, setBooking] = useState<string | undefined>(undefined);
  const [errors, setErrors] = useState<Record<string, unknown>>({});

  const book = async (slot: Slot) => {
    setBooking(slot.id);
    setErrors((current) => ({ ...current, [slot.id]: undefined }));
    try {
      route(await startBooking(slot.id));
    } catch (caught) {
      setErrors((current) => ({ ...current, [slot.id]: caught }));
      void slots.reload();
    } finally {
      setBooking(undefined);
    }
  };

  /** Joins or leaves a full slot's waiting list, then shows the list as the server has it. */
  const changeWaitlist = async (slot: Slot, join: boolean) => {
    setBooking(slot.id);
    setErrors((current) => ({ ...current, [slot.id]: undefined }));
    try {
      if (join) await api.joinWaitlist(slot.id);
      else await api.leaveWaitlist(slot.id);
    } catch (caught) {
      setErrors((current) => ({ ...current, [slot.id]: caught }));
    } finally {
      await slots.reload();
      setBooking(undefined);
    }
  };

  const name = provider.data?.name ?? "Tutor";
  return (
    <Page
      title={name}
      heading={provider.data ? `Book ${provider.data.name}` : "Open times"}
      intro={
        <>
          Times in your time zone, {zoneLabel(zone)}.{" "}
          {provider.data && provider.data.timezone !== zone
            ? `${provider.data.name} teaches from ${provider.data.timezone}.`
            : ""}
        </>
      }
      actions={
        <a class="button secondary" href="/find">
          All tutors
        </a>
      }
    >
      {/* The header shows the tutor's photo, headline, subjects and bio. */}
      {provider.data && (
        <div class="tutor-top">
          <TutorHeader tutor={provider.data} />
          <MessageTutorButton providerId={providerId} providerName={provider.data.name} />
        </div>
      )}
      {provider.data === null && <ErrorNotice>This tutor doesn't exist (any more).</ErrorNotice>}
      {provider.data?.cancellationPolicy && <PolicySummary policy={provider.data.cancellationPolicy} />}
      <Async resource={slots} label="Loading open times…">
        {({ list, waitlist, mine }) => {
          if (list.length === 0)
            return <Empty>No open times in the next {BOOKING_WINDOW_DAYS} days. Check back later.</Empty>;
          const days = new Map<string, Slot[]>();
          for (const slot of list) {
            const key = dateKey(Date.parse(slot.startsAt), zone);
            days.set(key, [...(days.get(key) ?? []), slot]);
          }
          return (
            <div class="day-list">
              {[...days].map(([day, daySlots]) => (
                <section key={day} aria-labelledby={`d-${day}`} class="day-group">
                  <h2 id={`d-${day}`}>{formatDateKey(day)}</h2>
                  <ul class="bookable-list">
                    {daySlots.map((slot) => {
                      const full = slot.status === "FULL" || slot.seatsLeft === 0;
                      const unpriced = slot.price.amount <= 0;
                      const when = `${formatTime(slot.startsAt, zone)}–${formatTime(slot.endsAt, zone)}`;
                      const label = `${formatDateKey(day, "day")} ${when}`;
                      const error = errors[slot.id];
                      const entry = waitlist.get(slot.id);
                      const offered = entry?.status === "OFFERED";
                      const inLine = entry?.status === "WAITING";
                      const own = mine.get(slot.id);
                      return (
                        <li key={slot.id} class="bookable" data-slot={slot.id}>
                          <div class="bookable-main">
                            <span class="slot-time">{when}</span>
                            <span class="slot-meta">
                              {formatDuration(slot.durationMinutes)} · {SESSION_TYPE_LABEL[slot.sessionType]}
                              {slot.sessionType === "GROUP" &&
                                !full &&
                                ` · ${slot.seatsLeft} of ${slot.maxParticipants} seats left`}
                            </span>
                          </div>
                          <span class="price">
                            {unpriced ? "" : formatMoney(slot.price.amount, slot.price.currency)}
                          </span>
                          {own ? (
                            <OwnSeat booking={own} label={label} />
                          ) : offered ? (
                            <Badge tone="live">Offered to you</Badge>
                          ) : full ? (
                            <div class="bookable-actions">
                              <Badge tone="warn">Full</Badge>
                              {inLine ? (
                                <button
                                  type="button"
                                  class="secondary"
                                  disabled={booking !== undefined}
                                  aria-label={`Leave the waiting list for ${label}`}
                                  onClick={() => void changeWaitlist(slot, false)}
                                >
                                  {booking === slot.id ? "Leaving…" : "Leave"}
                                </button>
                              ) : (
                                !unpriced && (
                                  <button
                                    type="button"
                                    class="secondary"
                                    disabled={booking !== undefined}
                                    aria-label={`Join waitlist for ${label}`}
                                    onClick={() => void changeWaitlist(slot, true)}
                                  >
                                    {booking === slot.id ? "Joining…" : "Join waitlist"}
                                  </button>
                                )
                              )}
                            </div>
                          ) : unpriced ? (
                            <span class="hint">Not bookable yet</span>
                          ) : (
                            <button
                              type="button"
                              class="primary"
                              disabled={booking !== undefined}
                              aria-label={`Book ${label}`}
                              onClick={() => void book(slot)}
                            >
                              {booking === slot.id ? "Holding a seat…" : "Book"}
                            </button>
                          )}
                          {inLine && full && (
                            <p class="bookable-note" role="status">
                              You are #{entry.position} in line. If a seat frees up, it is offered to the
                              first in line for a few minutes; we'll email you.
                            </p>
                          )}
                          {offered && (
                            <div class="bookable-note">
                              <WaitlistOffer
                                entry={entry}
                                slot={slot}
                                zone={zone}
                                onLapsed={() => void slots.reload()}
                              />
                            </div>
                          )}
                          {error ? (
                            <div class="bookable-error">
                              <ErrorNotice error={error} />
                              {errorCode(error) === "ALREADY_BOOKED" && (
                                <a href="/bookings">Go to My bookings</a>
                              )}
                              {errorCode(error) === "TOO_MANY_HOLDS" && (
                                <a href="/bookings">Pay for or cancel one in My bookings</a>
                              )}
                            </div>
                          ) : null}
                        </li>
                      );
                    })}
                  </ul>
                </section>
              ))}
            </div>
          );
        }}
      </Async>
    </Page>
  );
}

/**
 * A time the student already has: their lesson (with the way into it), or a seat they hold and
 * still have to pay for (checkout fetches the payment from the API, so any tab or device works).
 */
function OwnSeat({ booking, label }: { booking: Booking; label: string }) {
  if (booking.status === "PENDING_PAYMENT") {
    return (
      <div class="bookable-actions">
        <Badge tone="warn">Held for you</Badge>
        <a class="button primary" href={`/bookings/${booking.id}/pay`}>
          You hold this — pay now<span class="sr-only"> for {label}</span>
        </a>
      </div>
    );
  }
  return (
    <div class="bookable-actions">
      <Badge tone="ok">Your lesson</Badge>
      {booking.sessionId ? (
        <a class="button secondary" href={`/sessions/${booking.sessionId}`}>
          Open the room<span class="sr-only"> for {label}</span>
        </a>
      ) : (
        <a class="button secondary" href="/bookings">
          My bookings<span class="sr-only"> ({label})</span>
        </a>
      )}
    </div>
  );
}
