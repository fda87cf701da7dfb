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
import { matchesText } from "../../src/services/tutor-directory";
import { headline, languageList, subjectList } from "../../src/services/tutor-fields";
import {
  checkPhoto,
  type PhotoStore,
  readPhoto,
  readPhotoBody,
  removePhoto,
  replacePhoto,
  sniffPhotoType,
} from "../../src/services/tutor-photos";
import { TUTOR_LIMITS } from "../../src/shared/tutor-types";

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
    async listTutorCandidates() {
      return [...users.values()]
        .filter((u) => u.role === "provider")
        .map((u) => ({ id: u.id, subjects: profiles.get(u.id)?.subjects ?? null, languages: null }));
    },
    async findProviders(ids) {
      return [...users.values()]
        .filter((u) => u.role === "provider" && ids.includes(u.id))
        .map((user) => ({ user, profile: profiles.get(user.id) ?? null }));
    },
    async listNextOpenSlots() {
      return [];
    },
    async replacePhotoKey(userId, expected, next, now) {
      const profile = profiles.get(userId);
      if (!profile || (profile.photoKey ?? null) !== expected) return false;
      profiles.set(userId, { ...profile, photoKey: next, updatedAt: now });
      return true;
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
      headline: null,
      subjects: [],
      languages: [],
      photoUrl: null,
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

describe("tutor profile fields", () => {
  it("keeps headline, subjects and languages when a later save leaves them out, and clears them with empty values", async () => {
    const fake = fakeAccounts();
    const deps = depsWith(fake.records, NOW);
    const first = await saveProviderProfile(deps, "usr_t", {
      hourlyRate: 4000,
      currency: "eur",
      headline: "Maths for A-levels",
      subjects: ["Maths", "Physics"],
      languages: ["en", "de-AT"],
    });
    expect(first).toMatchObject({
      headline: "Maths for A-levels",
      subjects: ["Maths", "Physics"],
      languages: ["en", "de-AT"],
    });
    const kept = await saveProviderProfile(deps, "usr_t", { hourlyRate: 4500, currency: "eur" });
    expect(kept).toMatchObject({
      hourlyRate: 4500,
      headline: "Maths for A-levels",
      subjects: ["Maths", "Physics"],
    });
    const cleared = await saveProviderProfile(deps, "usr_t", {
      hourlyRate: 4500,
      currency: "eur",
      headline: "",
      subjects: [],
      languages: [],
    });
    expect(cleared).toMatchObject({ headline: null, subjects: [], languages: [] });
    expect(fake.profiles.get("usr_t")).toMatchObject({ headline: null, subjects: null, languages: null });
  });

  it.each([
    ["trims and collapses spaces", [" Linear   algebra "], ["Linear algebra"]],
    [
      "drops repeats whatever their case, keeping the first spelling",
      ["Maths", "MATHS", " maths"],
      ["Maths"],
    ],
    ["folds non-ASCII letters too", ["Études", "ÉTUDES", "études"], ["Études"]],
  ])("subjects: %s", (_name, input, expected) => {
    expect(subjectList.parse(input)).toEqual(expected);
  });

  it.each([
    ["an empty subject", [" "]],
    ["a subject over 40 characters", ["x".repeat(TUTOR_LIMITS.subjectChars + 1)]],
    ["a control character", ["Maths\nPhysics"]],
    ["11 subjects", Array.from({ length: 11 }, (_, i) => `S${i}`)],
  ])("subjects: refuses %s", (_name, input) => {
    expect(subjectList.safeParse(input).success).toBe(false);
  });

  it("canonicalizes language tags and drops repeats; refuses what is not a tag", () => {
    expect(languageList.parse(["EN-gb", "en-GB", "de"])).toEqual(["en-GB", "de"]);
    expect(languageList.safeParse(["not a tag"]).success).toBe(false);
    expect(languageList.safeParse(Array.from({ length: 11 }, () => "en")).success).toBe(false);
  });

  it("limits the headline to 120 characters counted as code points, without control characters", () => {
    expect(headline.parse("  Hi  ")).toBe("Hi");
    expect(headline.parse("😀".repeat(120))).toHaveLength(240);
    expect(headline.safeParse("x".repeat(121)).success).toBe(false);
    expect(headline.safeParse("one\ttwo").success).toBe(false);
  });
});

describe("tutor search text matching", () => {
  const tutor = {
    subjects: JSON.stringify(["Mathematics", "Économie"]),
    languages: JSON.stringify(["en", "de-AT"]),
  };
  it.each([
    [{ subject: "mathematics" }, true],
    [{ subject: "  MATHEMATICS " }, true],
    [{ subject: "économie" }, true],
    [{ subject: "Math" }, false],
    [{ language: "en" }, true],
    [{ language: "en-GB" }, true],
    [{ language: "de" }, true],
    [{ language: "de-AT" }, true],
    [{ language: "de-CH" }, false],
    [{ language: "fr" }, false],
    [{ subject: "Mathematics", language: "fr" }, false],
    [{}, true],
  ])("%j matches: %s", (filter, expected) => {
    expect(matchesText(tutor, filter)).toBe(expected);
  });

  it("reads a malformed stored list as empty instead of failing", () => {
    expect(matchesText({ subjects: "{not json", languages: null }, { subject: "x" })).toBe(false);
    expect(matchesText({ subjects: "{not json", languages: null }, {})).toBe(true);
  });
});

const JPEG = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]);
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]);
const WEBP = new Uint8Array([
  ...new TextEncoder().encode("RIFF"),
  4,
  0,
  0,
  0,
  ...new TextEncoder().encode("WEBPVP8 "),
]);
const GIF = new TextEncoder().encode("GIF89a....");

