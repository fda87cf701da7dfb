import type { OutboxDraft } from "../../db/email-outbox";
import type {
  ConfirmedBookingFact,
  Person,
  ProviderNoShowFact,
  RefundFact,
  RefundFailedFact,
  RescheduledFact,
  SessionFact,
  StudentCancelledFact,
  WaitlistOfferFact,
} from "../../db/notification-facts";
import {
  dedupeKey,
  describeStudents,
  dueReminder,
  type EmailFact,
  renderEmail,
} from "../../domain/email-templates";
import {
  buildLessonInvite,
  type Lesson,
  type LessonRef,
  type LessonViewer,
} from "../../services/lesson-calendar";

/**
 * Turns one fact into the emails it owes, each rendered for its recipient with the lesson's
 * .ics attached. Pure: the time comes in `ctx.now`, nothing is read or written. A fact that
 * cannot be rendered throws; the scan counts it and keeps going.
 */

export interface DraftContext {
  /** Epoch ms of this run: DTSTAMP of invites and which reminder is due. */
  now: number;
  /** Linked at the end of every email when set. */
  appUrl: string | undefined;
  /** The .ics ORGANIZER: Lectern's sender address. */
  organizer: { name: string; email: string };
}

/** The address inside an RFC 5322 From value: `"Lectern <a@b.c>"` → `a@b.c`. */
export function senderAddress(from: string): string {
  return /<([^<>\s]+@[^<>\s]+)>/.exec(from)?.[1] ?? from.trim();
}

function draft(
  ctx: DraftContext,
  subjectId: string,
  person: Person,
  fact: EmailFact,
  ics: string | null = null,
): OutboxDraft {
  return {
    key: dedupeKey(fact.kind, subjectId, person.id),
    kind: fact.kind,
    userId: person.id,
    to: person.email,
    email: renderEmail(
      fact,
      { name: person.name, timeZone: person.timezone, locale: person.locale },
      ctx.appUrl,
    ),
    ics,
  };
}

function invite(ctx: DraftContext, lesson: Lesson, viewer: LessonViewer, attendee: Person): string {
  return buildLessonInvite({ lesson, viewer, organizer: ctx.organizer, attendee, stamp: ctx.now });
}

/**
 * Where a student's booking stands in its reschedule chain, so their invite names the same event as
 * the feed (see `LessonRef`). A fact query fills these with `lessonRootSql` / `lessonMovesSql` of
 * src/db/calendar-records.ts; until it does, the booking the fact names stands for its chain, which
 * is exact for a booking that was never moved.
 */
interface StudentChain {
  firstBookingId?: string;
  moves?: number;
}

/** slots.version of the lesson's slot, so the provider's SEQUENCE matches the feed's. */
interface SlotVersion {
  slotVersion?: number;
}

function chainRef(chain: StudentChain, bookingId: string): LessonRef {
  return { kind: "booking", firstBookingId: chain.firstBookingId ?? bookingId, moves: chain.moves ?? 0 };
}

function sessionRef(fact: { sessionId: string } & SlotVersion): LessonRef {
  return { kind: "session", sessionId: fact.sessionId, slotVersion: fact.slotVersion ?? 1 };
}

/**
 * A session fact's participant: their chain when the fact carries it. Without any booking of
 * theirs the session stands in, as it did before chains were followed.
 */
function participantRef(
  participant: SessionParticipant,
  fact: { sessionId: string } & SlotVersion,
): LessonRef {
  const bookingId = participant.firstBookingId ?? participant.bookingId;
  return bookingId ? chainRef(participant, bookingId) : sessionRef(fact);
}

