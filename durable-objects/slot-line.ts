/**
 * The slot object's waiting line: waitlist-state.ts decides, this writes the decisions to the
 * object's storage and queues each entry's D1 projection. Every method is synchronous and is
 * called inside the object's storage transaction.
 */
import { fail, ok, type Result } from "../src/domain/errors";
import { newId } from "../src/domain/ids";
import type { WaitlistEntry } from "../src/shared/api-types";
import type { Hold, SlotFacts } from "./slot-state";
import type { SlotStorage } from "./slot-storage";
import {
  decideJoin,
  decideOffers,
  type EntryChange,
  positionOf,
  reservedForOthers,
  type WaitEntry,
} from "./waitlist-state";

/** What the line needs to know of the slot, read fresh at each call. */
export interface LineFacts {
  holds(): Hold[];
  capacity(): number;
  facts(): SlotFacts;
  offerMs(): number;
}

export class SlotLine {
  constructor(
    private readonly store: SlotStorage,
    private readonly slot: LineFacts,
  ) {}

  /** Seats kept by live offers for students other than `studentId`. */
  reservedFor(studentId: string, now: number): number {
    return reservedForOthers(this.store.waitlist(), studentId, now);
  }

  /** After any change: lapsed offers expire and each free seat goes to the next in line. */
  rebalance(now: number): void {
    const entries = this.store.waitlist();
    if (entries.length === 0) return;
    const changes = decideOffers(this.slot.holds(), entries, {
      capacity: this.slot.capacity(),
      slot: this.slot.facts(),
      now,
      offerMs: this.slot.offerMs(),
    });
    for (const change of changes) this.write(change, now);
  }

  join(studentId: string, now: number): Result<WaitEntry> {
    const decided = decideJoin(this.slot.holds(), this.store.waitlist(), {
      studentId,
      capacity: this.slot.capacity(),
      slot: this.slot.facts(),
      now,
    });
    if (decided.kind === "refused") return fail(decided.code, decided.message);
    const entry = this.store.insertEntry(newId("wtl"), studentId, now);
    this.store.enqueue({ kind: "waitlist", bookingId: entry.id, entry: projection(entry, now) }, now);
    return ok(entry);
  }

  /** The student leaves; an offer they held goes to the next in line. */
  leave(studentId: string, now: number): Result<true> {
    const entry = this.store
      .waitlist()
      .find((e) => e.studentId === studentId && (e.status === "WAITING" || e.status === "OFFERED"));
    if (!entry) return fail("NOT_FOUND", "You are not on this slot's waitlist.");
    this.write(
      { id: entry.id, status: "LEFT", offeredAt: entry.offeredAt, offerExpiresAt: entry.offerExpiresAt },
      now,
    );
    this.rebalance(now);
    return ok(true);
  }

  view(id: string, slotId: string): WaitlistEntry {
    const entries = this.store.waitlist();
    const entry = entries.find((e) => e.id === id) as WaitEntry;
    return {
      id: entry.id,
      slotId,
      studentId: entry.studentId,
      status: entry.status,
      position: positionOf(entries, entry),
      ...(entry.status === "OFFERED" && entry.offerExpiresAt
        ? { offerExpiresAt: new Date(entry.offerExpiresAt).toISOString() }
        : {}),
      createdAt: new Date(entry.createdAt).toISOString(),
    };
  }

  private write(change: EntryChange, now: number): void {
    this.store.updateEntry(change);
    const entry = this.store.entry(change.id);
    if (entry)
      this.store.enqueue({ kind: "waitlist", bookingId: entry.id, entry: projection(entry, now) }, now);
  }
}

/** The D1 projection of an entry as decided at `now` (a newer decision overwrites an older one). */
function projection(entry: WaitEntry, now: number) {
  return {
    id: entry.id,
    studentId: entry.studentId,
    status: entry.status,
    seq: entry.seq,
    offeredAt: entry.offeredAt,
    offerExpiresAt: entry.offerExpiresAt,
    createdAt: entry.createdAt,
    updatedAt: now,
  };
}