describe("profile photo checks", () => {
  it.each([
    ["image/jpeg", JPEG, "image/jpeg"],
    ["image/png", PNG, "image/png"],
    ["image/webp", WEBP, "image/webp"],
    ["IMAGE/JPEG; charset=binary", JPEG, "image/jpeg"],
  ])("accepts %s with matching bytes", (type, bytes, expected) => {
    expect(checkPhoto(type, bytes)).toEqual({ ok: true, value: expected });
    expect(sniffPhotoType(bytes)).toBe(expected);
  });

  it.each([
    ["no Content-Type", undefined, JPEG, "content-type"],
    ["a GIF", "image/gif", GIF, "content-type"],
    ["SVG", "image/svg+xml", new TextEncoder().encode("<svg/>"), "content-type"],
    ["PNG bytes sent as JPEG", "image/jpeg", PNG, "body"],
    ["text sent as PNG", "image/png", new TextEncoder().encode("hello"), "body"],
    ["RIFF that is not WebP", "image/webp", new TextEncoder().encode("RIFF\0\0\0\0WAVEfmt "), "body"],
    ["an empty body", "image/png", new Uint8Array(0), "body"],
    ["a body over 2 MB", "image/jpeg", new Uint8Array(TUTOR_LIMITS.photoBytes + 1).fill(0xff), "body"],
  ])("refuses %s with VALIDATION_FAILED", (_name, type, bytes, path) => {
    const result = checkPhoto(type, bytes);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe("VALIDATION_FAILED");
      expect(result.error.details).toEqual([expect.objectContaining({ path })]);
    }
  });
});

function fakePhotoStore() {
  const objects = new Map<string, { bytes: Uint8Array; type: string }>();
  const store: PhotoStore = {
    async put(key, bytes, contentType) {
      objects.set(key, { bytes, type: contentType });
    },
    async get(key) {
      const found = objects.get(key);
      if (!found) return null;
      return {
        body: new Response(found.bytes as Uint8Array<ArrayBuffer>).body as ReadableStream,
        contentType: found.type,
        etag: `"${key}"`,
      };
    },
    async delete(key) {
      objects.delete(key);
    },
  };
  return { store, objects };
}

