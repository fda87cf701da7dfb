import { DurableObject } from "cloudflare:workers";
import {
  createStripePayments,
  PaymentError,
  type Payments,
  stripeConfig,
} from "../src/adapters/stripe-payments";
import {
  attachIntent,
  confirmBooking,
  insertPendingBooking,
  markAuthorized,
  recordRefund,
  releaseBooking,
  withdrawConfirmedBooking,
} from "../src/db/booking-records";
import { fail, ok, type Result } from "../src/domain/errors";
import { newId } from "../src/domain/ids";
import {
  clientMessage,
  ROOM_HEADERS,
  type ServerMessage,
  type SessionEvent,
  type SlotLiveStatus,
} from "../src/shared/protocol";
import {
  decideAuthorization,
  decideHold,
  decideIntentCanceled,
  decideStudentCancel,
  decideSucceeded,
  dueForExpiry,
  type Hold,
  seatsTaken,
} from "./slot-state";
import { ChatStorage, type Effect, SlotStorage } from "./slot-storage";

/** What the worker knows about the slot when it asks for a seat. */
export interface SlotSnapshot {
  slotId: string;
  version: number;
  capacity: number;
  priceAmount: number;
  currency: string;
}

export interface BookCommand {
  slot: SlotSnapshot;
  studentId: string;
  idempotencyKey: string | null;
}

export interface BookAnswer {
  bookingId: string;
  /** True when an earlier request with the same idempotency key made this booking. */
  replayed: boolean;
  paymentIntentId: string | null;
  clientSecret: string | null;
  holdExpiresAt: number;
}

const EFFECT_LEASE_MS = 30_000;
const CHAT_HISTORY = 50;

/** Kept on each hibernatable socket (well under the 2 KB attachment limit). */
interface SocketInfo {
  userId: string;
  name: string;
}

const MAX_EFFECTS_PER_DRAIN = 50;

function retryDelayMs(attempts: number): number {
  return Math.min(5 * 60_000, 1_000 * 2 ** Math.min(attempts, 9));
}

/**
 * One object per slot (named by the slot id). It owns the seat count: every booking attempt is
 * decided here with synchronous storage calls only, so concurrent requests cannot oversell even
 * though the object awaits Stripe and D1 afterwards (PLATFORM.md: an awaited fetch opens the
 * input gate). Side effects go through an outbox drained inline and retried from the alarm.
 */