/** The student gets the confirmation, the provider "new booking"; both with the invite. */
export function draftBookingConfirmed(
  fact: ConfirmedBookingFact & SlotVersion,
  ctx: DraftContext,
): OutboxDraft[] {
  const { student, provider } = fact;
  const lesson = { startsAt: fact.startsAt, endsAt: fact.endsAt };
  // The confirmation scan skips moved bookings, so this booking begins its chain.
  const studentEvent = { ...lesson, ref: chainRef({}, fact.bookingId), cancelled: false };
  const providerEvent = { ...lesson, ref: sessionRef(fact), cancelled: false };
  const money = { amount: fact.amount, currency: fact.currency };
  return [
    draft(
      ctx,
      fact.bookingId,
      student,
      { kind: "booking-confirmed", lesson, providerName: provider.name, ...money },
      invite(ctx, studentEvent, { role: "student", providerName: provider.name }, student),
    ),
    draft(
      ctx,
      fact.bookingId,
      provider,
      { kind: "booking-new", lesson, studentName: student.name, ...money },
      invite(
        ctx,
        providerEvent,
        { role: "provider", studentNames: [student.name], group: fact.group },
        provider,
      ),
    ),
  ];
}

/** The student hears how much comes back, with a cancellation of their lesson; nothing for no money. */
export function draftRefund(fact: RefundFact & StudentChain, ctx: DraftContext): OutboxDraft[] {
  if (fact.refundAmount <= 0) return [];
  const lesson = { startsAt: fact.startsAt, endsAt: fact.endsAt };
  const viewer = { role: "student", providerName: fact.providerName } as const;
  return [
    draft(
      ctx,
      fact.bookingId,
      fact.student,
      {
        kind: "booking-refund",
        lesson,
        providerName: fact.providerName,
        amount: fact.refundAmount,
        currency: fact.currency,
        refund: fact.paymentStatus === "REFUND_PENDING" ? "pending" : "done",
      },
      fact.sessionId
        ? invite(
            ctx,
            { ...lesson, ref: chainRef(fact, fact.bookingId), cancelled: true },
            viewer,
            fact.student,
          )
        : null,
    ),
  ];
}

/** Student and provider each hear once per failed refund that support will follow up. */
export function draftRefundFailed(fact: RefundFailedFact, ctx: DraftContext): OutboxDraft[] {
  const { student, provider } = fact;
  const common = {
    kind: "refund-failed",
    lesson: { startsAt: fact.startsAt, endsAt: fact.endsAt },
    amount: fact.amount,
    currency: fact.currency,
  } as const;
  return [
    draft(ctx, fact.refundId, student, { ...common, role: "student", otherParty: provider.name }),
    draft(ctx, fact.refundId, provider, { ...common, role: "provider", otherParty: student.name }),
  ];
}

/**
 * The provider and every participant the fact names (seats still confirmed when the instructor
 * cancelled), each with the lesson's cancellation.
 */
export function draftSessionCancelled(fact: SessionEmailFact, ctx: DraftContext): OutboxDraft[] {
  return draftSessionEmails(fact, ctx, "session-cancelled", true);
}

/** The 24 h or 1 h reminder, whichever is due at `ctx.now`, to the provider and each confirmed seat. */
export function draftReminders(fact: SessionEmailFact, ctx: DraftContext): OutboxDraft[] {
  const kind = dueReminder(fact.startsAt, ctx.now);
  if (!kind || fact.participants.length === 0) return [];
  return draftSessionEmails(fact, ctx, kind, false);
}

/** A participant as a session fact may name them: with their booking and its chain, when known. */
type SessionParticipant = Person & StudentChain & { bookingId?: string };

/** A session fact whose participants may carry their booking chains (see `StudentChain`). */
type SessionEmailFact = SessionFact & SlotVersion & { participants: SessionParticipant[] };

function draftSessionEmails(
  fact: SessionEmailFact,
  ctx: DraftContext,
  kind: "session-cancelled" | "reminder-24h" | "reminder-1h",
  cancelled: boolean,
): OutboxDraft[] {
  const { provider, participants } = fact;
  const lesson = { startsAt: fact.startsAt, endsAt: fact.endsAt };
  const studentNames = participants.map((p) => p.name);
  const students = describeStudents(studentNames);
  return [
    draft(
      ctx,
      fact.sessionId,
      provider,
      { kind, lesson, role: "provider", otherParty: students },
      invite(
        ctx,
        { ...lesson, ref: sessionRef(fact), cancelled },
        { role: "provider", studentNames, group: fact.group },
        provider,
      ),
    ),
    ...participants.map((student) =>
      draft(
        ctx,
        fact.sessionId,
        student,
        { kind, lesson, role: "student", otherParty: provider.name },
        invite(
          ctx,
          { ...lesson, ref: participantRef(student, fact), cancelled },
          { role: "student", providerName: provider.name },
          student,
        ),
      ),
    ),
  ];
}

