import { DurableObject } from "cloudflare:workers";
import { PaymentError, type Payments } from "../src/adapters/stripe-payments";
import type { SlotRecords } from "../src/db/booking-records";
import { buildSlotObjectDeps, type SlotObjectDeps } from "../src/deps";
import { fail, ok, type Result } from "../src/domain/errors";
import { newId } from "../src/domain/ids";
import type { MoneySnapshot } from "../src/domain/payment-state";
import type { WaitlistEntry } from "../src/shared/api-types";
import { backoffMs } from "../src/shared/backoff";
import type { CancellationPolicy } from "../src/shared/cancellation-policy";
import {
  ROOM_HEADERS,
  type ServerMessage,
  type SessionEvent,
  type SlotLiveStatus,
} from "../src/shared/protocol";
import { MINUTE_MS, SECOND_MS } from "../src/shared/time";
import type { MoveTerms } from "./move-state";
import {
  type BookAnswer,
  type BookCommand,
  completeBooking,
  type HoldWriter,
  intentFields,
  type SlotSnapshot,
} from "./slot-booking";
import { type EffectContext, runEffect } from "./slot-effects";
import { SlotLine } from "./slot-line";
import { SlotMoves } from "./slot-moves";
import { SlotRoom } from "./slot-room";
import {
  type BookingTerms,
  decideCapture,
  decideFromStripe,
  decideHold,
  decideInstructorCancel,
  decideSessionEnd,
  decideStudentCancel,
  dueForExpiry,
  type Hold,
  type HoldStatus,
  refundDue,
  type SessionState,
  type SlotFacts,
  type Step,
  seatsTaken,
  studentCancelSteps,
} from "./slot-state";
import { ChatStorage, SlotStorage } from "./slot-storage";

export type { BookAnswer, BookCommand, SlotSnapshot };

const EFFECT_LEASE_MS = 30_000;
const MAX_EFFECTS_PER_DRAIN = 50;

/** 2 s, 4 s, 8 s … up to 5 minutes between tries of one effect. */
const retryDelayMs = (attempts: number) => backoffMs(attempts, 2 * SECOND_MS, 5 * MINUTE_MS);

/**
 * One object per slot (named by the slot id). It owns the seats and every money decision about
 * them: each is decided by a pure function in slot-state.ts with synchronous storage calls only,
 * so concurrent requests cannot oversell even though Stripe and D1 are awaited afterwards (an
 * awaited fetch opens the object's input gate: check, await, write would oversell). Effects go
 * through an outbox drained inline and retried from the alarm (slot-effects.ts); the live room
 * is slot-room.ts.
 */
