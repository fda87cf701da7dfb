import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, registerProvider } from "../helpers/api";
import { DAILY_CRON as DAILY, FREQUENT_CRON as FREQUENT, runCron } from "../helpers/cron";
import {
  DAY_MS,
  daily,
  HOUR_MS,
  insertSlotRow,
  listProviderSlots,
  setSeatsTaken,
  slotRowExists,
} from "../helpers/fixtures";

async function patternSlotStarts(patternId: string): Promise<number[]> {
  const { results } = await env.DB.prepare(
    "SELECT starts_at FROM slots WHERE pattern_id = ? ORDER BY starts_at",
  )
    .bind(patternId)
    .all<{ starts_at: number }>();
  return results.map((r) => r.starts_at);
}

async function createDailyPattern(token: string, startTime: string) {
  const res = await call("POST", "/api/availability-patterns", {
    token,
    body: { timezone: "UTC", weekly: daily(startTime), durationMinutes: 60, sessionType: "ONE_TO_ONE" },
  });
  expect(res.status).toBe(201);
  expect(res.body.createdSlots.length).toBe(28);
  return res.body as { pattern: { id: string }; createdSlots: any[] };
}

/** Simulates a pattern created a while ago: only materialized up to `until`, nothing after it. */
async function rewindPattern(patternId: string, until: number) {
  await env.DB.prepare("UPDATE availability_patterns SET materialized_until = ? WHERE id = ?")
    .bind(until, patternId)
    .run();
  await env.DB.prepare("DELETE FROM slots WHERE pattern_id = ? AND starts_at > ?")
    .bind(patternId, until)
    .run();
}

describe("scheduled: */5 cleanup of ended slots", () => {
  it("removes ended unbooked slots and keeps ended booked, running and future ones", async () => {
    const provider = await registerProvider();
    const now = Date.now();
    const endedUnbooked = await insertSlotRow(provider.id, now - 3 * HOUR_MS, 60);
    const endedBooked = await insertSlotRow(provider.id, now - 5 * HOUR_MS, 60, 1);
    const running = await insertSlotRow(provider.id, now - 30 * 60_000, 60);
    const futureUnbooked = await insertSlotRow(provider.id, now + 5 * HOUR_MS, 60);

    await runCron(FREQUENT);

    expect(await slotRowExists(endedUnbooked)).toBe(false);
    expect(await slotRowExists(endedBooked)).toBe(true);
    expect(await slotRowExists(running)).toBe(true);
    expect(await slotRowExists(futureUnbooked)).toBe(true);
  });

  it("also cleans up on the daily cron, and a second run changes nothing", async () => {
    const provider = await registerProvider();
    const now = Date.now();
    const endedUnbooked = await insertSlotRow(provider.id, now - 2 * DAY_MS, 45);
    const endedBooked = await insertSlotRow(provider.id, now - 2 * DAY_MS + 2 * HOUR_MS, 45, 1);
    await runCron(DAILY);
    expect(await slotRowExists(endedUnbooked)).toBe(false);
    expect(await slotRowExists(endedBooked)).toBe(true);
    await runCron(FREQUENT);
    expect(await slotRowExists(endedBooked)).toBe(true);
  });

  it("does not touch slots on an unknown cron expression", async () => {
    const provider = await registerProvider();
    const ended = await insertSlotRow(provider.id, Date.now() - 3 * HOUR_MS, 60);
    await runCron("0 12 * * 1");
    expect(await slotRowExists(ended)).toBe(true);
  });
});

