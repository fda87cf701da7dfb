import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { WEBHOOK_EVENT_TYPES } from "../shared/webhook-events";

// Timestamps are epoch milliseconds (UTC); the API renders them as ISO strings.

export const users = sqliteTable(
  "users",
  {
    id: text("id").primaryKey(),
    email: text("email").notNull(),
    name: text("name").notNull(),
    role: text("role", { enum: ["provider", "student"] }).notNull(),
    timezone: text("timezone").notNull(),
    /** BCP 47 tag the user reads dates in (e.g. "de-DE"); the browser's at sign-up. */
    locale: text("locale").notNull().default("en-US"),
    passwordHash: text("password_hash").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [uniqueIndex("users_email_unique").on(t.email)],
);

/** Login sessions: only the SHA-256 of the bearer token is stored. */
export const authSessions = sqliteTable(
  "auth_sessions",
  {
    tokenHash: text("token_hash").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [index("auth_sessions_user").on(t.userId)],
);

export const providerProfiles = sqliteTable("provider_profiles", {
  userId: text("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  hourlyRate: integer("hourly_rate").notNull(),
  currency: text("currency").notNull(),
  bio: text("bio"),
  /** JSON CancellationPolicy; null is the default (full refund until the start). */
  cancellationPolicy: text("cancellation_policy"),
  /** One line under the name on Find a tutor. */
  headline: text("headline"),
  /** JSON string arrays: what they teach, the languages they teach in. */
  subjects: text("subjects"),
  languages: text("languages"),
  /** R2 key of the profile photo (PHOTOS bucket), replaced on each upload. */
  photoKey: text("photo_key"),
  updatedAt: integer("updated_at").notNull(),
});

export const availabilityPatterns = sqliteTable(
  "availability_patterns",
  {
    id: text("id").primaryKey(),
    providerId: text("provider_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    timezone: text("timezone").notNull(),
    /** JSON: [{weekday, startTime}] */
    weekly: text("weekly").notNull(),
    durationMinutes: integer("duration_minutes").notNull(),
    sessionType: text("session_type", { enum: ["ONE_TO_ONE", "GROUP"] }).notNull(),
    maxParticipants: integer("max_participants").notNull(),
    startsOn: text("starts_on"),
    endsOn: text("ends_on"),
    /** Starts up to this instant have been considered; top-up continues after it. */
    materializedUntil: integer("materialized_until").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("patterns_provider").on(t.providerId)],
);

export const slots = sqliteTable(
  "slots",
  {
    id: text("id").primaryKey(),
    providerId: text("provider_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    startsAt: integer("starts_at").notNull(),
    endsAt: integer("ends_at").notNull(),
    durationMinutes: integer("duration_minutes").notNull(),
    sessionType: text("session_type", { enum: ["ONE_TO_ONE", "GROUP"] }).notNull(),
    maxParticipants: integer("max_participants").notNull(),
    /** Held (pending) plus confirmed seats; FULL is derived from it. */
    seatsTaken: integer("seats_taken").notNull().default(0),
    status: text("status", { enum: ["OPEN", "CANCELLED", "IN_PROGRESS", "COMPLETED"] })
      .notNull()
      .default("OPEN"),
    priceAmount: integer("price_amount").notNull(),
    currency: text("currency").notNull(),
    patternId: text("pattern_id"),
    /** Bumped on every change of price or shape, so a booking can insist on the version it saw. */
    version: integer("version").notNull().default(1),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    index("slots_provider_start").on(t.providerId, t.startsAt),
    index("slots_start").on(t.startsAt),
    index("slots_pattern").on(t.patternId),
    uniqueIndex("slots_pattern_start_unique").on(t.patternId, t.startsAt).where(sql`pattern_id IS NOT NULL`),
  ],
);

export type UserRow = typeof users.$inferSelect;
export type SlotRow = typeof slots.$inferSelect;
export type PatternRow = typeof availabilityPatterns.$inferSelect;
export type ProviderProfileRow = typeof providerProfiles.$inferSelect;

export const bookingStatuses = ["PENDING_PAYMENT", "CONFIRMED", "EXPIRED", "CANCELLED"] as const;
export type BookingStatus = (typeof bookingStatuses)[number];
export const cancelledByValues = ["STUDENT", "PROVIDER", "PROVIDER_NO_SHOW", "RESCHEDULE", "SYSTEM"] as const;

export const bookings = sqliteTable(
  "bookings",
  {
    id: text("id").primaryKey(),
    slotId: text("slot_id")
      .notNull()
      .references(() => slots.id),
    studentId: text("student_id")
      .notNull()
      .references(() => users.id),
    status: text("status", { enum: bookingStatuses }).notNull(),
    amount: integer("amount").notNull(),
    currency: text("currency").notNull(),
    holdExpiresAt: integer("hold_expires_at").notNull(),
    paymentIntentId: text("payment_intent_id"),
    lastPaymentError: text("last_payment_error"),
    sessionId: text("session_id"),
    idempotencyKey: text("idempotency_key"),
    /** JSON CancellationPolicy in force when the booking was made (null: the default). */
    cancellationPolicy: text("cancellation_policy"),
    rescheduledFrom: text("rescheduled_from"),
    rescheduledTo: text("rescheduled_to"),
    cancelledBy: text("cancelled_by", { enum: cancelledByValues }),
    cancelledAt: integer("cancelled_at"),
    /** What the provider keeps of the captured money after a student's cancel (the policy's share). */
    retainedAmount: integer("retained_amount").notNull().default(0),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    index("bookings_slot").on(t.slotId, t.status),
    index("bookings_cancelled").on(t.cancelledBy, t.cancelledAt),
    index("bookings_student").on(t.studentId, t.createdAt),
    index("bookings_status_hold").on(t.status, t.holdExpiresAt),
    // The second guard: one student never holds two active bookings on one slot.
    uniqueIndex("bookings_one_active_per_student")
      .on(t.slotId, t.studentId)
      .where(sql`status IN ('PENDING_PAYMENT', 'CONFIRMED')`),
    uniqueIndex("bookings_idempotency")
      .on(t.studentId, t.idempotencyKey)
      .where(sql`idempotency_key IS NOT NULL`),
  ],
);

export const paymentStatuses = [
  "REQUIRES_PAYMENT",
  "AUTHORIZED",
  "SUCCEEDED",
  "CANCELED",
  "REFUND_PENDING",
  "PARTIALLY_REFUNDED",
  "REFUNDED",
  "REFUND_FAILED",
] as const;
export type PaymentStatus = (typeof paymentStatuses)[number];

/**
 * One row per PaymentIntent, a projection of what Stripe last said about it. No foreign key to
 * bookings: money history outlives the slot and booking it was for (cleanup removes slots).
 */
export const payments = sqliteTable(
  "payments",
  {
    id: text("id").primaryKey(),
    bookingId: text("booking_id").notNull(),
    slotId: text("slot_id"),
    studentId: text("student_id"),
    paymentIntentId: text("payment_intent_id").notNull(),
    clientSecret: text("client_secret").notNull(),
    amount: integer("amount").notNull(),
    currency: text("currency").notNull(),
    status: text("status", { enum: paymentStatuses }).notNull(),
    /** Captured at Stripe (the intent's amount_received). */
    amountCaptured: integer("amount_captured").notNull().default(0),
    chargeId: text("charge_id"),
    refundId: text("refund_id"),
    /** Refunds Stripe reports succeeded; failed ones never count. */
    refundedAmount: integer("refunded_amount").notNull().default(0),
    /** Refunds still pending at Stripe. */
    refundPendingAmount: integer("refund_pending_amount").notNull().default(0),
    /** Why money went back without a cancellation (e.g. captured after the seat was gone). */
    refundReason: text("refund_reason"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("payments_booking").on(t.bookingId),
    uniqueIndex("payments_intent").on(t.paymentIntentId),
  ],
);

/** Every refund Stripe knows for our intents (ours or made elsewhere), as Stripe last said. */
export const refunds = sqliteTable(
  "refunds",
  {
    id: text("id").primaryKey(),
    paymentIntentId: text("payment_intent_id").notNull(),
    bookingId: text("booking_id").notNull(),
    amount: integer("amount").notNull(),
    currency: text("currency").notNull(),
    status: text("status", { enum: ["pending", "succeeded", "failed", "canceled"] }).notNull(),
    failureReason: text("failure_reason"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("refunds_intent").on(t.paymentIntentId), index("refunds_booking").on(t.bookingId)],
);

export const ledgerKinds = [
  "authorized",
  "authorization_released",
  "captured",
  "refund_created",
  "refund_succeeded",
  "refund_failed",
  "transferred",
  "transfer_reversed",
] as const;
export type LedgerKind = (typeof ledgerKinds)[number];

/**
 * The money ledger: append-only, never updated or deleted. One row per money fact seen at
 * Stripe, unique by (kind, Stripe object id), so recording the same fact again is a no-op.
 */
export const moneyLedger = sqliteTable(
  "money_ledger",
  {
    id: text("id").primaryKey(),
    kind: text("kind", { enum: ledgerKinds }).notNull(),
    bookingId: text("booking_id").notNull(),
    slotId: text("slot_id").notNull(),
    paymentIntentId: text("payment_intent_id").notNull(),
    /** The intent, charge or refund this fact is about. */
    stripeObjectId: text("stripe_object_id").notNull(),
    amount: integer("amount").notNull(),
    currency: text("currency").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    uniqueIndex("money_ledger_fact").on(t.kind, t.stripeObjectId),
    index("money_ledger_booking").on(t.bookingId),
    index("money_ledger_slot").on(t.slotId),
  ],
);

/** A provider's Stripe Connect (Express) account, as Stripe last said (account.updated, re-read). */
export const payoutAccounts = sqliteTable(
  "payout_accounts",
  {
    providerId: text("provider_id")
      .primaryKey()
      .references(() => users.id),
    stripeAccountId: text("stripe_account_id").notNull(),
    chargesEnabled: integer("charges_enabled", { mode: "boolean" }).notNull().default(false),
    payoutsEnabled: integer("payouts_enabled", { mode: "boolean" }).notNull().default(false),
    detailsSubmitted: integer("details_submitted", { mode: "boolean" }).notNull().default(false),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [uniqueIndex("payout_accounts_stripe").on(t.stripeAccountId)],
);

export const payoutStatuses = ["SCHEDULED", "PAID", "PARTIALLY_REVERSED", "REVERSED"] as const;

/**
 * What Lectern owes a provider for one booking of a lesson that happened. Written in the same
 * batch that ends the session; the payout job transfers it once due. No foreign keys: money
 * history outlives slots and bookings (cleanup removes slots).
 */
export const payouts = sqliteTable(
  "payouts",
  {
    bookingId: text("booking_id").primaryKey(),
    providerId: text("provider_id").notNull(),
    slotId: text("slot_id").notNull(),
    sessionId: text("session_id").notNull(),
    paymentIntentId: text("payment_intent_id").notNull(),
    currency: text("currency").notNull(),
    /** As last read (D1 at the end, Stripe at the transfer). */
    captured: integer("captured").notNull(),
    refunded: integer("refunded").notNull().default(0),
    platformFee: integer("platform_fee").notNull(),
    /** Owed while SCHEDULED; the transfer's amount once paid. */
    amount: integer("amount").notNull(),
    status: text("status", { enum: payoutStatuses }).notNull(),
    availableAt: integer("available_at").notNull(),
    transferId: text("transfer_id"),
    /** What had been refunded when the transfer went: later refunds reverse a share of it. */
    refundedAtTransfer: integer("refunded_at_transfer"),
    amountReversed: integer("amount_reversed").notNull().default(0),
    paidAt: integer("paid_at"),
    /** One payout job at a time works on a row until this instant. */
    leaseUntil: integer("lease_until"),
    attempts: integer("attempts").notNull().default(0),
    lastError: text("last_error"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    index("payouts_provider").on(t.providerId, t.availableAt),
    index("payouts_due").on(t.status, t.availableAt),
  ],
);

/** Which live rooms a login session has sockets in, so logging out can close them. */
export const liveConnections = sqliteTable(
  "live_connections",
  {
    tokenHash: text("token_hash").notNull(),
    slotId: text("slot_id").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tokenHash, t.slotId] })],
);

export const sessionStatuses = ["SCHEDULED", "IN_PROGRESS", "COMPLETED", "CANCELLED"] as const;

export const teachingSessions = sqliteTable(
  "teaching_sessions",
  {
    id: text("id").primaryKey(),
    slotId: text("slot_id")
      .notNull()
      .references(() => slots.id),
    providerId: text("provider_id")
      .notNull()
      .references(() => users.id),
    status: text("status", { enum: sessionStatuses }).notNull(),
    channelName: text("channel_name").notNull(),
    startedAt: integer("started_at"),
    endedAt: integer("ended_at"),
    cancelReason: text("cancel_reason", { enum: ["PROVIDER_NO_SHOW"] }),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [uniqueIndex("sessions_slot").on(t.slotId), index("sessions_provider").on(t.providerId)],
);

export const sessionParticipants = sqliteTable(
  "session_participants",
  {
    sessionId: text("session_id")
      .notNull()
      .references(() => teachingSessions.id),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    bookingId: text("booking_id").notNull(),
    status: text("status", { enum: ["CONFIRMED", "CANCELLED"] }).notNull(),
    joinedAt: integer("joined_at").notNull(),
    /** Sealed when the session ends: joined the video at least once, or not. */
    attendance: text("attendance", { enum: ["ATTENDED", "NO_SHOW"] }),
  },
  (t) => [primaryKey({ columns: [t.sessionId, t.userId] }), index("participants_user").on(t.userId)],
);

/** Stripe events seen, by event id: a replayed delivery is acknowledged without acting twice. */
export const stripeEvents = sqliteTable("stripe_events", {
  id: text("id").primaryKey(),
  type: text("type").notNull(),
  receivedAt: integer("received_at").notNull(),
  processedAt: integer("processed_at"),
});

export type BookingRow = typeof bookings.$inferSelect;
export type PaymentRow = typeof payments.$inferSelect;
export type RefundRow = typeof refunds.$inferSelect;
export type TeachingSessionRow = typeof teachingSessions.$inferSelect;
export type PayoutAccountRow = typeof payoutAccounts.$inferSelect;
export type PayoutRow = typeof payouts.$inferSelect;

/** Join/leave intervals; an open interval has no left_at. Sealed (closed) when the session ends. */
export const attendance = sqliteTable(
  "attendance",
  {
    id: text("id").primaryKey(),
    sessionId: text("session_id")
      .notNull()
      .references(() => teachingSessions.id),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    joinedAt: integer("joined_at").notNull(),
    leftAt: integer("left_at"),
  },
  (t) => [
    index("attendance_session").on(t.sessionId, t.joinedAt),
    uniqueIndex("attendance_one_open").on(t.sessionId, t.userId).where(sql`left_at IS NULL`),
  ],
);

/** The 1-to-1 chat between a student and a provider: one per pair. */
export const conversations = sqliteTable(
  "conversations",
  {
    id: text("id").primaryKey(),
    studentId: text("student_id")
      .notNull()
      .references(() => users.id),
    providerId: text("provider_id")
      .notNull()
      .references(() => users.id),
    createdAt: integer("created_at").notNull(),
    lastMessageAt: integer("last_message_at"),
  },
  (t) => [
    uniqueIndex("conversations_pair").on(t.studentId, t.providerId),
    index("conversations_provider").on(t.providerId),
  ],
);

/** How far each member has read a conversation: unread = messages from others after it. */
export const conversationReads = sqliteTable(
  "conversation_reads",
  {
    conversationId: text("conversation_id")
      .notNull()
      .references(() => conversations.id),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    lastReadAt: integer("last_read_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.conversationId, t.userId] })],
);

export const conversationMessages = sqliteTable(
  "conversation_messages",
  {
    id: text("id").primaryKey(),
    conversationId: text("conversation_id")
      .notNull()
      .references(() => conversations.id),
    senderId: text("sender_id")
      .notNull()
      .references(() => users.id),
    text: text("text").notNull(),
    sentAt: integer("sent_at").notNull(),
  },
  (t) => [index("messages_conversation").on(t.conversationId, t.sentAt)],
);

/**
 * Emails to send. `dedupe_key` makes each notification exactly-once (e.g. "reminder-24h:<session>:<user>");
 * a dispatcher sends PENDING rows and retries failures.
 */
export const emailOutbox = sqliteTable(
  "email_outbox",
  {
    id: text("id").primaryKey(),
    dedupeKey: text("dedupe_key").notNull(),
    userId: text("user_id").references(() => users.id),
    toAddress: text("to_address").notNull(),
    kind: text("kind").notNull(),
    subject: text("subject").notNull(),
    textBody: text("text_body").notNull(),
    htmlBody: text("html_body"),
    ics: text("ics"),
    status: text("status", { enum: ["PENDING", "SENT", "FAILED"] }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    lastError: text("last_error"),
    createdAt: integer("created_at").notNull(),
    nextAttemptAt: integer("next_attempt_at").notNull(),
    sentAt: integer("sent_at"),
  },
  (t) => [
    uniqueIndex("email_outbox_dedupe").on(t.dedupeKey),
    index("email_outbox_due").on(t.status, t.nextAttemptAt),
    index("email_outbox_user").on(t.userId, t.createdAt),
  ],
);
export type AttendanceRow = typeof attendance.$inferSelect;

export const waitlistStatuses = ["WAITING", "OFFERED", "BOOKED", "EXPIRED", "LEFT"] as const;

/**
 * The D1 projection of a slot's waiting line; the slot object decides (offers, expiry) and writes
 * each entry's state here. Ordered by `seq` (the object's insertion order).
 */
export const waitlistEntries = sqliteTable(
  "waitlist_entries",
  {
    id: text("id").primaryKey(),
    slotId: text("slot_id").notNull(),
    studentId: text("student_id")
      .notNull()
      .references(() => users.id),
    status: text("status", { enum: waitlistStatuses }).notNull(),
    seq: integer("seq").notNull(),
    offeredAt: integer("offered_at"),
    offerExpiresAt: integer("offer_expires_at"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    index("waitlist_slot").on(t.slotId, t.status, t.seq),
    index("waitlist_student").on(t.studentId, t.createdAt),
    // The offer and lapse notification scans look back a week by offered_at.
    index("waitlist_offered").on(t.offeredAt),
    uniqueIndex("waitlist_one_active").on(t.slotId, t.studentId).where(sql`status IN ('WAITING', 'OFFERED')`),
  ],
);
export type WaitlistRow = typeof waitlistEntries.$inferSelect;

/** The outbox also carries `webhook.test`, sent to one endpoint on request. */
export const webhookEventTypes = [...WEBHOOK_EVENT_TYPES, "webhook.test"] as const;
export type WebhookEventType = (typeof webhookEventTypes)[number];

/** A provider's outbound webhook endpoint (Standard Webhooks). The secret signs every delivery. */
export const webhookEndpoints = sqliteTable(
  "webhook_endpoints",
  {
    id: text("id").primaryKey(),
    providerId: text("provider_id")
      .notNull()
      .references(() => users.id),
    url: text("url").notNull(),
    /** JSON array of event types; null: every type. */
    events: text("events"),
    /** whsec_… (kept to sign; shown to the provider once). */
    secret: text("secret").notNull(),
    createdAt: integer("created_at").notNull(),
    /** Deleted endpoints stop receiving; their delivery log stays until cleanup. */
    deletedAt: integer("deleted_at"),
  },
  (t) => [index("webhook_endpoints_provider").on(t.providerId)],
);

/**
 * The outbox of events: written in the same D1 batch as the change it tells of, one row per
 * (type, subject) so a repeated batch cannot invent a second event.
 */
export const webhookEvents = sqliteTable(
  "webhook_events",
  {
    id: text("id").primaryKey(),
    providerId: text("provider_id").notNull(),
    type: text("type", { enum: webhookEventTypes }).notNull(),
    /** booking id, session id, refund id or payout's booking id: what makes the event unique. */
    subjectId: text("subject_id").notNull(),
    /** The body's `data` as JSON. */
    data: text("data").notNull(),
    createdAt: integer("created_at").notNull(),
    /** Set once a delivery per subscribed endpoint has been queued. */
    dispatchedAt: integer("dispatched_at"),
  },
  (t) => [
    uniqueIndex("webhook_events_subject").on(t.type, t.subjectId),
    index("webhook_events_undispatched").on(t.dispatchedAt, t.createdAt),
  ],
);

export const webhookDeliveryStatuses = ["PENDING", "DELIVERED", "FAILED"] as const;

/** One event to one endpoint: its attempts and where it stands. */
export const webhookDeliveries = sqliteTable(
  "webhook_deliveries",
  {
    id: text("id").primaryKey(),
    eventId: text("event_id").notNull(),
    endpointId: text("endpoint_id").notNull(),
    status: text("status", { enum: webhookDeliveryStatuses }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    lastStatusCode: integer("last_status_code"),
    lastError: text("last_error"),
    nextAttemptAt: integer("next_attempt_at"),
    /** JSON array of {at, statusCode?, error?, durationMs}: the delivery log. */
    log: text("log").notNull().default("[]"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("webhook_deliveries_pair").on(t.eventId, t.endpointId),
    index("webhook_deliveries_endpoint").on(t.endpointId, t.createdAt),
  ],
);

/** Deliveries that ran out of attempts, with the body they carried (the dead letters). */
export const webhookDeadLetters = sqliteTable("webhook_dead_letters", {
  deliveryId: text("delivery_id").primaryKey(),
  endpointId: text("endpoint_id").notNull(),
  eventId: text("event_id").notNull(),
  body: text("body").notNull(),
  failedAt: integer("failed_at").notNull(),
});

/** A person's secret calendar feed: only the token's SHA-256 is kept. */
export const calendarFeeds = sqliteTable("calendar_feeds", {
  userId: text("user_id")
    .primaryKey()
    .references(() => users.id),
  tokenHash: text("token_hash").notNull().unique(),
  createdAt: integer("created_at").notNull(),
});

export type WebhookEndpointRow = typeof webhookEndpoints.$inferSelect;
export type WebhookEventRow = typeof webhookEvents.$inferSelect;
export type WebhookDeliveryRow = typeof webhookDeliveries.$inferSelect;
