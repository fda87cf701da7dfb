import { useEffect, useState } from "preact/hooks";
import { DEFAULT_CANCELLATION_POLICY, rescheduleAllowed } from "../../../src/shared/cancellation-policy";
import { api } from "../api/endpoints";
import type { Booking, ProviderSummary, Slot, WaitlistEntry } from "../api/types";
import { AddToCalendar } from "../components/add-to-calendar";
import { CancelBookingDialog } from "../components/cancel-booking-dialog";
import { LessonGroup } from "../components/lesson-bookings";
import { PaymentForm } from "../components/payment-form";
import { RescheduleDialog } from "../components/reschedule-dialog";
import { Async, Badge, Empty, ErrorNotice, Loading, Notice, Page } from "../components/ui";
import { WaitlistOffer } from "../components/waitlist-offer";
import { useUser } from "../lib/auth";
import { type BookingRow, groupByLesson, splitBookings } from "../lib/booking-order";
import { loadConfig } from "../lib/config";
import { loadProviders, loadSlots } from "../lib/directory";
import { errorCode } from "../lib/errors";
import { formatCountdown, formatMoney, formatRange, SESSION_TYPE_LABEL, zoneLabel } from "../lib/format";
import { BOOKING_STATUS, paymentText } from "../lib/labels";
import { usePaymentConfirmation } from "../lib/payment-confirmation";
import { fetchPayment } from "../lib/payment-store";
import { formatHours } from "../lib/policy-text";
import { useNow, usePolling, useResource } from "../lib/use-resource";
import { loadActiveWaitlist } from "../lib/waitlist";

type Row = BookingRow;

/** Teachers see who booked: names come with each slot's booking list. */
async function loadStudentNames(slotIds: string[]): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  const lists = await Promise.all(
    slotIds.map((id) =>
      api
        .slotBookings(id)
        .then((answer) => answer.bookings)
        .catch(() => []),
    ),
  );
  for (const list of lists) for (const booking of list) names.set(booking.studentId, booking.student.name);
  return names;
}

/** Money still moving: keep refreshing until it settles. */
function unsettled(booking: Booking): boolean {
  return (
    booking.status === "PENDING_PAYMENT" ||
    booking.paymentStatus === "REFUND_PENDING" ||
    booking.paymentStatus === "AUTHORIZED" ||
    (booking.status === "CANCELLED" && booking.paymentStatus === "SUCCEEDED")
  );
}

/** A booking that was moved to another time (reschedule): its seat and payment went to `rescheduledTo`. */
function movedAway(booking: Booking): boolean {
  return (
    booking.status === "CANCELLED" &&
    (booking.rescheduledTo !== undefined || booking.cancelledBy === "RESCHEDULE")
  );
}