/**
 * The provider hears that a student gave up a confirmed seat, and what the student gets back.
 * No .ics: the provider's event is the session, which stands (the slot reopens and a new booking
 * reuses its UID; a CANCEL with a higher SEQUENCE would make that later invite look stale).
 */
export function draftStudentCancelled(fact: StudentCancelledFact, ctx: DraftContext): OutboxDraft[] {
  return [
    draft(ctx, fact.bookingId, fact.provider, {
      kind: "student-cancelled",
      lesson: { startsAt: fact.startsAt, endsAt: fact.endsAt },
      studentName: fact.studentName,
      refundAmount: fact.refundAmount,
      currency: fact.currency,
    }),
  ];
}

/**
 * Student and provider each hear old time → new time, keyed by the new booking, with the moved
 * lesson's invite (for the student the event of their first booking, once the fact names it). The confirmation scan skips rescheduled bookings, so this is their only email.
 */
export function draftRescheduled(
  fact: RescheduledFact & StudentChain & SlotVersion,
  ctx: DraftContext,
): OutboxDraft[] {
  const { student, provider } = fact;
  const lesson = { startsAt: fact.startsAt, endsAt: fact.endsAt };
  const common = {
    kind: "booking-rescheduled",
    lesson,
    previous: fact.previous,
    refundAmount: fact.refundAmount,
    currency: fact.currency,
  } as const;
  return [
    draft(
      ctx,
      fact.bookingId,
      student,
      { ...common, role: "student", otherParty: provider.name },
      invite(
        ctx,
        { ...lesson, ref: chainRef(fact, fact.bookingId), cancelled: false },
        { role: "student", providerName: provider.name },
        student,
      ),
    ),
    draft(
      ctx,
      fact.bookingId,
      provider,
      { ...common, role: "provider", otherParty: student.name },
      invite(
        ctx,
        { ...lesson, ref: sessionRef(fact), cancelled: false },
        { role: "provider", studentNames: [student.name], group: fact.group },
        provider,
      ),
    ),
  ];
}

/**
 * The student hears their tutor never showed and that everything comes back: this email stands
 * in for the refund one (the refund scan skips these bookings). No .ics: the lesson is over.
 */
export function draftProviderNoShow(fact: ProviderNoShowFact, ctx: DraftContext): OutboxDraft[] {
  return [
    draft(ctx, fact.bookingId, fact.student, {
      kind: "provider-no-show",
      lesson: { startsAt: fact.startsAt, endsAt: fact.endsAt },
      providerName: fact.providerName,
      amount: fact.amount,
      currency: fact.currency,
      refund: fact.paymentStatus === "REFUNDED" ? "done" : "pending",
    }),
  ];
}

/** The waiting student hears a seat is kept for them until the offer runs out, with where to book it. */
export function draftWaitlistOffered(fact: WaitlistOfferFact, ctx: DraftContext): OutboxDraft[] {
  return [
    draft(ctx, fact.entryId, fact.student, {
      kind: "waitlist-offered",
      lesson: { startsAt: fact.startsAt, endsAt: fact.endsAt },
      providerName: fact.providerName,
      slotId: fact.slotId,
      offerExpiresAt: fact.offerExpiresAt,
    }),
  ];
}

/** The student hears the seat kept for them was released because they did not book it in time. */
export function draftWaitlistLapsed(fact: WaitlistOfferFact, ctx: DraftContext): OutboxDraft[] {
  return [
    draft(ctx, fact.entryId, fact.student, {
      kind: "waitlist-lapsed",
      lesson: { startsAt: fact.startsAt, endsAt: fact.endsAt },
      providerName: fact.providerName,
      offerExpiresAt: fact.offerExpiresAt,
    }),
  ];
}
