import { describe, expect, it } from "vitest";
import { call, hoursFromNow, registerProvider, registerUser } from "../helpers/api";
import {
  expectError,
  expectFieldIssues,
  HOUR_MS,
  listProviderSlots,
  setSeatsTaken,
  slotBody,
} from "../helpers/fixtures";
import { world } from "../helpers/world";

const plusMinutes = (iso: string, minutes: number) =>
  new Date(Date.parse(iso) + minutes * 60_000).toISOString();

describe("POST /api/slots", () => {
  it("returns 201 with the full Slot shape", async () => {
    const provider = await registerProvider(6000, "usd");
    const startsAt = hoursFromNow(26);
    const res = await call("POST", "/api/slots", {
      token: provider.token,
      body: { startsAt, durationMinutes: 45, sessionType: "ONE_TO_ONE" },
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.any(String),
      providerId: provider.id,
      startsAt,
      endsAt: plusMinutes(startsAt, 45),
      durationMinutes: 45,
      sessionType: "ONE_TO_ONE",
      maxParticipants: 1,
      seatsTaken: 0,
      seatsLeft: 1,
      price: { amount: 4500, currency: "usd" },
      status: "OPEN",
    });
    const fetched = await call("GET", `/api/slots/${res.body.id}`, { token: provider.token });
    expect(fetched.status).toBe(200);
    expect(fetched.body).toEqual(res.body);
  });

  it("accepts a start given with a non-UTC offset and answers in UTC", async () => {
    const utc = hoursFromNow(30);
    const ms = Date.parse(utc);
    const shifted = new Date(ms + 2 * HOUR_MS).toISOString().replace(".000Z", "+02:00");
    const { slot } = await world({ slot: { startsAt: shifted } });
    expect(slot.startsAt).toBe(utc);
  });

  it("returns a GROUP slot with seatsLeft equal to maxParticipants", async () => {
    const { slot } = await world({ slot: { seats: 8 } });
    expect(slot).toMatchObject({ sessionType: "GROUP", maxParticipants: 8, seatsTaken: 0, seatsLeft: 8 });
  });

  it.each([
    [4500, 45, 3375],
    [1001, 50, 834], // 834.17
    [999, 15, 250], // 249.75
    [6000, 90, 9000],
    [6000, 15, 1500],
    [1000, 45, 750],
    [100, 15, 25],
    [2, 15, 1], // 0.5 rounds up
    [1, 15, 0], // 0.25 rounds down
    [7777, 480, 62216],
  ])("prices rate %i for %i minutes at %i (round(rate*minutes/60))", async (rate, minutes, amount) => {
    const { slot } = await world({
      hourlyRate: rate,
      currency: "eur",
      slot: { durationMinutes: minutes },
    });
    expect(slot.price).toEqual({ amount, currency: "eur" });
  });

  it.each([
    [1001, 45, 751], // 750.75
    [1001, 90, 1502], // 1501.5, halves round up
    [8000, 45, 6000], // exact
    [4500, 45, 3375], // exact
  ])(
    "re-prices an unbooked future slot when the hourly rate changes to %i (%i minutes → %i)",
    async (rate, minutes, amount) => {
      const { provider, slot, addSlot } = await world({
        hourlyRate: 6000,
        currency: "usd",
        slot: { startsInHours: 10, durationMinutes: minutes },
      });
      const put = await call("PUT", "/api/me/provider-profile", {
        token: provider.token,
        body: { hourlyRate: rate, currency: "GBP" },
      });
      expect(put.status).toBe(200);
      const after = await call("GET", `/api/slots/${slot.id}`, { token: provider.token });
      expect(after.body.price).toEqual({ amount, currency: "gbp" });
      // A newly created slot of the same length must cost the same as the re-priced one.
      const fresh = await addSlot({ startsInHours: 30, durationMinutes: minutes });
      expect(fresh.price).toEqual({ amount, currency: "gbp" });
    },
  );

  it("keeps the agreed price of a booked slot and other providers' slots when a rate changes", async () => {
    const tenHours = { startsInHours: 10, durationMinutes: 60 };
    const { provider, slot: booked } = await world({ hourlyRate: 6000, currency: "usd", slot: tenHours });
    const { provider: other, slot: foreign } = await world({
      hourlyRate: 6000,
      currency: "usd",
      slot: tenHours,
    });
    await setSeatsTaken(booked.id, 1);
    await call("PUT", "/api/me/provider-profile", {
      token: provider.token,
      body: { hourlyRate: 9000, currency: "usd" },
    });
    const after = await call("GET", `/api/slots/${booked.id}`, { token: provider.token });
    expect(after.body.price).toEqual({ amount: 6000, currency: "usd" });
    const foreignAfter = await call("GET", `/api/slots/${foreign.id}`, { token: other.token });
    expect(foreignAfter.body.price).toEqual({ amount: 6000, currency: "usd" });
  });

  it("returns 409 SLOT_IN_PAST for a start an hour ago", async () => {
    const provider = await registerProvider();
    const res = await call("POST", "/api/slots", {
      token: provider.token,
      body: slotBody({ startsAt: hoursFromNow(-1) }),
    });
    expectError(res, 409, "SLOT_IN_PAST");
  });

  it("returns 409 SLOT_BEYOND_WINDOW for a start 28 days and 1 hour ahead", async () => {
    const provider = await registerProvider();
    const res = await call("POST", "/api/slots", {
      token: provider.token,
      body: slotBody({ startsAt: hoursFromNow(28 * 24 + 1) }),
    });
    expectError(res, 409, "SLOT_BEYOND_WINDOW");
  });

  it("accepts a start about 27.9 days ahead", async () => {
    const provider = await registerProvider();
    const res = await call("POST", "/api/slots", {
      token: provider.token,
      body: slotBody({ startsAt: hoursFromNow(27.9 * 24) }),
    });
    expect(res.status).toBe(201);
  });

  it("returns 409 SLOT_OVERLAP for an overlapping slot of the same provider, with nothing written", async () => {
    const startsAt = hoursFromNow(40);
    const { provider, slot: first } = await world({ slot: { startsAt, durationMinutes: 60 } });
    const res = await call("POST", "/api/slots", {
      token: provider.token,
      body: slotBody({ startsAt: plusMinutes(startsAt, 59), durationMinutes: 30 }),
    });
    expectError(res, 409, "SLOT_OVERLAP");
    const slots = await listProviderSlots(provider.token, provider.id);
    expect(slots.map((s) => s.id)).toEqual([first.id]);
  });

  it.each([
    ["the same start", 0, 60],
    ["a start inside", 15, 15],
    ["an enclosing slot", -30, 120],
    ["a start just before the end", 59, 60],
    ["an end just after the start", -59, 60],
  ])("returns 409 SLOT_OVERLAP for %s", async (_label, offsetMinutes, duration) => {
    const startsAt = hoursFromNow(50);
    const { provider } = await world({ slot: { startsAt, durationMinutes: 60 } });
    const res = await call("POST", "/api/slots", {
      token: provider.token,
      body: slotBody({ startsAt: plusMinutes(startsAt, offsetMinutes), durationMinutes: duration }),
    });
    expectError(res, 409, "SLOT_OVERLAP");
  });

  it("accepts touching slots (one ends exactly when the next starts), on both sides", async () => {
    const startsAt = hoursFromNow(60);
    const { provider } = await world({ slot: { startsAt, durationMinutes: 60 } });
    const after = await call("POST", "/api/slots", {
      token: provider.token,
      body: slotBody({ startsAt: plusMinutes(startsAt, 60), durationMinutes: 30 }),
    });
    expect(after.status).toBe(201);
    const before = await call("POST", "/api/slots", {
      token: provider.token,
      body: slotBody({ startsAt: plusMinutes(startsAt, -45), durationMinutes: 45 }),
    });
    expect(before.status).toBe(201);
  });

  it("lets a different provider create an overlapping slot", async () => {
    const startsAt = hoursFromNow(70);
    await world({ slot: { startsAt } });
    const b = await registerProvider();
    const res = await call("POST", "/api/slots", { token: b.token, body: slotBody({ startsAt }) });
    expect(res.status).toBe(201);
  });

  it.each([
    ["ONE_TO_ONE with maxParticipants 2", { sessionType: "ONE_TO_ONE", maxParticipants: 2 }],
    ["GROUP without maxParticipants", { sessionType: "GROUP" }],
    ["GROUP with 1 seat", { sessionType: "GROUP", maxParticipants: 1 }],
    ["GROUP with 21 seats", { sessionType: "GROUP", maxParticipants: 21 }],
    ["GROUP with 0 seats", { sessionType: "GROUP", maxParticipants: 0 }],
    ["GROUP with 2.5 seats", { sessionType: "GROUP", maxParticipants: 2.5 }],
    ["an unknown sessionType", { sessionType: "WORKSHOP" }],
  ] as const)("returns 400 VALIDATION_FAILED for %s", async (_label, overrides) => {
    const provider = await registerProvider();
    const res = await call("POST", "/api/slots", {
      token: provider.token,
      body: { ...slotBody(), ...overrides },
    });
    expectFieldIssues(res);
  });

  it.each([
    ["ONE_TO_ONE with maxParticipants 1", { sessionType: "ONE_TO_ONE", maxParticipants: 1 }, 1],
    ["GROUP with 2 seats", { sessionType: "GROUP", maxParticipants: 2 }, 2],
    ["GROUP with 20 seats", { sessionType: "GROUP", maxParticipants: 20 }, 20],
  ] as const)("returns 201 for %s", async (_label, overrides, seats) => {
    const provider = await registerProvider();
    const res = await call("POST", "/api/slots", {
      token: provider.token,
      body: { ...slotBody(), ...overrides },
    });
    expect(res.status).toBe(201);
    expect(res.body.maxParticipants).toBe(seats);
    expect(res.body.seatsLeft).toBe(seats);
  });

  it.each([0, 14, 481, 30.5, -15, "60", null])(
    "returns 400 VALIDATION_FAILED for durationMinutes %s",
    async (durationMinutes) => {
      const provider = await registerProvider();
      const res = await call("POST", "/api/slots", {
        token: provider.token,
        body: { ...slotBody(), durationMinutes },
      });
      const details = expectFieldIssues(res);
      expect(details.map((d) => d.path)).toContain("durationMinutes");
    },
  );

  it.each([15, 480])("accepts durationMinutes %i", async (durationMinutes) => {
    const provider = await registerProvider();
    const res = await call("POST", "/api/slots", {
      token: provider.token,
      body: slotBody({ durationMinutes }),
    });
    expect(res.status).toBe(201);
  });

  it.each([
    ["without a zone", "2030-01-01T09:00:00"],
    ["as garbage", "tomorrow at nine"],
    ["as a date only", "2030-01-01"],
    ["as epoch milliseconds", Date.now() + 5 * HOUR_MS],
    ["with month 13", "2030-13-01T09:00:00Z"],
    ["with hour 25", "2030-01-01T25:00:00Z"],
    ["with an impossible day (February 30)", "2030-02-30T09:00:00Z"],
    ["as an empty string", ""],
  ])("returns 400 VALIDATION_FAILED for startsAt %s", async (_label, startsAt) => {
    const provider = await registerProvider();
    const res = await call("POST", "/api/slots", {
      token: provider.token,
      body: { ...slotBody(), startsAt },
    });
    const details = expectFieldIssues(res);
    expect(details.map((d) => d.path)).toContain("startsAt");
  });

  it("returns 400 VALIDATION_FAILED for a missing body", async () => {
    const provider = await registerProvider();
    expectError(await call("POST", "/api/slots", { token: provider.token }), 400, "VALIDATION_FAILED");
  });

  it("returns 403 FORBIDDEN for a student", async () => {
    const student = await registerUser("student");
    const res = await call("POST", "/api/slots", { token: student.token, body: slotBody() });
    expectError(res, 403, "FORBIDDEN");
  });

  it("returns 401 UNAUTHENTICATED without a token", async () => {
    expectError(await call("POST", "/api/slots", { body: slotBody() }), 401, "UNAUTHENTICATED");
  });

  it("returns 403 (not 409) for a student asking for a slot in the past (authorization before state)", async () => {
    const student = await registerUser("student");
    const res = await call("POST", "/api/slots", {
      token: student.token,
      body: slotBody({ startsAt: hoursFromNow(-5) }),
    });
    expectError(res, 403, "FORBIDDEN");
  });

  it.each([
    ["the same start", (_i: number) => 0],
    ["shifted starts", (i: number) => i * 5],
  ])(
    "creates exactly one of 10 concurrent overlapping creates with %s (the other 9 get 409 SLOT_OVERLAP)",
    async (_label, shift) => {
      const provider = await registerProvider();
      const base = hoursFromNow(80);
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          call("POST", "/api/slots", {
            token: provider.token,
            body: slotBody({ startsAt: plusMinutes(base, shift(i)), durationMinutes: 60 }),
          }),
        ),
      );
      const created = results.filter((r) => r.status === 201);
      const rejected = results.filter((r) => r.status !== 201);
      expect(created).toHaveLength(1);
      expect(rejected).toHaveLength(9);
      for (const res of rejected) expectError(res, 409, "SLOT_OVERLAP");
      const slots = await listProviderSlots(provider.token, provider.id);
      expect(slots).toHaveLength(1);
      expect(slots[0].id).toBe(created[0]!.body.id);
    },
  );
});

