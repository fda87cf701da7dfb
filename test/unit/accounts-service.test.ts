import { describe, expect, it } from "vitest";
import type { AccountRecords, AuthSessionRow } from "../../src/db/account-records";
import type { Records } from "../../src/db/records";
import type { ProviderProfileRow, UserRow } from "../../src/db/schema";
import type { Deps } from "../../src/deps";
import {
  findUserBySessionToken,
  login,
  register,
  SESSION_TTL_MS,
  saveProviderProfile,
  updateMe,
} from "../../src/services/accounts";

/** In-memory AccountRecords keeping the interface's invariants (unique email, session only with its user). */
function fakeAccounts() {
  const users = new Map<string, UserRow>();
  const sessions = new Map<string, AuthSessionRow>();
  const profiles = new Map<string, ProviderProfileRow>();
  const userUpdates: string[] = [];
  const records: AccountRecords = {
    async insertUserWithSession(user, session) {
      if ([...users.values()].some((u) => u.email === user.email)) return false;
      users.set(user.id, user);
      sessions.set(session.tokenHash, session);
      return true;
    },
    async findUserByEmail(email) {
      return [...users.values()].find((u) => u.email === email);
    },
    async insertSession(session) {
      sessions.set(session.tokenHash, session);
    },
    async deleteSession(tokenHash) {
      sessions.delete(tokenHash);
    },
    async findUserBySession(tokenHash, now) {
      const session = sessions.get(tokenHash);
      return session && session.expiresAt > now ? users.get(session.userId) : undefined;
    },
    async updateUser(userId, changes) {
      if (Object.keys(changes).length === 0) return;
      userUpdates.push(userId);
      const user = users.get(userId);
      if (user) users.set(userId, { ...user, ...changes });
    },
    async findProviderProfile(userId) {
      return profiles.get(userId);
    },
    async saveProfileRepricingOpenSlots(profile) {
      profiles.set(profile.userId, profile);
    },
    async listProviders() {
      return [...users.values()]
        .filter((u) => u.role === "provider")
        .map((user) => ({ user, profile: profiles.get(user.id) ?? null }));
    },
  };
  return { records, users, sessions, profiles, userUpdates };
}

/** The account services touch only the clock and their repository. */
function depsWith(accounts: AccountRecords, now: number): Deps {
  const records = { accounts } as Partial<Records> as Records;
  return { now: () => now, records } as Partial<Deps> as Deps;
}

const NOW = Date.parse("2030-01-01T00:00:00Z");
const input = (email: string) => ({
  email,
  password: "correct horse battery",
  name: "Ada",
  role: "student" as const,
  timezone: "Europe/Berlin",
});

describe("accounts service over a fake repository", () => {
  it("registers a user with a session that ends SESSION_TTL_MS later", async () => {
    const fake = fakeAccounts();
    const { user, token } = await register(depsWith(fake.records, NOW), input("ada@example.test"));
    expect(user).toMatchObject({ email: "ada@example.test", role: "student", timezone: "Europe/Berlin" });
    const [session] = [...fake.sessions.values()];
    expect(session).toMatchObject({ userId: user.id, createdAt: NOW, expiresAt: NOW + SESSION_TTL_MS });
    expect(await findUserBySessionToken(depsWith(fake.records, NOW), token)).toEqual(user);
    expect(await findUserBySessionToken(depsWith(fake.records, NOW + SESSION_TTL_MS), token)).toBeUndefined();
  });

  it("rejects a second sign-up with the same email with EMAIL_TAKEN", async () => {
    const fake = fakeAccounts();
    const deps = depsWith(fake.records, NOW);
    await register(deps, input("dup@example.test"));
    await expect(register(deps, input("dup@example.test"))).rejects.toMatchObject({ code: "EMAIL_TAKEN" });
    expect(fake.users.size).toBe(1);
  });

  it("answers INVALID_CREDENTIALS for a wrong password and for an unknown email alike", async () => {
    const fake = fakeAccounts();
    const deps = depsWith(fake.records, NOW);
    await register(deps, input("bob@example.test"));
    await expect(login(deps, "bob@example.test", "wrong password")).rejects.toMatchObject({
      code: "INVALID_CREDENTIALS",
    });
    await expect(login(deps, "nobody@example.test", "correct horse battery")).rejects.toMatchObject({
      code: "INVALID_CREDENTIALS",
    });
    const { token } = await login(deps, "bob@example.test", "correct horse battery");
    expect((await findUserBySessionToken(deps, token))?.email).toBe("bob@example.test");
  });

  it("writes nothing when updateMe gets no changes", async () => {
    const fake = fakeAccounts();
    const deps = depsWith(fake.records, NOW);
    const { user } = await register(deps, input("cy@example.test"));
    expect(await updateMe(deps, user, {})).toEqual(user);
    expect(fake.userUpdates).toEqual([]);
    expect(await updateMe(deps, user, { name: "Cy", timezone: undefined })).toEqual({ ...user, name: "Cy" });
    expect(fake.users.get(user.id)?.name).toBe("Cy");
  });

  it("saves a provider profile stamped with the clock, bio null when absent", async () => {
    const fake = fakeAccounts();
    const profile = await saveProviderProfile(depsWith(fake.records, NOW), "usr_p", {
      hourlyRate: 4000,
      currency: "eur",
    });
    expect(profile).toEqual({
      userId: "usr_p",
      hourlyRate: 4000,
      currency: "eur",
      bio: null,
      cancellationPolicy: { tiers: [{ minNoticeHours: 0, refundPercent: 100 }], rescheduleMinNoticeHours: 0 },
      updatedAt: "2030-01-01T00:00:00.000Z",
    });
    expect(fake.profiles.get("usr_p")?.updatedAt).toBe(NOW);
  });

  it("keeps the policy in force when a later save sends none, and replaces it when one is sent", async () => {
    const fake = fakeAccounts();
    const deps = depsWith(fake.records, NOW);
    const policy = {
      tiers: [
        { minNoticeHours: 24, refundPercent: 100 },
        { minNoticeHours: 0, refundPercent: 0 },
      ],
      rescheduleMinNoticeHours: 12,
    };
    await saveProviderProfile(deps, "usr_p", {
      hourlyRate: 4000,
      currency: "eur",
      cancellationPolicy: policy,
    });
    const kept = await saveProviderProfile(deps, "usr_p", { hourlyRate: 5000, currency: "eur" });
    expect(kept.cancellationPolicy).toEqual(policy);
    const replaced = await saveProviderProfile(deps, "usr_p", {
      hourlyRate: 5000,
      currency: "eur",
      cancellationPolicy: { tiers: [{ minNoticeHours: 0, refundPercent: 50 }], rescheduleMinNoticeHours: 0 },
    });
    expect(replaced.cancellationPolicy.tiers).toEqual([{ minNoticeHours: 0, refundPercent: 50 }]);
  });
});
