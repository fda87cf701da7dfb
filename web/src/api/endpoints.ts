import { request } from "./http";
import type {
  AppConfig,
  Attendance,
  Booking,
  BookingAnswer,
  Conversation,
  LiveAvailability,
  Message,
  Notification,
  Pattern,
  PatternInput,
  PatternPreview,
  ProviderProfile,
  ProviderSummary,
  RtcCredentials,
  Session,
  Skipped,
  Slot,
  SlotBooking,
  SlotInput,
  User,
} from "./types";

const enc = encodeURIComponent;

function query(params: Record<string, string | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined) search.set(key, value);
  const text = search.toString();
  return text ? `?${text}` : "";
}

/** One function per API call; see /work/shared/API.md. */
export const api = {
  config: () => request<AppConfig>("GET", "/config"),

  register: (body: { email: string; password: string; name: string; role: User["role"]; timezone: string }) =>
    request<{ user: User }>("POST", "/auth/register", { body }),
  login: (body: { email: string; password: string }) =>
    request<{ user: User }>("POST", "/auth/login", { body }),
  logout: () => request<void>("POST", "/auth/logout"),
  me: () => request<User>("GET", "/me", { quiet401: true }),
  updateMe: (body: { name?: string; timezone?: string }) => request<User>("PATCH", "/me", { body }),

  providerProfile: () => request<ProviderProfile>("GET", "/me/provider-profile"),
  saveProviderProfile: (body: { hourlyRate: number; currency: string; bio?: string }) =>
    request<ProviderProfile>("PUT", "/me/provider-profile", { body }),
  providers: () => request<{ providers: ProviderSummary[] }>("GET", "/providers"),

  slots: (filter: { providerId?: string; from?: string; to?: string }) =>
    request<{ slots: Slot[] }>("GET", `/slots${query(filter)}`),
  slot: (id: string) => request<Slot>("GET", `/slots/${enc(id)}`),
  createSlot: (body: SlotInput) => request<Slot>("POST", "/slots", { body }),
  updateSlot: (id: string, body: Partial<SlotInput>) => request<Slot>("PATCH", `/slots/${enc(id)}`, { body }),
  deleteSlot: (id: string) => request<void>("DELETE", `/slots/${enc(id)}`),
  slotBookings: (id: string) => request<{ bookings: SlotBooking[] }>("GET", `/slots/${enc(id)}/bookings`),
  availability: (id: string) => request<LiveAvailability>("GET", `/slots/${enc(id)}/availability`),

  patterns: () => request<{ patterns: Pattern[] }>("GET", "/availability-patterns"),
  previewPattern: (body: PatternInput) =>
    request<PatternPreview>("POST", "/availability-patterns/preview", { body }),
  createPattern: (body: PatternInput) =>
    request<{ pattern: Pattern; createdSlots: Slot[]; skipped: Skipped[] }>(
      "POST",
      "/availability-patterns",
      {
        body,
      },
    ),
  deletePattern: (id: string) => request<void>("DELETE", `/availability-patterns/${enc(id)}`),

  book: (slotId: string, idempotencyKey: string) =>
    request<BookingAnswer>("POST", `/slots/${enc(slotId)}/bookings`, {
      headers: { "idempotency-key": idempotencyKey },
    }),
  booking: (id: string) => request<Booking>("GET", `/bookings/${enc(id)}`),
  myBookings: () => request<{ bookings: Booking[] }>("GET", "/me/bookings"),
  cancelBooking: (id: string) => request<Booking>("POST", `/bookings/${enc(id)}/cancel`),

  session: (id: string) => request<Session>("GET", `/sessions/${enc(id)}`),
  mySessions: () => request<{ sessions: Session[] }>("GET", "/me/sessions"),
  startSession: (id: string) => request<Session>("POST", `/sessions/${enc(id)}/start`),
  endSession: (id: string) => request<Session>("POST", `/sessions/${enc(id)}/end`),
  cancelSession: (id: string) => request<Session>("POST", `/sessions/${enc(id)}/cancel`),
  joinSession: (id: string) => request<RtcCredentials>("POST", `/sessions/${enc(id)}/join`),
  leaveSession: (id: string) => request<void>("POST", `/sessions/${enc(id)}/leave`),
  attendance: (id: string) => request<{ entries: Attendance[] }>("GET", `/sessions/${enc(id)}/attendance`),

  conversations: () => request<{ conversations: Conversation[] }>("GET", "/conversations"),
  messages: (id: string) => request<{ messages: Message[] }>("GET", `/conversations/${enc(id)}/messages`),
  sendMessage: (id: string, text: string) =>
    request<Message>("POST", `/conversations/${enc(id)}/messages`, { body: { text } }),

  notifications: () => request<{ notifications: Notification[] }>("GET", "/me/notifications"),
};

/** Same-origin URL of the caller's iCalendar feed (cookie-authenticated download). */
export const CALENDAR_FEED_URL = "/api/me/calendar.ics";
