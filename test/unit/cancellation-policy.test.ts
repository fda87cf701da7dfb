import fc from "fast-check";
import { Temporal } from "temporal-polyfill";
import { describe, expect, it } from "vitest";
import { cancellationPolicy } from "../../src/http/schemas";
import {
  type CancellationPolicy,
  DEFAULT_CANCELLATION_POLICY,
  noticeHours,
  type PolicyTier,
  parsePolicy,
  policyProblems,
  refundForCancel,
  rescheduleAllowed,
  tierFor,
} from "../../src/shared/cancellation-policy";
import { HOUR_MS, MINUTE_MS, SECOND_MS } from "../../src/shared/time";

/** The lesson every fixed-clock row is measured against. */
const STARTS = Date.parse("2026-12-01T09:00:00Z");
const PRICE = 5_000;

const tiers = (...pairs: [number, number][]): PolicyTier[] =>
  pairs.map(([minNoticeHours, refundPercent]) => ({ minNoticeHours, refundPercent }));

const policy = (pairs: [number, number][], rescheduleMinNoticeHours = 0): CancellationPolicy => ({
  tiers: tiers(...pairs),
  rescheduleMinNoticeHours,
});

/** 100 % with two days' notice, 50 % with one, nothing after. */
const STANDARD = policy([
  [48, 100],
  [24, 50],
  [0, 0],
]);

const msBefore = (ms: number) => STARTS - ms;

describe("DEFAULT_CANCELLATION_POLICY", () => {
  it("is the v1 behaviour: one 0 h tier at 100 %, reschedule any time before", () => {
    expect(DEFAULT_CANCELLATION_POLICY).toEqual({
      tiers: [{ minNoticeHours: 0, refundPercent: 100 }],
      rescheduleMinNoticeHours: 0,
    });
    expect(policyProblems(DEFAULT_CANCELLATION_POLICY)).toEqual([]);
    expect(cancellationPolicy.safeParse(DEFAULT_CANCELLATION_POLICY).success).toBe(true);
  });

  it("refunds everything at any notice before the start and even after it (the 0 h tier is the fallback)", () => {
    for (const left of [672 * HOUR_MS, HOUR_MS, 1, 0, -HOUR_MS]) {
      expect(refundForCancel(DEFAULT_CANCELLATION_POLICY, PRICE, STARTS, msBefore(left))).toEqual({
        refundAmount: PRICE,
        refundPercent: 100,
      });
    }
  });
});

describe("policyProblems", () => {
  const DECREASING = "must be smaller than the tier before (strictly decreasing)";
  const LAST_ZERO = "the last tier must start at 0 hours";
  const COUNT = "must have 1 to 5 tiers";

  it.each([
    { name: "the default", pairs: [[0, 100]] },
    {
      name: "the standard three tiers",
      pairs: [
        [48, 100],
        [24, 50],
        [0, 0],
      ],
    },
    {
      name: "five tiers up to 672 h",
      pairs: [
        [672, 100],
        [168, 80],
        [48, 50],
        [1, 10],
        [0, 0],
      ],
    },
    {
      name: "a refund that falls with notice (odd but allowed)",
      pairs: [
        [24, 0],
        [0, 100],
      ],
    },
  ] as { name: string; pairs: [number, number][] }[])("accepts $name", ({ pairs }) => {
    expect(policyProblems(policy(pairs))).toEqual([]);
  });

  it.each([
    {
      name: "no tiers",
      pairs: [],
      problems: [{ path: "cancellationPolicy.tiers", message: COUNT }],
    },
    {
      name: "six tiers",
      pairs: [
        [50, 100],
        [40, 90],
        [30, 80],
        [20, 70],
        [10, 60],
        [0, 0],
      ],
      problems: [{ path: "cancellationPolicy.tiers", message: COUNT }],
    },
    {
      name: "two tiers with the same notice",
      pairs: [
        [48, 100],
        [48, 50],
        [0, 0],
      ],
      problems: [{ path: "cancellationPolicy.tiers.1.minNoticeHours", message: DECREASING }],
    },
    {
      name: "increasing notice (the 0 h tier first)",
      pairs: [
        [0, 100],
        [24, 50],
      ],
      problems: [
        { path: "cancellationPolicy.tiers.1.minNoticeHours", message: DECREASING },
        { path: "cancellationPolicy.tiers.1.minNoticeHours", message: LAST_ZERO },
      ],
    },
    {
      name: "a last tier above 0 h",
      pairs: [
        [48, 100],
        [24, 50],
      ],
      problems: [{ path: "cancellationPolicy.tiers.1.minNoticeHours", message: LAST_ZERO }],
    },
    {
      name: "a single tier above 0 h",
      pairs: [[24, 100]],
      problems: [{ path: "cancellationPolicy.tiers.0.minNoticeHours", message: LAST_ZERO }],
    },
    {
      name: "an out-of-order third tier",
      pairs: [
        [72, 100],
        [24, 50],
        [30, 20],
        [0, 0],
      ],
      problems: [{ path: "cancellationPolicy.tiers.2.minNoticeHours", message: DECREASING }],
    },
  ] as { name: string; pairs: [number, number][]; problems: unknown[] }[])(
    "rejects $name",
    ({ pairs, problems }) => {
      expect(policyProblems(policy(pairs))).toEqual(problems);
    },
  );
});