export function Bookings() {
  const user = useUser();
  const zone = user.timezone;
  const isStudent = user.role === "student";
  const data = useResource(async () => {
    const [{ bookings }, waitlist] = await Promise.all([
      api.myBookings(),
      isStudent ? loadActiveWaitlist() : Promise.resolve([] as WaitlistEntry[]),
    ]);
    const slotIds = [...new Set([...bookings.map((b) => b.slotId), ...waitlist.map((e) => e.slotId)])];
    const [slots, providers, students] = await Promise.all([
      loadSlots(slotIds, true),
      loadProviders(),
      user.role === "provider" ? loadStudentNames(slotIds) : Promise.resolve(new Map<string, string>()),
    ]);
    return {
      rows: bookings.map((booking) => ({ booking, slot: slots.get(booking.slotId) })),
      slots,
      providers,
      students,
      waitlist,
    };
  });
  const busy = data.data?.rows.some((row) => unsettled(row.booking)) ?? false;
  const waiting = (data.data?.waitlist.length ?? 0) > 0;
  // An offer from a waiting list is kept only for minutes: look often while in line.
  usePolling(() => void data.reload(), busy ? 1500 : waiting ? 4000 : 15_000);
  const [cancelling, setCancelling] = useState<Row | undefined>(undefined);
  const [moving, setMoving] = useState<Row | undefined>(undefined);
  const [moved, setMoved] = useState<string | undefined>(undefined);
  const tutorOf = (row: Row | undefined) =>
    row?.slot ? data.data?.providers.get(row.slot.providerId)?.name : undefined;

  return (
    <Page
      title={isStudent ? "My bookings" : "Bookings on your slots"}
      intro={`Times in ${zoneLabel(zone)}.`}
      actions={<AddToCalendar>Download all lessons (.ics)</AddToCalendar>}
    >
      {moved && (
        <Notice tone="success" live>
          {moved}
        </Notice>
      )}
      <Async resource={data} label="Loading bookings…">
        {({ rows, slots, providers, students, waitlist }) => {
          const lines = isStudent ? (
            <WaitlistPanel
              entries={waitlist}
              slots={slots}
              providers={providers}
              zone={zone}
              onChanged={() => void data.reload()}
            />
          ) : null;
          if (rows.length === 0)
            return (
              <>
                {lines}
                <Empty>
                  {isStudent ? (
                    <>
                      No bookings yet. <a href="/find">Find a tutor</a> to book your first lesson.
                    </>
                  ) : (
                    "Nobody has booked your slots yet."
                  )}
                </Empty>
              </>
            );
          const now = Date.now();
          if (!isStudent) {
            const lessons = groupByLesson(rows, now);
            return (
              <>
                <LessonGroup title="Upcoming" lessons={lessons.upcoming} zone={zone} students={students} />
                <LessonGroup
                  title="Past and cancelled"
                  lessons={lessons.past}
                  zone={zone}
                  students={students}
                />
              </>
            );
          }
          const { upcoming, past: rest } = splitBookings(rows, now);
          const byId = new Map(rows.map((row) => [row.booking.id, row]));
          const group = (title: string, list: Row[]) => (
            <BookingGroup
              title={title}
              rows={list}
              byId={byId}
              zone={zone}
              providers={providers}
              onCancel={setCancelling}
              onMove={(row) => {
                setMoved(undefined);
                setMoving(row);
              }}
              onChanged={() => void data.reload()}
            />
          );
          return (
            <>
              {lines}
              {group("Upcoming", upcoming)}
              {group("Past and cancelled", rest)}
            </>
          );
        }}
      </Async>
      <CancelBookingDialog
        booking={cancelling?.booking}
        slot={cancelling?.slot}
        tutorName={tutorOf(cancelling)}
        onCancel={async (booking) => {
          await api.cancelBooking(booking.id);
          await data.reload();
        }}
        onClose={() => setCancelling(undefined)}
      />
      <RescheduleDialog
        open={moving !== undefined}
        booking={moving?.booking}
        slot={moving?.slot}
        zone={zone}
        tutorName={tutorOf(moving)}
        onMoved={async (_booking, to) => {
          setMoved(`Your booking was moved to ${formatRange(to.startsAt, to.endsAt, zone)}.`);
          await data.reload();
        }}
        onClose={() => setMoving(undefined)}
      />
    </Page>
  );
}

/** The student's waiting lists: seats offered to them (with a Book button), and places in line. */
function WaitlistPanel({
  entries,
  slots,
  providers,
  zone,
  onChanged,
}: {
  entries: WaitlistEntry[];
  slots: Map<string, Slot>;
  providers: Map<string, ProviderSummary>;
  zone: string;
  onChanged: () => void;
}) {
  const [leaving, setLeaving] = useState<string | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  if (entries.length === 0) return null;
  const offers = entries.filter((entry) => entry.status === "OFFERED");
  const waiting = entries.filter((entry) => entry.status === "WAITING");
  const tutorOf = (slotId: string) => {
    const slot = slots.get(slotId);
    return slot ? providers.get(slot.providerId)?.name : undefined;
  };
  const leave = async (slotId: string) => {
    setLeaving(slotId);
    setError(undefined);
    try {
      await api.leaveWaitlist(slotId);
      onChanged();
    } catch (caught) {
      setError(caught);
    } finally {
      setLeaving(undefined);
    }
  };
  return (
    <section aria-labelledby="waitlist-heading" class="booking-group">
      <h2 id="waitlist-heading">Waiting lists</h2>
      {offers.map((entry) => (
        <WaitlistOffer
          key={entry.id}
          entry={entry}
          slot={slots.get(entry.slotId)}
          zone={zone}
          tutorName={tutorOf(entry.slotId)}
          onLapsed={onChanged}
        />
      ))}
      {waiting.length > 0 && (
        <ul class="booking-list">
          {waiting.map((entry) => {
            const slot = slots.get(entry.slotId);
            const when = slot ? formatRange(slot.startsAt, slot.endsAt, zone) : "A lesson";
            const tutor = tutorOf(entry.slotId);
            return (
              <li key={entry.id} class="card booking-item waitlist-item">
                <div class="booking-head">
                  <h3>{when}</h3>
                  <Badge>Waiting</Badge>
                </div>
                <p>
                  You are #{entry.position} in line{tutor ? ` for ${tutor}'s lesson` : ""}. If a seat frees
                  up, it's offered to you here and by email.
                </p>
                <div class="button-row">
                  <button
                    type="button"
                    class="secondary"
                    disabled={leaving !== undefined}
                    onClick={() => void leave(entry.slotId)}
                  >
                    {leaving === entry.slotId ? "Leaving…" : "Leave"}
                    <span class="sr-only"> the waiting list for {when}</span>
                  </button>
                </div>
              </li>
            );
          })}
        </ul>
      )}
      <ErrorNotice error={error} />
    </section>
  );
}

