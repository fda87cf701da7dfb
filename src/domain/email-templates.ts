/**
 * The words of every notification email: pure functions of a fact and its recipient.
 * Times are epoch milliseconds (UTC) written in the recipient's own locale and IANA zone, the
 * zone named, by the formatter the SPA uses too (shared/date-format); money is an integer in the
 * currency's minor unit, written in the recipient's locale. The words stay English. No clock, no I/O.
 */

import { assertNever } from "../shared/assert-never";
import {
  type DateReader,
  FALLBACK_LOCALE,
  formatDateTime,
  formatLongDateTimeRange,
  plainSpaces,
  safeLocale,
  safeTimeZone,
} from "../shared/date-format";
import { minorDigits } from "../shared/pricing";
import { HOUR_MS } from "../shared/time";

export type NotificationKind =
  | "booking-confirmed"
  | "booking-new"
  | "booking-refund"
  | "refund-failed"
  | "session-cancelled"
  | "reminder-24h"
  | "reminder-1h"
  | "student-cancelled"
  | "booking-rescheduled"
  | "provider-no-show"
  | "waitlist-offered"
  | "waitlist-lapsed";

export type ReminderKind = "reminder-24h" | "reminder-1h";

export interface Recipient {
  name: string;
  /** IANA zone, e.g. "Europe/Berlin"; an unknown zone falls back to UTC. */
  timeZone: string;
  /** BCP 47 tag, e.g. "de-DE": how dates and amounts are written; absent or malformed: en-US. */
  locale?: string | undefined;
}

export interface LessonTime {
  startsAt: number;
  endsAt: number;
}

export type EmailFact =
  | { kind: "booking-confirmed"; lesson: LessonTime; providerName: string; amount: number; currency: string }
  | { kind: "booking-new"; lesson: LessonTime; studentName: string; amount: number; currency: string }
  | {
      kind: "booking-refund";
      lesson: LessonTime;
      providerName: string;
      amount: number;
      currency: string;
      /** "pending": asked of the payment provider; "done": the provider confirmed it. */
      refund: "pending" | "done";
    }
  | {
      /** A refund Stripe could not complete: the money is still with the platform. */
      kind: "refund-failed";
      lesson: LessonTime;
      role: "provider" | "student";
      /** The provider's name for the student, the student's name for the provider. */
      otherParty: string;
      amount: number;
      currency: string;
    }
  | { kind: "session-cancelled"; lesson: LessonTime; role: "provider" | "student"; otherParty: string }
  | { kind: ReminderKind; lesson: LessonTime; role: "provider" | "student"; otherParty: string }
  | {
      /** To the provider: a student gave up a confirmed seat. */
      kind: "student-cancelled";
      lesson: LessonTime;
      studentName: string;
      /** What the student gets back under the booking's policy (the provider keeps the rest). */
      refundAmount: number;
      currency: string;
    }
  | {
      /** `lesson` is the new time, `previous` the old one. */
      kind: "booking-rescheduled";
      lesson: LessonTime;
      previous: LessonTime;
      role: "provider" | "student";
      otherParty: string;
      /** The price difference given back to the student (0 for a same-price move). */
      refundAmount: number;
      currency: string;
    }
  | {
      /** To a student whose tutor never joined: everything they paid goes back. */
      kind: "provider-no-show";
      lesson: LessonTime;
      providerName: string;
      amount: number;
      currency: string;
      refund: "pending" | "done";
    }
  | {
      /** A seat of a full lesson is kept for this waiting student until `offerExpiresAt`. */
      kind: "waitlist-offered";
      lesson: LessonTime;
      providerName: string;
      slotId: string;
      offerExpiresAt: number;
    }
  | { kind: "waitlist-lapsed"; lesson: LessonTime; providerName: string; offerExpiresAt: number };

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

/** The outbox key that makes a notification exactly-once: "<kind>:<subject id>:<user id>". */
export function dedupeKey(kind: NotificationKind, subjectId: string, userId: string): string {
  return `${kind}:${subjectId}:${userId}`;
}

/**
 * Which reminder is due for a lesson starting at `startsAt`: the 24 h one while
 * start−24h <= now < start−1h, the 1 h one while start−1h <= now < start, otherwise none.
 */
export function dueReminder(startsAt: number, now: number): ReminderKind | null {
  const lead = startsAt - now;
  if (lead <= 0 || lead > 24 * HOUR_MS) return null;
  return lead <= HOUR_MS ? "reminder-1h" : "reminder-24h";
}

/** "Monday, 30 November 2026, 09:45–10:45 CET (Europe/Berlin)": the lesson in the reader's locale and zone. */
export function formatLessonTime(lesson: LessonTime, reader: DateReader): string {
  const zone = safeTimeZone(reader.timeZone);
  return `${formatLongDateTimeRange(lesson.startsAt, lesson.endsAt, { locale: reader.locale, timeZone: zone })} (${zone})`;
}

/** "Mon 30 Nov, 09:45 CET": one instant, short enough for a subject line, the zone named. */
export function formatInstant(at: number, reader: DateReader): string {
  return formatDateTime(at, reader);
}