describe("noticeHours", () => {
  it.each([
    { left: 24 * HOUR_MS, hours: 24 },
    { left: 30 * MINUTE_MS, hours: 0.5 },
    { left: 0, hours: 0 },
    { left: -HOUR_MS, hours: -1 },
    { left: 48 * HOUR_MS - 1, hours: 48 - 1 / HOUR_MS },
  ])("$left ms before the start is $hours h", ({ left, hours }) => {
    expect(noticeHours(STARTS, msBefore(left))).toBe(hours);
  });
});

describe("tierFor", () => {
  it.each([
    { left: 672 * HOUR_MS, tier: 0 },
    { left: 48 * HOUR_MS, tier: 0 },
    { left: 48 * HOUR_MS - 1, tier: 1 },
    { left: 24 * HOUR_MS, tier: 1 },
    { left: 24 * HOUR_MS - 1, tier: 2 },
    { left: 1, tier: 2 },
    { left: 0, tier: 2 },
    { left: -HOUR_MS, tier: 2 },
  ])("$left ms before the start → tier $tier of 48/24/0", ({ left, tier }) => {
    expect(tierFor(STANDARD, STARTS, msBefore(left))).toBe(STANDARD.tiers[tier]);
  });

  it("falls back to the default 100 % tier when a stored policy has no tiers", () => {
    expect(tierFor(policy([]), STARTS, msBefore(HOUR_MS))).toEqual({ minNoticeHours: 0, refundPercent: 100 });
  });

  it("falls back to the last tier when no tier matches (a policy whose last tier is above 0 h)", () => {
    const odd = policy([
      [48, 100],
      [24, 50],
    ]);
    expect(tierFor(odd, STARTS, msBefore(HOUR_MS))).toBe(odd.tiers[1]);
  });
});

