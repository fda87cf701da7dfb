/**
 * The API's JSON shapes (API.md plus extensions), shared by the worker and the SPA. The worker's
 * services declare their answers with these types, so a change on either side that breaks the
 * contract fails the typecheck of both (`tsc -p tsconfig.json` and `-p tsconfig.web.json`).
 * Pure types only: no imports, so the browser build can read it.
 */

export type Role = "provider" | "student";

export interface User {
  id: string;
  email: string;
  name: string;
  role: Role;
  timezone: string;
  /** BCP 47 tag (e.g. "de-DE"): the app and emails write dates this way. */
  locale: string;
}

export interface PolicyTier {
  minNoticeHours: number;
  refundPercent: number;
}

/** What a student gets back by notice left (tiers), and the notice a reschedule needs. */
export interface CancellationPolicy {
  tiers: PolicyTier[];
  rescheduleMinNoticeHours: number;
}

/** What a tutor shows students (Find a tutor, the tutor's page). */
export interface TutorDetails {
  headline: string | null;
  /** What they teach, e.g. ["Mathematics", "Physics"]. */
  subjects: string[];
  /** Languages they teach in, as BCP 47 tags (e.g. ["en", "de"]). */
  languages: string[];
  /** Where the photo is served (GET, public), or null without one. */
  photoUrl: string | null;
}

export interface ProviderProfile extends TutorDetails {
  userId: string;
  hourlyRate: number;
  currency: string;
  bio: string | null;
  cancellationPolicy: CancellationPolicy;
  updatedAt: string;
}

export interface ProviderSummary extends TutorDetails {
  id: string;
  name: string;
  timezone: string;
  hourlyRate: number | null;
  currency: string | null;
  bio: string | null;
  cancellationPolicy: CancellationPolicy;
}

export type SessionType = "ONE_TO_ONE" | "GROUP";
/** What the slots table stores; FULL is never stored (see SlotStatus). */
export type StoredSlotStatus = "OPEN" | "CANCELLED" | "IN_PROGRESS" | "COMPLETED";
/** What clients see: an open slot with no seat left is FULL. */
export type SlotStatus = StoredSlotStatus | "FULL";

export interface Money {
  amount: number;
  currency: string;
}

export interface Slot {
  id: string;
  providerId: string;
  startsAt: string;
  endsAt: string;
  durationMinutes: number;
  sessionType: SessionType;
  maxParticipants: number;
  seatsTaken: number;
  seatsLeft: number;
  price: Money;
  status: SlotStatus;
  patternId?: string;
}

export interface SlotInput {
  startsAt: string;
  durationMinutes: number;
  sessionType: SessionType;
  maxParticipants?: number;
}

/** An ISO weekday (Monday = 1) and a wall-clock "HH:mm" in the pattern's zone. */
export interface WeeklyStart {
  weekday: number;
  startTime: string;
}

export interface PatternInput {
  timezone: string;
  weekly: WeeklyStart[];
  durationMinutes: number;
  sessionType: SessionType;
  maxParticipants?: number;
  startsOn?: string;
  endsOn?: string;
}

export interface Pattern extends Required<Omit<PatternInput, "startsOn" | "endsOn">> {
  id: string;
  providerId: string;
  startsOn: string | null;
  endsOn: string | null;
  createdAt: string;
}

export interface Skipped {
  startsAt: string;
  reason: string;
}

export interface PatternPreview {
  slots: { startsAt: string; endsAt: string }[];
  skipped: Skipped[];
}

export type BookingStatus = "PENDING_PAYMENT" | "CONFIRMED" | "EXPIRED" | "CANCELLED";
export type PaymentStatus =
  | "REQUIRES_PAYMENT"
  | "AUTHORIZED"
  | "SUCCEEDED"
  | "CANCELED"
  | "REFUND_PENDING"
  | "PARTIALLY_REFUNDED"
  | "REFUNDED"
  | "REFUND_FAILED";

export interface Booking {
  id: string;
  slotId: string;
  studentId: string;
  status: BookingStatus;
  amount: number;
  currency: string;
  holdExpiresAt: string;
  paymentIntentId: string | null;
  lastPaymentError?: string;
  sessionId?: string;
  paymentStatus: PaymentStatus;
  /** What the student has been given back so far (minor units); failed refunds never count. */
  amountRefunded: number;
  /** The provider's policy when the booking was made; later edits never change it. */
  cancellationPolicy: CancellationPolicy;
  /** The booking this one was moved from (a reschedule), and the one it was moved to. */
  rescheduledFrom?: string;
  rescheduledTo?: string;
  /** Who ended a CANCELLED booking. */
  cancelledBy?: CancelledBy;
}

export type CancelledBy = "STUDENT" | "PROVIDER" | "PROVIDER_NO_SHOW" | "RESCHEDULE" | "SYSTEM";

export interface CancelPreview {
  refundAmount: number;
  refundPercent: number;
}

export type WaitlistStatus = "WAITING" | "OFFERED" | "BOOKED" | "EXPIRED" | "LEFT";

export interface WaitlistEntry {
  id: string;
  slotId: string;
  studentId: string;
  status: WaitlistStatus;
  /** 1-based place among the slot's WAITING entries (0 when not waiting). */
  position: number;
  offerExpiresAt?: string;
  createdAt: string;
  /** The provider's list names the students. */
  student?: { id: string; name: string };
}