/** Minor units in the reader's locale: (4500, "usd") → "$45.00"; (4550, "eur", "de-DE") → "45,50 €". */
export function formatMoney(amountMinor: number, currency: string, locale: string = FALLBACK_LOCALE): string {
  const format = new Intl.NumberFormat(safeLocale(locale), {
    style: "currency",
    currency: currency.toUpperCase(),
  });
  return plainSpaces(format.format(amountMinor / 10 ** minorDigits(currency)));
}

/** "Ann", "Ann and Bob", "Ann, Bob and 3 others": who a provider is teaching. */
export function describeStudents(names: readonly string[]): string {
  if (names.length === 0) return "no students";
  if (names.length === 1) return names[0] ?? "";
  if (names.length <= 3) return `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
  return `${names.slice(0, 2).join(", ")} and ${names.length - 2} others`;
}

/** A header value on one line: names come from users, and a line break would start a new header. */
export function oneLine(text: string): string {
  return text.replace(/\r\n|\p{Cc}/gu, " ");
}

/** Renders one notification for one recipient. `appUrl` (optional) is linked at the end. */
export function renderEmail(fact: EmailFact, to: Recipient, appUrl?: string): RenderedEmail {
  const reader = { locale: to.locale ?? FALLBACK_LOCALE, timeZone: to.timeZone };
  const when = formatLessonTime(fact.lesson, reader);
  const short = formatInstant(fact.lesson.startsAt, reader);
  const money = (amount: number, currency: string) => formatMoney(amount, currency, reader.locale);
  const { subject, paragraphs } = compose(fact, { when, short, reader, money, appUrl });
  const closing = appUrl ? [`Your lessons on Lectern: ${appUrl}`] : [];
  const body = [`Hi ${to.name},`, ...paragraphs, ...closing, "— Lectern"];
  return { subject: oneLine(subject), text: body.join("\n\n"), html: toHtml(body) };
}

/** The recipient's view of the lesson, and what else a paragraph may need. */
interface Context {
  /** The lesson's full time range in the recipient's locale and zone, the zone named. */
  when: string;
  /** The lesson's start, short, for subjects, the zone named. */
  short: string;
  reader: DateReader;
  /** An amount in the recipient's locale. */
  money: (amountMinor: number, currency: string) => string;
  appUrl: string | undefined;
}

function compose(fact: EmailFact, ctx: Context): { subject: string; paragraphs: string[] } {
  const { when, short } = ctx;
  switch (fact.kind) {
    case "booking-confirmed":
      return {
        subject: `Booked: your lesson with ${fact.providerName} on ${short}`,
        paragraphs: [
          `Your lesson with ${fact.providerName} is confirmed.`,
          `When: ${when}\nPaid: ${ctx.money(fact.amount, fact.currency)}`,
          "The attached invitation (lesson.ics) puts it in your calendar. " +
            "You can cancel until the lesson starts and get your money back in full.",
        ],
      };
    case "booking-new":
      return {
        subject: `New booking: ${fact.studentName} on ${short}`,
        paragraphs: [
          `${fact.studentName} booked a lesson with you.`,
          `When: ${when}\nPaid: ${ctx.money(fact.amount, fact.currency)}`,
        ],
      };
    case "booking-refund": {
      const money = ctx.money(fact.amount, fact.currency);
      return {
        subject:
          fact.refund === "done"
            ? `Refunded: ${money} for your lesson with ${fact.providerName} on ${short}`
            : `Refund on its way: ${money} for your lesson with ${fact.providerName} on ${short}`,
        paragraphs: [
          `Your lesson with ${fact.providerName} is cancelled.`,
          `When: ${when}`,
          fact.refund === "done"
            ? `We have refunded ${money} to your original payment method. ` +
              "Depending on your bank it can take 5–10 business days to show on your statement."
            : `Your refund of ${money} is on its way to your original payment method. ` +
              "Depending on your bank it can take 5–10 business days to show on your statement.",
        ],
      };
    }
    case "refund-failed": {
      const money = ctx.money(fact.amount, fact.currency);
      return fact.role === "student"
        ? {
            subject: `Refund failed: ${money} for your lesson on ${short}`,
            paragraphs: [
              `The refund of ${money} for your lesson with ${fact.otherParty} failed: ` +
                "your bank or card did not accept it.",
              `When: ${when}`,
              "Lectern support will follow up with you to get your money back; you do not need to do anything now.",
            ],
          }
        : {
            subject: `Refund failed: ${money} to ${fact.otherParty} for your lesson on ${short}`,
            paragraphs: [
              `The refund of ${money} to ${fact.otherParty} for your lesson failed at the student's bank or card.`,
              `When: ${when}`,
              "Lectern support will follow up with the student; you do not need to do anything.",
            ],
          };
    }
    case "session-cancelled":
      return fact.role === "student"
        ? {
            subject: `Cancelled: your lesson with ${fact.otherParty} on ${short}`,
            paragraphs: [
              `${fact.otherParty} had to cancel your lesson.`,
              `When: ${when}`,
              "If you paid for it, you get your money back in full; a separate email confirms the refund. " +
                "The attached file removes the lesson from your calendar.",
            ],
          }
        : {
            subject: `Cancelled: your lesson on ${short}`,
            paragraphs: [
              `You cancelled your lesson with ${fact.otherParty}.`,
              `When: ${when}`,
              "Every paid seat is refunded in full. The attached file removes the lesson from your calendar.",
            ],
          };
    case "reminder-24h":
    case "reminder-1h": {
      const soon = fact.kind === "reminder-1h" ? "in about an hour" : "tomorrow";
      const party = fact.role === "student" ? `with ${fact.otherParty}` : `for ${fact.otherParty}`;
      return {
        subject: `Reminder: your lesson ${party} starts ${soon}`,
        paragraphs: [
          `Your lesson ${party} starts ${soon}.`,
          `When: ${when}`,
          fact.role === "provider"
            ? "You can start the session up to 60 minutes before its start time."
            : "Join from Lectern when your instructor starts the session.",
        ],
      };
    }
    case "student-cancelled":
      return {
        subject: `Cancelled by ${fact.studentName}: your lesson on ${short}`,
        paragraphs: [
          `${fact.studentName} cancelled their lesson with you.`,
          `When: ${when}`,
          fact.refundAmount > 0
            ? `Under your cancellation policy ${fact.studentName} gets ${ctx.money(fact.refundAmount, fact.currency)} back; you keep the rest.`
            : `Under your cancellation policy ${fact.studentName} gets nothing back; you keep the full price.`,
          "The slot is open again for other students.",
        ],
      };
    case "booking-rescheduled": {
      const was = formatLessonTime(fact.previous, ctx.reader);
      const moved = `Was: ${was}\nNow: ${when}`;
      if (fact.role === "provider") {
        return {
          subject: `Rescheduled by ${fact.otherParty}: now ${short}`,
          paragraphs: [
            `${fact.otherParty} moved their lesson with you to a new time.`,
            moved,
            "The attached invitation (lesson.ics) puts the new time in your calendar; the old slot is open again.",
          ],
        };
      }
      const money = ctx.money(fact.refundAmount, fact.currency);
      return {
        subject: `Rescheduled: your lesson with ${fact.otherParty} is now ${short}`,
        paragraphs: [
          `Your lesson with ${fact.otherParty} has moved to a new time.`,
          moved,
          ...(fact.refundAmount > 0
            ? [
                `The new time costs less, so we are refunding the difference of ${money} to your original payment method.`,
              ]
            : []),
          "The attached invitation (lesson.ics) puts the new time in your calendar; " +
            "remove the old time if your calendar still shows it.",
        ],
      };
    }
    case "provider-no-show": {
      const money = ctx.money(fact.amount, fact.currency);
      return {
        subject: `${fact.providerName} did not show up: full refund for your lesson on ${short}`,
        paragraphs: [
          `Your tutor ${fact.providerName} did not show up for your lesson. We are sorry.`,
          `When: ${when}`,
          fact.amount <= 0
            ? "Nothing was charged for it."
            : fact.refund === "done"
              ? `You have been refunded in full (${money}) to your original payment method. ` +
                "Depending on your bank it can take 5–10 business days to show on your statement."
              : `You are being refunded in full (${money}) to your original payment method. ` +
                "Depending on your bank it can take 5–10 business days to show on your statement.",
        ],
      };
    }
    case "waitlist-offered": {
      const until = formatInstant(fact.offerExpiresAt, ctx.reader);
      const book = ctx.appUrl ? `Book it from My bookings: ${ctx.appUrl}/bookings` : "Book it on Lectern.";
      return {
        subject: `A seat is free: your lesson with ${fact.providerName} on ${short}`,
        paragraphs: [
          `A seat opened up in the lesson with ${fact.providerName} you are waiting for.`,
          `When: ${when}`,
          `We keep it for you until ${until}. ${book}`,
          "After that the seat goes to the next person waiting, or back on sale.",
        ],
      };
    }
    case "waitlist-lapsed":
      return {
        subject: `Seat offer lapsed: your lesson with ${fact.providerName} on ${short}`,
        paragraphs: [
          `The seat we kept for you in the lesson with ${fact.providerName} was not booked by ` +
            `${formatInstant(fact.offerExpiresAt, ctx.reader)}, so we have released it.`,
          `When: ${when}`,
          "You are no longer on the waitlist for this lesson; you can join it again if it is still full.",
        ],
      };
    default:
      return assertNever(fact, "email fact");
  }
}

function escapeHtml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

function toHtml(paragraphs: readonly string[]): string {
  const body = paragraphs.map((p) => `<p>${escapeHtml(p).replaceAll("\n", "<br>")}</p>`).join("\n");
  return `<!doctype html>\n<html><body style="font-family: sans-serif; line-height: 1.5">\n${body}\n</body></html>`;
}