describe("refundForCancel: floor(amount × percent / 100) by the first tier with minNoticeHours ≤ hours left", () => {
  it.each([
    { name: "exactly 48 h before", left: 48 * HOUR_MS, amount: PRICE, refund: 5_000, percent: 100 },
    {
      name: "47 h 59 m 59.999 s before",
      left: 48 * HOUR_MS - 1,
      amount: PRICE,
      refund: 2_500,
      percent: 50,
    },
    { name: "exactly 24 h before", left: 24 * HOUR_MS, amount: PRICE, refund: 2_500, percent: 50 },
    { name: "24 h + 1 ms before", left: 24 * HOUR_MS + 1, amount: PRICE, refund: 2_500, percent: 50 },
    { name: "23 h 59 m before", left: 23 * HOUR_MS + 59 * MINUTE_MS, amount: PRICE, refund: 0, percent: 0 },
    { name: "24 h − 1 ms before", left: 24 * HOUR_MS - 1, amount: PRICE, refund: 0, percent: 0 },
    { name: "1 s before", left: SECOND_MS, amount: PRICE, refund: 0, percent: 0 },
    { name: "an odd amount at 50 %", left: 30 * HOUR_MS, amount: 4_999, refund: 2_499, percent: 50 },
    { name: "an odd amount at 100 %", left: 72 * HOUR_MS, amount: 4_999, refund: 4_999, percent: 100 },
    { name: "an odd amount at 0 %", left: HOUR_MS, amount: 4_999, refund: 0, percent: 0 },
    { name: "1 cent at 50 %", left: 30 * HOUR_MS, amount: 1, refund: 0, percent: 50 },
    { name: "3 cents at 50 %", left: 30 * HOUR_MS, amount: 3, refund: 1, percent: 50 },
    { name: "a free lesson", left: 72 * HOUR_MS, amount: 0, refund: 0, percent: 100 },
  ])("$name: $amount → $refund ($percent %)", ({ left, amount, refund, percent }) => {
    expect(refundForCancel(STANDARD, amount, STARTS, msBefore(left))).toEqual({
      refundAmount: refund,
      refundPercent: percent,
    });
  });

  it.each([
    { amount: 101, percent: 33, refund: 33 },
    { amount: 9_999, percent: 33, refund: 3_299 },
    { amount: 9_999, percent: 1, refund: 99 },
    { amount: 9_999, percent: 99, refund: 9_899 },
    { amount: 12_345_678, percent: 7, refund: 864_197 },
  ])("rounds down: $amount at $percent % → $refund", ({ amount, percent, refund }) => {
    const single = policy([[0, percent]]);
    expect(refundForCancel(single, amount, STARTS, msBefore(HOUR_MS))).toEqual({
      refundAmount: refund,
      refundPercent: percent,
    });
  });
});

describe("refundForCancel across Europe/Berlin's DST changes (notice is elapsed time, not wall clock)", () => {
  const berlin = (wall: string) => Temporal.ZonedDateTime.from(`${wall}[Europe/Berlin]`).epochMilliseconds;

  it("autumn 2026 (03:00 CEST → 02:00 CET on 25 Oct): a day before on the wall clock is 25 h", () => {
    const lesson = berlin("2026-10-25T09:00");
    const cancelled = berlin("2026-10-24T09:00");
    expect(lesson).toBe(Date.parse("2026-10-25T09:00:00+01:00"));
    expect(cancelled).toBe(Date.parse("2026-10-24T09:00:00+02:00"));
    expect(noticeHours(lesson, cancelled)).toBe(25);
    expect(tierFor(STANDARD, lesson, cancelled)).toEqual({ minNoticeHours: 24, refundPercent: 50 });
    expect(refundForCancel(STANDARD, PRICE, lesson, cancelled)).toEqual({
      refundAmount: 2_500,
      refundPercent: 50,
    });
  });

  it("autumn 2026: 10:00 the day before (23 h on the wall clock) is exactly 24 h, still the 24 h tier", () => {
    const lesson = berlin("2026-10-25T09:00");
    expect(noticeHours(lesson, berlin("2026-10-24T10:00"))).toBe(24);
    expect(refundForCancel(STANDARD, PRICE, lesson, berlin("2026-10-24T10:00")).refundPercent).toBe(50);
    expect(refundForCancel(STANDARD, PRICE, lesson, berlin("2026-10-24T10:00:00.001")).refundPercent).toBe(0);
  });

  it("autumn 2026: two wall-clock days before is 49 h (100 %), 10:00 two days before exactly 48 h", () => {
    const lesson = berlin("2026-10-25T09:00");
    expect(noticeHours(lesson, berlin("2026-10-23T09:00"))).toBe(49);
    expect(refundForCancel(STANDARD, PRICE, lesson, berlin("2026-10-23T10:00")).refundPercent).toBe(100);
    expect(refundForCancel(STANDARD, PRICE, lesson, berlin("2026-10-23T10:00:00.001")).refundPercent).toBe(
      50,
    );
  });

  it("spring 2027 (02:00 CET → 03:00 CEST on 28 Mar): a day before on the wall clock is only 23 h (0 %)", () => {
    const lesson = berlin("2027-03-28T09:00");
    const cancelled = berlin("2027-03-27T09:00");
    expect(lesson).toBe(Date.parse("2027-03-28T09:00:00+02:00"));
    expect(cancelled).toBe(Date.parse("2027-03-27T09:00:00+01:00"));
    expect(noticeHours(lesson, cancelled)).toBe(23);
    expect(tierFor(STANDARD, lesson, cancelled)).toEqual({ minNoticeHours: 0, refundPercent: 0 });
    expect(refundForCancel(STANDARD, PRICE, lesson, cancelled)).toEqual({
      refundAmount: 0,
      refundPercent: 0,
    });
  });

  it("spring 2027: 08:00 the day before (25 h on the wall clock) is exactly 24 h (50 %)", () => {
    const lesson = berlin("2027-03-28T09:00");
    expect(noticeHours(lesson, berlin("2027-03-27T08:00"))).toBe(24);
    expect(refundForCancel(STANDARD, PRICE, lesson, berlin("2027-03-27T08:00")).refundPercent).toBe(50);
    expect(refundForCancel(STANDARD, PRICE, lesson, berlin("2027-03-27T08:00:00.001")).refundPercent).toBe(0);
  });

  it("spring 2027: two wall-clock days before a Monday lesson is 47 h (50 %, not 100 %)", () => {
    const lesson = berlin("2027-03-29T09:00");
    const cancelled = berlin("2027-03-27T09:00");
    expect(noticeHours(lesson, cancelled)).toBe(47);
    expect(refundForCancel(STANDARD, PRICE, lesson, cancelled)).toEqual({
      refundAmount: 2_500,
      refundPercent: 50,
    });
  });

  it("subtracting 24 elapsed hours with Temporal lands on the tier boundary in both weeks", () => {
    for (const wall of ["2026-10-25T09:00", "2027-03-28T09:00"]) {
      const lesson = Temporal.ZonedDateTime.from(`${wall}[Europe/Berlin]`);
      const at24 = lesson.subtract({ hours: 24 }).epochMilliseconds;
      expect(refundForCancel(STANDARD, PRICE, lesson.epochMilliseconds, at24).refundPercent).toBe(50);
      expect(refundForCancel(STANDARD, PRICE, lesson.epochMilliseconds, at24 + 1).refundPercent).toBe(0);
    }
  });
});