export class SlotObject extends DurableObject<Env> {
  private readonly store: SlotStorage;
  private readonly room: SlotRoom;
  private readonly deps: SlotObjectDeps;
  private readonly line: SlotLine;
  private readonly moves: SlotMoves;
  private readonly inflight = new Map<string, Promise<Result<BookAnswer>>>();
  private notifyPending = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new SlotStorage(ctx.storage.sql);
    const chat = new ChatStorage(ctx.storage.sql);
    this.room = new SlotRoom({
      ctx,
      chat,
      seatsMessage: () => this.seatsMessage(),
      chatClosed: () => {
        const session = this.store.getMeta("session");
        if (session === "COMPLETED") return "The lesson has ended; the chat is read-only now.";
        if (session === "CANCELLED") return "The lesson was cancelled; the chat is read-only now.";
        return null;
      },
    });
    this.deps = buildSlotObjectDeps(env);
    this.line = new SlotLine(this.store, {
      holds: () => this.store.holds(),
      capacity: () => this.capacity(),
      facts: () => this.facts(),
      offerMs: () => this.offerMs(),
    });
    this.moves = new SlotMoves(this.store, {
      facts: () => this.facts(),
      capacity: () => this.capacity(),
      apply: (steps, now) => this.apply(steps, now),
      rebalance: (now) => this.rebalance(now),
    });
    ctx.blockConcurrencyWhile(async () => this.store.migrate());
  }

  private get payments(): Payments {
    return this.deps.payments;
  }

  private get records(): SlotRecords {
    return this.deps.records;
  }

  private holdMs(): number {
    const seconds = Number(this.env.BOOKING_HOLD_SECONDS);
    return (Number.isFinite(seconds) && seconds > 0 ? seconds : 600) * 1000;
  }

  private offerMs(): number {
    const seconds = Number(this.env.WAITLIST_OFFER_SECONDS);
    return (Number.isFinite(seconds) && seconds > 0 ? seconds : 900) * 1000;
  }

  private capacity(): number {
    return Number(this.store.getMeta("capacity") ?? 0);
  }

  private remember(slot: SlotSnapshot): void {
    this.store.setMeta("slot_id", slot.slotId);
    this.store.setMeta("capacity", String(slot.capacity));
    this.store.setMeta("starts_at", String(slot.startsAt));
    this.store.setMeta("ends_at", String(slot.endsAt));
  }

  private slotId(): string {
    const id = this.store.getMeta("slot_id");
    if (!id) throw new Error("slot object used before its first booking");
    return id;
  }

  /** The slot's times and lesson state as this object knows them. */
  private facts(): SlotFacts {
    const session = (this.store.getMeta("session") ?? "SCHEDULED") as SessionState;
    return {
      startsAt: Number(this.store.getMeta("starts_at") ?? Number.MAX_SAFE_INTEGER),
      endsAt: Number(this.store.getMeta("ends_at") ?? Number.MAX_SAFE_INTEGER),
      session,
    };
  }

  /** Writes decided steps: new hold statuses and their effects. Call inside a transaction. */
  private apply(steps: readonly (Step | undefined)[], now: number): void {
    for (const step of steps) {
      if (!step) continue;
      if (step.status) this.store.setStatus(step.bookingId, step.status);
      for (const effect of step.effects) this.store.enqueue(effect, now);
    }
    this.rebalance(now);
  }

  /** The waiting line after any change (slot-line.ts). Call inside a transaction. */
  private rebalance(now: number): void {
    this.line.rebalance(now);
  }

  /** Live seat count from the holds themselves (cheap: the benchmark's floor request). */
  async seatsTaken(): Promise<number> {
    return seatsTaken(this.store.holds(), Date.now());
  }

  /** Holds a seat, writes the pending booking and creates its PaymentIntent. */
  async book(command: BookCommand): Promise<Result<BookAnswer>> {
    const now = Date.now();
    const decision = this.ctx.storage.transactionSync(() => {
      this.remember(command.slot);
      this.expireDue(now);
      const decided = decideHold(this.store.holds(), {
        bookingId: newId("bkg"),
        studentId: command.studentId,
        idempotencyKey: command.idempotencyKey,
        capacity: command.slot.capacity,
        holdMs: this.holdMs(),
        now,
        closed: this.store.getMeta("session") === "CANCELLED",
        reserved: this.line.reservedFor(command.studentId, now),
      });
      if (decided.kind === "new") {
        this.store.insertHold(decided.hold, now);
        this.rebalance(now);
      }
      return decided;
    });
    if (decision.kind === "refused") {
      await this.settle();
      return fail(decision.code, decision.message);
    }
    if (decision.kind === "replay") return this.replay(decision.hold);

    const work = completeBooking(this.deps, this.holdWriter(), command, decision.hold);
    this.inflight.set(decision.hold.bookingId, work);
    let answer: Result<BookAnswer>;
    try {
      answer = await work;
    } finally {
      this.inflight.delete(decision.hold.bookingId);
    }
    if (!answer.ok) {
      await this.settle();
      return answer;
    }
    // The answer does not wait for the effects (attaching the intent in D1): an alarm is armed
    // first, so they run even if the object were evicted right after answering.
    const armed = await this.ctx.storage.getAlarm();
    if (armed === null || armed > Date.now() + EFFECT_LEASE_MS) {
      await this.ctx.storage.setAlarm(Date.now() + EFFECT_LEASE_MS);
    }
    this.ctx.waitUntil(this.settle());
    return answer;
  }

  private async replay(hold: Hold): Promise<Result<BookAnswer>> {
    const running = this.inflight.get(hold.bookingId);
    if (running) {
      const first = await running;
      return first.ok ? ok({ ...first.value, replayed: true }) : first;
    }
    const clientSecret = this.store.clientSecret(hold.bookingId);
    if (hold.paymentIntentId && clientSecret) {
      return ok({
        bookingId: hold.bookingId,
        replayed: true,
        paymentIntentId: hold.paymentIntentId,
        clientSecret,
        holdExpiresAt: hold.expiresAt,
      });
    }
    const row = await this.records.findReplay(hold.bookingId);
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

  /**
   * The PaymentIntent of a booking still waiting for payment, straight from the object (D1 learns
   * it a moment after the booking is answered). Null once the hold is no longer payable.
   */
  async paymentOf(bookingId: string): Promise<{ paymentIntentId: string; clientSecret: string } | null> {
    const hold = this.store.hold(bookingId);
    const clientSecret = this.store.clientSecret(bookingId);
    if (hold?.status !== "HELD" || hold.expiresAt <= Date.now() || !hold.paymentIntentId || !clientSecret) {
      return null;
    }
    return { paymentIntentId: hold.paymentIntentId, clientSecret };
  }

  /** How slot-booking.ts writes back what happened to a new hold, each in one transaction. */
  private holdWriter(): HoldWriter {
    return {
      drop: (bookingId) =>
        this.ctx.storage.transactionSync(() => {
          this.store.deleteHold(bookingId);
          this.rebalance(Date.now());
        }),
      attach: (bookingId, intent) =>
        this.ctx.storage.transactionSync(() => {
          this.store.setIntent(bookingId, intent.id, intent.clientSecret);
          this.store.enqueue({ kind: "attach_intent", bookingId, ...intentFields(intent) }, Date.now());
        }),
      discard: (bookingId) =>
        this.ctx.storage.transactionSync(() => {
          this.store.deleteHold(bookingId);
          this.store.enqueue({ kind: "discard", bookingId }, Date.now());
          this.rebalance(Date.now());
        }),
    };
  }

  /**
   * Stripe said something about this booking's intent (a webhook, which is only a hint): read the
   * intent and its refunds back from Stripe and decide on what Stripe says. Returns what changed.
   */
  async syncFromStripe(bookingId: string): Promise<string> {
    const intentId = this.store.hold(bookingId)?.paymentIntentId;
    if (!intentId) {
      this.ctx.storage.transactionSync(() => this.expireDue(Date.now()));
      await this.settle();
      return "no-intent";
    }
    let snapshot: MoneySnapshot;
    try {
      snapshot = await this.payments.snapshot(intentId);
    } catch (error) {
      if (error instanceof PaymentError && error.kind === "missing") return "unknown-intent";
      throw error;
    }
    this.observe(bookingId, snapshot);
    await this.settle();
    return `${snapshot.status}:${this.store.hold(bookingId)?.status ?? "none"}`;
  }

  /** Decides on Stripe's view of one intent and writes the outcome (synchronous). */
  private observe(bookingId: string, snapshot: MoneySnapshot): void {
    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      // Decided before lapsed holds expire: a late authorization of this one may still count.
      const holds = this.store.holds();
      const studentId = this.store.hold(bookingId)?.studentId ?? "";
      // A seat offered to a waitlisted student is not free for a late payment.
      const seatFree =
        seatsTaken(
          holds.filter((h) => h.bookingId !== bookingId),
          now,
        ) +
          this.line.reservedFor(studentId, now) <
        this.capacity();
      this.apply([decideFromStripe(this.store.hold(bookingId), this.facts(), snapshot, now, seatFree)], now);
      this.expireDue(now);
    });
    this.evictIfSeatless(this.store.hold(bookingId)?.studentId);
  }

  /**
   * The student cancels, decided here with the object's clock and lesson state: a pending seat
   * is freed at once, a confirmed one refunded; nothing once the lesson started.
   */
  async cancelByStudent(
    bookingId: string,
    terms?: BookingTerms,
  ): Promise<Result<{ outcome: "released" | "refunding"; refundAmount: number }>> {
    const now = Date.now();
    const outcome = this.ctx.storage.transactionSync(
      (): Result<{ outcome: "released" | "refunding"; refundAmount: number }> => {
        const hold = this.store.hold(bookingId);
        const decided = decideStudentCancel(hold, this.facts(), now, terms);
        if (decided.kind === "refused") return fail(decided.code, decided.message);
        if (!hold) return fail("BOOKING_NOT_ACTIVE", "This booking is no longer active.");
        if (decided.kind === "refund") this.store.setKeep(bookingId, decided.keep);
        this.apply([studentCancelSteps(hold, decided)], now);
        return decided.kind === "release"
          ? ok({ outcome: "released", refundAmount: 0 })
          : ok({ outcome: "refunding", refundAmount: decided.refundAmount });
      },
    );
    await this.settle();
    const hold = this.store.hold(bookingId);
    if (outcome.ok && hold) {
      this.evictIfSeatless(hold.studentId);
      if (outcome.value.outcome === "refunding") {
        this.room.broadcast({
          type: "session:seat-freed",
          bookingId,
          studentId: hold.studentId,
          reason: "cancelled",
          refundAmount: outcome.value.refundAmount,
          seatsLeft: this.seatsLeft(),
        });
      }
    }
    return outcome;
  }

  // --- Waitlist (waitlist-state.ts decides, slot-line.ts writes) ---

  /** A student joins the line of a full slot; answered once D1 has the entry. */
  async joinWaitlist(slot: SlotSnapshot, studentId: string): Promise<Result<WaitlistEntry>> {
    const now = Date.now();
    const outcome = this.ctx.storage.transactionSync(() => {
      this.remember(slot);
      this.expireDue(now);
      return this.line.join(studentId, now);
    });
    await this.settle();
    return outcome.ok ? ok(this.line.view(outcome.value.id, this.slotId())) : outcome;
  }

  /** The student leaves the line; an offer they held goes to the next in line. */
  async leaveWaitlist(studentId: string): Promise<Result<true>> {
    const outcome = this.ctx.storage.transactionSync(() => this.line.leave(studentId, Date.now()));
    await this.settle();
    return outcome;
  }

  // --- Reschedule (move-state.ts decides, slot-moves.ts writes, src/services/reschedule.ts coordinates) ---

  /** Target side: keep a seat for a booking moving in (no new PaymentIntent). */
  async moveIn(input: {
    slot: SlotSnapshot;
    newBookingId: string;
    terms: MoveTerms;
  }): Promise<Result<{ bookingId: string; status: HoldStatus }>> {
    const now = Date.now();
    const outcome = this.ctx.storage.transactionSync(() => {
      this.remember(input.slot);
      this.expireDue(now);
      return this.moves.keepSeat(input.newBookingId, input.terms, now);
    });
    await this.settle();
    return outcome;
  }

  /** Source side: give a confirmed seat up to the booking moving out (decided with this clock). */
  async moveOut(input: {
    bookingId: string;
    newBookingId: string;
    policy: CancellationPolicy;
  }): Promise<Result<"moved">> {
    const outcome = this.ctx.storage.transactionSync(() =>
      this.moves.giveUp(input.bookingId, input.newBookingId, input.policy, Date.now()),
    );
    await this.settle();
    const hold = this.store.hold(input.bookingId);
    if (outcome.ok && hold) {
      this.evictIfSeatless(hold.studentId);
      this.room.broadcast({
        type: "session:seat-freed",
        bookingId: input.bookingId,
        studentId: hold.studentId,
        reason: "rescheduled",
        seatsLeft: this.seatsLeft(),
      });
    }
    return outcome;
  }

  /**
   * Source side, asked by a target whose move never completed: "moved" if this seat went to it,
   * otherwise the move is fenced off for good and "abort".
   */
  async resolveMove(bookingId: string, newBookingId: string): Promise<"moved" | "abort"> {
    return this.ctx.storage.transactionSync(() => this.moves.resolve(bookingId, newBookingId));
  }

  /** Target side: the source gave its seat up, so the seat is confirmed and D1 written. */
  async completeMove(newBookingId: string): Promise<Result<"confirmed">> {
    const outcome = this.ctx.storage.transactionSync(() => this.moves.complete(newBookingId, Date.now()));
    await this.settle();
    return outcome;
  }

  /** Target side: the source refused, so the kept seat goes back (compensation). */
  async abortMove(newBookingId: string): Promise<void> {
    this.ctx.storage.transactionSync(() => this.moves.abort(newBookingId, Date.now()));
    await this.settle();
  }

  /** A move whose deadline passed: the source says whether its seat went; finish or give back. */
  private async resolveLapsedMoves(): Promise<void> {
    for (const { hold, terms } of this.moves.lapsed(Date.now())) {
      try {
        const source = this.env.SLOT.get(this.env.SLOT.idFromName(terms.fromSlotId));
        const verdict = await source.resolveMove(terms.fromBookingId, hold.bookingId);
        if (verdict === "moved") await this.completeMove(hold.bookingId);
        else await this.abortMove(hold.bookingId);
      } catch (error) {
        console.warn("resolving a lapsed move failed; retrying", hold.bookingId, error);
        this.ctx.storage.transactionSync(() =>
          this.moves.postpone(hold.bookingId, Date.now() + EFFECT_LEASE_MS),
        );
      }
    }
  }

  /** The provider changed the slot's size (only possible while nobody holds a seat): recount for the room. */
  async resize(capacity: number): Promise<void> {
    this.store.setMeta("capacity", String(capacity));
    this.room.broadcastSeats();
  }

  /**
   * The lesson started or ended. Told before D1 is written, so a student's cancel or a late
   * payment decided here never races it. Ending releases every unpaid hold.
   */
  async markSession(state: "IN_PROGRESS" | "COMPLETED"): Promise<void> {
    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      const current = this.store.getMeta("session");
      if (current === "COMPLETED" || current === "CANCELLED") return;
      this.store.setMeta("session", state);
      if (state === "COMPLETED") {
        this.apply(decideSessionEnd(this.store.holds()), now);
        this.moves.settleSoon(now);
      }
    });
    await this.settle();
  }

  /** Tells the room about a session event and the slot's new status (start, end). */
  async announce(event: SessionEvent, status: SlotLiveStatus): Promise<void> {
    this.store.setMeta("slot_status", status);
    this.room.broadcast(event);
    this.room.broadcastSeats();
  }

  /**
   * The instructor cancelled: no more bookings; every booking ends, whatever its state
   * (slot-state.ts decideInstructorCancel). Safe to call again.
   */
  async cancelAll(
    event: SessionEvent,
    cancelledBy: "PROVIDER" | "PROVIDER_NO_SHOW" = "PROVIDER",
  ): Promise<void> {
    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      // A lesson ended without its provider stays ended (no-show found at the end).
      if (this.store.getMeta("session") !== "COMPLETED") {
        this.store.setMeta("session", "CANCELLED");
        this.store.setMeta("slot_status", "CANCELLED");
      }
      this.apply(decideInstructorCancel(this.store.holds(), cancelledBy), now);
      this.moves.settleSoon(now);
    });
    await this.settle();
    this.room.broadcast(event);
    for (const studentId of new Set(this.store.holds().map((h) => h.studentId)))
      this.evictIfSeatless(studentId);
  }

  /** Logout: closes the sockets that one login session opened here. */
  async closeSessionSockets(tokenHash: string): Promise<number> {
    return this.room.closeSession(tokenHash);
  }

  /** Read-only view for tests and support. */
  async inspect(): Promise<{
    holds: Hold[];
    effects: ReturnType<SlotStorage["pendingEffects"]>;
    alarm: number | null;
    facts: SlotFacts;
  }> {
    return {
      holds: this.store.holds(),
      effects: this.store.pendingEffects(),
      alarm: await this.ctx.storage.getAlarm(),
      facts: this.facts(),
    };
  }

  /**
   * Holds whose time is up are expired, but each with a PaymentIntent is first checked at Stripe:
   * a payment authorized in time whose webhook is late (or lost) still gets its seat.
   */
  override async alarm(): Promise<void> {
    await this.resolveLapsedMoves();
    for (const hold of dueForExpiry(this.store.holds(), Date.now())) {
      if (!hold.paymentIntentId) continue;
      try {
        this.observe(hold.bookingId, await this.payments.snapshot(hold.paymentIntentId));
      } catch (error) {
        console.warn("checking a lapsed hold at Stripe failed; it expires", hold.bookingId, error);
      }
    }
    this.ctx.storage.transactionSync(() => this.expireDue(Date.now()));
    await this.settle();
  }

  /** Marks lapsed holds EXPIRED and queues their release. Call inside a transaction. */
  private expireDue(now: number): void {
    for (const hold of dueForExpiry(this.store.holds(), now)) {
      this.store.setStatus(hold.bookingId, "EXPIRED");
      this.store.enqueue({ kind: "release", bookingId: hold.bookingId, status: "EXPIRED" }, now);
    }
    this.rebalance(now);
  }

  private effectContext(attempt: number): EffectContext {
    return {
      slotId: this.slotId(),
      attempt,
      payments: this.payments,
      records: this.records,
      hold: (bookingId) => this.store.hold(bookingId),
      recheckCapture: (bookingId) =>
        this.ctx.storage.transactionSync(() => {
          const now = Date.now();
          const verdict = decideCapture(this.store.hold(bookingId), this.facts(), now);
          if (verdict === "abandon") {
            this.store.setStatus(bookingId, "RELEASED");
            const reason = "The lesson ended before the payment completed; nothing was charged.";
            this.store.enqueue({ kind: "release", bookingId, status: "EXPIRED", reason }, now);
          }
          return verdict;
        }),
      observe: (bookingId, snapshot) => this.observe(bookingId, snapshot),
      refundDue: (bookingId, captured) => refundDue(this.store.hold(bookingId), captured),
      announceBooked: (bookingId) =>
        this.room.broadcast({ type: "session:booked", bookingId, seatsLeft: this.seatsLeft() }),
      notifySoon: () => {
        this.notifyPending = true;
      },
    };
  }

  /** Runs due effects, then points the alarm at the next hold expiry or retry. */
  private async settle(): Promise<void> {
    for (let i = 0; i < MAX_EFFECTS_PER_DRAIN; i++) {
      const now = Date.now();
      const queued = this.ctx.storage.transactionSync(() => this.store.claimDue(now, EFFECT_LEASE_MS));
      if (!queued) break;
      try {
        await runEffect(queued.effect, this.effectContext(queued.attempts));
        this.ctx.storage.transactionSync(() => this.store.completeEffect(queued.id));
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        console.warn("slot effect failed", queued.effect.kind, queued.effect.bookingId, message);
        this.ctx.storage.transactionSync(() =>
          this.store.retryEffect(queued.id, Date.now() + retryDelayMs(queued.attempts), message),
        );
      }
    }
    this.room.broadcastSeats();
    if (this.notifyPending) {
      // An offer lasts minutes: its email goes now rather than at the next 5-minute cron.
      this.notifyPending = false;
      this.ctx.waitUntil(
        this.deps.sendDueNotifications().catch((error) => console.warn("notifications", error)),
      );
    }
    const next = this.store.nextWakeUp();
    if (next === undefined) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(Math.max(next, Date.now() + 50));
  }

  // --- Live room (WebSocket hibernation API): slot-room.ts ---

  /** Accepts a socket the worker has already authorized. */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return new Response("expected a WebSocket upgrade", { status: 426 });
    }
    this.ctx.storage.transactionSync(() => {
      const slotId = request.headers.get(ROOM_HEADERS.slotId);
      const capacity = request.headers.get(ROOM_HEADERS.capacity);
      const status = request.headers.get(ROOM_HEADERS.status);
      if (slotId) this.store.setMeta("slot_id", slotId);
      if (capacity) this.store.setMeta("capacity", capacity);
      if (status && !this.store.getMeta("slot_status")) this.store.setMeta("slot_status", status);
    });
    return this.room.accept(request);
  }

  override async webSocketMessage(ws: WebSocket, raw: string | ArrayBuffer): Promise<void> {
    this.room.message(ws, raw);
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    this.room.closed(ws, code);
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    this.room.errored(ws);
  }

  /** The room is for confirmed students: one whose seat was withdrawn is disconnected. */
  private evictIfSeatless(studentId: string | undefined): void {
    if (!studentId) return;
    if (this.store.holds().some((h) => h.studentId === studentId && h.status === "CONFIRMED")) return;
    this.room.evict(studentId, "Your seat in this lesson was cancelled.");
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
}
