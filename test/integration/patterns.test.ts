import { describe, expect, it } from "vitest";
import { call, registerProvider, registerUser } from "../helpers/api";
import {
  DAY_MS,
  daily,
  expectError,
  expectFieldIssues,
  HOUR_MS,
  listProviderSlots,
  localParts,
  setSeatsTaken,
  WINDOW_MS,
} from "../helpers/fixtures";
import { world } from "../helpers/world";

interface PatternBody {
  timezone: string;
  weekly: { weekday: number; startTime: string }[];
  durationMinutes: number;
  sessionType: "ONE_TO_ONE" | "GROUP";
  maxParticipants?: number;
  startsOn?: string;
  endsOn?: string;
}

function patternBody(overrides: Partial<PatternBody> = {}): PatternBody {
  return {
    timezone: "UTC",
    weekly: daily("10:00"),
    durationMinutes: 60,
    sessionType: "ONE_TO_ONE",
    ...overrides,
  };
}

async function createPattern(token: string, overrides: Partial<PatternBody> = {}) {
  const before = Date.now();
  const res = await call("POST", "/api/availability-patterns", { token, body: patternBody(overrides) });
  const after = Date.now();
  if (res.status !== 201) throw new Error(`create pattern failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { ...res.body, before, after } as {
    pattern: any;
    createdSlots: any[];
    skipped: { startsAt: string; reason: string }[];
    before: number;
    after: number;
  };
}

/** The next instant at hh:00 UTC that is at least `minHours` from now. */
function nextUtcHour(hour: number, minHours: number): number {
  const d = new Date(Date.now() + minHours * HOUR_MS);
  let candidate = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), hour);
  while (candidate < Date.now() + minHours * HOUR_MS) candidate += DAY_MS;
  return candidate;
}

describe("POST /api/availability-patterns", () => {
  it("returns 201 {pattern, createdSlots, skipped} echoing the pattern", async () => {
    const provider = await registerProvider(6000, "usd");
    const body = patternBody({ weekly: [{ weekday: 2, startTime: "14:30" }], durationMinutes: 45 });
    const res = await call("POST", "/api/availability-patterns", { token: provider.token, body });
    expect(res.status).toBe(201);
    expect(Object.keys(res.body).sort()).toEqual(["createdSlots", "pattern", "skipped"]);
    expect(res.body.pattern).toMatchObject({
      id: expect.any(String),
      providerId: provider.id,
      timezone: "UTC",
      weekly: [{ weekday: 2, startTime: "14:30" }],
      durationMinutes: 45,
      sessionType: "ONE_TO_ONE",
      maxParticipants: 1,
    });
    expect(res.body.skipped).toEqual([]);
    for (const slot of res.body.createdSlots) {
      expect(slot).toEqual({
        id: expect.any(String),
        providerId: provider.id,
        startsAt: expect.any(String),
        endsAt: new Date(Date.parse(slot.startsAt) + 45 * 60_000).toISOString(),
        durationMinutes: 45,
        sessionType: "ONE_TO_ONE",
        maxParticipants: 1,
        seatsTaken: 0,
        seatsLeft: 1,
        price: { amount: 4500, currency: "usd" },
        status: "OPEN",
        patternId: res.body.pattern.id,
      });
    }
  });

  it("creates exactly 28 daily slots in a UTC window of 28 days, all tagged with the pattern, none in the past or beyond", async () => {
    const provider = await registerProvider();
    const result = await createPattern(provider.token, { weekly: daily("10:00") });
    expect(result.createdSlots).toHaveLength(28);
    expect(result.skipped).toEqual([]);
    for (const slot of result.createdSlots) {
      expect(slot.patternId).toBe(result.pattern.id);
      const start = Date.parse(slot.startsAt);
      expect(start).toBeGreaterThanOrEqual(result.before);
      expect(start).toBeLessThanOrEqual(result.after + WINDOW_MS);
      expect(slot.startsAt).toMatch(/T10:00:00\.000Z$/);
    }
    const listed = await listProviderSlots(provider.token, provider.id);
    expect(listed.map((s) => s.id).sort()).toEqual(result.createdSlots.map((s) => s.id).sort());
    expect(listed.every((s) => s.patternId === result.pattern.id)).toBe(true);
  });

  it.each(["Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Sydney"])(
    "creates about 28 daily slots at the requested wall-clock time in %s, one per local day",
    async (timezone) => {
      const provider = await registerProvider();
      const result = await createPattern(provider.token, { timezone, weekly: daily("18:30") });
      expect(result.createdSlots.length).toBeGreaterThanOrEqual(27);
      expect(result.createdSlots.length).toBeLessThanOrEqual(29);
      const dates = new Set<string>();
      for (const slot of result.createdSlots) {
        const local = localParts(slot.startsAt, timezone);
        expect(local.time).toBe("18:30");
        dates.add(local.date);
        const start = Date.parse(slot.startsAt);
        expect(start).toBeGreaterThanOrEqual(result.before);
        expect(start).toBeLessThanOrEqual(result.after + WINDOW_MS);
      }
      expect(dates.size).toBe(result.createdSlots.length);
    },
  );

  it.each(["Europe/Berlin", "America/New_York"])(
    "keeps 09:00 local in %s on every generated day (wall-clock, not a fixed UTC offset)",
    async (timezone) => {
      const provider = await registerProvider();
      const result = await createPattern(provider.token, { timezone, weekly: daily("09:00") });
      expect(result.createdSlots.length).toBeGreaterThan(0);
      const times = new Set(result.createdSlots.map((s) => localParts(s.startsAt, timezone).time));
      expect([...times]).toEqual(["09:00"]);
    },
  );

  it("creates only the requested weekdays (Mon and Wed: 8 slots in 28 days)", async () => {
    const provider = await registerProvider();
    const result = await createPattern(provider.token, {
      weekly: [
        { weekday: 1, startTime: "08:00" },
        { weekday: 3, startTime: "16:45" },
      ],
    });
    expect(result.createdSlots).toHaveLength(8);
    for (const slot of result.createdSlots) {
      const local = localParts(slot.startsAt, "UTC");
      expect([
        { weekday: 1, time: "08:00" },
        { weekday: 3, time: "16:45" },
      ]).toContainEqual({ weekday: local.weekday, time: local.time });
    }
  });

  it("creates GROUP slots with the pattern's seats", async () => {
    const provider = await registerProvider();
    const result = await createPattern(provider.token, {
      weekly: [{ weekday: 5, startTime: "12:00" }],
      sessionType: "GROUP",
      maxParticipants: 5,
    });
    expect(result.pattern.maxParticipants).toBe(5);
    expect(result.createdSlots.length).toBeGreaterThan(0);
    for (const slot of result.createdSlots) {
      expect(slot).toMatchObject({ sessionType: "GROUP", maxParticipants: 5, seatsLeft: 5 });
    }
  });

  it("lists a start that clashes with an existing slot in skipped with a SLOT_OVERLAP reason, and creates the rest", async () => {
    const clashStart = nextUtcHour(10, 48);
    const {
      provider,
      slot: existing,
      addSlot,
    } = await world({
      slot: { startsAt: new Date(clashStart - 30 * 60_000).toISOString(), durationMinutes: 60 },
    });
    // Touching, not overlapping: ends exactly at the next day's 10:00.
    const touching = await addSlot({
      startsAt: new Date(clashStart + DAY_MS - HOUR_MS).toISOString(),
      durationMinutes: 60,
    });
    const result = await createPattern(provider.token, { weekly: daily("10:00") });
    const clashIso = new Date(clashStart).toISOString();
    expect(result.skipped).toHaveLength(1);
    expect(result.skipped[0]!.startsAt).toBe(clashIso);
    expect(result.skipped[0]!.reason).toMatch(/^SLOT_OVERLAP/);
    expect(result.createdSlots).toHaveLength(27);
    expect(result.createdSlots.map((s) => s.startsAt)).not.toContain(clashIso);
    expect(result.createdSlots.map((s) => s.startsAt)).toContain(new Date(clashStart + DAY_MS).toISOString());
    const listed = await listProviderSlots(provider.token, provider.id);
    expect(listed).toHaveLength(29);
    expect(listed.map((s) => s.id)).toEqual(expect.arrayContaining([existing.id, touching.id]));
  });

  it("skips starts that clash with another weekly entry of the same pattern", async () => {
    const provider = await registerProvider();
    // One full week well inside the window: exactly one Thursday.
    const result = await createPattern(provider.token, {
      weekly: [
        { weekday: 4, startTime: "10:00" },
        { weekday: 4, startTime: "10:30" },
      ],
      durationMinutes: 60,
      startsOn: localParts(Date.now() + 2 * DAY_MS, "UTC").date,
      endsOn: localParts(Date.now() + 8 * DAY_MS, "UTC").date,
    });
    expect(result.createdSlots).toHaveLength(1);
    expect(result.createdSlots[0]!.startsAt).toMatch(/T10:00:00\.000Z$/);
    expect(result.skipped).toHaveLength(1);
    expect(result.skipped[0]!.startsAt).toMatch(/T10:30:00\.000Z$/);
    expect(result.skipped[0]!.reason).toMatch(/^SLOT_OVERLAP/);
  });

  it("limits the range to startsOn..endsOn, endsOn inclusive, as dates in the pattern's zone", async () => {
    const provider = await registerProvider();
    const timezone = "America/New_York";
    const startsOn = localParts(Date.now() + 3 * DAY_MS, timezone).date;
    const endsOn = localParts(Date.now() + 9 * DAY_MS, timezone).date;
    // 00:15 and 23:30 local are on a different UTC date than the local one in New York.
    const result = await createPattern(provider.token, {
      timezone,
      weekly: [...daily("00:15"), ...daily("23:30")],
      durationMinutes: 30,
      startsOn,
      endsOn,
    });
    expect(result.pattern).toMatchObject({ startsOn, endsOn });
    expect(result.skipped).toEqual([]);
    expect(result.createdSlots).toHaveLength(14);
    const byDate = new Map<string, string[]>();
    for (const slot of result.createdSlots) {
      const local = localParts(slot.startsAt, timezone);
      expect(local.date >= startsOn && local.date <= endsOn).toBe(true);
      byDate.set(local.date, [...(byDate.get(local.date) ?? []), local.time]);
    }
    expect(byDate.size).toBe(7);
    expect(byDate.get(startsOn)).toEqual(["00:15", "23:30"]);
    expect(byDate.get(endsOn)).toEqual(["00:15", "23:30"]);
  });

  it("creates one day of slots when startsOn equals endsOn", async () => {
    const provider = await registerProvider();
    const day = localParts(Date.now() + 5 * DAY_MS, "Europe/Berlin").date;
    const result = await createPattern(provider.token, {
      timezone: "Europe/Berlin",
      weekly: daily("07:00"),
      startsOn: day,
      endsOn: day,
    });
    expect(result.createdSlots).toHaveLength(1);
    expect(localParts(result.createdSlots[0]!.startsAt, "Europe/Berlin")).toMatchObject({
      date: day,
      time: "07:00",
    });
  });

  it("creates nothing (201) for a range that lies entirely in the past", async () => {
    const provider = await registerProvider();
    const result = await createPattern(provider.token, {
      startsOn: localParts(Date.now() - 10 * DAY_MS, "UTC").date,
      endsOn: localParts(Date.now() - 3 * DAY_MS, "UTC").date,
    });
    expect(result.createdSlots).toEqual([]);
    expect(await listProviderSlots(provider.token, provider.id)).toEqual([]);
  });

  it("returns 400 VALIDATION_FAILED when endsOn is before startsOn", async () => {
    const provider = await registerProvider();
    const res = await call("POST", "/api/availability-patterns", {
      token: provider.token,
      body: patternBody({
        startsOn: localParts(Date.now() + 5 * DAY_MS, "UTC").date,
        endsOn: localParts(Date.now() + 2 * DAY_MS, "UTC").date,
      }),
    });
    const details = expectFieldIssues(res);
    expect(details.map((d) => d.path)).toContain("endsOn");
  });

  it.each([
    ["weekday 0", { weekly: [{ weekday: 0, startTime: "10:00" }] }],
    ["weekday 8", { weekly: [{ weekday: 8, startTime: "10:00" }] }],
    ["weekday 1.5", { weekly: [{ weekday: 1.5, startTime: "10:00" }] }],
    ["startTime 24:00", { weekly: [{ weekday: 1, startTime: "24:00" }] }],
    ["startTime 9:00", { weekly: [{ weekday: 1, startTime: "9:00" }] }],
    ["startTime 09:60", { weekly: [{ weekday: 1, startTime: "09:60" }] }],
    ["startTime 09:00:00", { weekly: [{ weekday: 1, startTime: "09:00:00" }] }],
    ["an unknown zone", { timezone: "Mars/Olympus" }],
    ["an offset as zone", { timezone: "+01:00" }],
    ["an empty weekly", { weekly: [] }],
    ["the same weekday and time twice", { weekly: [...daily("10:00"), { weekday: 1, startTime: "10:00" }] }],
    ["durationMinutes 14", { durationMinutes: 14 }],
    ["GROUP without maxParticipants", { sessionType: "GROUP" }],
    ["GROUP with 21 seats", { sessionType: "GROUP", maxParticipants: 21 }],
    ["ONE_TO_ONE with 2 seats", { sessionType: "ONE_TO_ONE", maxParticipants: 2 }],
    ["an impossible startsOn", { startsOn: "2030-02-30" }],
    ["a startsOn with a time", { startsOn: "2030-01-01T00:00:00Z" }],
  ] as [string, Partial<PatternBody>][])(
    "returns 400 VALIDATION_FAILED for %s, creating nothing",
    async (_label, overrides) => {
      const provider = await registerProvider();
      const res = await call("POST", "/api/availability-patterns", {
        token: provider.token,
        body: { ...patternBody(), ...overrides },
      });
      expectFieldIssues(res);
      expect(await listProviderSlots(provider.token, provider.id)).toEqual([]);
      const patterns = await call("GET", "/api/availability-patterns", { token: provider.token });
      expect(patterns.body.patterns).toEqual([]);
    },
  );

  it("returns 403 FORBIDDEN for a student", async () => {
    const student = await registerUser("student");
    const res = await call("POST", "/api/availability-patterns", {
      token: student.token,
      body: patternBody(),
    });
    expectError(res, 403, "FORBIDDEN");
  });

  it("returns 401 UNAUTHENTICATED without a token", async () => {
    expectError(
      await call("POST", "/api/availability-patterns", { body: patternBody() }),
      401,
      "UNAUTHENTICATED",
    );
  });
});

describe("GET /api/availability-patterns", () => {
  it("lists only the caller's own patterns", async () => {
    const a = await registerProvider();
    const b = await registerProvider();
    const a1 = await createPattern(a.token, { weekly: [{ weekday: 1, startTime: "08:00" }] });
    const a2 = await createPattern(a.token, { weekly: [{ weekday: 2, startTime: "08:00" }] });
    const b1 = await createPattern(b.token, { weekly: [{ weekday: 1, startTime: "08:00" }] });
    const resA = await call("GET", "/api/availability-patterns", { token: a.token });
    expect(resA.status).toBe(200);
    expect(resA.body.patterns.map((p: any) => p.id).sort()).toEqual([a1.pattern.id, a2.pattern.id].sort());
    expect(resA.body.patterns.find((p: any) => p.id === a1.pattern.id)).toMatchObject({
      providerId: a.id,
      timezone: "UTC",
      weekly: [{ weekday: 1, startTime: "08:00" }],
      durationMinutes: 60,
      sessionType: "ONE_TO_ONE",
    });
    const resB = await call("GET", "/api/availability-patterns", { token: b.token });
    expect(resB.body.patterns.map((p: any) => p.id)).toEqual([b1.pattern.id]);
  });

  it("returns 401 UNAUTHENTICATED without a token", async () => {
    expectError(await call("GET", "/api/availability-patterns"), 401, "UNAUTHENTICATED");
  });
});

describe("DELETE /api/availability-patterns/:id", () => {
  it("returns 204 and removes the pattern and its future unbooked slots", async () => {
    const { provider, slot: manual } = await world({
      slot: { startsAt: new Date(nextUtcHour(15, 30)).toISOString() },
    });
    const result = await createPattern(provider.token, { weekly: daily("11:00") });
    expect(result.createdSlots.length).toBeGreaterThan(20);
    const res = await call("DELETE", `/api/availability-patterns/${result.pattern.id}`, {
      token: provider.token,
    });
    expect(res.status).toBe(204);
    const patterns = await call("GET", "/api/availability-patterns", { token: provider.token });
    expect(patterns.body.patterns.map((p: any) => p.id)).not.toContain(result.pattern.id);
    const listed = await listProviderSlots(provider.token, provider.id);
    expect(listed.filter((s) => s.patternId === result.pattern.id)).toEqual([]);
    expect(listed.map((s) => s.id)).toEqual([manual.id]);
  });

  it("keeps a booked slot of the pattern, with its patternId gone", async () => {
    const provider = await registerProvider();
    const result = await createPattern(provider.token, { weekly: daily("12:00") });
    const booked = result.createdSlots[2]!;
    await setSeatsTaken(booked.id, 1);
    expect(
      (await call("DELETE", `/api/availability-patterns/${result.pattern.id}`, { token: provider.token }))
        .status,
    ).toBe(204);
    const listed = await listProviderSlots(provider.token, provider.id);
    expect(listed).toHaveLength(1);
    expect(listed[0]!.id).toBe(booked.id);
    expect(listed[0]!).not.toHaveProperty("patternId");
    expect(listed[0]!).toMatchObject({ seatsTaken: 1, status: "FULL", startsAt: booked.startsAt });
  });

  it("returns 403 FORBIDDEN for another provider's pattern, which stays with its slots", async () => {
    const owner = await registerProvider();
    const other = await registerProvider();
    const result = await createPattern(owner.token, { weekly: [{ weekday: 3, startTime: "09:00" }] });
    const res = await call("DELETE", `/api/availability-patterns/${result.pattern.id}`, {
      token: other.token,
    });
    expectError(res, 403, "FORBIDDEN");
    const patterns = await call("GET", "/api/availability-patterns", { token: owner.token });
    expect(patterns.body.patterns.map((p: any) => p.id)).toContain(result.pattern.id);
    expect(await listProviderSlots(owner.token, owner.id)).toHaveLength(result.createdSlots.length);
  });

  it("returns 403 FORBIDDEN for a student", async () => {
    const owner = await registerProvider();
    const student = await registerUser("student");
    const result = await createPattern(owner.token, { weekly: [{ weekday: 3, startTime: "09:00" }] });
    const res = await call("DELETE", `/api/availability-patterns/${result.pattern.id}`, {
      token: student.token,
    });
    expectError(res, 403, "FORBIDDEN");
  });

  it("returns 404 NOT_FOUND for a missing pattern", async () => {
    const provider = await registerProvider();
    const res = await call("DELETE", "/api/availability-patterns/pat_doesnotexist", {
      token: provider.token,
    });
    expectError(res, 404, "NOT_FOUND");
  });

  it("returns 404 NOT_FOUND when deleting the same pattern twice", async () => {
    const provider = await registerProvider();
    const result = await createPattern(provider.token, { weekly: [{ weekday: 6, startTime: "09:00" }] });
    const path = `/api/availability-patterns/${result.pattern.id}`;
    expect((await call("DELETE", path, { token: provider.token })).status).toBe(204);
    expectError(await call("DELETE", path, { token: provider.token }), 404, "NOT_FOUND");
  });
});
