import { describe, expect, it, vi } from "vitest";
import type { PatternRecords } from "../../src/db/pattern-records";
import type { PatternRow } from "../../src/db/schema";
import type { Deps } from "../../src/deps";
import type { AuthUser } from "../../src/domain/identity";
import { deletePattern, listPatterns } from "../../src/services/patterns";

const NOW = Date.parse("2030-01-10T12:00:00Z");

const provider: AuthUser = {
  id: "usr_p",
  email: "p@x.test",
  name: "P",
  role: "provider",
  timezone: "UTC",
  locale: "en-US",
};

function patternRow(overrides: Partial<PatternRow> = {}): PatternRow {
  return {
    id: "pat_1",
    providerId: provider.id,
    timezone: "Europe/Berlin",
    weekly: JSON.stringify([{ weekday: 1, startTime: "09:00" }]),
    durationMinutes: 60,
    sessionType: "ONE_TO_ONE",
    maxParticipants: 1,
    startsOn: null,
    endsOn: null,
    materializedUntil: NOW,
    createdAt: NOW,
    ...overrides,
  };
}

/** A pattern repository whose every method fails the test unless the test gives it. */
function fakePatterns(given: Partial<PatternRecords>): PatternRecords {
  const unexpected = (name: string) => () => Promise.reject(new Error(`unexpected call: ${name}`));
  return {
    findById: unexpected("findById"),
    listForProvider: unexpected("listForProvider"),
    listAll: unexpected("listAll"),
    insertWithSlots: unexpected("insertWithSlots"),
    extendWithSlots: unexpected("extendWithSlots"),
    deleteWithFutureSlots: unexpected("deleteWithFutureSlots"),
    ...given,
  };
}

/** Only the ports these paths use; anything else is absent, so a stray use fails loudly. */
function depsWith(patterns: PatternRecords): Deps {
  return { now: () => NOW, records: { patterns } } as unknown as Deps;
}

describe("listPatterns", () => {
  it("returns the provider's patterns in the API shape, weekly starts parsed", async () => {
    const listForProvider = vi.fn(async () => [patternRow()]);
    const result = await listPatterns(depsWith(fakePatterns({ listForProvider })), provider.id);
    expect(listForProvider).toHaveBeenCalledWith(provider.id);
    expect(result).toEqual([
      expect.objectContaining({
        id: "pat_1",
        weekly: [{ weekday: 1, startTime: "09:00" }],
        createdAt: new Date(NOW).toISOString(),
      }),
    ]);
  });
});

describe("deletePattern", () => {
  it("throws NOT_FOUND for an unknown pattern", async () => {
    const deps = depsWith(fakePatterns({ findById: async () => null }));
    await expect(deletePattern(deps, provider, "pat_missing")).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("throws FORBIDDEN for another provider's pattern without deleting anything", async () => {
    const deleteWithFutureSlots = vi.fn(async () => {});
    const deps = depsWith(
      fakePatterns({ findById: async () => patternRow({ providerId: "usr_other" }), deleteWithFutureSlots }),
    );
    await expect(deletePattern(deps, provider, "pat_1")).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect(deleteWithFutureSlots).not.toHaveBeenCalled();
  });

  it("deletes the pattern with its slots starting after now", async () => {
    const deleteWithFutureSlots = vi.fn(async () => {});
    const deps = depsWith(fakePatterns({ findById: async () => patternRow(), deleteWithFutureSlots }));
    await deletePattern(deps, provider, "pat_1");
    expect(deleteWithFutureSlots).toHaveBeenCalledWith("pat_1", NOW);
  });
});
