/**
 * Both ends of a reschedule inside one slot object: move-state.ts decides, this writes. Every
 * method is synchronous and is called inside the object's storage transaction; the object runs
 * the effects and talks to the other slot's object.
 */
import { fail, ok, type Result } from "../src/domain/errors";
import type { CancellationPolicy } from "../src/shared/cancellation-policy";
import {
  decideMoveIn,
  decideMoveOut,
  decideMoveResolution,
  type MoveTerms,
  moveCompleteSteps,
} from "./move-state";
import type { Hold, HoldStatus, SlotFacts, Step } from "./slot-state";
import type { SlotStorage } from "./slot-storage";

/** A reschedule into this slot keeps its seat this long for the source to give its seat up. */
export const MOVE_DEADLINE_MS = 60_000;

export interface MoveHooks {
  facts(): SlotFacts;
  capacity(): number;
  /** Writes decided steps (statuses and effects) and rebalances the waiting line. */
  apply(steps: readonly (Step | undefined)[], now: number): void;
  rebalance(now: number): void;
}

export class SlotMoves {
  constructor(
    private readonly store: SlotStorage,
    private readonly hooks: MoveHooks,
  ) {}

  /** Target side: keep a seat tied to the existing payment (no new PaymentIntent). */
  keepSeat(
    newBookingId: string,
    terms: MoveTerms,
    now: number,
  ): Result<{ bookingId: string; status: HoldStatus }> {
    const decided = decideMoveIn(this.store.holds(), this.store.waitlist(), {
      newBookingId,
      terms,
      capacity: this.hooks.capacity(),
      slot: this.hooks.facts(),
      now,
      deadlineMs: MOVE_DEADLINE_MS,
    });
    if (decided.kind === "refused") return fail(decided.code, decided.message);
    if (decided.kind === "new") {
      this.store.insertMovingHold(decided.hold, terms, now);
      this.hooks.rebalance(now);
    }
    return ok({ bookingId: decided.hold.bookingId, status: decided.hold.status });
  }

  /** Source side: give a confirmed seat up to `newBookingId`, decided with this object's clock. */
  giveUp(bookingId: string, newBookingId: string, policy: CancellationPolicy, now: number): Result<"moved"> {
    const decided = decideMoveOut(this.store.hold(bookingId), this.hooks.facts(), now, {
      newBookingId,
      policy,
      fenced: this.store.fenced(newBookingId),
    });
    if (decided.kind === "refused") return fail(decided.code, decided.message);
    if (decided.kind === "move") {
      this.store.setMovedTo(bookingId, newBookingId);
      this.hooks.rebalance(now);
    }
    return ok("moved");
  }

  /** Source side, asked about an unfinished move: "moved", or fenced off for good and "abort". */
  resolve(bookingId: string, newBookingId: string): "moved" | "abort" {
    const verdict = decideMoveResolution(this.store.hold(bookingId), newBookingId);
    if (verdict === "abort") this.store.fence(newBookingId);
    return verdict;
  }

  /** Target side: the source gave its seat up; confirm (or, into a closed lesson, refund). */
  complete(newBookingId: string, now: number): Result<"confirmed"> {
    const hold = this.store.hold(newBookingId);
    if (hold?.status === "CONFIRMED") return ok("confirmed");
    const terms = this.store.moveTerms(newBookingId);
    const steps = terms ? moveCompleteSteps(hold, terms, this.hooks.facts(), now) : undefined;
    if (!steps)
      return fail("BOOKING_NOT_ACTIVE", "This reschedule was abandoned; the booking stays where it was.");
    this.hooks.apply([steps], now);
    return ok("confirmed");
  }

  /** Target side: the source refused, so the kept seat goes back (compensation). */
  abort(newBookingId: string, now: number): void {
    if (this.store.hold(newBookingId)?.status !== "MOVING") return;
    this.store.setStatus(newBookingId, "RELEASED");
    this.hooks.rebalance(now);
  }

  /** The lesson closed: seats still moving in are settled with their sources at the next alarm. */
  settleSoon(now: number): void {
    for (const hold of this.store.holds())
      if (hold.status === "MOVING" && hold.expiresAt > now) this.store.setExpiry(hold.bookingId, now);
  }

  /** Moves past their deadline, with what the target needs to ask the source. */
  lapsed(now: number): { hold: Hold; terms: MoveTerms }[] {
    return this.store
      .holds()
      .filter((h) => h.status === "MOVING" && h.expiresAt <= now)
      .flatMap((hold) => {
        const terms = this.store.moveTerms(hold.bookingId);
        return terms ? [{ hold, terms }] : [];
      });
  }

  postpone(bookingId: string, until: number): void {
    this.store.setExpiry(bookingId, until);
  }
}
