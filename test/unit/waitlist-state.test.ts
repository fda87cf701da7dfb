import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Hold, type HoldStatus, type SlotFacts, seatsTaken } from "../../durable-objects/slot-state";
import {
  decideJoin,
  decideOffers,
  type EntryChange,
  isActive,
  offerLive,
  positionOf,
  reservedForOthers,
  slotOpenForBooking,
  type WaitEntry,
} from "../../durable-objects/waitlist-state";
import type { WaitlistStatus } from "../../src/shared/api-types";
import { HOUR_MS } from "../../src/shared/time";

const NOW = Date.parse("2027-03-01T10:00:00Z");
const HOLD_MS = 600_000;
const OFFER_MS = 900_000;
/** A lesson 30 hours away, not started. */
const OPEN: SlotFacts = { startsAt: NOW + 30 * HOUR_MS, endsAt: NOW + 31 * HOUR_MS, session: "SCHEDULED" };
const ME = "stu_me";

let counter = 0;
const next = () => {
  counter += 1;
  return counter;
};

function hold(overrides: Partial<Hold> = {}): Hold {
  const n = next();
  return {
    bookingId: `bkg_${n}`,
    studentId: `stu_${n}`,
    status: "CONFIRMED",
    expiresAt: NOW + HOLD_MS,
    idempotencyKey: null,
    ...overrides,
  };
}

function entry(overrides: Partial<WaitEntry> = {}): WaitEntry {
  const n = next();
  return {
    id: `wl_${n}`,
    studentId: `stu_${n}`,
    status: "WAITING",
    seq: n,
    createdAt: NOW - HOUR_MS,
    offeredAt: null,
    offerExpiresAt: null,
    ...overrides,
  };
}

/** An entry offered a seat at `offeredAt` that lapses at `offerExpiresAt`. */
const offered = (offerExpiresAt: number, overrides: Partial<WaitEntry> = {}) =>
  entry({ status: "OFFERED", offeredAt: offerExpiresAt - OFFER_MS, offerExpiresAt, ...overrides });

const offerTo = (e: WaitEntry): EntryChange => ({
  id: e.id,
  status: "OFFERED",
  offeredAt: NOW,
  offerExpiresAt: NOW + OFFER_MS,
});
const end = (e: WaitEntry, status: WaitlistStatus): EntryChange => ({
  id: e.id,
  status,
  offeredAt: e.offeredAt,
  offerExpiresAt: e.offerExpiresAt,
});

const join = (holds: Hold[], entries: WaitEntry[], capacity: number, slot = OPEN, now = NOW) =>
  decideJoin(holds, entries, { studentId: ME, capacity, slot, now });
const offers = (holds: Hold[], entries: WaitEntry[], capacity: number, slot = OPEN, now = NOW) =>
  decideOffers(holds, entries, { capacity, slot, now, offerMs: OFFER_MS });

/** Every way a slot stops taking bookings, at NOW. */
const CLOSED: { name: string; slot: SlotFacts; now: number }[] = [
  { name: "cancelled", slot: { ...OPEN, session: "CANCELLED" }, now: NOW },
  { name: "started early (IN_PROGRESS)", slot: { ...OPEN, session: "IN_PROGRESS" }, now: NOW },
  { name: "completed", slot: { ...OPEN, session: "COMPLETED" }, now: NOW },
  { name: "at startsAt", slot: OPEN, now: OPEN.startsAt },
  { name: "past startsAt, before the end", slot: OPEN, now: OPEN.startsAt + 1 },
  { name: "past the end", slot: OPEN, now: OPEN.endsAt + 1 },
];

describe("offerLive / isActive", () => {
  it.each([
    { status: "OFFERED", expires: NOW + 1, live: true, active: true },
    { status: "OFFERED", expires: NOW, live: false, active: true },
    { status: "OFFERED", expires: NOW - 1, live: false, active: true },
    { status: "OFFERED", expires: null, live: false, active: true },
    { status: "WAITING", expires: NOW + 1, live: false, active: true },
    { status: "BOOKED", expires: NOW + 1, live: false, active: false },
    { status: "EXPIRED", expires: NOW + 1, live: false, active: false },
    { status: "LEFT", expires: NOW + 1, live: false, active: false },
  ] as const)(
    "$status expiring at $expires → live $live, active $active",
    ({ status, expires, live, active }) => {
      const e = entry({ status, offerExpiresAt: expires });
      expect(offerLive(e, NOW)).toBe(live);
      expect(isActive(e)).toBe(active);
    },
  );
});