describe("scheduled: daily top-up of patterns", () => {
  it("re-creates the pattern's slots beyond materialized_until, without duplicates", async () => {
    const provider = await registerProvider();
    const { pattern, createdSlots } = await createDailyPattern(provider.token, "13:00");
    const original = createdSlots.map((s) => Date.parse(s.startsAt)).sort((a, b) => a - b);
    const cut = Date.now() + 7 * DAY_MS;
    await rewindPattern(pattern.id, cut);
    const kept = await patternSlotStarts(pattern.id);
    expect(kept.length).toBeLessThan(original.length);
    expect(kept.every((t) => t <= cut)).toBe(true);

    await runCron(DAILY);

    const after = await patternSlotStarts(pattern.id);
    expect(after).toEqual(original);
    expect(new Set(after).size).toBe(after.length);
    expect(after.filter((t) => t > cut).length).toBeGreaterThanOrEqual(20);
    const listed = await listProviderSlots(provider.token, provider.id);
    expect(listed).toHaveLength(original.length);
    expect(listed.every((s) => s.patternId === pattern.id && s.status === "OPEN")).toBe(true);
  });

  it("creates nothing new when the daily cron runs twice", async () => {
    const provider = await registerProvider();
    const { pattern } = await createDailyPattern(provider.token, "14:00");
    await rewindPattern(pattern.id, Date.now() + 7 * DAY_MS);
    await runCron(DAILY);
    const first = await patternSlotStarts(pattern.id);
    await runCron(DAILY);
    const second = await patternSlotStarts(pattern.id);
    expect(second).toEqual(first);
    expect(second).toHaveLength(28);
  });

  it("creates nothing for a fully materialized pattern", async () => {
    const provider = await registerProvider();
    const { pattern, createdSlots } = await createDailyPattern(provider.token, "15:00");
    await runCron(DAILY);
    expect(await patternSlotStarts(pattern.id)).toHaveLength(createdSlots.length);
  });

  it("does not re-create a slot the provider deleted within the already-materialized range", async () => {
    const provider = await registerProvider();
    const { pattern, createdSlots } = await createDailyPattern(provider.token, "16:00");
    const cut = Date.now() + 7 * DAY_MS;
    const victim = createdSlots.find((s) => Date.parse(s.startsAt) > Date.now() + 2 * DAY_MS)!;
    expect(Date.parse(victim.startsAt)).toBeLessThan(cut);
    const del = await call("DELETE", `/api/slots/${victim.id}`, { token: provider.token });
    expect(del.status).toBe(204);
    await rewindPattern(pattern.id, cut);

    await runCron(DAILY);

    const after = await patternSlotStarts(pattern.id);
    expect(after).not.toContain(Date.parse(victim.startsAt));
    expect(after).toHaveLength(createdSlots.length - 1);
  });

  it("skips a top-up start that clashes with a slot the provider created meanwhile", async () => {
    const provider = await registerProvider();
    const { pattern, createdSlots } = await createDailyPattern(provider.token, "17:00");
    const cut = Date.now() + 7 * DAY_MS;
    await rewindPattern(pattern.id, cut);
    const target = createdSlots.map((s) => Date.parse(s.startsAt)).find((t) => t > cut + DAY_MS)!;
    const manual = await call("POST", "/api/slots", {
      token: provider.token,
      body: {
        startsAt: new Date(target - 30 * 60_000).toISOString(),
        durationMinutes: 60,
        sessionType: "ONE_TO_ONE",
      },
    });
    expect(manual.status).toBe(201);

    await runCron(DAILY);

    const after = await patternSlotStarts(pattern.id);
    expect(after).not.toContain(target);
    expect(after).toHaveLength(createdSlots.length - 1);
    const listed = await listProviderSlots(provider.token, provider.id);
    for (let i = 1; i < listed.length; i++) {
      expect(Date.parse(listed[i].startsAt)).toBeGreaterThanOrEqual(Date.parse(listed[i - 1].endsAt));
    }
  });

  it("does not top up a deleted pattern", async () => {
    const provider = await registerProvider();
    const { pattern } = await createDailyPattern(provider.token, "18:00");
    const booked = (await listProviderSlots(provider.token, provider.id))[0]!;
    await setSeatsTaken(booked.id, 1);
    await rewindPattern(pattern.id, Date.now() + 7 * DAY_MS);
    const del = await call("DELETE", `/api/availability-patterns/${pattern.id}`, { token: provider.token });
    expect(del.status).toBe(204);

    await runCron(DAILY);

    const listed = await listProviderSlots(provider.token, provider.id);
    expect(listed.map((s) => s.id)).toEqual([booked.id]);
  });
});
