import { type ClientResponse, hc } from "hono/client";
import type { AppType } from "../../../.types/src/app";
import { settle } from "./http";
import type {
  AppConfig,
  Attendance,
  Booking,
  BookingAnswer,
  CancellationPolicy,
  CancelPreview,
  Conversation,
  Earnings,
  LiveAvailability,
  Message,
  Notification,
  Pattern,
  PatternInput,
  PatternPreview,
  PayoutAccountAnswer,
  ProviderProfile,
  ProviderSummary,
  RtcCredentials,
  Session,
  Skipped,
  Slot,
  SlotBooking,
  SlotInput,
  User,
  WaitlistEntry,
  WebhookDelivery,
  WebhookEndpoint,
  WebhookEndpointCreated,
  WebhookEventType,
} from "./types";

/**
 * The worker's routes, typed from the worker itself: `npm run build` emits declarations of
 * src/app.ts into .types/ and `hc<AppType>` reads the request and response shapes from them.
 */
const client = hc<AppType>("/");
const api_ = client.api;

/** Resolves to the route's typed JSON answer, or throws an ApiError with the API's code. */
function call<T>(pending: Promise<ClientResponse<T, number, "json">>, quiet401 = false): Promise<T> {
  return settle<T>(pending as unknown as Promise<Response>, quiet401);
}

function noContent(pending: Promise<ClientResponse<unknown, number, string>>): Promise<void> {
  return settle<void>(pending as unknown as Promise<Response>);
}