describe("reservedForOthers", () => {
  it("counts live offers to other students only", () => {
    const entries = [
      offered(NOW + 1, { studentId: ME }),
      offered(NOW + 1),
      offered(NOW + OFFER_MS),
      offered(NOW),
      entry(),
      entry({ status: "BOOKED", offerExpiresAt: NOW + 1 }),
    ];
    expect(reservedForOthers(entries, ME, NOW)).toBe(2);
    expect(reservedForOthers(entries, "stu_nobody", NOW)).toBe(3);
    expect(reservedForOthers(entries, ME, NOW + 1)).toBe(1);
    expect(reservedForOthers(entries, ME, NOW + OFFER_MS)).toBe(0);
    expect(reservedForOthers([], ME, NOW)).toBe(0);
  });
});

describe("positionOf", () => {
  it("is the 1-based place among WAITING entries by seq, 0 for any other status", () => {
    const w7 = entry({ seq: 7 });
    const w3 = entry({ seq: 3 });
    const o2 = offered(NOW + 1, { seq: 2 });
    const x1 = entry({ seq: 1, status: "EXPIRED" });
    const w9 = entry({ seq: 9 });
    const b4 = entry({ seq: 4, status: "BOOKED" });
    const l5 = entry({ seq: 5, status: "LEFT" });
    const entries = [w7, w3, o2, x1, w9, b4, l5];
    expect(entries.map((e) => positionOf(entries, e))).toEqual([2, 1, 0, 0, 3, 0, 0]);
  });

  it("moves up when the one ahead is offered", () => {
    const first = entry({ seq: 1 });
    const second = entry({ seq: 2 });
    expect(positionOf([first, second], second)).toBe(2);
    expect(positionOf([{ ...first, status: "OFFERED" }, second], second)).toBe(1);
  });
});

describe("slotOpenForBooking", () => {
  it.each(CLOSED)("is false when $name", ({ slot, now }) => {
    expect(slotOpenForBooking(slot, now)).toBe(false);
  });

  it("is true for a scheduled lesson 1 ms before its start", () => {
    expect(slotOpenForBooking(OPEN, OPEN.startsAt - 1)).toBe(true);
  });
});

