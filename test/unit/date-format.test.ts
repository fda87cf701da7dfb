// The shared date formatter, run inside workerd (this pool): the same strings must come out of
// the worker's emails and the SPA. test/e2e/locale.e2e.ts checks some of them again under Node's
// ICU and in Chromium, so an engine whose ICU writes these differently fails one of them.
import { describe, expect, it } from "vitest";
import {
  FALLBACK_LOCALE,
  firstDayOfWeek,
  firstDayOfWeekByRegion,
  formatDateKey,
  formatDateTime,
  formatDateTimeRange,
  formatDay,
  formatLongDateTimeRange,
  formatTime,
  formatTimeRange,
  formatZoneName,
  plainSpaces,
  safeLocale,
  safeTimeZone,
} from "../../src/shared/date-format";

const HOUR = 3_600_000;
// Monday 2026-11-30 08:45 UTC (northern winter) and Tuesday 2027-06-15 12:00 UTC (northern summer).
const winter = Date.parse("2026-11-30T08:45:00Z");
const summer = Date.parse("2027-06-15T12:00:00Z");

const DATE_FORMAT_CASES = [
  [
    "en-US",
    "America/New_York",
    "Mon, Nov 30, 3:45 AM EST",
    "Mon, Nov 30, 3:45 – 4:45 AM EST",
    "Tue, Jun 15, 8:00 AM EDT",
  ],
  [
    "en-US",
    "Europe/Berlin",
    "Mon, Nov 30, 9:45 AM GMT+1",
    "Mon, Nov 30, 9:45 – 10:45 AM GMT+1",
    "Tue, Jun 15, 2:00 PM GMT+2",
  ],
  [
    "en-US",
    "Asia/Tokyo",
    "Mon, Nov 30, 5:45 PM GMT+9",
    "Mon, Nov 30, 5:45 – 6:45 PM GMT+9",
    "Tue, Jun 15, 9:00 PM GMT+9",
  ],
  [
    "en-US",
    "Asia/Kolkata",
    "Mon, Nov 30, 2:15 PM GMT+5:30",
    "Mon, Nov 30, 2:15 – 3:15 PM GMT+5:30",
    "Tue, Jun 15, 5:30 PM GMT+5:30",
  ],
  [
    "en-US",
    "Australia/Lord_Howe",
    "Mon, Nov 30, 7:45 PM GMT+11",
    "Mon, Nov 30, 7:45 – 8:45 PM GMT+11",
    "Tue, Jun 15, 10:30 PM GMT+10:30",
  ],
  [
    "en-GB",
    "America/New_York",
    "Mon 30 Nov, 03:45 GMT-5",
    "Mon 30 Nov, 03:45–04:45 GMT-5",
    "Tue 15 Jun, 08:00 GMT-4",
  ],
  [
    "en-GB",
    "Europe/Berlin",
    "Mon 30 Nov, 09:45 CET",
    "Mon 30 Nov, 09:45–10:45 CET",
    "Tue 15 Jun, 14:00 CEST",
  ],
  [
    "en-GB",
    "Asia/Tokyo",
    "Mon 30 Nov, 17:45 GMT+9",
    "Mon 30 Nov, 17:45–18:45 GMT+9",
    "Tue 15 Jun, 21:00 GMT+9",
  ],
  [
    "en-GB",
    "Asia/Kolkata",
    "Mon 30 Nov, 14:15 GMT+5:30",
    "Mon 30 Nov, 14:15–15:15 GMT+5:30",
    "Tue 15 Jun, 17:30 GMT+5:30",
  ],
  [
    "en-GB",
    "Australia/Lord_Howe",
    "Mon 30 Nov, 19:45 GMT+11",
    "Mon 30 Nov, 19:45–20:45 GMT+11",
    "Tue 15 Jun, 22:30 GMT+10:30",
  ],
  [
    "de-DE",
    "America/New_York",
    "Mo., 30. Nov., 03:45 GMT-5",
    "Mo., 30. Nov., 03:45–04:45 Uhr GMT-5",
    "Di., 15. Juni, 08:00 GMT-4",
  ],
  [
    "de-DE",
    "Europe/Berlin",
    "Mo., 30. Nov., 09:45 MEZ",
    "Mo., 30. Nov., 09:45–10:45 Uhr MEZ",
    "Di., 15. Juni, 14:00 MESZ",
  ],
  [
    "de-DE",
    "Asia/Tokyo",
    "Mo., 30. Nov., 17:45 GMT+9",
    "Mo., 30. Nov., 17:45–18:45 Uhr GMT+9",
    "Di., 15. Juni, 21:00 GMT+9",
  ],
  [
    "de-DE",
    "Asia/Kolkata",
    "Mo., 30. Nov., 14:15 GMT+5:30",
    "Mo., 30. Nov., 14:15–15:15 Uhr GMT+5:30",
    "Di., 15. Juni, 17:30 GMT+5:30",
  ],
  [
    "de-DE",
    "Australia/Lord_Howe",
    "Mo., 30. Nov., 19:45 GMT+11",
    "Mo., 30. Nov., 19:45–20:45 Uhr GMT+11",
    "Di., 15. Juni, 22:30 GMT+10:30",
  ],
  [
    "ja-JP",
    "America/New_York",
    "11月30日(月) 3:45 GMT-5",
    "11/30(月) 3時45分～4時45分(GMT-5)",
    "6月15日(火) 8:00 GMT-4",
  ],
  [
    "ja-JP",
    "Europe/Berlin",
    "11月30日(月) 9:45 GMT+1",
    "11/30(月) 9時45分～10時45分(GMT+1)",
    "6月15日(火) 14:00 GMT+2",
  ],
  [
    "ja-JP",
    "Asia/Tokyo",
    "11月30日(月) 17:45 JST",
    "11/30(月) 17時45分～18時45分(JST)",
    "6月15日(火) 21:00 JST",
  ],
  [
    "ja-JP",
    "Asia/Kolkata",
    "11月30日(月) 14:15 GMT+5:30",
    "11/30(月) 14時15分～15時15分(GMT+5:30)",
    "6月15日(火) 17:30 GMT+5:30",
  ],
  [
    "ja-JP",
    "Australia/Lord_Howe",
    "11月30日(月) 19:45 GMT+11",
    "11/30(月) 19時45分～20時45分(GMT+11)",
    "6月15日(火) 22:30 GMT+10:30",
  ],
].map(([locale, zone, winter, winterRange, summer]) => ({ locale, zone, winter, winterRange, summer })) as {
  locale: string;
  zone: string;
  winter: string;
  winterRange: string;
  summer: string;
}[];