describe("rescheduleAllowed", () => {
  it.each([
    { min: 24, left: 24 * HOUR_MS, allowed: true },
    { min: 24, left: 24 * HOUR_MS + 1, allowed: true },
    { min: 24, left: 24 * HOUR_MS - 1, allowed: false },
    { min: 24, left: 0, allowed: false },
    { min: 0, left: 1, allowed: true },
    { min: 0, left: 0, allowed: true },
    { min: 0, left: -1, allowed: false },
    { min: 672, left: 672 * HOUR_MS, allowed: true },
    { min: 672, left: 672 * HOUR_MS - 1, allowed: false },
  ])("minimum $min h, $left ms left → $allowed", ({ min, left, allowed }) => {
    expect(rescheduleAllowed(policy([[0, 100]], min), STARTS, msBefore(left))).toBe(allowed);
  });

  it("counts elapsed hours across the spring DST change: 09:00 the day before is 23 h, short of 24", () => {
    const lesson = Date.parse("2027-03-28T09:00:00+02:00");
    const dayBefore = Date.parse("2027-03-27T09:00:00+01:00");
    expect(rescheduleAllowed(policy([[0, 100]], 24), lesson, dayBefore)).toBe(false);
    expect(rescheduleAllowed(policy([[0, 100]], 23), lesson, dayBefore)).toBe(true);
  });
});