function BookingGroup({
  title,
  rows,
  byId,
  zone,
  providers,
  onCancel,
  onMove,
  onChanged,
}: {
  title: string;
  rows: Row[];
  byId: Map<string, Row>;
  zone: string;
  providers: Map<string, ProviderSummary>;
  onCancel: (row: Row) => void;
  onMove: (row: Row) => void;
  onChanged: () => void;
}) {
  const id = `group-${title.replace(/\W+/g, "-").toLowerCase()}`;
  return (
    <section aria-labelledby={id} class="booking-group">
      <h2 id={id}>{title}</h2>
      {rows.length === 0 ? (
        <p class="hint">None.</p>
      ) : (
        <ul class="booking-list">
          {rows.map((row) => (
            <BookingItem
              key={row.booking.id}
              row={row}
              byId={byId}
              zone={zone}
              providers={providers}
              onCancel={onCancel}
              onMove={onMove}
              onChanged={onChanged}
            />
          ))}
        </ul>
      )}
    </section>
  );
}

/** One of the student's bookings, with what they can do about it (pay, move, cancel, join). */
function BookingItem({
  row,
  byId,
  zone,
  providers,
  onCancel,
  onMove,
  onChanged,
}: {
  row: Row;
  byId: Map<string, Row>;
  zone: string;
  providers: Map<string, ProviderSummary>;
  onCancel: (row: Row) => void;
  onMove: (row: Row) => void;
  onChanged: () => void;
}) {
  const { booking, slot } = row;
  const now = useNow(1000);
  const [paying, setPaying] = useState(false);
  const moved = movedAway(booking);
  const status = moved ? { label: "Moved", tone: "muted" } : BOOKING_STATUS[booking.status];
  const policy = booking.cancellationPolicy ?? DEFAULT_CANCELLATION_POLICY;
  const whenOf = (other: Row | undefined) =>
    other?.slot ? formatRange(other.slot.startsAt, other.slot.endsAt, zone) : "another time";
  const movedTo = booking.rescheduledTo ? byId.get(booking.rescheduledTo) : undefined;
  const movedFrom = booking.rescheduledFrom ? byId.get(booking.rescheduledFrom) : undefined;
  const provider = slot ? providers.get(slot.providerId) : undefined;
  // Once the lesson has begun (on time, or started early by the teacher) it can't be cancelled for a refund.
  const started = slot
    ? Date.parse(slot.startsAt) <= now || !(slot.status === "OPEN" || slot.status === "FULL")
    : false;
  const holdLeft = Math.ceil((Date.parse(booking.holdExpiresAt) - now) / 1000);
  const when = slot ? formatRange(slot.startsAt, slot.endsAt, zone) : "Lesson";
  const canCancel = (booking.status === "PENDING_PAYMENT" || booking.status === "CONFIRMED") && !started;
  const canPay = booking.status === "PENDING_PAYMENT" && holdLeft > 0;
  const confirmedAhead = booking.status === "CONFIRMED" && slot !== undefined && !started;
  const canMove =
    confirmedAhead && slot !== undefined && rescheduleAllowed(policy, Date.parse(slot.startsAt), now);
  const payPanelId = `pay-${booking.id}`;
  return (
    <li class="card booking-item" data-slot={booking.slotId}>
      <div class="booking-head">
        <h3>{when}</h3>
        <Badge tone={status.tone}>{status.label}</Badge>
      </div>
      <p>
        {slot ? `${SESSION_TYPE_LABEL[slot.sessionType]} lesson` : "Lesson"}
        {provider ? ` with ${provider.name}` : ""}
      </p>
      {booking.rescheduledFrom && (
        <p class="hint">Moved here from {whenOf(movedFrom)}; the payment came along.</p>
      )}
      {booking.cancelledBy === "PROVIDER_NO_SHOW" && <p>Your tutor did not show up — refunded in full.</p>}
      {booking.cancelledBy === "PROVIDER" && <p>Your tutor cancelled this lesson.</p>}
      <p class="payment-status" aria-live="polite">
        {moved ? `Moved to ${whenOf(movedTo)}; the payment went with it.` : paymentText(booking, "student")}
        {booking.status === "PENDING_PAYMENT" &&
          holdLeft > 0 &&
          ` · seat held for ${formatCountdown(holdLeft)}`}
      </p>
      {confirmedAhead && !canMove && (
        <p class="hint">
          This booking can no longer be moved: the tutor allows moving it until{" "}
          {formatHours(policy.rescheduleMinNoticeHours)} before the lesson.
        </p>
      )}
      {booking.status === "CONFIRMED" && started && (
        <p class="hint">The lesson has begun, so this booking can no longer be cancelled.</p>
      )}
      {booking.lastPaymentError && booking.status === "PENDING_PAYMENT" && (
        <p class="field-error">Last payment attempt failed: {booking.lastPaymentError}</p>
      )}
      {canPay && paying && <PayPanel id={payPanelId} booking={booking} onSettled={onChanged} />}
      <div class="button-row">
        {canPay && (
          <button
            type="button"
            class={paying ? "secondary" : "primary"}
            aria-expanded={paying}
            aria-controls={payPanelId}
            onClick={() => setPaying(!paying)}
          >
            {paying ? "Close the card form" : "Pay now"}
            {!paying && (
              <span class="button-countdown" aria-hidden="true">
                {formatCountdown(holdLeft)} left
              </span>
            )}
            <span class="sr-only"> for {when}</span>
          </button>
        )}
        {booking.status === "CONFIRMED" && booking.sessionId && (
          <a class="button primary" href={`/sessions/${booking.sessionId}`}>
            Open the lesson room<span class="sr-only"> for {when}</span>
          </a>
        )}
        {canMove && (
          <button type="button" class="secondary" onClick={() => onMove(row)}>
            Reschedule<span class="sr-only"> {when}</span>
          </button>
        )}
        {canCancel && (
          <button type="button" class="danger" onClick={() => onCancel(row)}>
            Cancel booking<span class="sr-only"> {when}</span>
          </button>
        )}
      </div>
    </li>
  );
}