export class SlotObject extends DurableObject<Env> {
  private readonly store: SlotStorage;
  private readonly chat: ChatStorage;
  private readonly inflight = new Map<string, Promise<Result<BookAnswer>>>();
  private paymentsClient: Payments | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new SlotStorage(ctx.storage.sql);
    this.chat = new ChatStorage(ctx.storage.sql);
    ctx.blockConcurrencyWhile(async () => this.store.migrate());
  }

  private get payments(): Payments {
    this.paymentsClient ??= createStripePayments(stripeConfig(this.env));
    return this.paymentsClient;
  }

  private holdMs(): number {
    const seconds = Number(this.env.BOOKING_HOLD_SECONDS);
    return (Number.isFinite(seconds) && seconds > 0 ? seconds : 600) * 1000;
  }

  private slotId(): string {
    const id = this.store.getMeta("slot_id");
    if (!id) throw new Error("slot object used before its first booking");
    return id;
  }

  /** Live seat count from the holds themselves (cheap: the benchmark's floor request). */
  async seatsTaken(): Promise<number> {
    return seatsTaken(this.store.holds(), Date.now());
  }

  /** Holds a seat, writes the pending booking and creates its PaymentIntent. */
  async book(command: BookCommand): Promise<Result<BookAnswer>> {
    const now = Date.now();
    const decision = this.ctx.storage.transactionSync(() => {
      this.store.setMeta("slot_id", command.slot.slotId);
      this.store.setMeta("capacity", String(command.slot.capacity));
      this.expireDue(now);
      const decided = decideHold(this.store.holds(), {
        bookingId: newId("bkg"),
        studentId: command.studentId,
        idempotencyKey: command.idempotencyKey,
        capacity: command.slot.capacity,
        holdMs: this.holdMs(),
        now,
        closed: this.store.getMeta("closed") === "1",
      });
      if (decided.kind === "new") this.store.insertHold(decided.hold, now);
      return decided;
    });
    if (decision.kind === "refused") {
      await this.settle();
      return fail(decision.code, decision.message);
    }
    if (decision.kind === "replay") return this.replay(decision.hold);

    const work = this.completeBooking(command, decision.hold, now);
    this.inflight.set(decision.hold.bookingId, work);
    try {
      return await work;
    } finally {
      this.inflight.delete(decision.hold.bookingId);
      await this.settle();
    }
  }

  private async replay(hold: Hold): Promise<Result<BookAnswer>> {
    const running = this.inflight.get(hold.bookingId);
    if (running) {
      const first = await running;
      return first.ok ? ok({ ...first.value, replayed: true }) : first;
    }
    const row = await this.env.DB.prepare(
      `SELECT b.id, b.hold_expires_at, p.payment_intent_id, p.client_secret
         FROM bookings b LEFT JOIN payments p ON p.booking_id = b.id WHERE b.id = ?`,
    )
      .bind(hold.bookingId)
      .first<{
        id: string;
        hold_expires_at: number;
        payment_intent_id: string | null;
        client_secret: string | null;
      }>();
    if (!row)
      return fail("SLOT_NOT_BOOKABLE", "The earlier attempt with this Idempotency-Key did not go through.");
    return ok({
      bookingId: row.id,
      replayed: true,
      paymentIntentId: row.payment_intent_id,
      clientSecret: row.client_secret,
      holdExpiresAt: row.hold_expires_at,
    });
  }

  private async completeBooking(command: BookCommand, hold: Hold, now: number): Promise<Result<BookAnswer>> {
    const { slot } = command;
    let written: boolean;
    try {
      written = await insertPendingBooking(this.env.DB, {
        bookingId: hold.bookingId,
        slotId: slot.slotId,
        studentId: hold.studentId,
        slotVersion: slot.version,
        holdExpiresAt: hold.expiresAt,
        idempotencyKey: hold.idempotencyKey,
        now,
      });
    } catch (error) {
      this.ctx.storage.transactionSync(() => this.store.setStatus(hold.bookingId, "RELEASED"));
      if (String(error).includes("UNIQUE")) {
        return fail("ALREADY_BOOKED", "You already hold or have a seat in this slot.");
      }
      throw error;
    }
    if (!written) {
      this.ctx.storage.transactionSync(() => this.store.setStatus(hold.bookingId, "RELEASED"));
      return fail("SLOT_NOT_BOOKABLE", "This slot changed or closed a moment ago; reload it and try again.");
    }

    try {
      const intent = await this.payments.createIntent({
        bookingId: hold.bookingId,
        slotId: slot.slotId,
        studentId: hold.studentId,
        amount: slot.priceAmount,
        currency: slot.currency,
      });
      this.ctx.storage.transactionSync(() => {
        this.store.setIntent(hold.bookingId, intent.id);
        this.store.enqueue(
          "attach_intent",
          hold.bookingId,
          {
            intentId: intent.id,
            clientSecret: intent.clientSecret,
            amount: intent.amount,
            currency: intent.currency,
          },
          now,
        );
      });
      return ok({
        bookingId: hold.bookingId,
        replayed: false,
        paymentIntentId: intent.id,
        clientSecret: intent.clientSecret,
        holdExpiresAt: hold.expiresAt,
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.ctx.storage.transactionSync(() => {
        this.store.setStatus(hold.bookingId, "CANCELLED");
        this.store.enqueue(
          "release",
          hold.bookingId,
          { status: "CANCELLED", reason: `Payment setup failed: ${message}` },
          now,
        );
      });
      if (error instanceof PaymentError && error.kind === "invalid") {
        return fail("SLOT_NOT_BOOKABLE", `The payment provider refused this booking: ${message}`);
      }
      return fail(
        "PAYMENT_PROVIDER_ERROR",
        "The payment provider is unavailable; no seat was kept. Try again shortly.",
      );
    }
  }

  /** payment_intent.amount_capturable_updated: capture while the seat is held, else release the money. */
  async onAuthorized(bookingId: string, intentId: string): Promise<"capture" | "release" | "ignore"> {
    const now = Date.now();
    const action = this.ctx.storage.transactionSync(() => {
      const decided = decideAuthorization(this.store.hold(bookingId), now);
      if (decided === "capture") {
        this.store.setStatus(bookingId, "CAPTURING");
        this.store.enqueue("capture", bookingId, { intentId }, now);
      } else if (decided === "release") {
        this.store.enqueue("cancel_intent", bookingId, { intentId }, now);
      }
      return decided;
    });
    await this.settle();
    return action;
  }

  /** payment_intent.succeeded: confirm the seat, or refund money that arrived without one. */
  async onSucceeded(bookingId: string, intentId: string): Promise<"confirm" | "refund"> {
    const now = Date.now();
    const action = this.ctx.storage.transactionSync(() => {
      this.expireDue(now);
      const hold = this.store.hold(bookingId);
      const decided = decideSucceeded(hold, now);
      if (decided === "confirm") {
        this.store.setStatus(bookingId, "CONFIRMED");
        this.store.enqueue("confirm", bookingId, { studentId: hold?.studentId }, now);
      } else {
        this.store.enqueue(
          "refund",
          bookingId,
          { intentId, reason: "Captured after the seat was released." },
          now,
        );
      }
      return decided;
    });
    await this.settle();
    return action;
  }

  /** payment_intent.canceled: a seat still waiting for this payment is released. */
  async onIntentCanceled(bookingId: string): Promise<void> {
    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      const next = decideIntentCanceled(this.store.hold(bookingId));
      if (next) {
        this.store.setStatus(bookingId, next);
        this.store.enqueue("release", bookingId, { status: "EXPIRED" }, now);
      }
    });
    await this.settle();
  }

  /** The student cancels: a pending seat is freed at once, a confirmed one is refunded. */
  async cancelByStudent(bookingId: string): Promise<Result<"released" | "refunding">> {
    const now = Date.now();
    const outcome = this.ctx.storage.transactionSync((): Result<"released" | "refunding"> => {
      const hold = this.store.hold(bookingId);
      const decided = decideStudentCancel(hold, now);
      if (decided.kind === "refused") return fail(decided.code, decided.message);
      this.store.setStatus(bookingId, "CANCELLED");
      if (decided.kind === "release") {
        this.store.enqueue("release", bookingId, { status: "CANCELLED" }, now);
        return ok("released");
      }
      this.store.enqueue("withdraw", bookingId, {}, now);
      this.store.enqueue("refund", bookingId, { intentId: hold?.paymentIntentId, reason: null }, now);
      return ok("refunding");
    });
    await this.settle();
    const studentId = this.store.hold(bookingId)?.studentId;
    if (outcome.ok && studentId) this.evictIfSeatless(studentId);
    return outcome;
  }

  /**
   * charge.refunded: the money is back (our refund, or one made in Stripe's dashboard). The seat
   * is given up and the Payment recorded REFUNDED.
   */
  async onRefunded(bookingId: string, refundId: string, amount: number): Promise<void> {
    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      const status = this.store.hold(bookingId)?.status;
      if (status === "CONFIRMED" || status === "CAPTURING" || status === "HELD")
        this.store.setStatus(bookingId, "CANCELLED");
      this.store.enqueue("record_refund", bookingId, { refundId, amount }, now);
    });
    await this.settle();
    const studentId = this.store.hold(bookingId)?.studentId;
    if (studentId) this.evictIfSeatless(studentId);
  }

  /** The provider changed the slot's size (only possible while nobody holds a seat): recount for the room. */
  async resize(capacity: number): Promise<void> {
    this.store.setMeta("capacity", String(capacity));
    this.broadcastSeats();
  }

  /** Tells the room about a session event and the slot's new status (start, end). */
  async announce(event: SessionEvent, status: SlotLiveStatus): Promise<void> {
    this.store.setMeta("slot_status", status);
    this.broadcast(event);
    this.broadcastSeats();
  }

  /**
   * The instructor cancelled: no more bookings; pending holds are released and their intents
   * cancelled; every confirmed seat is given up and refunded in full. Safe to call again.
   */
  async cancelAll(event: SessionEvent): Promise<void> {
    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      this.store.setMeta("closed", "1");
      this.store.setMeta("slot_status", "CANCELLED");
      for (const hold of this.store.holds()) {
        if (hold.status === "HELD") {
          this.store.setStatus(hold.bookingId, "CANCELLED");
          this.store.enqueue("release", hold.bookingId, { status: "CANCELLED" }, now);
        } else if (hold.status === "CAPTURING") {
          // Not captured yet: release the authorization. Should the capture have landed already,
          // its succeeded webhook finds the seat gone and refunds.
          const intentId = this.store.hold(hold.bookingId)?.paymentIntentId;
          this.store.setStatus(hold.bookingId, "CANCELLED");
          this.store.enqueue("withdraw", hold.bookingId, {}, now);
          if (intentId) this.store.enqueue("cancel_intent", hold.bookingId, { intentId }, now);
        } else if (hold.status === "CONFIRMED") {
          this.store.setStatus(hold.bookingId, "CANCELLED");
          this.store.enqueue("withdraw", hold.bookingId, {}, now);
          this.store.enqueue(
            "refund",
            hold.bookingId,
            { reason: "The instructor cancelled the session." },
            now,
          );
        }
      }
    });
    await this.settle();
    this.broadcast(event);
    for (const studentId of new Set(this.store.holds().map((h) => h.studentId)))
      this.evictIfSeatless(studentId);
  }

  /** Cron safety net for a booking stuck past its hold: ask Stripe what really happened. */
  async reconcile(bookingId: string): Promise<string> {
    const hold = this.store.hold(bookingId);
    if (!hold?.paymentIntentId) {
      this.ctx.storage.transactionSync(() => this.expireDue(Date.now()));
      await this.settle();
      return "expired";
    }
    const intent = await this.payments.retrieve(hold.paymentIntentId);
    if (intent.status === "succeeded") return this.onSucceeded(bookingId, intent.id);
    if (intent.status === "requires_capture") return this.onAuthorized(bookingId, intent.id);
    if (intent.status === "canceled") {
      await this.onIntentCanceled(bookingId);
      return "canceled";
    }
    this.ctx.storage.transactionSync(() => this.expireDue(Date.now()));
    await this.settle();
    return "expired";
  }

  /** Read-only view for tests and support. */
  async inspect(): Promise<{
    holds: Hold[];
    effects: ReturnType<SlotStorage["pendingEffects"]>;
    alarm: number | null;
  }> {
    return {
      holds: this.store.holds(),
      effects: this.store.pendingEffects(),
      alarm: await this.ctx.storage.getAlarm(),
    };
  }

  override async alarm(): Promise<void> {
    this.ctx.storage.transactionSync(() => this.expireDue(Date.now()));
    await this.settle();
  }

  /** Marks lapsed holds EXPIRED and queues their release. Call inside a transaction. */
  private expireDue(now: number): void {
    for (const hold of dueForExpiry(this.store.holds(), now)) {
      this.store.setStatus(hold.bookingId, "EXPIRED");
      this.store.enqueue("release", hold.bookingId, { status: "EXPIRED" }, now);
    }
  }

  /** Runs due effects, then points the alarm at the next hold expiry or retry. */
  private async settle(): Promise<void> {
    for (let i = 0; i < MAX_EFFECTS_PER_DRAIN; i++) {
      const now = Date.now();
      const effect = this.ctx.storage.transactionSync(() => this.store.claimDue(now, EFFECT_LEASE_MS));
      if (!effect) break;
      try {
        await this.run(effect);
        this.ctx.storage.transactionSync(() => this.store.completeEffect(effect.id));
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        console.warn("slot effect failed", effect.kind, effect.bookingId, message);
        this.ctx.storage.transactionSync(() =>
          this.store.retryEffect(effect.id, Date.now() + retryDelayMs(effect.attempts), message),
        );
      }
    }
    this.broadcastSeats();
    const next = this.store.nextWakeUp();
    if (next === undefined) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(Math.max(next, Date.now() + 50));
  }

  private async run(effect: Effect): Promise<void> {
    const d1 = this.env.DB;
    const now = Date.now();
    const { bookingId, payload } = effect;
    const slotId = this.slotId();
    switch (effect.kind) {
      case "attach_intent":
        await attachIntent(d1, {
          bookingId,
          intentId: String(payload.intentId),
          clientSecret: String(payload.clientSecret),
          amount: Number(payload.amount),
          currency: String(payload.currency),
          now,
        });
        return;
      case "release": {
        const status = payload.status === "CANCELLED" ? "CANCELLED" : "EXPIRED";
        const reason = typeof payload.reason === "string" ? payload.reason : undefined;
        await releaseBooking(d1, { bookingId, slotId, status, now, ...(reason ? { reason } : {}) });
        const intentId = this.store.hold(bookingId)?.paymentIntentId;
        if (intentId) await this.cancelIntent(intentId);
        return;
      }
      case "cancel_intent":
        await this.cancelIntent(String(payload.intentId));
        return;
      case "capture": {
        const intentId = String(payload.intentId);
        if (this.store.hold(bookingId)?.status !== "CAPTURING") {
          // The seat went away while the capture waited (e.g. the instructor cancelled): release.
          await this.cancelIntent(intentId);
          return;
        }
        await markAuthorized(d1, bookingId, now);
        try {
          await this.payments.capture(intentId, bookingId);
        } catch (error) {
          if (!(error instanceof PaymentError && error.kind === "unexpected_state")) throw error;
          // Not capturable any more: Stripe's own state decides (its webhook follows as well).
          const intent = await this.payments.retrieve(intentId);
          if (intent.status === "canceled") {
            this.ctx.storage.transactionSync(() => {
              if (this.store.hold(bookingId)?.status === "CAPTURING") {
                this.store.setStatus(bookingId, "RELEASED");
                this.store.enqueue("release", bookingId, { status: "EXPIRED" }, now);
              }
            });
          }
        }
        return;
      }
      case "confirm": {
        const studentId = String(payload.studentId ?? this.store.hold(bookingId)?.studentId);
        await confirmBooking(d1, { bookingId, slotId, studentId, now });
        this.broadcast({ type: "session:booked", bookingId, seatsLeft: this.seatsLeft() });
        return;
      }
      case "record_refund":
        await recordRefund(d1, {
          bookingId,
          slotId,
          refundId: String(payload.refundId),
          amount: Number(payload.amount),
          reason: null,
          now,
        });
        return;
      case "withdraw":
        await withdrawConfirmedBooking(d1, { bookingId, slotId, now });
        return;
      case "refund": {
        const intentId =
          typeof payload.intentId === "string"
            ? payload.intentId
            : this.store.hold(bookingId)?.paymentIntentId;
        if (!intentId) return;
        const reason = typeof payload.reason === "string" ? payload.reason : null;
        const refund = await this.payments.refundInFull({
          intentId,
          bookingId,
          reason: reason ?? "cancelled",
          attempt: effect.attempts,
        });
        await recordRefund(d1, {
          bookingId,
          slotId,
          refundId: refund.id,
          amount: refund.amount,
          reason,
          now,
        });
        return;
      }
      default:
        assertNever(effect.kind);
    }
  }

  // --- Live room (WebSocket hibernation API) ---

  /** Accepts a socket the worker has already authorized; sends history, presence and seats. */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return new Response("expected a WebSocket upgrade", { status: 426 });
    }
    const userId = request.headers.get(ROOM_HEADERS.userId);
    if (!userId) return new Response("missing user", { status: 400 });
    const name = decodeURIComponent(request.headers.get(ROOM_HEADERS.name) ?? "").slice(0, 100);
    const slotId = request.headers.get(ROOM_HEADERS.slotId);
    const capacity = request.headers.get(ROOM_HEADERS.capacity);
    const status = request.headers.get(ROOM_HEADERS.status);
    this.ctx.storage.transactionSync(() => {
      if (slotId) this.store.setMeta("slot_id", slotId);
      if (capacity) this.store.setMeta("capacity", capacity);
      if (status && !this.store.getMeta("slot_status")) this.store.setMeta("slot_status", status);
    });

    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    this.ctx.acceptWebSocket(server, [userId]);
    server.serializeAttachment({ userId, name } satisfies SocketInfo);
    for (const message of this.chat.recent(CHAT_HISTORY)) {
      this.send(server, {
        type: "chat",
        id: message.id,
        senderId: message.senderId,
        senderName: message.senderName,
        text: message.text,
        sentAt: new Date(message.sentAt).toISOString(),
      });
    }
    this.send(server, this.seatsMessage());
    this.broadcastPresence();
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, raw: string | ArrayBuffer): Promise<void> {
    const info = ws.deserializeAttachment() as SocketInfo | null;
    if (!info) return;
    if (typeof raw !== "string" || raw.length > 16_384) {
      this.send(ws, {
        type: "error",
        code: "VALIDATION_FAILED",
        message: "Send JSON text frames of at most 16 KB.",
      });
      return;
    }
    let parsed: ReturnType<typeof clientMessage.safeParse>;
    try {
      parsed = clientMessage.safeParse(JSON.parse(raw));
    } catch {
      this.send(ws, { type: "error", code: "VALIDATION_FAILED", message: "Messages must be JSON." });
      return;
    }
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      this.send(ws, {
        type: "error",
        code: "VALIDATION_FAILED",
        message: `Invalid message: ${issue?.path.join(".") || "type"} ${issue?.message ?? ""}`.trim(),
      });
      return;
    }
    const message = parsed.data;
    if (message.type === "ping") {
      this.send(ws, { type: "pong" });
      return;
    }
    const record = {
      id: newId("msg"),
      senderId: info.userId,
      senderName: info.name,
      text: message.text,
      sentAt: Date.now(),
    };
    this.chat.append(record);
    this.broadcast({ type: "chat", ...record, sentAt: new Date(record.sentAt).toISOString() });
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, "closing");
    } catch {
      // already closed
    }
    this.broadcastPresence(ws);
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    this.broadcastPresence(ws);
  }

  private send(ws: WebSocket, message: ServerMessage): void {
    try {
      ws.send(JSON.stringify(message));
    } catch {
      // A socket that is going away; its close handler updates presence.
    }
  }

  private broadcast(message: ServerMessage, except: readonly WebSocket[] = []): void {
    const text = JSON.stringify(message);
    for (const ws of this.ctx.getWebSockets()) {
      if (except.includes(ws)) continue;
      try {
        ws.send(text);
      } catch {
        // see send()
      }
    }
  }

  /** Who is online, rebuilt from the sockets themselves, so it survives hibernation. */
  private broadcastPresence(...leaving: WebSocket[]): void {
    const online = new Set<string>();
    for (const ws of this.ctx.getWebSockets()) {
      if (leaving.includes(ws) || ws.readyState !== WebSocket.OPEN) continue;
      const info = ws.deserializeAttachment() as SocketInfo | null;
      if (info) online.add(info.userId);
    }
    this.broadcast({ type: "presence", online: [...online].sort() }, leaving);
  }

  /** The room is for confirmed students: one whose seat was withdrawn is disconnected. */
  private evictIfSeatless(studentId: string): void {
    if (this.store.holds().some((h) => h.studentId === studentId && h.status === "CONFIRMED")) return;
    const leaving = this.ctx.getWebSockets(studentId);
    for (const ws of leaving) {
      try {
        ws.close(4403, "Your seat in this lesson was cancelled.");
      } catch {
        // already closed
      }
    }
    if (leaving.length > 0) this.broadcastPresence(...leaving);
  }

  private seatsLeft(): number {
    const capacity = Number(this.store.getMeta("capacity") ?? 0);
    return Math.max(0, capacity - seatsTaken(this.store.holds(), Date.now()));
  }

  private seatsMessage(): ServerMessage {
    const seatsLeft = this.seatsLeft();
    const stored = (this.store.getMeta("slot_status") ?? "OPEN") as SlotLiveStatus;
    return { type: "slot", seatsLeft, status: stored === "OPEN" && seatsLeft === 0 ? "FULL" : stored };
  }

  private broadcastSeats(): void {
    if (this.ctx.getWebSockets().length === 0 || !this.store.getMeta("capacity")) return;
    this.broadcast(this.seatsMessage());
  }

  private async cancelIntent(intentId: string): Promise<void> {
    try {
      await this.payments.cancel(intentId);
    } catch (error) {
      // Already succeeded or cancelled: the succeeded webhook refunds if the seat is gone.
      // Missing: Stripe has no such intent (e.g. the local stand-in restarted), nothing to release.
      if (error instanceof PaymentError && (error.kind === "unexpected_state" || error.kind === "missing"))
        return;
      throw error;
    }
  }
}

function assertNever(value: never): never {
  throw new Error(`unknown effect ${String(value)}`);
}
