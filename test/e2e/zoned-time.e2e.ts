// The SPA's wall-clock helper, tested in plain Node (same Intl data as the browser). It lives in
// the e2e suite because that is the suite that runs outside workerd; it needs no browser.
import { describe, expect, it } from "vitest";
import {
  addDays,
  dateKey,
  offsetAt,
  startOfDay,
  startOfWeek,
  timeKey,
  weekdayOf,
  zonedToInstant,
} from "../../web/src/lib/zoned-time";

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

describe("zonedToInstant", () => {
  it.each([
    ["2026-01-15", "09:00", "Europe/Berlin", "2026-01-15T08:00:00.000Z"],
    ["2026-07-15", "09:00", "Europe/Berlin", "2026-07-15T07:00:00.000Z"],
    ["2026-07-15", "09:00", "America/New_York", "2026-07-15T13:00:00.000Z"],
    ["2026-12-31", "23:30", "Asia/Tokyo", "2026-12-31T14:30:00.000Z"],
    ["2026-03-01", "00:00", "UTC", "2026-03-01T00:00:00.000Z"],
    ["2026-06-01", "10:15", "Asia/Kolkata", "2026-06-01T04:45:00.000Z"],
    ["2026-01-10", "08:00", "Pacific/Auckland", "2026-01-09T19:00:00.000Z"],
  ])("turns %s %s in %s into %s", (date, time, zone, expected) => {
    expect(iso(zonedToInstant(date, time, zone))).toBe(expected);
  });

  it("returns undefined for a time skipped by the spring-forward gap", () => {
    expect(zonedToInstant("2026-03-29", "02:30", "Europe/Berlin")).toBeUndefined();
    expect(zonedToInstant("2026-03-08", "02:30", "America/New_York")).toBeUndefined();
  });

  it("takes the earlier instant for a time repeated when clocks fall back", () => {
    expect(iso(zonedToInstant("2026-10-25", "02:30", "Europe/Berlin"))).toBe("2026-10-25T00:30:00.000Z");
    expect(iso(zonedToInstant("2026-11-01", "01:30", "America/New_York"))).toBe("2026-11-01T05:30:00.000Z");
  });

  it("handles the hours right around a transition", () => {
    expect(iso(zonedToInstant("2026-03-29", "01:59", "Europe/Berlin"))).toBe("2026-03-29T00:59:00.000Z");
    expect(iso(zonedToInstant("2026-03-29", "03:00", "Europe/Berlin"))).toBe("2026-03-29T01:00:00.000Z");
    expect(iso(zonedToInstant("2026-10-25", "03:00", "Europe/Berlin"))).toBe("2026-10-25T02:00:00.000Z");
  });

  it("rejects malformed input", () => {
    expect(zonedToInstant("2026-1-5", "09:00", "UTC")).toBeUndefined();
    expect(zonedToInstant("2026-01-05", "24:00", "UTC")).toBeUndefined();
    expect(zonedToInstant("2026-02-30", "09:00", "UTC")).toBeUndefined();
  });

  it("round-trips with dateKey and timeKey for every quarter hour of a DST day", () => {
    for (let minutes = 0; minutes < 24 * 60; minutes += 15) {
      const time = `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
      const instant = zonedToInstant("2026-10-25", time, "Europe/London");
      expect(instant).toBeDefined();
      expect(dateKey(instant as number, "Europe/London")).toBe("2026-10-25");
      expect(timeKey(instant as number, "Europe/London")).toBe(time);
    }
  });
});

describe("calendar arithmetic", () => {
  it("knows weekdays Monday=1 to Sunday=7 and the Monday of a week", () => {
    expect(weekdayOf("2026-11-30")).toBe(1);
    expect(weekdayOf("2026-12-06")).toBe(7);
    expect(startOfWeek("2026-12-06")).toBe("2026-11-30");
    expect(startOfWeek("2026-11-30")).toBe("2026-11-30");
  });

  it("moves across month and year ends", () => {
    expect(addDays("2026-12-31", 1)).toBe("2027-01-01");
    expect(addDays("2028-03-01", -1)).toBe("2028-02-29");
  });

  it("finds the offset and the start of a day in a zone", () => {
    expect(offsetAt(Date.parse("2026-01-15T12:00:00Z"), "Europe/Berlin")).toBe(3_600_000);
    expect(offsetAt(Date.parse("2026-07-15T12:00:00Z"), "America/New_York")).toBe(-4 * 3_600_000);
    expect(iso(startOfDay("2026-07-15", "Europe/Berlin"))).toBe("2026-07-14T22:00:00.000Z");
  });
});