describe("GET /api/slots", () => {
  it("lists a provider's slots sorted by startsAt, whatever the creation order", async () => {
    const { provider, addSlot } = await world({ slot: false });
    const starts = [hoursFromNow(30), hoursFromNow(10), hoursFromNow(50), hoursFromNow(20)];
    for (const startsAt of starts) await addSlot({ startsAt });
    const student = await registerUser("student");
    const res = await call("GET", `/api/slots?providerId=${provider.id}`, { token: student.token });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(["slots"]);
    expect(res.body.slots.map((s: any) => s.startsAt)).toEqual([...starts].sort());
    for (const slot of res.body.slots) expect(slot.providerId).toBe(provider.id);
  });

  it("filters by from (inclusive) and to (exclusive)", async () => {
    const { provider, addSlot } = await world({ slot: false });
    const s1 = hoursFromNow(10);
    const s2 = hoursFromNow(12);
    const s3 = hoursFromNow(14);
    const s4 = hoursFromNow(16);
    for (const startsAt of [s1, s2, s3, s4]) await addSlot({ startsAt });
    const res = await call(
      "GET",
      `/api/slots?providerId=${provider.id}&from=${encodeURIComponent(s2)}&to=${encodeURIComponent(s4)}`,
      { token: provider.token },
    );
    expect(res.status).toBe(200);
    expect(res.body.slots.map((s: any) => s.startsAt)).toEqual([s2, s3]);
  });

  it("filters by from alone and by to alone", async () => {
    const { provider, addSlot } = await world({ slot: false });
    const s1 = hoursFromNow(10);
    const s2 = hoursFromNow(12);
    for (const startsAt of [s1, s2]) await addSlot({ startsAt });
    const from = await call("GET", `/api/slots?providerId=${provider.id}&from=${encodeURIComponent(s2)}`, {
      token: provider.token,
    });
    expect(from.body.slots.map((s: any) => s.startsAt)).toEqual([s2]);
    const to = await call("GET", `/api/slots?providerId=${provider.id}&to=${encodeURIComponent(s2)}`, {
      token: provider.token,
    });
    expect(to.body.slots.map((s: any) => s.startsAt)).toEqual([s1]);
  });

  it("without providerId lists slots of several providers", async () => {
    const startsAt = hoursFromNow(90);
    const { provider: a, slot: sa } = await world({ slot: { startsAt } });
    const { slot: sb } = await world({ slot: { startsAt } });
    const res = await call(
      "GET",
      `/api/slots?from=${encodeURIComponent(startsAt)}&to=${encodeURIComponent(plusMinutes(startsAt, 1))}`,
      { token: a.token },
    );
    expect(res.status).toBe(200);
    const ids = res.body.slots.map((s: any) => s.id);
    expect(ids).toContain(sa.id);
    expect(ids).toContain(sb.id);
  });

  it("returns 400 VALIDATION_FAILED when from is after to", async () => {
    const provider = await registerProvider();
    const res = await call(
      "GET",
      `/api/slots?from=${encodeURIComponent(hoursFromNow(20))}&to=${encodeURIComponent(hoursFromNow(10))}`,
      { token: provider.token },
    );
    expectFieldIssues(res);
  });

  it.each([
    ["a garbage from", "from=yesterday"],
    ["a to without zone", "to=2030-01-01T00:00:00"],
    ["a malformed providerId", "providerId=bad%20id!"],
  ])("returns 400 VALIDATION_FAILED for %s", async (_label, query) => {
    const provider = await registerProvider();
    expectFieldIssues(await call("GET", `/api/slots?${query}`, { token: provider.token }));
  });

  it("returns 401 UNAUTHENTICATED without a token", async () => {
    expectError(await call("GET", "/api/slots"), 401, "UNAUTHENTICATED");
  });
});

