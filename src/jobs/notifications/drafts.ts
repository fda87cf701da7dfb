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
import { buildLessonInvite, type Lesson, type LessonViewer } from "../../services/lesson-calendar";

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

/** The student gets the confirmation, the provider "new booking"; both with the invite. */
export function draftBookingConfirmed(fact: ConfirmedBookingFact, ctx: DraftContext): OutboxDraft[] {
  const { student, provider } = fact;
  const lesson = { startsAt: fact.startsAt, endsAt: fact.endsAt };
  const event = { ...lesson, sessionId: fact.sessionId, cancelled: false };
  const money = { amount: fact.amount, currency: fact.currency };
  return [
    draft(
      ctx,
      fact.bookingId,
      student,
      { kind: "booking-confirmed", lesson, providerName: provider.name, ...money },
      invite(ctx, event, { role: "student", providerName: provider.name }, student),
    ),
    draft(
      ctx,
      fact.bookingId,
      provider,
      { kind: "booking-new", lesson, studentName: student.name, ...money },
      invite(ctx, event, { role: "provider", studentNames: [student.name], group: fact.group }, provider),
    ),
  ];
}

/** The student hears how much comes back, with a cancellation of their lesson; nothing for no money. */
export function draftRefund(fact: RefundFact, ctx: DraftContext): OutboxDraft[] {
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
        ? invite(ctx, { ...lesson, sessionId: fact.sessionId, cancelled: true }, viewer, fact.student)
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
export function draftSessionCancelled(fact: SessionFact, ctx: DraftContext): OutboxDraft[] {
  return draftSessionEmails(fact, ctx, "session-cancelled", true);
}

/** The 24 h or 1 h reminder, whichever is due at `ctx.now`, to the provider and each confirmed seat. */
export function draftReminders(fact: SessionFact, ctx: DraftContext): OutboxDraft[] {
  const kind = dueReminder(fact.startsAt, ctx.now);
  if (!kind || fact.participants.length === 0) return [];
  return draftSessionEmails(fact, ctx, kind, false);
}

function draftSessionEmails(
  fact: SessionFact,
  ctx: DraftContext,
  kind: "session-cancelled" | "reminder-24h" | "reminder-1h",
  cancelled: boolean,
): OutboxDraft[] {
  const { provider, participants } = fact;
  const lesson = { startsAt: fact.startsAt, endsAt: fact.endsAt };
  const event = { ...lesson, sessionId: fact.sessionId, cancelled };
  const studentNames = participants.map((p) => p.name);
  const students = describeStudents(studentNames);
  return [
    draft(
      ctx,
      fact.sessionId,
      provider,
      { kind, lesson, role: "provider", otherParty: students },
      invite(ctx, event, { role: "provider", studentNames, group: fact.group }, provider),
    ),
    ...participants.map((student) =>
      draft(
        ctx,
        fact.sessionId,
        student,
        { kind, lesson, role: "student", otherParty: provider.name },
        invite(ctx, event, { role: "student", providerName: provider.name }, student),
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
 * Student and provider each hear old time → new time, keyed by the new booking, with the new
 * lesson's invite. The confirmation scan skips rescheduled bookings, so this is their only email.
 */
export function draftRescheduled(fact: RescheduledFact, ctx: DraftContext): OutboxDraft[] {
  const { student, provider } = fact;
  const lesson = { startsAt: fact.startsAt, endsAt: fact.endsAt };
  const event = { ...lesson, sessionId: fact.sessionId, cancelled: false };
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
      invite(ctx, event, { role: "student", providerName: provider.name }, student),
    ),
    draft(
      ctx,
      fact.bookingId,
      provider,
      { ...common, role: "provider", otherParty: student.name },
      invite(ctx, event, { role: "provider", studentNames: [student.name], group: fact.group }, provider),
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
