import { describe, expect, it } from "vitest";
import { expandPattern, planAgainstExisting } from "../../src/domain/patterns";
import { DAY_MS } from "../../src/shared/time";

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

describe("expandPattern across DST", () => {
  it("keeps 09:00 Europe/Berlin at 08:00Z in winter and 07:00Z in summer", () => {
    const now = at("2027-03-20T00:00:00Z");
    const { starts, skipped } = expandPattern(
      { timezone: "Europe/Berlin", weekly: [{ weekday: 7, startTime: "09:00" }], durationMinutes: 60 },
      now,
    );
    expect(starts.slice(0, 2).map(iso)).toEqual(["2027-03-21T08:00:00.000Z", "2027-03-28T07:00:00.000Z"]);
    expect(skipped).toEqual([]);
  });

  it("keeps 09:00 Europe/Berlin at 07:00Z before and 08:00Z after the autumn change", () => {
    const now = at("2027-10-22T00:00:00Z");
    const { starts } = expandPattern(
      { timezone: "Europe/Berlin", weekly: [{ weekday: 7, startTime: "09:00" }], durationMinutes: 60 },
      now,
    );
    expect(starts.slice(0, 2).map(iso)).toEqual(["2027-10-24T07:00:00.000Z", "2027-10-31T08:00:00.000Z"]);
  });

  it("skips a start inside the spring-forward gap with a DST_GAP reason instead of shifting it", () => {
    const now = at("2027-03-22T00:00:00Z");
    const { starts, skipped } = expandPattern(
      { timezone: "Europe/Berlin", weekly: [{ weekday: 7, startTime: "02:30" }], durationMinutes: 30 },
      now,
    );
    expect(skipped).toHaveLength(1);
    expect(skipped[0]?.reason).toMatch(/^DST_GAP: 02:30 does not exist on 2027-03-28 in Europe\/Berlin/);
    expect(starts.map(iso)).not.toContain("2027-03-28T01:30:00.000Z");
    expect(starts[0] && iso(starts[0])).toBe("2027-04-04T00:30:00.000Z");
  });

  it("handles Australia/Lord_Howe's 30-minute spring gap", () => {
    const now = at("2026-09-30T00:00:00Z");
    const { starts, skipped } = expandPattern(
      {
        timezone: "Australia/Lord_Howe",
        weekly: [
          { weekday: 7, startTime: "02:15" },
          { weekday: 7, startTime: "09:00" },
        ],
        durationMinutes: 30,
      },
      now,
    );
    expect(skipped.map((s) => s.reason)).toEqual([
      expect.stringMatching(/^DST_GAP: 02:15 does not exist on 2026-10-04/),
    ]);
    // 09:00 at +10:30 before the change, at +11:00 after it.
    expect(starts.slice(0, 2).map(iso)).toEqual(["2026-10-03T22:00:00.000Z", "2026-10-10T15:15:00.000Z"]);
  });

  it("takes the earlier instant for a Lord_Howe time repeated by the 30-minute fall-back", () => {
    const now = at("2027-03-30T00:00:00Z");
    const { starts, skipped } = expandPattern(
      { timezone: "Australia/Lord_Howe", weekly: [{ weekday: 7, startTime: "01:45" }], durationMinutes: 30 },
      now,
    );
    expect(skipped).toEqual([]);
    expect(starts[0] && iso(starts[0])).toBe("2027-04-03T14:45:00.000Z");
    expect(starts[1] && iso(starts[1])).toBe("2027-04-10T15:15:00.000Z");
  });
});

describe("expandPattern window", () => {
  const daily = [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, startTime: "12:00" }));

  it("generates nothing in the past and nothing beyond now + 28 days", () => {
    const now = at("2027-01-10T13:00:00Z");
    const { starts, windowEnd } = expandPattern({ timezone: "UTC", weekly: daily, durationMinutes: 60 }, now);
    expect(starts[0] && iso(starts[0])).toBe("2027-01-11T12:00:00.000Z");
    expect(starts.at(-1) && iso(starts.at(-1) as number)).toBe("2027-02-07T12:00:00.000Z");
    expect(starts).toHaveLength(28);
    expect(windowEnd).toBe(now + 28 * DAY_MS);
  });

  it("includes a start exactly at now + 28 days", () => {
    const now = at("2027-01-10T12:00:00Z");
    const { starts } = expandPattern({ timezone: "UTC", weekly: daily, durationMinutes: 60 }, now);
    expect(starts.at(-1)).toBe(now + 28 * DAY_MS);
  });

  it("respects startsOn and an inclusive endsOn in the pattern's zone", () => {
    const now = at("2027-01-01T00:00:00Z");
    const { starts } = expandPattern(
      {
        timezone: "America/New_York",
        weekly: daily,
        durationMinutes: 60,
        startsOn: "2027-01-05",
        endsOn: "2027-01-07",
      },
      now,
    );
    expect(starts.map(iso)).toEqual([
      "2027-01-05T17:00:00.000Z",
      "2027-01-06T17:00:00.000Z",
      "2027-01-07T17:00:00.000Z",
    ]);
  });

  it("continues after `after` only, so a top-up never repeats a start", () => {
    const now = at("2027-01-10T00:00:00Z");
    const first = expandPattern({ timezone: "UTC", weekly: daily, durationMinutes: 60 }, now);
    const later = now + 3 * DAY_MS;
    const topUp = expandPattern(
      { timezone: "UTC", weekly: daily, durationMinutes: 60 },
      later,
      first.windowEnd,
    );
    expect(topUp.starts.every((s) => s > first.windowEnd)).toBe(true);
    expect(topUp.starts).toHaveLength(3);
  });
});

describe("planAgainstExisting", () => {
  const hour = 3_600_000;
  it.each([
    {
      name: "overlapping an existing slot",
      existing: [{ startsAt: 0, endsAt: hour }],
      starts: [30 * 60_000],
      accepted: 0,
    },
    {
      name: "touching the end of a slot",
      existing: [{ startsAt: 0, endsAt: hour }],
      starts: [hour],
      accepted: 1,
    },
    {
      name: "touching the start of a slot",
      existing: [{ startsAt: hour, endsAt: 2 * hour }],
      starts: [0],
      accepted: 1,
    },
    { name: "two candidates overlapping each other", existing: [], starts: [0, 30 * 60_000], accepted: 1 },
  ])("decides $name", ({ existing, starts, accepted }) => {
    const plan = planAgainstExisting(starts, 60, existing);
    expect(plan.accepted).toHaveLength(accepted);
    expect(plan.skipped).toHaveLength(starts.length - accepted);
    for (const skip of plan.skipped) expect(skip.reason).toMatch(/^SLOT_OVERLAP/);
  });
});