describe("GET /api/slots/:id", () => {
  it("returns 200 with the slot for any signed-in user", async () => {
    const { slot } = await world();
    const student = await registerUser("student");
    const res = await call("GET", `/api/slots/${slot.id}`, { token: student.token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(slot);
  });

  it("returns 404 NOT_FOUND for an unknown id", async () => {
    const provider = await registerProvider();
    expectError(
      await call("GET", "/api/slots/slot_doesnotexist", { token: provider.token }),
      404,
      "NOT_FOUND",
    );
  });

  it("returns 401 UNAUTHENTICATED without a token", async () => {
    const { slot } = await world();
    expectError(await call("GET", `/api/slots/${slot.id}`), 401, "UNAUTHENTICATED");
  });
});

describe("PATCH /api/slots/:id", () => {
  it("lets the owner change durationMinutes; price and endsAt follow", async () => {
    const { provider, slot } = await world({
      hourlyRate: 4500,
      currency: "usd",
      slot: { durationMinutes: 60 },
    });
    const res = await call("PATCH", `/api/slots/${slot.id}`, {
      token: provider.token,
      body: { durationMinutes: 45 },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: slot.id,
      startsAt: slot.startsAt,
      endsAt: plusMinutes(slot.startsAt, 45),
      durationMinutes: 45,
      price: { amount: 3375, currency: "usd" },
      status: "OPEN",
    });
    const fetched = await call("GET", `/api/slots/${slot.id}`, { token: provider.token });
    expect(fetched.body).toEqual(res.body);
  });

  it("moves the slot when startsAt changes, keeping the duration", async () => {
    const { provider, slot } = await world({ slot: { startsInHours: 24, durationMinutes: 30 } });
    const startsAt = hoursFromNow(48);
    const res = await call("PATCH", `/api/slots/${slot.id}`, { token: provider.token, body: { startsAt } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ startsAt, endsAt: plusMinutes(startsAt, 30), durationMinutes: 30 });
  });

  it("switches to GROUP with maxParticipants", async () => {
    const { provider, slot } = await world();
    const res = await call("PATCH", `/api/slots/${slot.id}`, {
      token: provider.token,
      body: { sessionType: "GROUP", maxParticipants: 6 },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ sessionType: "GROUP", maxParticipants: 6, seatsLeft: 6 });
  });

  it("returns 409 SLOT_OVERLAP when moved onto another slot, leaving it unchanged", async () => {
    const { provider, slot: a, addSlot } = await world({ slot: { startsInHours: 24, durationMinutes: 60 } });
    const b = await addSlot({ startsInHours: 30, durationMinutes: 60 });
    const res = await call("PATCH", `/api/slots/${b.id}`, {
      token: provider.token,
      body: { startsAt: plusMinutes(a.startsAt, 30) },
    });
    expectError(res, 409, "SLOT_OVERLAP");
    const after = await call("GET", `/api/slots/${b.id}`, { token: provider.token });
    expect(after.body).toEqual(b);
  });

  it("returns 409 SLOT_OVERLAP when a longer duration reaches the next slot", async () => {
    const { provider, slot: a, addSlot } = await world({ slot: { startsInHours: 24, durationMinutes: 60 } });
    await addSlot({ startsAt: plusMinutes(a.startsAt, 60), durationMinutes: 60 });
    const res = await call("PATCH", `/api/slots/${a.id}`, {
      token: provider.token,
      body: { durationMinutes: 61 },
    });
    expectError(res, 409, "SLOT_OVERLAP");
  });

  it("does not count the slot itself as an overlap", async () => {
    const { provider, slot } = await world({ slot: { durationMinutes: 60 } });
    const res = await call("PATCH", `/api/slots/${slot.id}`, {
      token: provider.token,
      body: { startsAt: plusMinutes(slot.startsAt, 30) },
    });
    expect(res.status).toBe(200);
  });

  it("returns 409 SLOT_IN_PAST when moved into the past", async () => {
    const { provider, slot } = await world();
    const res = await call("PATCH", `/api/slots/${slot.id}`, {
      token: provider.token,
      body: { startsAt: hoursFromNow(-2) },
    });
    expectError(res, 409, "SLOT_IN_PAST");
  });

  it("returns 409 SLOT_BEYOND_WINDOW when moved more than 28 days ahead", async () => {
    const { provider, slot } = await world();
    const res = await call("PATCH", `/api/slots/${slot.id}`, {
      token: provider.token,
      body: { startsAt: hoursFromNow(29 * 24) },
    });
    expectError(res, 409, "SLOT_BEYOND_WINDOW");
  });

  it("returns 403 FORBIDDEN for another provider, leaving the slot unchanged", async () => {
    const { provider: owner, slot } = await world();
    const other = await registerProvider();
    const res = await call("PATCH", `/api/slots/${slot.id}`, {
      token: other.token,
      body: { durationMinutes: 30 },
    });
    expectError(res, 403, "FORBIDDEN");
    expect((await call("GET", `/api/slots/${slot.id}`, { token: owner.token })).body).toEqual(slot);
  });

  it("returns 403 FORBIDDEN for a student", async () => {
    const { slot } = await world();
    const student = await registerUser("student");
    const res = await call("PATCH", `/api/slots/${slot.id}`, {
      token: student.token,
      body: { durationMinutes: 30 },
    });
    expectError(res, 403, "FORBIDDEN");
  });

  it("returns 401 UNAUTHENTICATED without a token", async () => {
    const { slot } = await world();
    const res = await call("PATCH", `/api/slots/${slot.id}`, { body: { durationMinutes: 30 } });
    expectError(res, 401, "UNAUTHENTICATED");
  });

  it("returns 400 VALIDATION_FAILED for an empty body", async () => {
    const { provider, slot } = await world();
    const res = await call("PATCH", `/api/slots/${slot.id}`, { token: provider.token, body: {} });
    expectFieldIssues(res);
  });

  it.each([
    ["switching to GROUP without maxParticipants", { sessionType: "GROUP" }],
    ["maxParticipants 2 on a ONE_TO_ONE slot", { maxParticipants: 2 }],
    ["GROUP with 21 seats", { sessionType: "GROUP", maxParticipants: 21 }],
    ["durationMinutes 14", { durationMinutes: 14 }],
    ["a startsAt without zone", { startsAt: "2030-01-01T09:00:00" }],
  ])("returns 400 VALIDATION_FAILED for %s", async (_label, body) => {
    const { provider, slot } = await world();
    const res = await call("PATCH", `/api/slots/${slot.id}`, { token: provider.token, body });
    expectFieldIssues(res);
    expect((await call("GET", `/api/slots/${slot.id}`, { token: provider.token })).body).toEqual(slot);
  });

  it("returns 404 NOT_FOUND for an unknown slot", async () => {
    const provider = await registerProvider();
    const res = await call("PATCH", "/api/slots/slot_doesnotexist", {
      token: provider.token,
      body: { durationMinutes: 30 },
    });
    expectError(res, 404, "NOT_FOUND");
  });

  it("returns 409 SLOT_HAS_BOOKINGS for a slot with a seat taken, leaving it unchanged", async () => {
    const { provider, slot } = await world({ slot: { seats: 4 } });
    await setSeatsTaken(slot.id, 1);
    const res = await call("PATCH", `/api/slots/${slot.id}`, {
      token: provider.token,
      body: { durationMinutes: 30 },
    });
    expectError(res, 409, "SLOT_HAS_BOOKINGS");
    const after = await call("GET", `/api/slots/${slot.id}`, { token: provider.token });
    expect(after.body.durationMinutes).toBe(slot.durationMinutes);
  });

  it("returns 403 (not 409 SLOT_HAS_BOOKINGS) for another provider on a booked slot", async () => {
    const { slot } = await world();
    const other = await registerProvider();
    await setSeatsTaken(slot.id, 1);
    const res = await call("PATCH", `/api/slots/${slot.id}`, {
      token: other.token,
      body: { durationMinutes: 30 },
    });
    expectError(res, 403, "FORBIDDEN");
  });
});

describe("DELETE /api/slots/:id", () => {
  it("returns 204, after which GET is 404 NOT_FOUND", async () => {
    const { provider, slot } = await world();
    const res = await call("DELETE", `/api/slots/${slot.id}`, { token: provider.token });
    expect(res.status).toBe(204);
    expectError(await call("GET", `/api/slots/${slot.id}`, { token: provider.token }), 404, "NOT_FOUND");
  });

  it("frees the time for a new slot", async () => {
    const { provider, slot } = await world();
    await call("DELETE", `/api/slots/${slot.id}`, { token: provider.token });
    const res = await call("POST", "/api/slots", {
      token: provider.token,
      body: slotBody({ startsAt: slot.startsAt }),
    });
    expect(res.status).toBe(201);
  });

  it("returns 403 FORBIDDEN for another provider, and the slot stays", async () => {
    const { provider: owner, slot } = await world();
    const other = await registerProvider();
    expectError(await call("DELETE", `/api/slots/${slot.id}`, { token: other.token }), 403, "FORBIDDEN");
    expect((await call("GET", `/api/slots/${slot.id}`, { token: owner.token })).status).toBe(200);
  });

  it("returns 403 FORBIDDEN for a student", async () => {
    const { slot } = await world();
    const student = await registerUser("student");
    expectError(await call("DELETE", `/api/slots/${slot.id}`, { token: student.token }), 403, "FORBIDDEN");
  });

  it("returns 404 NOT_FOUND for a missing slot", async () => {
    const provider = await registerProvider();
    expectError(
      await call("DELETE", "/api/slots/slot_doesnotexist", { token: provider.token }),
      404,
      "NOT_FOUND",
    );
  });

  it("returns 404 NOT_FOUND when deleting the same slot twice", async () => {
    const { provider, slot } = await world();
    expect((await call("DELETE", `/api/slots/${slot.id}`, { token: provider.token })).status).toBe(204);
    expectError(await call("DELETE", `/api/slots/${slot.id}`, { token: provider.token }), 404, "NOT_FOUND");
  });

  it("returns 409 SLOT_HAS_BOOKINGS for a slot with a seat taken, and the slot stays", async () => {
    const { provider, slot } = await world();
    await setSeatsTaken(slot.id, 1);
    expectError(
      await call("DELETE", `/api/slots/${slot.id}`, { token: provider.token }),
      409,
      "SLOT_HAS_BOOKINGS",
    );
    expect((await call("GET", `/api/slots/${slot.id}`, { token: provider.token })).status).toBe(200);
  });
});

describe("derived slot status", () => {
  it("shows a ONE_TO_ONE slot with its seat taken as FULL with seatsLeft 0", async () => {
    const { provider, slot } = await world();
    await setSeatsTaken(slot.id, 1);
    const res = await call("GET", `/api/slots/${slot.id}`, { token: provider.token });
    expect(res.body).toMatchObject({ status: "FULL", seatsTaken: 1, seatsLeft: 0, maxParticipants: 1 });
    const listed = (await listProviderSlots(provider.token, provider.id)).find((s) => s.id === slot.id);
    expect(listed).toMatchObject({ status: "FULL", seatsLeft: 0 });
  });

  it("keeps a GROUP slot with seats left OPEN and counts seatsLeft down", async () => {
    const { provider, slot } = await world({ slot: { seats: 3 } });
    await setSeatsTaken(slot.id, 2);
    const res = await call("GET", `/api/slots/${slot.id}`, { token: provider.token });
    expect(res.body).toMatchObject({ status: "OPEN", seatsTaken: 2, seatsLeft: 1 });
    await setSeatsTaken(slot.id, 3);
    const full = await call("GET", `/api/slots/${slot.id}`, { token: provider.token });
    expect(full.body).toMatchObject({ status: "FULL", seatsTaken: 3, seatsLeft: 0 });
  });
});