describe("parsePolicy", () => {
  it.each([
    { name: "null", json: null },
    { name: "undefined", json: undefined },
    { name: "an empty string", json: "" },
    { name: "not JSON", json: "{tiers:" },
    { name: "JSON null", json: "null" },
    { name: "a JSON array", json: "[]" },
    { name: "a number", json: "42" },
    { name: "tiers that are not an array", json: '{"tiers":"x","rescheduleMinNoticeHours":0}' },
    { name: "no rescheduleMinNoticeHours", json: '{"tiers":[{"minNoticeHours":0,"refundPercent":50}]}' },
    {
      name: "a string rescheduleMinNoticeHours",
      json: '{"tiers":[{"minNoticeHours":0,"refundPercent":50}],"rescheduleMinNoticeHours":"24"}',
    },
  ])("reads $name as the default policy", ({ json }) => {
    expect(parsePolicy(json)).toBe(DEFAULT_CANCELLATION_POLICY);
  });

  it.each([
    { name: "a tier with no fields", json: '{"tiers":[{}],"rescheduleMinNoticeHours":0}' },
    {
      name: "a tier with string fields",
      json: '{"tiers":[{"minNoticeHours":"0","refundPercent":"50"}],"rescheduleMinNoticeHours":0}',
    },
    { name: "a tier that is null", json: '{"tiers":[null],"rescheduleMinNoticeHours":0}' },
  ])("reads $name as the default policy, never a refund of NaN", ({ json }) => {
    const parsed = parsePolicy(json);
    expect(parsed).toBe(DEFAULT_CANCELLATION_POLICY);
    expect(refundForCancel(parsed, PRICE, STARTS, msBefore(HOUR_MS))).toEqual({
      refundAmount: PRICE,
      refundPercent: 100,
    });
  });

  it("reads a stored policy back as it was written", () => {
    expect(parsePolicy(JSON.stringify(STANDARD))).toEqual(STANDARD);
    expect(
      parsePolicy('{"tiers":[{"minNoticeHours":0,"refundPercent":50}],"rescheduleMinNoticeHours":12}'),
    ).toEqual(policy([[0, 50]], 12));
  });

  it("reads an empty tier list as the default (100 % back)", () => {
    const parsed = parsePolicy('{"tiers":[],"rescheduleMinNoticeHours":0}');
    expect(parsed).toEqual(DEFAULT_CANCELLATION_POLICY);
    expect(refundForCancel(parsed, PRICE, STARTS, msBefore(HOUR_MS))).toEqual({
      refundAmount: PRICE,
      refundPercent: 100,
    });
  });
});