/**
 * Pays a held seat from My bookings: the booking's PaymentIntent comes from the API (so a booking
 * made in another tab or on another device can be paid here) and goes into the same card form as
 * the checkout page. When the payment is confirmed the list reloads.
 */
function PayPanel({ id, booking, onSettled }: { id: string; booking: Booking; onSettled: () => void }) {
  const setup = useResource(async () => {
    const [payment, config] = await Promise.all([fetchPayment(booking.id), loadConfig()]);
    return { payment, config };
  }, [booking.id]);
  const { confirming, slow, wait } = usePaymentConfirmation(booking.id, (next) => {
    if (next.status !== "PENDING_PAYMENT") onSettled();
  });
  const amount = formatMoney(booking.amount, booking.currency);
  const notActive = errorCode(setup.error) === "BOOKING_NOT_ACTIVE";
  useEffect(() => {
    if (notActive) onSettled();
  }, [notActive]);

  return (
    <section id={id} class="pay-panel" aria-label={`Pay ${amount}`}>
      {confirming ? (
        <Loading
          label={
            slow
              ? "Still waiting for the payment confirmation; this page keeps checking…"
              : "Confirming your payment…"
          }
        />
      ) : null}
      {notActive ? (
        <ErrorNotice>This booking is no longer waiting for a payment; the list is updating.</ErrorNotice>
      ) : (
        <Async resource={setup} label="Loading the card form…">
          {({ payment, config }) => (
            <PaymentForm
              payments={config.payments}
              payment={payment}
              amountLabel={amount}
              disabled={confirming}
              onConfirmed={() => void wait()}
            />
          )}
        </Async>
      )}
      <p class="hint">
        The amount is reserved on your card and taken only while your seat is held; if the hold ends first,
        the reservation is released.
      </p>
    </section>
  );
}
