import { useEffect, useState } from "preact/hooks";
import { api } from "../api/endpoints";
import type { Booking, ProviderSummary, Slot } from "../api/types";
import { AddToCalendar } from "../components/add-to-calendar";
import { ConfirmDialog } from "../components/confirm-dialog";
import { PaymentForm } from "../components/payment-form";
import { Async, Badge, Empty, ErrorNotice, Loading, Page } from "../components/ui";
import { useUser } from "../lib/auth";
import { loadConfig } from "../lib/config";
import { loadProviders, loadSlots } from "../lib/directory";
import { errorCode } from "../lib/errors";
import { formatCountdown, formatMoney, formatRange, SESSION_TYPE_LABEL, zoneLabel } from "../lib/format";
import { BOOKING_STATUS, paymentText } from "../lib/labels";
import { usePaymentConfirmation } from "../lib/payment-confirmation";
import { fetchPayment } from "../lib/payment-store";
import { useNow, usePolling, useResource } from "../lib/use-resource";

interface Row {
  booking: Booking;
  slot: Slot | undefined;
}

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

export function Bookings() {
  const user = useUser();
  const zone = user.timezone;
  const data = useResource(async () => {
    const { bookings } = await api.myBookings();
    const slotIds = [...new Set(bookings.map((b) => b.slotId))];
    const [slots, providers, students] = await Promise.all([
      loadSlots(slotIds, true),
      loadProviders(),
      user.role === "provider" ? loadStudentNames(slotIds) : Promise.resolve(new Map<string, string>()),
    ]);
    return {
      rows: bookings.map((booking) => ({ booking, slot: slots.get(booking.slotId) })),
      providers,
      students,
    };
  });
  const busy = data.data?.rows.some((row) => unsettled(row.booking)) ?? false;
  usePolling(() => void data.reload(), busy ? 1500 : 15_000);
  const [cancelling, setCancelling] = useState<Row | undefined>(undefined);
  const isStudent = user.role === "student";

  return (
    <Page
      title={isStudent ? "My bookings" : "Bookings on your slots"}
      intro={`Times in ${zoneLabel(zone)}.`}
      actions={<AddToCalendar>Download all lessons (.ics)</AddToCalendar>}
    >
      <Async resource={data} label="Loading bookings…">
        {({ rows, providers, students }) => {
          if (rows.length === 0)
            return (
              <Empty>
                {isStudent ? (
                  <>
                    No bookings yet. <a href="/find">Find a tutor</a> to book your first lesson.
                  </>
                ) : (
                  "Nobody has booked your slots yet."
                )}
              </Empty>
            );
          const now = Date.now();
          const upcoming = rows.filter(
            (row) =>
              (row.booking.status === "CONFIRMED" || row.booking.status === "PENDING_PAYMENT") &&
              (!row.slot || Date.parse(row.slot.endsAt) > now),
          );
          const rest = rows.filter((row) => !upcoming.includes(row));
          return (
            <>
              <BookingGroup
                title="Upcoming"
                rows={upcoming}
                zone={zone}
                providers={providers}
                students={students}
                isStudent={isStudent}
                onCancel={setCancelling}
                onChanged={() => void data.reload()}
              />
              <BookingGroup
                title="Past and cancelled"
                rows={rest}
                zone={zone}
                providers={providers}
                students={students}
                isStudent={isStudent}
                onCancel={setCancelling}
                onChanged={() => void data.reload()}
              />
            </>
          );
        }}
      </Async>
      <ConfirmDialog
        open={cancelling !== undefined}
        title="Cancel this booking?"
        confirmLabel="Cancel booking"
        tone="danger"
        onConfirm={async () => {
          if (cancelling) await api.cancelBooking(cancelling.booking.id);
          await data.reload();
        }}
        onClose={() => setCancelling(undefined)}
      >
        {cancelling?.booking.status === "CONFIRMED" ? (
          <p>
            Your seat is given up and you get a full refund of{" "}
            <strong>{formatMoney(cancelling.booking.amount, cancelling.booking.currency)}</strong> to your
            card.
          </p>
        ) : (
          <p>Your held seat is released. You haven't paid, so nothing is charged.</p>
        )}
      </ConfirmDialog>
    </Page>
  );
}

function BookingGroup({
  title,
  rows,
  zone,
  providers,
  students,
  isStudent,
  onCancel,
  onChanged,
}: {
  title: string;
  rows: Row[];
  zone: string;
  providers: Map<string, ProviderSummary>;
  students: Map<string, string>;
  isStudent: boolean;
  onCancel: (row: Row) => void;
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
              zone={zone}
              providers={providers}
              students={students}
              isStudent={isStudent}
              onCancel={onCancel}
              onChanged={onChanged}
            />
          ))}
        </ul>
      )}
    </section>
  );
}

function BookingItem({
  row,
  zone,
  providers,
  students,
  isStudent,
  onCancel,
  onChanged,
}: {
  row: Row;
  zone: string;
  providers: Map<string, ProviderSummary>;
  students: Map<string, string>;
  isStudent: boolean;
  onCancel: (row: Row) => void;
  onChanged: () => void;
}) {
  const { booking, slot } = row;
  const now = useNow(1000);
  const [paying, setPaying] = useState(false);
  const status = BOOKING_STATUS[booking.status];
  const provider = slot ? providers.get(slot.providerId) : undefined;
  // Once the lesson has begun (on time, or started early by the teacher) it can't be cancelled for a refund.
  const started = slot
    ? Date.parse(slot.startsAt) <= now || !(slot.status === "OPEN" || slot.status === "FULL")
    : false;
  const holdLeft = Math.ceil((Date.parse(booking.holdExpiresAt) - now) / 1000);
  const when = slot ? formatRange(slot.startsAt, slot.endsAt, zone) : "Lesson";
  const canCancel =
    isStudent && (booking.status === "PENDING_PAYMENT" || booking.status === "CONFIRMED") && !started;
  const canPay = isStudent && booking.status === "PENDING_PAYMENT" && holdLeft > 0;
  const payPanelId = `pay-${booking.id}`;
  return (
    <li class="card booking-item">
      <div class="booking-head">
        <h3>{when}</h3>
        <Badge tone={status.tone}>{status.label}</Badge>
      </div>
      <p>
        {slot ? `${SESSION_TYPE_LABEL[slot.sessionType]} lesson` : "Lesson"}
        {isStudent && provider ? ` with ${provider.name}` : ""}
        {!isStudent ? `, booked by ${students.get(booking.studentId) ?? "a student"}` : ""}
      </p>
      <p class="payment-status" aria-live="polite">
        {paymentText(booking, isStudent ? "student" : "provider")}
        {booking.status === "PENDING_PAYMENT" &&
          holdLeft > 0 &&
          ` · seat held for ${formatCountdown(holdLeft)}`}
      </p>
      {isStudent && booking.status === "CONFIRMED" && started && (
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
        {!isStudent && slot && (
          <a class="button secondary" href={`/teach/slots/${slot.id}`}>
            Open the slot<span class="sr-only"> {when}</span>
          </a>
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