describe("cancellationPolicy (zod schema)", () => {
  it.each([
    { name: "the default", value: DEFAULT_CANCELLATION_POLICY },
    { name: "the standard three tiers", value: STANDARD },
    {
      name: "five tiers from the 672 h maximum, reschedule 672 h",
      value: policy(
        [
          [672, 100],
          [168, 75],
          [48, 50],
          [1, 1],
          [0, 0],
        ],
        672,
      ),
    },
    { name: "a single 0 % tier", value: policy([[0, 0]], 0) },
    {
      name: "a refund that falls with notice",
      value: policy(
        [
          [1, 0],
          [0, 100],
        ],
        1,
      ),
    },
  ])("accepts $name unchanged", ({ value }) => {
    const parsed = cancellationPolicy.safeParse(value);
    expect(parsed.success).toBe(true);
    expect(parsed.data).toEqual(value);
  });

  const t = (minNoticeHours: unknown, refundPercent: unknown) => ({ minNoticeHours, refundPercent });
  const ok = [t(0, 0)];

  it.each([
    { name: "no tiers", value: { tiers: [], rescheduleMinNoticeHours: 0 }, paths: ["tiers"] },
    {
      name: "six tiers",
      value: {
        tiers: [t(50, 0), t(40, 0), t(30, 0), t(20, 0), t(10, 0), t(0, 0)],
        rescheduleMinNoticeHours: 0,
      },
      paths: ["tiers"],
    },
    { name: "tiers missing", value: { rescheduleMinNoticeHours: 0 }, paths: ["tiers"] },
    { name: "rescheduleMinNoticeHours missing", value: { tiers: ok }, paths: ["rescheduleMinNoticeHours"] },
    {
      name: "rescheduleMinNoticeHours −1",
      value: { tiers: ok, rescheduleMinNoticeHours: -1 },
      paths: ["rescheduleMinNoticeHours"],
    },
    {
      name: "rescheduleMinNoticeHours 673",
      value: { tiers: ok, rescheduleMinNoticeHours: 673 },
      paths: ["rescheduleMinNoticeHours"],
    },
    {
      name: "rescheduleMinNoticeHours 1.5",
      value: { tiers: ok, rescheduleMinNoticeHours: 1.5 },
      paths: ["rescheduleMinNoticeHours"],
    },
    {
      name: "a fractional notice",
      value: { tiers: [t(24.5, 100), t(0, 0)], rescheduleMinNoticeHours: 0 },
      paths: ["tiers.0.minNoticeHours"],
    },
    {
      name: "a notice above 672 h",
      value: { tiers: [t(673, 100), t(0, 0)], rescheduleMinNoticeHours: 0 },
      paths: ["tiers.0.minNoticeHours"],
    },
    {
      name: "a negative notice on the second tier",
      value: { tiers: [t(24, 100), t(-1, 0)], rescheduleMinNoticeHours: 0 },
      paths: ["tiers.1.minNoticeHours"],
    },
    {
      name: "a notice given as a string",
      value: { tiers: [t("24", 100), t(0, 0)], rescheduleMinNoticeHours: 0 },
      paths: ["tiers.0.minNoticeHours"],
    },
    {
      name: "a refund above 100 %",
      value: { tiers: [t(24, 101), t(0, 0)], rescheduleMinNoticeHours: 0 },
      paths: ["tiers.0.refundPercent"],
    },
    {
      name: "a negative refund on the last tier",
      value: { tiers: [t(24, 100), t(0, -1)], rescheduleMinNoticeHours: 0 },
      paths: ["tiers.1.refundPercent"],
    },
    {
      name: "a fractional refund",
      value: { tiers: [t(24, 50.5), t(0, 0)], rescheduleMinNoticeHours: 0 },
      paths: ["tiers.0.refundPercent"],
    },
    {
      name: "two tiers with the same notice",
      value: { tiers: [t(48, 100), t(48, 50), t(0, 0)], rescheduleMinNoticeHours: 0 },
      paths: ["tiers.1.minNoticeHours"],
    },
    {
      name: "an out-of-order third tier",
      value: { tiers: [t(72, 100), t(24, 50), t(30, 20), t(0, 0)], rescheduleMinNoticeHours: 0 },
      paths: ["tiers.2.minNoticeHours"],
    },
    {
      name: "a last tier above 0 h",
      value: { tiers: [t(48, 100), t(24, 50)], rescheduleMinNoticeHours: 0 },
      paths: ["tiers.1.minNoticeHours"],
    },
    {
      name: "a refund above 100 % and a last tier above 0 h",
      value: { tiers: [t(24, 101)], rescheduleMinNoticeHours: 0 },
      paths: ["tiers.0.minNoticeHours", "tiers.0.refundPercent"],
    },
    { name: "not an object", value: "100% always", paths: [""] },
  ])("rejects $name with issues at $paths", ({ value, paths }) => {
    const parsed = cancellationPolicy.safeParse(value);
    expect(parsed.success).toBe(false);
    const got = [...new Set(parsed.error?.issues.map((issue) => issue.path.join(".")))].sort();
    expect(got).toEqual(paths);
  });

  it("says why on the tier field: strictly decreasing, then the last tier at 0 h", () => {
    const same = cancellationPolicy.safeParse({
      tiers: [t(24, 100), t(24, 50), t(0, 0)],
      rescheduleMinNoticeHours: 0,
    });
    expect(same.error?.issues.map(({ path, message }) => ({ path, message }))).toEqual([
      {
        path: ["tiers", 1, "minNoticeHours"],
        message: "must be smaller than the tier before (strictly decreasing)",
      },
    ]);
    const last = cancellationPolicy.safeParse({
      tiers: [t(48, 100), t(24, 50)],
      rescheduleMinNoticeHours: 0,
    });
    expect(last.error?.issues.map(({ path, message }) => ({ path, message }))).toEqual([
      { path: ["tiers", 1, "minNoticeHours"], message: "the last tier must start at 0 hours" },
    ]);
  });

  it("agrees with policyProblems on every tier list of in-range integers (property)", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            minNoticeHours: fc.integer({ min: 0, max: 672 }),
            refundPercent: fc.integer({ min: 0, max: 100 }),
          }),
          {
            minLength: 1,
            maxLength: 5,
          },
        ),
        fc.integer({ min: 0, max: 672 }),
        (tierList, rescheduleMinNoticeHours) => {
          const value = { tiers: tierList, rescheduleMinNoticeHours };
          const problems = policyProblems(value);
          const parsed = cancellationPolicy.safeParse(value);
          expect(parsed.success).toBe(problems.length === 0);
          const paths =
            parsed.error?.issues.map((issue) => `cancellationPolicy.${issue.path.join(".")}`) ?? [];
          expect(paths).toEqual(problems.map((problem) => problem.path));
        },
      ),
      { numRuns: 300 },
    );
  });
});