export interface SlotBooking extends Booking {
  student: { id: string; name: string };
}

export interface BookingAnswer {
  booking: Booking;
  payment: { paymentIntentId: string | null; clientSecret: string | null };
}

export type SessionStatus = "SCHEDULED" | "IN_PROGRESS" | "COMPLETED" | "CANCELLED";

export interface Session {
  id: string;
  slotId: string;
  providerId: string;
  status: SessionStatus;
  channelName: string;
  startedAt?: string;
  endedAt?: string;
  participants: SessionParticipant[];
  /** Set when the provider never joined: everyone was refunded in full. */
  cancelReason?: "PROVIDER_NO_SHOW";
  startsAt: string;
  endsAt: string;
}

export type AttendanceVerdict = "ATTENDED" | "NO_SHOW";

export interface SessionParticipant {
  userId: string;
  status: "CONFIRMED" | "CANCELLED";
  /** Sealed when the session ends: joined at least once, or not. */
  attendance?: AttendanceVerdict;
}

export interface RtcCredentials {
  appId: string;
  channelName: string;
  uid: number;
  token: string;
  expiresAt: string;
}

export interface Attendance {
  userId: string;
  joinedAt: string;
  leftAt: string | null;
}

export interface Message {
  id: string;
  senderId: string;
  text: string;
  sentAt: string;
}

export interface Conversation {
  id: string;
  memberIds: [string, string];
  members: { id: string; name: string; role: Role }[];
  lastMessage?: Message;
  /** Messages from the other member the caller has not read yet. */
  unreadCount: number;
}

export interface Notification {
  id: string;
  kind: string;
  subject: string;
  text: string;
  status: string;
  createdAt: string;
  sentAt: string | null;
}

export interface AppConfig {
  payments: { mode: "standin" | "stripe"; publishableKey: string; standinUrl?: string };
  video: { agoraAppId: string };
}

export interface LiveAvailability {
  slotId: string;
  seatsTaken: number;
  seatsLeft: number;
}

/** Every error body: `{error: {code, message, details?}}`. */
export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

export interface FieldIssue {
  path: string;
  message: string;
}

/** The provider's Stripe Connect (Express) account, as Stripe last said. */
export interface PayoutAccount {
  /** Stripe's account id (acct_…). */
  id: string;
  chargesEnabled: boolean;
  payoutsEnabled: boolean;
  detailsSubmitted: boolean;
}

export type PayoutStatus = "SCHEDULED" | "PAID" | "PARTIALLY_REVERSED" | "REVERSED";

/** What a provider earns for one lesson that happened (minor units of `currency`). */
export interface Payout {
  bookingId: string;
  /** captured − refunded − platformFee; once PAID, what was transferred. */
  amount: number;
  platformFee: number;
  status: PayoutStatus;
  transferId?: string;
  /** When the transfer may go: the session's end + PAYOUT_DELAY_HOURS. */
  availableAt: string;
  currency: string;
  /** What the student paid, and has been given back so far. */
  captured: number;
  refunded: number;
  /** Taken back from the provider after refunds that came after the transfer. */
  amountReversed: number;
  paidAt?: string;
  slotId: string;
  sessionId: string;
  lessonStartsAt: string;
  lessonEndsAt: string;
  studentName: string;
  /** Why a due payout has not gone yet (e.g. the account cannot receive payouts). */
  waitingFor?: "DUE_DATE" | "ACCOUNT" | "PENDING_REFUND" | "RETRY";
}

export interface EarningsTotal {
  currency: string;
  /** Not transferred yet. */
  scheduled: number;
  /** Transferred (before reversals). */
  paid: number;
  reversed: number;
  platformFees: number;
}

export interface Earnings {
  account: PayoutAccount | null;
  totals: EarningsTotal[];
  /** Newest lesson first. */
  payouts: Payout[];
}

export interface PayoutAccountAnswer {
  account: PayoutAccount;
  onboardingUrl: string;
}

export type WebhookEventType =
  | "booking.confirmed"
  | "booking.cancelled"
  | "booking.rescheduled"
  | "session.started"
  | "session.ended"
  | "session.cancelled"
  | "refund.succeeded"
  | "payout.paid";

/** A provider's outbound webhook endpoint (Standard Webhooks). */
export interface WebhookEndpoint {
  id: string;
  url: string;
  /** The event types it receives (every type when created without `events`). */
  events: WebhookEventType[];
  createdAt: string;
}

export interface WebhookEndpointCreated {
  endpoint: WebhookEndpoint;
  /** whsec_…: shown once, at creation. */
  secret: string;
}

export interface WebhookAttempt {
  at: string;
  statusCode?: number;
  error?: string;
  durationMs: number;
}

export interface WebhookDelivery {
  id: string;
  eventId: string;
  eventType: WebhookEventType | "webhook.test";
  status: "PENDING" | "DELIVERED" | "FAILED";
  attempts: number;
  lastStatusCode?: number;
  nextAttemptAt?: string;
  createdAt: string;
  /** Every attempt, oldest first. */
  log: WebhookAttempt[];
}

export interface CalendarFeed {
  /** The secret feed URL (https://…/api/calendar/<token>.ics); a new POST replaces it. */
  url: string;
}
