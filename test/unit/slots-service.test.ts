import { describe, expect, it, vi } from "vitest";
import type { SlotRow } from "../../src/db/schema";
import type { SlotRowRecords } from "../../src/db/slot-records";
import type { Deps } from "../../src/deps";
import type { AuthUser } from "../../src/domain/identity";
import {
  deleteSlot,
  findSlotRow,
  listSlots,
  removeExpiredUnbookedSlots,
  SLOT_LIST_LIMIT,
} from "../../src/services/slots";

const NOW = Date.parse("2030-01-10T12:00:00Z");
const HOUR = 3_600_000;

const provider: AuthUser = {
  id: "usr_p",
  email: "p@x.test",
  name: "P",
  role: "provider",
  timezone: "UTC",
  locale: "en-US",
};

function slotRow(overrides: Partial<SlotRow> = {}): SlotRow {
  return {
    id: "slot_1",
    providerId: provider.id,
    startsAt: NOW + HOUR,
    endsAt: NOW + 2 * HOUR,
    durationMinutes: 60,
    sessionType: "ONE_TO_ONE",
    maxParticipants: 1,
    seatsTaken: 0,
    status: "OPEN",
    priceAmount: 5000,
    currency: "usd",
    patternId: null,
    version: 1,
    createdAt: NOW - HOUR,
    updatedAt: NOW - HOUR,
    ...overrides,
  };
}

/** A slot repository whose every method fails the test unless the test gives it. */
function fakeSlots(given: Partial<SlotRowRecords>): SlotRowRecords {
  const unexpected = (name: string) => () => Promise.reject(new Error(`unexpected call: ${name}`));
  return {
    findById: unexpected("findById"),
    list: unexpected("list"),
    listOverlapping: unexpected("listOverlapping"),
    findOverlapping: unexpected("findOverlapping"),
    findPatternSlotAt: unexpected("findPatternSlotAt"),
    insertIfFree: unexpected("insertIfFree"),
    updateIfUnchanged: unexpected("updateIfUnchanged"),
    removeIfRemovable: unexpected("removeIfRemovable"),
    removeEndedUnbooked: unexpected("removeEndedUnbooked"),
    listRemovableEnded: unexpected("listRemovableEnded"),
    ...given,
  };
}

/** Only the ports these paths use; anything else is absent, so a stray use fails loudly. */
function depsWith(slots: SlotRowRecords): Deps {
  return { now: () => NOW, records: { slots } } as unknown as Deps;
}

describe("findSlotRow", () => {
  it("throws NOT_FOUND when the repository has no such slot", async () => {
    const deps = depsWith(fakeSlots({ findById: async () => null }));
    await expect(findSlotRow(deps, "slot_missing")).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});

describe("listSlots", () => {
  it("asks for at most SLOT_LIST_LIMIT rows with the filter and maps them to the API shape", async () => {
    const list = vi.fn(async () => [slotRow({ seatsTaken: 1 })]);
    const filter = { providerId: provider.id, from: NOW, to: NOW + 24 * HOUR };
    const result = await listSlots(depsWith(fakeSlots({ list })), filter);
    expect(list).toHaveBeenCalledWith(filter, SLOT_LIST_LIMIT);
    expect(result).toEqual([
      expect.objectContaining({ id: "slot_1", seatsTaken: 1, seatsLeft: 0, status: "FULL" }),
    ]);
  });
});

describe("deleteSlot", () => {
  it("throws FORBIDDEN for another provider's slot without removing anything", async () => {
    const removeIfRemovable = vi.fn(async () => true);
    const deps = depsWith(
      fakeSlots({ findById: async () => slotRow({ providerId: "usr_other" }), removeIfRemovable }),
    );
    await expect(deleteSlot(deps, provider, "slot_1")).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect(removeIfRemovable).not.toHaveBeenCalled();
  });

  it("throws SLOT_HAS_BOOKINGS for a slot with a seat taken without removing anything", async () => {
    const removeIfRemovable = vi.fn(async () => true);
    const deps = depsWith(fakeSlots({ findById: async () => slotRow({ seatsTaken: 1 }), removeIfRemovable }));
    await expect(deleteSlot(deps, provider, "slot_1")).rejects.toMatchObject({ code: "SLOT_HAS_BOOKINGS" });
    expect(removeIfRemovable).not.toHaveBeenCalled();
  });

  it("throws SLOT_HAS_BOOKINGS when a booking slipped in and the removal was refused", async () => {
    const deps = depsWith(
      fakeSlots({ findById: async () => slotRow(), removeIfRemovable: async () => false }),
    );
    await expect(deleteSlot(deps, provider, "slot_1")).rejects.toMatchObject({ code: "SLOT_HAS_BOOKINGS" });
  });

  it("succeeds when the slot was removed meanwhile by someone else", async () => {
    const findById = vi.fn().mockResolvedValueOnce(slotRow()).mockResolvedValueOnce(null);
    const deps = depsWith(fakeSlots({ findById, removeIfRemovable: async () => false }));
    await expect(deleteSlot(deps, provider, "slot_1")).resolves.toBeUndefined();
  });

  it("removes the slot with no end bound", async () => {
    const removeIfRemovable = vi.fn(async () => true);
    const deps = depsWith(fakeSlots({ findById: async () => slotRow(), removeIfRemovable }));
    await deleteSlot(deps, provider, "slot_1");
    expect(removeIfRemovable).toHaveBeenCalledWith("slot_1");
  });
});

describe("removeExpiredUnbookedSlots", () => {
  it("reports the all-at-once batch's count and never falls back when it succeeds", async () => {
    const removeEndedUnbooked = vi.fn(async () => 3);
    const deps = depsWith(fakeSlots({ removeEndedUnbooked }));
    await expect(removeExpiredUnbookedSlots(deps)).resolves.toEqual({ removed: 3, failed: 0 });
    expect(removeEndedUnbooked).toHaveBeenCalledWith(NOW);
  });

  it("falls back to one slot at a time when the batch fails, so one bad row never keeps the others", async () => {
    const removeIfRemovable = vi.fn(async (id: string) => {
      if (id === "slot_b") throw new Error("FOREIGN KEY constraint failed");
      return id !== "slot_c";
    });
    const deps = depsWith(
      fakeSlots({
        removeEndedUnbooked: () => Promise.reject(new Error("FOREIGN KEY constraint failed")),
        listRemovableEnded: async () => ["slot_a", "slot_b", "slot_c", "slot_d"],
        removeIfRemovable,
      }),
    );
    vi.spyOn(console, "error").mockImplementation(() => {});
    const at = NOW - HOUR;
    await expect(removeExpiredUnbookedSlots(deps, at)).resolves.toEqual({ removed: 2, failed: 1 });
    expect(removeIfRemovable.mock.calls).toEqual([
      ["slot_a", at],
      ["slot_b", at],
      ["slot_c", at],
      ["slot_d", at],
    ]);
    vi.restoreAllMocks();
  });
});