describe("decideJoin", () => {
  it("joins a full slot (capacity 1, one CONFIRMED seat)", () => {
    expect(join([hold()], [], 1)).toEqual({ kind: "join" });
  });

  it.each(CLOSED)("refuses SLOT_NOT_BOOKABLE when $name, even with a free seat", ({ slot, now }) => {
    expect(join([], [], 1, slot, now)).toMatchObject({ kind: "refused", code: "SLOT_NOT_BOOKABLE" });
  });

  it("refuses SLOT_NOT_BOOKABLE before ALREADY_BOOKED on a closed slot", () => {
    const mine = hold({ studentId: ME });
    expect(join([mine], [], 1, { ...OPEN, session: "CANCELLED" })).toMatchObject({
      code: "SLOT_NOT_BOOKABLE",
    });
  });

  it.each([
    { status: "HELD", expiresAt: NOW + 1 },
    { status: "CAPTURING", expiresAt: NOW - 1 },
    { status: "CONFIRMED", expiresAt: NOW - 1 },
    { status: "MOVING", expiresAt: NOW + 1 },
  ] as const)("refuses ALREADY_BOOKED when the student's hold is $status", ({ status, expiresAt }) => {
    const decision = join([hold({ studentId: ME, status, expiresAt })], [], 1);
    expect(decision).toMatchObject({ kind: "refused", code: "ALREADY_BOOKED" });
  });

  it.each([
    { status: "HELD", expiresAt: NOW },
    { status: "EXPIRED", expiresAt: NOW + 1 },
    { status: "CANCELLED", expiresAt: NOW + 1 },
    { status: "RELEASED", expiresAt: NOW + 1 },
    { status: "MOVED", expiresAt: NOW + 1 },
  ] as const)(
    "a $status hold of the student's own is no seat: joins a slot full of others",
    ({ status, expiresAt }) => {
      const mine = hold({ studentId: ME, status, expiresAt });
      expect(join([mine, hold()], [], 1)).toEqual({ kind: "join" });
    },
  );

  it.each([
    { name: "WAITING", e: () => entry({ studentId: ME }) },
    { name: "OFFERED (live)", e: () => offered(NOW + 1, { studentId: ME }) },
    { name: "OFFERED (lapsed, not yet expired)", e: () => offered(NOW, { studentId: ME }) },
  ])("refuses ALREADY_WAITLISTED when the student's entry is $name", ({ e }) => {
    expect(join([hold()], [e()], 1)).toMatchObject({ kind: "refused", code: "ALREADY_WAITLISTED" });
  });

  it.each(["BOOKED", "EXPIRED", "LEFT"] as const)("joins again after an entry that is %s", (status) => {
    expect(join([hold()], [entry({ studentId: ME, status })], 1)).toEqual({ kind: "join" });
  });

  it("refuses ALREADY_BOOKED before ALREADY_WAITLISTED", () => {
    const decision = join([hold({ studentId: ME })], [entry({ studentId: ME })], 1);
    expect(decision).toMatchObject({ code: "ALREADY_BOOKED" });
  });

  it.each([
    { name: "one of two seats taken", holds: () => [hold()], entries: () => [], outcome: "SLOT_NOT_FULL" },
    { name: "both seats taken", holds: () => [hold(), hold()], entries: () => [], outcome: "join" },
    {
      name: "one taken, one kept by a live offer to another student",
      holds: () => [hold()],
      entries: () => [offered(NOW + 1)],
      outcome: "join",
    },
    {
      name: "one taken, the other's offer lapsed",
      holds: () => [hold()],
      entries: () => [offered(NOW)],
      outcome: "SLOT_NOT_FULL",
    },
    {
      name: "one taken, another student only WAITING",
      holds: () => [hold()],
      entries: () => [entry()],
      outcome: "SLOT_NOT_FULL",
    },
    {
      name: "one CONFIRMED, one HELD that lapsed",
      holds: () => [hold(), hold({ status: "HELD", expiresAt: NOW })],
      entries: () => [],
      outcome: "SLOT_NOT_FULL",
    },
    {
      name: "one CONFIRMED, one HELD still running",
      holds: () => [hold(), hold({ status: "HELD", expiresAt: NOW + 1 })],
      entries: () => [],
      outcome: "join",
    },
    {
      name: "one CONFIRMED, one MOVING in",
      holds: () => [hold(), hold({ status: "MOVING" })],
      entries: () => [],
      outcome: "join",
    },
    {
      name: "one CONFIRMED, one MOVED away",
      holds: () => [hold(), hold({ status: "MOVED" })],
      entries: () => [],
      outcome: "SLOT_NOT_FULL",
    },
    { name: "nothing taken", holds: () => [], entries: () => [], outcome: "SLOT_NOT_FULL" },
    {
      name: "overbooked (three seats taken of two)",
      holds: () => [hold(), hold(), hold()],
      entries: () => [],
      outcome: "join",
    },
  ])("capacity 2 with $name → $outcome", ({ holds, entries, outcome }) => {
    const decision = join(holds(), entries(), 2);
    if (outcome === "join") expect(decision).toEqual({ kind: "join" });
    else expect(decision).toMatchObject({ kind: "refused", code: outcome });
  });

  it("tells why in a message", () => {
    expect(join([], [], 1)).toEqual({
      kind: "refused",
      code: "SLOT_NOT_FULL",
      message: "A seat is free in this slot: book it instead.",
    });
  });
});