/** One function per API call; the annotations check the worker's answers against src/shared/api-types.ts. */
export const api = {
  config: (): Promise<AppConfig> => call(api_.config.$get()),

  register: (body: {
    email: string;
    password: string;
    name: string;
    role: User["role"];
    timezone: string;
    locale?: string;
  }): Promise<{ user: User }> => call(api_.auth.register.$post({ json: body })),
  login: (body: { email: string; password: string }): Promise<{ user: User }> =>
    call(api_.auth.login.$post({ json: body })),
  logout: () => noContent(api_.auth.logout.$post()),
  me: (): Promise<User> => call(api_.me.$get(), true),
  updateMe: (body: { name?: string; timezone?: string; locale?: string }): Promise<User> =>
    call(api_.me.$patch({ json: body })),

  providerProfile: (): Promise<ProviderProfile> => call(api_.me["provider-profile"].$get()),
  saveProviderProfile: (body: {
    hourlyRate: number;
    currency: string;
    bio?: string;
    cancellationPolicy?: CancellationPolicy;
  }): Promise<ProviderProfile> => call(api_.me["provider-profile"].$put({ json: body })),
  providers: (): Promise<{ providers: ProviderSummary[] }> => call(api_.providers.$get()),

  slots: (filter: { providerId?: string; from?: string; to?: string }): Promise<{ slots: Slot[] }> =>
    call(api_.slots.$get({ query: filter })),
  slot: (id: string): Promise<Slot> => call(api_.slots[":id"].$get({ param: { id } })),
  createSlot: (body: SlotInput): Promise<Slot> => call(api_.slots.$post({ json: body })),
  updateSlot: (id: string, body: Partial<SlotInput>): Promise<Slot> =>
    call(api_.slots[":id"].$patch({ param: { id }, json: body })),
  deleteSlot: (id: string) => noContent(api_.slots[":id"].$delete({ param: { id } })),
  slotBookings: (id: string): Promise<{ bookings: SlotBooking[] }> =>
    call(api_.slots[":id"].bookings.$get({ param: { id } })),
  availability: (id: string): Promise<LiveAvailability> =>
    call(api_.slots[":id"].availability.$get({ param: { id } })),

  patterns: (): Promise<{ patterns: Pattern[] }> => call(api_["availability-patterns"].$get()),
  previewPattern: (body: PatternInput): Promise<PatternPreview> =>
    call(api_["availability-patterns"].preview.$post({ json: body })),
  createPattern: (
    body: PatternInput,
  ): Promise<{ pattern: Pattern; createdSlots: Slot[]; skipped: Skipped[] }> =>
    call(api_["availability-patterns"].$post({ json: body })),
  deletePattern: (id: string) => noContent(api_["availability-patterns"][":id"].$delete({ param: { id } })),

  book: (slotId: string, idempotencyKey: string): Promise<BookingAnswer> =>
    call(
      api_.slots[":id"].bookings.$post({
        param: { id: slotId },
        header: { "idempotency-key": idempotencyKey },
      }),
    ),
  booking: (id: string): Promise<Booking> => call(api_.bookings[":id"].$get({ param: { id } })),
  /** The PaymentIntent of a booking that is waiting for its payment (any tab or device of its student). */
  bookingPayment: (id: string): Promise<{ paymentIntentId: string; clientSecret: string }> =>
    call(api_.bookings[":id"].payment.$get({ param: { id } })),
  myBookings: (): Promise<{ bookings: Booking[] }> => call(api_.me.bookings.$get()),
  cancelBooking: (id: string): Promise<Booking> => call(api_.bookings[":id"].cancel.$post({ param: { id } })),
  /** What a student's cancel would give back now, under the booking's own policy. */
  cancelPreview: (id: string): Promise<CancelPreview> =>
    call(api_.bookings[":id"]["cancel-preview"].$get({ param: { id } })),
  /** Moves a confirmed booking to another slot; answers the new booking. */
  reschedule: (id: string, slotId: string): Promise<{ booking: Booking }> =>
    call(api_.bookings[":id"].reschedule.$post({ param: { id }, json: { slotId } })),

  joinWaitlist: (slotId: string): Promise<WaitlistEntry> =>
    call(api_.slots[":id"].waitlist.$post({ param: { id: slotId } })),
  leaveWaitlist: (slotId: string) => noContent(api_.slots[":id"].waitlist.$delete({ param: { id: slotId } })),
  myWaitlist: (): Promise<{ entries: WaitlistEntry[] }> => call(api_.me.waitlist.$get()),
  /** The slot's line, with the students' names (its provider only). */
  slotWaitlist: (slotId: string): Promise<{ entries: WaitlistEntry[] }> =>
    call(api_.slots[":id"].waitlist.$get({ param: { id: slotId } })),

  session: (id: string): Promise<Session> => call(api_.sessions[":id"].$get({ param: { id } })),
  mySessions: (): Promise<{ sessions: Session[] }> => call(api_.me.sessions.$get()),
  startSession: (id: string): Promise<Session> => call(api_.sessions[":id"].start.$post({ param: { id } })),
  endSession: (id: string): Promise<Session> => call(api_.sessions[":id"].end.$post({ param: { id } })),
  cancelSession: (id: string): Promise<Session> => call(api_.sessions[":id"].cancel.$post({ param: { id } })),
  joinSession: (id: string): Promise<RtcCredentials> =>
    call(api_.sessions[":id"].join.$post({ param: { id } })),
  leaveSession: (id: string) => noContent(api_.sessions[":id"].leave.$post({ param: { id } })),
  attendance: (id: string): Promise<{ entries: Attendance[] }> =>
    call(api_.sessions[":id"].attendance.$get({ param: { id } })),

  conversations: (): Promise<{ conversations: Conversation[] }> => call(api_.conversations.$get()),
  messages: (id: string): Promise<{ messages: Message[] }> =>
    call(api_.conversations[":id"].messages.$get({ param: { id }, query: {} })),
  sendMessage: (id: string, text: string): Promise<Message> =>
    call(api_.conversations[":id"].messages.$post({ param: { id }, json: { text } })),

  notifications: (): Promise<{ notifications: Notification[] }> => call(api_.me.notifications.$get()),

  /** The provider's Stripe Connect account (created on the first call) and a fresh onboarding link. */
  openPayoutAccount: (): Promise<PayoutAccountAnswer> => call(api_.me["payout-account"].$post()),
  earnings: (): Promise<Earnings> => call(api_.me.earnings.$get()),

  webhookEndpoints: (): Promise<{ endpoints: WebhookEndpoint[] }> =>
    call(api_.me["webhook-endpoints"].$get()),
  /** Answers the signing secret once; `events` left out means every type, including later ones. */
  createWebhookEndpoint: (body: {
    url: string;
    events?: WebhookEventType[];
  }): Promise<WebhookEndpointCreated> => call(api_.me["webhook-endpoints"].$post({ json: body })),
  deleteWebhookEndpoint: (id: string) =>
    noContent(api_.me["webhook-endpoints"][":id"].$delete({ param: { id } })),
  /** The endpoint's deliveries, newest first, each with its attempt log. */
  webhookDeliveries: (id: string): Promise<{ deliveries: WebhookDelivery[] }> =>
    call(api_.me["webhook-endpoints"][":id"].deliveries.$get({ param: { id } })),
  /** Queues a `webhook.test` event to this endpoint only. */
  sendWebhookTest: (id: string): Promise<{ delivery: WebhookDelivery }> =>
    call(api_.me["webhook-endpoints"][":id"].test.$post({ param: { id } })),
};

/** Same-origin URL of the caller's iCalendar feed (cookie-authenticated download). */
export const CALENDAR_FEED_URL = "/api/me/calendar.ics";

/** Same-origin URL of the provider's earnings, one line per lesson (cookie-authenticated download). */
export const EARNINGS_CSV_URL = "/api/me/earnings.csv";
