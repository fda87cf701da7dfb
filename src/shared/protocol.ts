import { z } from "zod";
import type { SlotStatus } from "./api-types";
import { MAX_CHAT_TEXT } from "./limits";

/** Messages on a slot's live room (GET /api/slots/:id/ws), shared by the server and the SPA. */

export const clientMessage = z.discriminatedUnion("type", [
  z.object({ type: z.literal("chat"), text: z.string().trim().min(1).max(MAX_CHAT_TEXT) }),
  z.object({ type: z.literal("ping") }),
]);
export type ClientMessage = z.infer<typeof clientMessage>;

/** The `slot` frame's status is the API's Slot.status; this name stays for existing importers. */
export type SlotLiveStatus = SlotStatus;

export type SessionEvent =
  | { type: "session:booked"; bookingId: string; seatsLeft: number }
  | { type: "session:started"; sessionId: string; startedAt: string }
  | { type: "session:ended"; sessionId: string; endedAt: string }
  | { type: "session:cancelled"; sessionId: string }
  /** A seat was given up (a student cancelled or moved the lesson): told to whoever is in the room. */
  | {
      type: "session:seat-freed";
      bookingId: string;
      studentId: string;
      reason: "cancelled" | "rescheduled";
      refundAmount?: number;
      seatsLeft: number;
    };

export type ServerMessage =
  | { type: "chat"; id: string; senderId: string; senderName: string; text: string; sentAt: string }
  | { type: "presence"; online: string[] }
  | { type: "slot"; seatsLeft: number; status: SlotStatus }
  | SessionEvent
  | { type: "pong" }
  | { type: "error"; code: string; message: string };

/** Set by the worker's WebSocket route on the upgrade it forwards, after authorizing the caller. */
export const ROOM_HEADERS = {
  userId: "x-lectern-user-id",
  name: "x-lectern-user-name",
  slotId: "x-lectern-slot-id",
  capacity: "x-lectern-capacity",
  status: "x-lectern-slot-status",
  /** SHA-256 of the login session's token: logout closes that session's sockets. */
  session: "x-lectern-session",
} as const;