// Lord Howe moves its clocks by 30 minutes: 02:00 → 02:30 on 2026-10-04, 02:00 → 01:30 on 2027-04-04.
const LORD_HOWE_CASES = [
  {
    label: "names both offsets for a lesson across the spring jump (01:45 +10:30 → 03:15 +11)",
    start: Date.parse("2026-10-03T15:15:00Z"),
    end: Date.parse("2026-10-03T16:15:00Z"),
    range: "Sun 4 Oct, 01:45 GMT+10:30 – Sun 4 Oct, 03:15 GMT+11",
    times: "01:45–03:15",
  },
  {
    label: "names both offsets for a lesson across the autumn fall-back (01:45 +11 → 02:15 +10:30)",
    start: Date.parse("2027-04-03T14:45:00Z"),
    end: Date.parse("2027-04-03T15:45:00Z"),
    range: "Sun 4 Apr, 01:45 GMT+11 – Sun 4 Apr, 02:15 GMT+10:30",
    times: "01:45–02:15",
  },
  {
    label: "names the zone once for a lesson on either side of it",
    start: Date.parse("2026-10-03T16:30:00Z"),
    end: Date.parse("2026-10-03T17:15:00Z"),
    range: "Sun 4 Oct, 03:30–04:15 GMT+11",
    times: "03:30–04:15",
  },
];

describe("formatDateTime and formatDateTimeRange for four locales in five zones", () => {
  it.each(DATE_FORMAT_CASES)(
    "writes $locale in $zone as '$winter'",
    ({ locale, zone, winter: atWinter, winterRange, summer: atSummer }) => {
      const reader = { locale, timeZone: zone };
      expect(formatDateTime(winter, reader)).toBe(atWinter);
      expect(formatDateTimeRange(winter, winter + HOUR, reader)).toBe(winterRange);
      expect(formatDateTime(summer, reader)).toBe(atSummer);
    },
  );
});

describe("Lord Howe's half-hour daylight saving", () => {
  it.each(LORD_HOWE_CASES)("$label", ({ start, end, range, times }) => {
    const reader = { locale: "en-GB", timeZone: "Australia/Lord_Howe" };
    expect(formatDateTimeRange(start, end, reader)).toBe(range);
    expect(formatTimeRange(start, end, reader)).toBe(times);
  });

  it("names both zones in the long form too when the clocks change inside the lesson", () => {
    const start = Date.parse("2026-10-03T15:15:00Z");
    expect(
      formatLongDateTimeRange(start, start + HOUR, { locale: "de-DE", timeZone: "Australia/Lord_Howe" }),
    ).toBe("Sonntag, 4. Oktober 2026 um 01:45 GMT+10:30 – Sonntag, 4. Oktober 2026 um 03:15 GMT+11");
  });
});