describe("decideOffers", () => {
  it("changes nothing without entries, or when every entry is done", () => {
    expect(offers([], [], 3)).toEqual([]);
    const done = [entry({ status: "BOOKED" }), entry({ status: "EXPIRED" }), entry({ status: "LEFT" })];
    expect(offers([], done, 3)).toEqual([]);
  });

  it("changes nothing on a full slot", () => {
    const waiting = [entry(), entry()];
    expect(offers([hold(), hold({ status: "HELD" })], waiting, 2)).toEqual([]);
  });

  it("offers a freed seat to the first WAITING entry until now + offerMs", () => {
    const first = entry();
    const second = entry();
    const cancelled = hold({ status: "CANCELLED" });
    expect(offers([cancelled], [first, second], 1)).toEqual([offerTo(first)]);
  });

  it("offers by seq, not by array order or creation time", () => {
    const late = entry({ seq: 9, createdAt: NOW - 3 * HOUR_MS });
    const first = entry({ seq: 2, createdAt: NOW - HOUR_MS });
    const middle = entry({ seq: 5, createdAt: NOW - 2 * HOUR_MS });
    expect(offers([], [late, first, middle], 1)).toEqual([offerTo(first)]);
    expect(offers([], [late, first, middle], 2)).toEqual([offerTo(first), offerTo(middle)]);
  });

  it("offers as many seats as are free and no more", () => {
    const line = [entry(), entry(), entry(), entry()];
    expect(offers([hold()], line, 3)).toEqual([offerTo(line[0] as WaitEntry), offerTo(line[1] as WaitEntry)]);
  });

  it("counts seats kept by live offers: only the rest are offered", () => {
    const kept = offered(NOW + 1);
    const first = entry();
    const second = entry();
    expect(offers([], [kept, first, second], 2)).toEqual([offerTo(first)]);
    expect(offers([hold()], [kept, first, second], 2)).toEqual([]);
  });

  it("expires a lapsed offer (keeping its times) and offers the seat to the next in line", () => {
    const lapsed = offered(NOW);
    const nextInLine = entry();
    expect(offers([], [lapsed, nextInLine], 1)).toEqual([end(lapsed, "EXPIRED"), offerTo(nextInLine)]);
  });

  it("expires an OFFERED entry with no expiry at all", () => {
    const broken = entry({ status: "OFFERED", offeredAt: NOW - 1, offerExpiresAt: null });
    const behind = entry();
    expect(offers([], [broken, behind], 1)).toEqual([end(broken, "EXPIRED"), offerTo(behind)]);
  });

  it("keeps a live offer 1 ms before it lapses", () => {
    expect(offers([], [offered(NOW + 1), entry()], 1)).toEqual([]);
  });

  it("never re-offers a lapsed offer to the same entry, even as the only one in line", () => {
    const lapsed = offered(NOW - 1);
    expect(offers([], [lapsed], 1)).toEqual([end(lapsed, "EXPIRED")]);
  });

  it("marks BOOKED the entry of a student who took the offered seat (HELD), and offers nothing more", () => {
    const taker = offered(NOW + 1);
    const behind = entry();
    const held = hold({ studentId: taker.studentId, status: "HELD", expiresAt: NOW + HOLD_MS });
    expect(offers([held], [taker, behind], 1)).toEqual([end(taker, "BOOKED")]);
  });

  it.each(["HELD", "CAPTURING", "CONFIRMED", "MOVING"] as const)(
    "marks BOOKED a WAITING student who holds a %s seat",
    (status) => {
      const e = entry();
      const h = hold({ studentId: e.studentId, status, expiresAt: NOW + 1 });
      expect(offers([h], [e], 2)).toEqual([end(e, "BOOKED")]);
    },
  );

  it.each(["EXPIRED", "CANCELLED", "RELEASED", "MOVED"] as const)(
    "a WAITING student whose own hold is %s is offered the free seat, not BOOKED",
    (status) => {
      const e = entry();
      const h = hold({ studentId: e.studentId, status });
      expect(offers([h], [e], 1)).toEqual([offerTo(e)]);
    },
  );

  it("a lapsed HELD hold (not yet expired by the alarm) frees its seat for the line", () => {
    const e = entry();
    expect(offers([hold({ status: "HELD", expiresAt: NOW })], [e], 1)).toEqual([offerTo(e)]);
    expect(offers([hold({ status: "HELD", expiresAt: NOW + 1 })], [e], 1)).toEqual([]);
  });

  it("a seat MOVED away frees it; a MOVING one in takes it", () => {
    const e = entry();
    expect(offers([hold({ status: "MOVED" })], [e], 1)).toEqual([offerTo(e)]);
    expect(offers([hold({ status: "MOVING" })], [e], 1)).toEqual([]);
  });

  it("offers nothing on an overbooked slot and keeps its live offers", () => {
    const live = offered(NOW + 1);
    expect(offers([hold(), hold()], [live, entry()], 1)).toEqual([]);
  });

  it.each(CLOSED)(
    "expires every active entry when the slot is $name, even with free seats",
    ({ slot, now }) => {
      const waiting = entry();
      const live = offered(now + OFFER_MS);
      const lapsed = offered(now);
      const done = entry({ status: "LEFT" });
      expect(offers([], [waiting, live, lapsed, done], 5, slot, now)).toEqual([
        end(waiting, "EXPIRED"),
        end(live, "EXPIRED"),
        end(lapsed, "EXPIRED"),
      ]);
    },
  );

  it("on a closed slot, a student who holds a seat is BOOKED rather than EXPIRED", () => {
    const e = entry();
    const h = hold({ studentId: e.studentId, status: "CONFIRMED" });
    const other = entry();
    expect(offers([h], [e, other], 3, OPEN, OPEN.startsAt)).toEqual([
      end(e, "BOOKED"),
      end(other, "EXPIRED"),
    ]);
  });

  it("lists endings in line order first, then the offers", () => {
    const w1 = entry({ seq: 1 });
    const lapsed = offered(NOW, { seq: 2 });
    const bookedStudent = entry({ seq: 3 });
    const w4 = entry({ seq: 4 });
    const holds = [hold({ studentId: bookedStudent.studentId })];
    // Capacity 3: one seat taken by the booked student, two free for w1 and w4.
    expect(offers(holds, [w4, bookedStudent, lapsed, w1], 3)).toEqual([
      end(lapsed, "EXPIRED"),
      end(bookedStudent, "BOOKED"),
      offerTo(w1),
      offerTo(w4),
    ]);
  });

  it("uses offerMs for the expiry", () => {
    const e = entry();
    expect(decideOffers([], [e], { capacity: 1, slot: OPEN, now: NOW, offerMs: 60_000 })).toEqual([
      { id: e.id, status: "OFFERED", offeredAt: NOW, offerExpiresAt: NOW + 60_000 },
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// Property: decideOffers over arbitrary slot states.

const STUDENTS = 8;
const HOLD_STATUSES: HoldStatus[] = [
  "HELD",
  "CAPTURING",
  "CONFIRMED",
  "EXPIRED",
  "CANCELLED",
  "RELEASED",
  "MOVING",
  "MOVED",
];
const offsetArb = fc.integer({ min: -3, max: 3 }).map((k) => k * 1_000);

const holdsArb = fc.array(
  fc.record({
    student: fc.nat({ max: STUDENTS - 1 }),
    status: fc.constantFrom(...HOLD_STATUSES),
    offset: offsetArb,
  }),
  { maxLength: 8 },
);

const entriesArb = fc.record({
  /** Per student: no active entry, WAITING, or OFFERED expiring at NOW + offset. */
  active: fc.array(fc.option(fc.oneof(fc.constant("WAITING" as const), offsetArb), { nil: null }), {
    minLength: STUDENTS,
    maxLength: STUDENTS,
  }),
  finished: fc.array(
    fc.record({
      student: fc.nat({ max: STUDENTS - 1 }),
      status: fc.constantFrom("BOOKED", "EXPIRED", "LEFT"),
    }),
    { maxLength: 4 },
  ),
  order: fc.array(fc.nat(), { minLength: STUDENTS + 4, maxLength: STUDENTS + 4 }),
});

const slotArb: fc.Arbitrary<{ slot: SlotFacts; closed: boolean }> = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ slot: OPEN, closed: false }) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(...CLOSED.filter((c) => c.now === NOW))
      .map((c) => ({ slot: c.slot, closed: true })),
  },
  {
    weight: 1,
    arbitrary: fc.constant({ slot: { ...OPEN, startsAt: NOW, endsAt: NOW + HOUR_MS }, closed: true }),
  },
);

interface Scenario {
  holds: Hold[];
  entries: WaitEntry[];
}

function buildScenario(
  rawHolds: { student: number; status: HoldStatus; offset: number }[],
  rawEntries: {
    active: ("WAITING" | number | null)[];
    finished: { student: number; status: "BOOKED" | "EXPIRED" | "LEFT" }[];
    order: number[];
  },
): Scenario {
  const holds = rawHolds.map((h, i) => ({
    bookingId: `b${i}`,
    studentId: `s${h.student}`,
    status: h.status,
    expiresAt: NOW + h.offset,
    idempotencyKey: null,
  }));
  const drafts: Omit<WaitEntry, "seq" | "id">[] = [];
  rawEntries.active.forEach((kind, student) => {
    if (kind === null) return;
    const base = { studentId: `s${student}`, createdAt: NOW - HOUR_MS };
    if (kind === "WAITING")
      drafts.push({ ...base, status: "WAITING", offeredAt: null, offerExpiresAt: null });
    else
      drafts.push({
        ...base,
        status: "OFFERED",
        offeredAt: NOW + kind - OFFER_MS,
        offerExpiresAt: NOW + kind,
      });
  });
  for (const f of rawEntries.finished) {
    drafts.push({
      studentId: `s${f.student}`,
      status: f.status,
      createdAt: NOW - HOUR_MS,
      offeredAt: null,
      offerExpiresAt: null,
    });
  }
  // A random but unique line order, and an array order unrelated to it.
  const ranked = drafts
    .map((d, i) => ({ d, key: rawEntries.order[i] ?? 0, i }))
    .sort((a, b) => a.key - b.key || a.i - b.i);
  const entries = ranked.map(({ d }, seq) => ({ ...d, id: `w${seq}`, seq: seq + 1 }));
  return { holds, entries: entries.reverse() };
}

function applyChanges(entries: WaitEntry[], changes: EntryChange[]): WaitEntry[] {
  const byId = new Map(changes.map((c) => [c.id, c]));
  return entries.map((e) => {
    const c = byId.get(e.id);
    return c ? { ...e, status: c.status, offeredAt: c.offeredAt, offerExpiresAt: c.offerExpiresAt } : e;
  });
}

const liveOffers = (entries: WaitEntry[], now: number) => entries.filter((e) => offerLive(e, now)).length;

describe("decideOffers (property)", () => {
  it("keeps seats + live offers ≤ capacity, one active entry per student, offers in seq order, and settles", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        holdsArb,
        entriesArb,
        slotArb,
        (capacity, rawHolds, rawEntries, { slot, closed }) => {
          const { holds, entries } = buildScenario(rawHolds, rawEntries);
          const input = { capacity, slot, now: NOW, offerMs: OFFER_MS };
          const changes = decideOffers(holds, entries, input);
          const after = applyChanges(entries, changes);
          const taken = seatsTaken(holds, NOW);
          const seated = new Set(holds.filter((h) => seatsTaken([h], NOW) === 1).map((h) => h.studentId));
          const before = taken + liveOffers(entries, NOW);

          // Each change is one active entry of the input, once.
          const ids = changes.map((c) => c.id);
          expect(new Set(ids).size).toBe(ids.length);
          for (const c of changes) expect(entries.find((e) => e.id === c.id && isActive(e))).toBeDefined();

          // Capacity: never over it by this decision's doing.
          const used = taken + liveOffers(after, NOW);
          if (before <= capacity) expect(used).toBeLessThanOrEqual(capacity);
          else expect(used).toBeLessThanOrEqual(before);
          const newOffers = changes.filter((c) => c.status === "OFFERED");
          if (newOffers.length > 0) expect(used).toBeLessThanOrEqual(capacity);
          for (const c of newOffers)
            expect(c).toMatchObject({ offeredAt: NOW, offerExpiresAt: NOW + OFFER_MS });

          // One active entry per student, none for a seated student, no lapsed offer left.
          const active = after.filter(isActive);
          expect(new Set(active.map((e) => e.studentId)).size).toBe(active.length);
          for (const e of active) expect(seated.has(e.studentId)).toBe(false);
          for (const e of after.filter((x) => x.status === "OFFERED")) expect(offerLive(e, NOW)).toBe(true);

          // Line order: nobody still WAITING is ahead of someone offered now.
          const offeredSeqs = newOffers.map((c) => entries.find((e) => e.id === c.id)?.seq ?? 0);
          const waitingSeqs = after.filter((e) => e.status === "WAITING").map((e) => e.seq);
          if (offeredSeqs.length > 0 && waitingSeqs.length > 0) {
            expect(Math.min(...waitingSeqs)).toBeGreaterThan(Math.max(...offeredSeqs));
          }
          // Offers were made only to WAITING entries.
          for (const c of newOffers) expect(entries.find((e) => e.id === c.id)?.status).toBe("WAITING");

          if (closed) {
            expect(active).toEqual([]);
            expect(newOffers).toEqual([]);
          } else if (capacity - used > 0) {
            // No free seat left unoffered while someone waits.
            expect(waitingSeqs).toEqual([]);
          }

          // Settled: deciding again on the result changes nothing.
          expect(decideOffers(holds, after, input)).toEqual([]);
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it("every entry left WAITING has its position unchanged or better, and positions stay 1..n", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), holdsArb, entriesArb, (capacity, rawHolds, rawEntries) => {
        const { holds, entries } = buildScenario(rawHolds, rawEntries);
        const after = applyChanges(
          entries,
          decideOffers(holds, entries, { capacity, slot: OPEN, now: NOW, offerMs: OFFER_MS }),
        );
        const waiting = after.filter((e) => e.status === "WAITING").sort((a, b) => a.seq - b.seq);
        expect(waiting.map((e) => positionOf(after, e))).toEqual(waiting.map((_, i) => i + 1));
        for (const e of waiting) {
          const was = entries.find((x) => x.id === e.id) as WaitEntry;
          expect(positionOf(after, e)).toBeLessThanOrEqual(positionOf(entries, was));
        }
      }),
      { numRuns: 500 },
    );
  });
});