/** Valid policies whose refund never falls as notice grows. */
const monotonePolicy: fc.Arbitrary<CancellationPolicy> = fc
  .record({
    hours: fc.uniqueArray(fc.integer({ min: 1, max: 672 }), { maxLength: 4 }),
    percents: fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 5, maxLength: 5 }),
    reschedule: fc.integer({ min: 0, max: 672 }),
  })
  .map(({ hours, percents, reschedule }) => {
    const notice = [...hours.sort((a, b) => b - a), 0];
    const sorted = [...percents].sort((a, b) => b - a);
    return {
      tiers: notice.map((minNoticeHours, i) => ({ minNoticeHours, refundPercent: sorted[i] ?? 0 })),
      rescheduleMinNoticeHours: reschedule,
    };
  });

const leftMs = fc.integer({ min: -2 * 24 * HOUR_MS, max: 30 * 24 * HOUR_MS });

describe("refundForCancel (properties)", () => {
  it("the generated policies are valid for the schema and policyProblems", () => {
    fc.assert(
      fc.property(monotonePolicy, (p) => {
        expect(policyProblems(p)).toEqual([]);
        expect(cancellationPolicy.safeParse(p).success).toBe(true);
        expect(parsePolicy(JSON.stringify(p))).toEqual(p);
      }),
    );
  });

  it("never refunds more than the amount nor less than 0, always floor(amount × percent / 100) of a tier's percent", () => {
    fc.assert(
      fc.property(monotonePolicy, fc.integer({ min: 0, max: 10_000_000 }), leftMs, (p, amount, left) => {
        const { refundAmount, refundPercent } = refundForCancel(p, amount, STARTS, msBefore(left));
        expect(refundAmount).toBeGreaterThanOrEqual(0);
        expect(refundAmount).toBeLessThanOrEqual(amount);
        expect(Number.isInteger(refundAmount)).toBe(true);
        expect(p.tiers.map((tier) => tier.refundPercent)).toContain(refundPercent);
        expect(refundAmount).toBe(Math.floor((amount * refundPercent) / 100));
      }),
      { numRuns: 500 },
    );
  });

  it("picks the tier with the largest minNoticeHours ≤ the hours left, the last tier once none is", () => {
    fc.assert(
      fc.property(monotonePolicy, leftMs, (p, left) => {
        const hours = left / HOUR_MS;
        const eligible = p.tiers.filter((tier) => tier.minNoticeHours <= hours);
        const expected = eligible.length
          ? eligible.reduce((a, b) => (b.minNoticeHours > a.minNoticeHours ? b : a))
          : p.tiers[p.tiers.length - 1];
        expect(tierFor(p, STARTS, msBefore(left))).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });

  it("is monotone non-decreasing in notice when the refund grows with notice", () => {
    fc.assert(
      fc.property(
        monotonePolicy,
        fc.integer({ min: 0, max: 10_000_000 }),
        leftMs,
        leftMs,
        (p, amount, a, b) => {
          const [less, more] = a <= b ? [a, b] : [b, a];
          const early = refundForCancel(p, amount, STARTS, msBefore(more));
          const late = refundForCancel(p, amount, STARTS, msBefore(less));
          expect(late.refundAmount).toBeLessThanOrEqual(early.refundAmount);
          expect(late.refundPercent).toBeLessThanOrEqual(early.refundPercent);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("is monotone at every tier boundary: 1 ms less notice never refunds more", () => {
    fc.assert(
      fc.property(monotonePolicy, fc.integer({ min: 0, max: 10_000_000 }), (p, amount) => {
        for (const tier of p.tiers) {
          const at = refundForCancel(p, amount, STARTS, msBefore(tier.minNoticeHours * HOUR_MS));
          const justUnder = refundForCancel(p, amount, STARTS, msBefore(tier.minNoticeHours * HOUR_MS - 1));
          expect(at.refundPercent).toBe(tier.refundPercent);
          expect(justUnder.refundAmount).toBeLessThanOrEqual(at.refundAmount);
        }
      }),
    );
  });
});