describe("the other formats, by locale (Berlin, Monday 2026-11-30 09:45 CET)", () => {
  const reader = (locale: string) => ({ locale, timeZone: "Europe/Berlin" });
  it.each([
    {
      locale: "en-US",
      time: "9:45 AM",
      times: "9:45 – 10:45 AM",
      day: "Mon, Nov 30",
      longDay: "Monday, November 30, 2026",
      zone: "GMT+1",
      overnight: "Mon, Nov 30, 9:45 AM GMT+1 – Tue, Dec 1, 9:45 AM GMT+1",
      long: "Monday, November 30, 2026, 9:45 – 10:45 AM GMT+1",
    },
    {
      locale: "en-GB",
      time: "09:45",
      times: "09:45–10:45",
      day: "Mon 30 Nov",
      longDay: "Monday, 30 November 2026",
      zone: "CET",
      overnight: "Mon 30 Nov, 09:45 CET – Tue 1 Dec, 09:45 CET",
      long: "Monday, 30 November 2026, 09:45–10:45 CET",
    },
    {
      locale: "de-DE",
      time: "09:45",
      times: "09:45–10:45 Uhr",
      day: "Mo., 30. Nov.",
      longDay: "Montag, 30. November 2026",
      zone: "MEZ",
      overnight: "Mo., 30. Nov., 09:45 MEZ – Di., 1. Dez., 09:45 MEZ",
      long: "Montag, 30. November 2026, 09:45–10:45 Uhr MEZ",
    },
    {
      locale: "ja-JP",
      time: "9:45",
      times: "9時45分～10時45分",
      day: "11月30日(月)",
      longDay: "2026年11月30日月曜日",
      zone: "GMT+1",
      overnight: "11/30(月) 9:45 GMT+1～12/1(火) 9:45 GMT+1",
      long: "2026/11/30月曜日 9時45分～10時45分(GMT+1)",
    },
  ])("$locale: '$time', '$times', '$day', '$zone'", (c) => {
    const r = reader(c.locale);
    expect(formatTime(winter, r)).toBe(c.time);
    expect(formatTimeRange(winter, winter + HOUR, r)).toBe(c.times);
    expect(formatDay(winter, r)).toBe(c.day);
    expect(formatDateKey("2026-11-30", c.locale, "day")).toBe(c.day);
    expect(formatDateKey("2026-11-30", c.locale)).toBe(c.longDay);
    expect(formatZoneName(winter, r)).toBe(c.zone);
    expect(formatDateTimeRange(winter, winter + 24 * HOUR, r)).toBe(c.overnight);
    expect(formatLongDateTimeRange(winter, winter + HOUR, r)).toBe(c.long);
  });

  it("keeps the date of a calendar key whatever zone the runtime is in, and returns a bad key as given", () => {
    expect(formatDateKey("2026-12-31", "en-GB", "day")).toBe("Thu 31 Dec");
    expect(formatDateKey("not-a-date", "en-GB")).toBe("not-a-date");
  });

  it("honours an hour cycle asked for in the tag (en-US with -u-hc-h23)", () => {
    expect(formatDateTime(winter, reader("en-US-u-hc-h23"))).toBe("Mon, Nov 30, 09:45 GMT+1");
  });
});

describe("fallbacks", () => {
  it("writes a malformed locale as en-US and an unknown zone as UTC", () => {
    expect(formatDateTime(winter, { locale: "not a tag", timeZone: "Mars/Olympus" })).toBe(
      "Mon, Nov 30, 8:45 AM UTC",
    );
    expect(safeLocale("de-de")).toBe("de-DE");
    expect(safeLocale("")).toBe(FALLBACK_LOCALE);
    expect(safeLocale(undefined)).toBe(FALLBACK_LOCALE);
    expect(safeTimeZone("Asia/Kolkata")).toBe("Asia/Kolkata");
    expect(safeTimeZone("+05:30x")).toBe("UTC");
  });

  it("turns ICU's narrow, thin and no-break spaces into plain ones", () => {
    expect(plainSpaces("9:45\u202fAM\u2009–\u2009x\u00a0y")).toBe("9:45 AM – x y");
  });
});

describe("firstDayOfWeek", () => {
  it.each([
    { locale: "en-US", day: 7 },
    { locale: "ja-JP", day: 7 },
    { locale: "en-GB", day: 1 },
    { locale: "de-DE", day: 1 },
    { locale: "fr-FR", day: 1 },
    { locale: "pt-BR", day: 7 },
    { locale: "ar-EG", day: 6 },
    { locale: "en", day: 7 },
    { locale: "de", day: 1 },
  ])(
    "starts $locale weeks on ISO day $day, from the engine and from the fallback table",
    ({ locale, day }) => {
      expect(firstDayOfWeek(locale)).toBe(day);
      expect(firstDayOfWeekByRegion(locale)).toBe(day);
    },
  );

  it("reads a malformed tag as en-US (Sunday) and a region the table lacks as Monday", () => {
    expect(firstDayOfWeek("not a tag")).toBe(7);
    expect(firstDayOfWeekByRegion("not a tag")).toBe(7);
    expect(firstDayOfWeekByRegion("en-DE")).toBe(1);
    expect(firstDayOfWeekByRegion("ar-SA")).toBe(7);
    expect(firstDayOfWeekByRegion("fa-IR")).toBe(6);
  });
});
