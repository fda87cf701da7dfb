import { describe, expect, it } from "vitest";
import {
  checkStartWithinWindow,
  overlaps,
  publicSlotStatus,
  resolveCapacity,
} from "../../src/domain/slot-rules";
import { isValidTimeZone } from "../../src/domain/time-zones";
import { priceForDuration } from "../../src/shared/pricing";
import { DAY_MS } from "../../src/shared/time";

const now = Date.parse("2027-01-10T12:00:00Z");

describe("checkStartWithinWindow", () => {
  it.each([
    { offset: -1, code: "SLOT_IN_PAST" },
    { offset: 0, code: undefined },
    { offset: 28 * DAY_MS, code: undefined },
    { offset: 28 * DAY_MS + 1, code: "SLOT_BEYOND_WINDOW" },
  ])("start at now + $offset ms → $code", ({ offset, code }) => {
    const result = checkStartWithinWindow(now + offset, now);
    expect(result.ok ? undefined : result.error.code).toBe(code);
  });
});

describe("resolveCapacity", () => {
  it.each([
    { type: "ONE_TO_ONE", max: undefined, seats: 1 },
    { type: "ONE_TO_ONE", max: 1, seats: 1 },
    { type: "ONE_TO_ONE", max: 2, seats: undefined },
    { type: "GROUP", max: undefined, seats: undefined },
    { type: "GROUP", max: 1, seats: undefined },
    { type: "GROUP", max: 2, seats: 2 },
    { type: "GROUP", max: 20, seats: 20 },
    { type: "GROUP", max: 21, seats: undefined },
  ] as const)("$type with $max seats → $seats", ({ type, max, seats }) => {
    const result = resolveCapacity(type, max);
    if (seats === undefined) expect(result.ok ? "ok" : result.error.code).toBe("VALIDATION_FAILED");
    else expect(result).toEqual({ ok: true, value: seats });
  });
});

describe("priceForDuration", () => {
  it.each([
    [4500, 45, 3375],
    [6000, 90, 9000],
    [1001, 50, 834],
    [999, 15, 250],
    [1, 30, 1],
    [1, 29, 0],
  ])("rate %i for %i minutes costs %i", (rate, minutes, price) => {
    expect(priceForDuration(rate, minutes)).toBe(price);
    expect(priceForDuration(rate, minutes)).toBe(Math.round((rate * minutes) / 60));
  });
});

describe("overlaps and status", () => {
  it("treats touching intervals as free and FULL as derived", () => {
    expect(overlaps({ startsAt: 0, endsAt: 10 }, { startsAt: 10, endsAt: 20 })).toBe(false);
    expect(overlaps({ startsAt: 0, endsAt: 11 }, { startsAt: 10, endsAt: 20 })).toBe(true);
    expect(publicSlotStatus("OPEN", 1, 1)).toBe("FULL");
    expect(publicSlotStatus("OPEN", 0, 1)).toBe("OPEN");
    expect(publicSlotStatus("CANCELLED", 1, 1)).toBe("CANCELLED");
  });
});

describe("isValidTimeZone", () => {
  it.each([
    ["Europe/Berlin", true],
    ["UTC", true],
    ["America/Argentina/Buenos_Aires", true],
    ["Australia/Lord_Howe", true],
    ["Mars/Olympus", false],
    ["+01:00", false],
    ["", false],
    ["Europe/Berlin; DROP TABLE", false],
  ])("%s → %s", (zone, valid) => {
    expect(isValidTimeZone(zone)).toBe(valid);
  });
});