describe("profile photo service over fakes", () => {
  async function tutorWithProfile() {
    const fake = fakeAccounts();
    const deps = depsWith(fake.records, NOW);
    await saveProviderProfile(deps, "usr_ph", { hourlyRate: 4000, currency: "eur" });
    return { fake, deps, ...fakePhotoStore() };
  }

  it("stores each upload under a new key, points the profile at it and deletes the one it replaced", async () => {
    const { fake, deps, store, objects } = await tutorWithProfile();
    const first = await replacePhoto(deps, store, "usr_ph", { contentType: "image/png", bytes: PNG });
    const firstKey = fake.profiles.get("usr_ph")?.photoKey as string;
    expect(firstKey).toMatch(/^photos\/usr_ph\//);
    expect(first.photoUrl).toBe(`/api/providers/usr_ph/photo?v=${encodeURIComponent(firstKey)}`);
    await replacePhoto(deps, store, "usr_ph", { contentType: "image/jpeg", bytes: JPEG });
    const secondKey = fake.profiles.get("usr_ph")?.photoKey as string;
    expect(secondKey).not.toBe(firstKey);
    expect([...objects.keys()]).toEqual([secondKey]);
    expect((await readPhoto(deps, store, "usr_ph"))?.contentType).toBe("image/jpeg");
    const removed = await removePhoto(deps, store, "usr_ph");
    expect(removed.photoUrl).toBeNull();
    expect(objects.size).toBe(0);
    expect(await readPhoto(deps, store, "usr_ph")).toBeUndefined();
  });

  it("replaces the key another upload wrote meanwhile, so no object is left behind", async () => {
    const { fake, store, objects } = await tutorWithProfile();
    const records = fake.records;
    let raced = false;
    const racing: typeof records = {
      ...records,
      async replacePhotoKey(userId, expected, next, now) {
        if (!raced) {
          // A concurrent upload lands between this request's read and its swap.
          raced = true;
          objects.set("photos/usr_ph/other", { bytes: JPEG, type: "image/jpeg" });
          await records.replacePhotoKey(userId, expected, "photos/usr_ph/other", now);
        }
        return records.replacePhotoKey(userId, expected, next, now);
      },
    };
    await replacePhoto(depsWith(racing, NOW), store, "usr_ph", { contentType: "image/png", bytes: PNG });
    const key = fake.profiles.get("usr_ph")?.photoKey as string;
    expect(key).not.toBe("photos/usr_ph/other");
    expect([...objects.keys()]).toEqual([key]);
  });

  it("answers NOT_FOUND without a saved profile and keeps nothing in the store", async () => {
    const fake = fakeAccounts();
    const { store, objects } = fakePhotoStore();
    await expect(
      replacePhoto(depsWith(fake.records, NOW), store, "usr_none", { contentType: "image/png", bytes: PNG }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(objects.size).toBe(0);
  });

  it("refuses a mislabelled upload before touching the store", async () => {
    const { deps, store, objects } = await tutorWithProfile();
    await expect(
      replacePhoto(deps, store, "usr_ph", { contentType: "image/png", bytes: JPEG }),
    ).rejects.toMatchObject({ code: "VALIDATION_FAILED" });
    expect(objects.size).toBe(0);
  });
});

describe("reading an upload's body", () => {
  const chunked = (chunks: Uint8Array[]) =>
    new Request("http://x/", {
      method: "PUT",
      body: new ReadableStream({
        start(controller) {
          for (const chunk of chunks) controller.enqueue(chunk);
          controller.close();
        },
      }),
    });

  it("joins a chunked body of at most the limit", async () => {
    const bytes = await readPhotoBody(chunked([JPEG, PNG]), JPEG.length + PNG.length);
    expect([...bytes]).toEqual([...JPEG, ...PNG]);
  });

  it("refuses a chunked body one byte over the limit with VALIDATION_FAILED", async () => {
    await expect(readPhotoBody(chunked([JPEG, PNG]), JPEG.length + PNG.length - 1)).rejects.toMatchObject({
      code: "VALIDATION_FAILED",
    });
  });

  it("refuses a declared Content-Length over the limit without reading", async () => {
    const request = new Request("http://x/", {
      method: "PUT",
      body: PNG,
      headers: { "content-length": "99" },
    });
    await expect(readPhotoBody(request, 10)).rejects.toMatchObject({ code: "VALIDATION_FAILED" });
  });
});
