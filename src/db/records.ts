import { type AccountRecords, createAccountRecords } from "./account-records";
import { type BookingRecords, createBookingRecords } from "./booking-queries";
import { type CalendarRecords, createCalendarRecords } from "./calendar-records";
import type { Db } from "./client";
import { type ConversationRecords, createConversationRecords } from "./conversation-records";
import { createEmailOutbox, type EmailOutbox } from "./email-outbox";
import { createLiveRecords, type LiveRecords } from "./live-records";
import { createNotificationFacts, type NotificationFacts } from "./notification-facts";
import { createPatternRecords, type PatternRecords } from "./pattern-records";
import { createPayoutRecords, type PayoutRecords } from "./payout-records";
import { createSessionRecords, type SessionRecords } from "./session-records";
import { createSlotRecordsForServices, type SlotRowRecords } from "./slot-records";
import { createWaitlistRecords, type WaitlistRecords } from "./waitlist-records";
import { createWebhookRecords, type WebhookRecords } from "./webhook-records";

/**
 * Every repository the services use, one per aggregate. SQL lives only in src/db: services ask
 * these for rows and for atomic writes, and never see D1 itself.
 */
export interface Records {
  accounts: AccountRecords;
  bookings: BookingRecords;
  calendar: CalendarRecords;
  conversations: ConversationRecords;
  emailOutbox: EmailOutbox;
  live: LiveRecords;
  notificationFacts: NotificationFacts;
  patterns: PatternRecords;
  payouts: PayoutRecords;
  sessions: SessionRecords;
  slots: SlotRowRecords;
  waitlist: WaitlistRecords;
  webhooks: WebhookRecords;
}

export function createRecords(db: Db, d1: D1Database): Records {
  return {
    accounts: createAccountRecords(db, d1),
    bookings: createBookingRecords(db, d1),
    calendar: createCalendarRecords(db, d1),
    conversations: createConversationRecords(db, d1),
    emailOutbox: createEmailOutbox(d1),
    live: createLiveRecords(db, d1),
    notificationFacts: createNotificationFacts(d1),
    patterns: createPatternRecords(db, d1),
    payouts: createPayoutRecords(db, d1),
    sessions: createSessionRecords(db, d1),
    slots: createSlotRecordsForServices(db, d1),
    waitlist: createWaitlistRecords(db),
    webhooks: createWebhookRecords(db, d1),
  };
}
