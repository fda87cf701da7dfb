// Issue #12, tutor profiles and discovery: headline, subjects and languages on the profile, the
// photo in R2 (upload, replace, remove, public serving), and Find a tutor's filters with each
// tutor's next open times. Happy paths, then errors, then who may do what.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
  BASE,
  type CallResult,
  call,
  hoursFromNow,
  registerProvider,
  registerUser,
  type TestUser,
  unique,
} from "../helpers/api";
import { expectError, expectFieldIssues, insertSlotRow, setSeatsTaken, slotBody } from "../helpers/fixtures";
import { workerFetch } from "../helpers/worker";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4]);
const JPEG = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46]);
const WEBP = new Uint8Array([
  ...new TextEncoder().encode("RIFF"),
  8,
  0,
  0,
  0,
  ...new TextEncoder().encode("WEBPVP8 "),
]);

async function putProfile(user: TestUser, body: Record<string, unknown>) {
  return call("PUT", "/api/me/provider-profile", {
    token: user.token,
    body: { hourlyRate: 6000, currency: "usd", ...body },
  });
}

async function uploadPhoto(
  token: string | undefined,
  bytes: Uint8Array<ArrayBuffer>,
  contentType?: string,
): Promise<CallResult> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (contentType) headers["content-type"] = contentType;
  const response = await workerFetch(`${BASE}/api/me/provider-profile/photo`, {
    method: "PUT",
    headers,
    body: bytes,
  });
  return { status: response.status, body: await response.json(), headers: response.headers };
}

async function fetchPhoto(url: string, headers: Record<string, string> = {}) {
  const response = await workerFetch(`${BASE}${url}`, { headers });
  return { response, bytes: new Uint8Array(await response.arrayBuffer()) };
}

const keyOf = (photoUrl: string) => decodeURIComponent(new URL(photoUrl, BASE).searchParams.get("v") ?? "");

async function search(token: string, query: Record<string, string>) {
  return call("GET", `/api/providers?${new URLSearchParams(query)}`, { token });
}

async function createSlot(provider: TestUser, startsInHours: number, extra: Record<string, unknown> = {}) {
  const res = await call("POST", "/api/slots", {
    token: provider.token,
    body: slotBody({ startsAt: hoursFromNow(startsInHours), ...extra }),
  });
  expect(res.status).toBe(201);
  return res.body as { id: string; startsAt: string; endsAt: string; price: { amount: number } };
}

/** A provider teaching a subject only this test uses, so searches see no one else's tutors. */
async function tutor(subject: string, profile: Record<string, unknown> = {}, hourlyRate = 6000) {
  const provider = await registerProvider(hourlyRate);
  const res = await putProfile(provider, { hourlyRate, subjects: [subject], ...profile });
  expect(res.status).toBe(200);
  return provider;
}

describe("tutor profile fields", () => {
  it("stores headline, subjects and languages cleaned, and keeps them when a later PUT leaves them out", async () => {
    const provider = await registerProvider();
    const res = await putProfile(provider, {
      headline: "  Maths and physics for A-levels ",
      subjects: [" Linear   algebra", "Maths", "MATHS", "Études", "ÉTUDES"],
      languages: ["EN-gb", "de", "en-GB", "zh-hant-tw"],
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      headline: "Maths and physics for A-levels",
      subjects: ["Linear algebra", "Maths", "Études"],
      languages: ["en-GB", "de", "zh-Hant-TW"],
      photoUrl: null,
    });
    const kept = await putProfile(provider, { hourlyRate: 7000, bio: "New bio" });
    expect(kept.body).toMatchObject({
      hourlyRate: 7000,
      headline: "Maths and physics for A-levels",
      subjects: ["Linear algebra", "Maths", "Études"],
      languages: ["en-GB", "de", "zh-Hant-TW"],
    });
    const read = await call("GET", "/api/me/provider-profile", { token: provider.token });
    expect(read.body).toEqual(kept.body);
  });

  it("clears the headline with null or an empty string and the lists with []", async () => {
    const provider = await registerProvider();
    await putProfile(provider, { headline: "Hello", subjects: ["Chess"], languages: ["fr"] });
    const cleared = await putProfile(provider, { headline: "", subjects: [], languages: [] });
    expect(cleared.body).toMatchObject({ headline: null, subjects: [], languages: [] });
    await putProfile(provider, { headline: "Again" });
    expect((await putProfile(provider, { headline: null })).body.headline).toBeNull();
  });

  it.each([
    ["a headline over 120 characters", { headline: "x".repeat(121) }, "headline"],
    ["a headline with a line break", { headline: "one\ntwo" }, "headline"],
    ["11 subjects", { subjects: Array.from({ length: 11 }, (_, i) => `Subject ${i}`) }, "subjects"],
    ["a subject over 40 characters", { subjects: ["x".repeat(41)] }, "subjects.0"],
    ["an empty subject", { subjects: ["   "] }, "subjects.0"],
    ["a subject that is not a string", { subjects: [42] }, "subjects.0"],
    ["a language that is not a BCP 47 tag", { languages: ["english please"] }, "languages.0"],
    [
      "11 languages",
      { languages: ["en", "de", "fr", "es", "it", "pt", "nl", "sv", "da", "fi", "pl"] },
      "languages",
    ],
    ["subjects that are not a list", { subjects: "Maths" }, "subjects"],
  ])("refuses %s with 400 VALIDATION_FAILED naming the field", async (_name, body, path) => {
    const provider = await registerProvider();
    const issues = expectFieldIssues(await putProfile(provider, body));
    expect(issues.map((issue) => issue.path)).toContain(path);
  });
});

describe("profile photo", () => {
  it("serves an upload publicly with its type and an immutable cache, replaces it with a new key and removes it", async () => {
    const provider = await registerProvider();
    const first = await uploadPhoto(provider.token, PNG, "image/png");
    expect(first.status).toBe(200);
    expect(first.body.photoUrl).toMatch(new RegExp(`^/api/providers/${provider.id}/photo\\?v=`));
    const firstKey = keyOf(first.body.photoUrl);
    expect(firstKey.startsWith(`photos/${provider.id}/`)).toBe(true);

    // Public: no token needed.
    const served = await fetchPhoto(first.body.photoUrl);
    expect(served.response.status).toBe(200);
    expect(served.response.headers.get("content-type")).toBe("image/png");
    expect(served.response.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect([...served.bytes]).toEqual([...PNG]);

    const second = await uploadPhoto(provider.token, WEBP, "image/webp");
    expect(second.status).toBe(200);
    const secondKey = keyOf(second.body.photoUrl);
    expect(secondKey).not.toBe(firstKey);
    expect(await env.PHOTOS.get(firstKey)).toBeNull();
    const replaced = await fetchPhoto(second.body.photoUrl);
    expect(replaced.response.headers.get("content-type")).toBe("image/webp");
    expect([...replaced.bytes]).toEqual([...WEBP]);
    // The old URL now shows the current photo, but must not be cached for good.
    const stale = await fetchPhoto(first.body.photoUrl);
    expect(stale.response.headers.get("cache-control")).toBe("no-cache");

    const profile = await call("GET", "/api/me/provider-profile", { token: provider.token });
    expect(profile.body.photoUrl).toBe(second.body.photoUrl);
    const tutorView = await call("GET", `/api/providers/${provider.id}`, { token: provider.token });
    expect(tutorView.body.photoUrl).toBe(second.body.photoUrl);

    const removed = await call("DELETE", "/api/me/provider-profile/photo", { token: provider.token });
    expect(removed.status).toBe(200);
    expect(removed.body.photoUrl).toBeNull();
    expect(await env.PHOTOS.get(secondKey)).toBeNull();
    expectError(await call("GET", `/api/providers/${provider.id}/photo`), 404, "NOT_FOUND");
    const listed = await env.PHOTOS.list({ prefix: `photos/${provider.id}/` });
    expect(listed.objects).toEqual([]);
  });

  it("answers 304 to a request that already has the photo's ETag", async () => {
    const provider = await registerProvider();
    const { body } = await uploadPhoto(provider.token, JPEG, "image/jpeg");
    const first = await fetchPhoto(body.photoUrl);
    const etag = first.response.headers.get("etag") ?? "";
    expect(etag).not.toBe("");
    const again = await fetchPhoto(body.photoUrl, { "if-none-match": etag });
    expect(again.response.status).toBe(304);
  });

  it("keeps the photo when the profile is saved again", async () => {
    const provider = await registerProvider();
    const { body } = await uploadPhoto(provider.token, JPEG, "image/jpeg");
    const saved = await putProfile(provider, { hourlyRate: 6500, headline: "Still me" });
    expect(saved.body.photoUrl).toBe(body.photoUrl);
  });

  it("removing when there is no photo changes nothing", async () => {
    const provider = await registerProvider();
    const res = await call("DELETE", "/api/me/provider-profile/photo", { token: provider.token });
    expect(res.status).toBe(200);
    expect(res.body.photoUrl).toBeNull();
  });

  it.each([
    ["no Content-Type", JPEG, undefined],
    ["a GIF", new TextEncoder().encode("GIF89a\x01\x00\x01\x00"), "image/gif"],
    ["SVG (could carry script)", new TextEncoder().encode("<svg onload='alert(1)'/>"), "image/svg+xml"],
    ["JSON", new TextEncoder().encode("{}"), "application/json"],
    ["PNG bytes labelled JPEG", PNG, "image/jpeg"],
    ["HTML labelled PNG", new TextEncoder().encode("<html><script>x</script>"), "image/png"],
    ["an empty body", new Uint8Array(0), "image/png"],
  ])("refuses %s with 400 VALIDATION_FAILED and stores nothing", async (_name, bytes, type) => {
    const provider = await registerProvider();
    const res = await uploadPhoto(provider.token, bytes as Uint8Array<ArrayBuffer>, type);
    expectFieldIssues(res);
    const listed = await env.PHOTOS.list({ prefix: `photos/${provider.id}/` });
    expect(listed.objects).toEqual([]);
  });

  it("refuses a body over 2 MB with 400 VALIDATION_FAILED", async () => {
    const provider = await registerProvider();
    const big = new Uint8Array(2 * 1024 * 1024 + 1).fill(0xff);
    const res = await uploadPhoto(provider.token, big, "image/jpeg");
    expectError(res, 400, "VALIDATION_FAILED");
    const listed = await env.PHOTOS.list({ prefix: `photos/${provider.id}/` });
    expect(listed.objects).toEqual([]);
  });

  it("takes a 1 MB photo (over the 64 KB limit of every other body) and still limits other routes", async () => {
    const provider = await registerProvider();
    const big = new Uint8Array(1024 * 1024);
    big.set(JPEG);
    const res = await uploadPhoto(provider.token, big, "image/jpeg");
    expect(res.status).toBe(200);
    const served = await fetchPhoto(res.body.photoUrl);
    expect(served.bytes.length).toBe(big.length);
    const json = await call("PUT", "/api/me/provider-profile", {
      token: provider.token,
      rawBody: JSON.stringify({ hourlyRate: 6000, currency: "usd", bio: "x".repeat(100 * 1024) }),
      headers: { "content-type": "application/json" },
    });
    expect([400, 413]).toContain(json.status);
    expect(json.body.error.code).toBe("VALIDATION_FAILED");
  });

  it("answers 404 NOT_FOUND to a provider who has no profile yet", async () => {
    const provider = await registerUser("provider");
    expectError(await uploadPhoto(provider.token, PNG, "image/png"), 404, "NOT_FOUND");
  });

  it("answers 404 for a tutor without a photo, an unknown id and a student; 400 for a malformed id", async () => {
    const provider = await registerProvider();
    const student = await registerUser("student");
    expectError(await call("GET", `/api/providers/${provider.id}/photo`), 404, "NOT_FOUND");
    expectError(await call("GET", `/api/providers/usr_${unique()}/photo`), 404, "NOT_FOUND");
    expectError(await call("GET", `/api/providers/${student.id}/photo`), 404, "NOT_FOUND");
    expectError(await call("GET", "/api/providers/not%20an%20id/photo"), 400, "VALIDATION_FAILED");
  });

  it("lets only a signed-in provider upload or remove: 401 without a session, 403 for a student", async () => {
    const student = await registerUser("student");
    expectError(await uploadPhoto(undefined, PNG, "image/png"), 401, "UNAUTHENTICATED");
    expectError(await uploadPhoto(student.token, PNG, "image/png"), 403, "FORBIDDEN");
    expectError(await call("DELETE", "/api/me/provider-profile/photo"), 401, "UNAUTHENTICATED");
    expectError(
      await call("DELETE", "/api/me/provider-profile/photo", { token: student.token }),
      403,
      "FORBIDDEN",
    );
  });

  it("refuses a cookie-authenticated upload from a foreign Origin", async () => {
    const provider = await registerProvider();
    const response = await workerFetch(`${BASE}/api/me/provider-profile/photo`, {
      method: "PUT",
      headers: {
        cookie: `lectern_session=${provider.token}`,
        origin: "https://evil.example",
        "content-type": "image/png",
      },
      body: PNG,
    });
    expect(response.status).toBe(403);
  });
});

describe("Find a tutor", () => {
  it("filters by subject whatever its case and spacing, and lists each tutor's next open slots", async () => {
    const subject = `Topology ${unique()}`;
    const a = await tutor(subject, { headline: "Shapes", languages: ["en"] });
    const b = await tutor(subject.toUpperCase());
    await tutor(`Other ${unique()}`);
    const s1 = await createSlot(a, 30);
    const s2 = await createSlot(a, 28);
    const s3 = await createSlot(a, 50);
    await createSlot(a, 60);
    const student = await registerUser("student");
    const res = await search(student.token, { subject: `  ${subject.toLowerCase()} ` });
    expect(res.status).toBe(200);
    expect(res.body.providers.map((p: { id: string }) => p.id).sort()).toEqual([a.id, b.id].sort());
    const listed = res.body.providers.find((p: { id: string }) => p.id === a.id);
    expect(listed).toMatchObject({
      headline: "Shapes",
      subjects: [subject],
      languages: ["en"],
      hourlyRate: 6000,
    });
    expect(listed.nextOpenSlots).toEqual([
      { id: s2.id, startsAt: s2.startsAt, endsAt: s2.endsAt, price: { amount: 6000, currency: "usd" } },
      { id: s1.id, startsAt: s1.startsAt, endsAt: s1.endsAt, price: { amount: 6000, currency: "usd" } },
      { id: s3.id, startsAt: s3.startsAt, endsAt: s3.endsAt, price: { amount: 6000, currency: "usd" } },
    ]);
    expect(res.body.providers.find((p: { id: string }) => p.id === b.id).nextOpenSlots).toEqual([]);
    // Contact details stay private.
    expect(JSON.stringify(res.body)).not.toContain(a.email);
  });

  it("leaves out slots that are full, cancelled or already started", async () => {
    const subject = `Seats ${unique()}`;
    const provider = await tutor(subject);
    const full = await createSlot(provider, 30);
    await setSeatsTaken(full.id, 1);
    const cancelled = await insertSlotRow(provider.id, Date.now() + 40 * HOUR, 60, 0, "CANCELLED");
    const started = await insertSlotRow(provider.id, Date.now() - 10 * 60_000, 60);
    const open = await createSlot(provider, 50);
    const student = await registerUser("student");
    const [listed] = (await search(student.token, { subject })).body.providers;
    expect(listed.nextOpenSlots.map((s: { id: string }) => s.id)).toEqual([open.id]);
    // The same rows, opened up, do show: the filter is the status, the seats and the clock.
    await setSeatsTaken(full.id, 0);
    const [again] = (await search(student.token, { subject })).body.providers;
    expect(again.nextOpenSlots.map((s: { id: string }) => s.id)).toEqual([full.id, open.id]);
    expect([cancelled, started]).not.toContain(again.nextOpenSlots[0].id);
  });

  it.each([
    ["en", ["tutor-en", "tutor-en-GB"]],
    ["en-GB", ["tutor-en", "tutor-en-GB"]],
    ["en-US", ["tutor-en"]],
    ["de", ["tutor-de-AT"]],
    ["DE-at", ["tutor-de-AT"]],
    ["fr", []],
  ])("language %s finds the tag and its base language", async (language, expected) => {
    const subject = `Lang ${unique()}`;
    const tutors = {
      "tutor-en": await tutor(subject, { languages: ["en"] }),
      "tutor-en-GB": await tutor(subject, { languages: ["en-GB", "ja"] }),
      "tutor-de-AT": await tutor(subject, { languages: ["de-AT"] }),
    };
    const student = await registerUser("student");
    const res = await search(student.token, { subject, language });
    expect(res.status).toBe(200);
    const ids = res.body.providers.map((p: { id: string }) => p.id).sort();
    expect(ids).toEqual(expected.map((name) => tutors[name as keyof typeof tutors].id).sort());
  });

  it("filters by hourly rate (inclusive bounds, minor units) and currency", async () => {
    const subject = `Price ${unique()}`;
    const cheap = await tutor(subject, {}, 2000);
    const middle = await tutor(subject, {}, 4500);
    const dear = await tutor(subject, {}, 9000);
    const euro = await tutor(subject, { currency: "eur" }, 4500);
    const student = await registerUser("student");
    const ids = async (query: Record<string, string>) =>
      ((await search(student.token, { subject, ...query })).body.providers as { id: string }[])
        .map((p) => p.id)
        .sort();
    expect(await ids({ minPrice: "4500", maxPrice: "9000" })).toEqual([middle.id, dear.id, euro.id].sort());
    expect(await ids({ maxPrice: "4499" })).toEqual([cheap.id]);
    expect(await ids({ minPrice: "4500", maxPrice: "4500", currency: "USD" })).toEqual([middle.id]);
    expect(await ids({ currency: "eur" })).toEqual([euro.id]);
  });

  it("leaves tutors without a rate out of a price search but lists them otherwise", async () => {
    const subject = `NoRate ${unique()}`;
    const provider = await registerUser("provider");
    await tutor(subject, {}, 3000);
    const student = await registerUser("student");
    // Without a profile there are no subjects either: list everyone and look for them.
    const all = await call("GET", "/api/providers", { token: student.token });
    const found = all.body.providers.find((p: { id: string }) => p.id === provider.id);
    expect(found).toMatchObject({ hourlyRate: null, subjects: [], nextOpenSlots: [] });
    const priced = await search(student.token, { minPrice: "0" });
    expect(priced.body.providers.map((p: { id: string }) => p.id)).not.toContain(provider.id);
  });

  it("free in my week: only tutors with an open seat starting in the window, with those slots as next times", async () => {
    const subject = `Free ${unique()}`;
    const early = await tutor(subject);
    const late = await tutor(subject);
    const fullInside = await tutor(subject);
    const soon = await createSlot(early, 30);
    const beforeWindow = await createSlot(early, 20);
    await createSlot(late, 90);
    const taken = await createSlot(fullInside, 30);
    await setSeatsTaken(taken.id, 1);
    const student = await registerUser("student");
    const from = new Date(Date.now() + 24 * HOUR).toISOString();
    const to = new Date(Date.now() + 48 * HOUR).toISOString();
    const res = await search(student.token, { subject, freeFrom: from, freeTo: to });
    expect(res.status).toBe(200);
    expect(res.body.providers.map((p: { id: string }) => p.id)).toEqual([early.id]);
    expect(res.body.providers[0].nextOpenSlots.map((s: { id: string }) => s.id)).toEqual([soon.id]);
    expect(res.body.providers[0].nextOpenSlots.map((s: { id: string }) => s.id)).not.toContain(
      beforeWindow.id,
    );
    // Bounds: a slot starting exactly at freeTo is outside, exactly at freeFrom inside.
    const atEnd = await search(student.token, { subject, freeFrom: from, freeTo: soon.startsAt });
    expect(atEnd.body.providers).toEqual([]);
    const atStart = await search(student.token, {
      subject,
      freeFrom: soon.startsAt,
      freeTo: new Date(Date.parse(soon.startsAt) + HOUR).toISOString(),
    });
    expect(atStart.body.providers.map((p: { id: string }) => p.id)).toEqual([early.id]);
  });

  it("GET /api/providers/:id answers one tutor with their next open slots", async () => {
    const subject = `One ${unique()}`;
    const provider = await tutor(subject, { headline: "Hi", languages: ["pt-BR"] });
    const slot = await createSlot(provider, 26);
    const student = await registerUser("student");
    const res = await call("GET", `/api/providers/${provider.id}`, { token: student.token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: provider.id,
      name: "Test provider",
      headline: "Hi",
      subjects: [subject],
      languages: ["pt-BR"],
      hourlyRate: 6000,
      currency: "usd",
      photoUrl: null,
      nextOpenSlots: [{ id: slot.id, startsAt: slot.startsAt }],
    });
    expect(res.body.email).toBeUndefined();
  });

  it("GET /api/providers/:id answers 404 for an unknown id or a student, 400 for a malformed id", async () => {
    const student = await registerUser("student");
    expectError(
      await call("GET", `/api/providers/usr_${unique()}`, { token: student.token }),
      404,
      "NOT_FOUND",
    );
    expectError(
      await call("GET", `/api/providers/${student.id}`, { token: student.token }),
      404,
      "NOT_FOUND",
    );
    expectError(
      await call("GET", "/api/providers/bad%20id!", { token: student.token }),
      400,
      "VALIDATION_FAILED",
    );
  });

  it.each([
    ["minPrice above maxPrice", { minPrice: "5000", maxPrice: "4000" }, "maxPrice"],
    ["a negative price", { minPrice: "-1" }, "minPrice"],
    ["a price with decimals", { maxPrice: "45.5" }, "maxPrice"],
    ["a currency that is not 3 letters", { currency: "dollars" }, "currency"],
    ["a language that is not a tag", { language: "not a language!" }, "language"],
    ["a subject over 40 characters", { subject: "x".repeat(41) }, "subject"],
    ["freeFrom without freeTo", { freeFrom: "2030-01-01T00:00:00Z" }, "freeTo"],
    ["freeTo without freeFrom", { freeTo: "2030-01-01T00:00:00Z" }, "freeFrom"],
    [
      "freeTo before freeFrom",
      { freeFrom: "2030-01-02T00:00:00Z", freeTo: "2030-01-01T00:00:00Z" },
      "freeTo",
    ],
    ["a window over 8 days", { freeFrom: "2030-01-01T00:00:00Z", freeTo: "2030-01-09T00:00:01Z" }, "freeTo"],
    [
      "a timestamp without a zone",
      { freeFrom: "2030-01-01T00:00:00", freeTo: "2030-01-02T00:00:00Z" },
      "freeFrom",
    ],
  ])("refuses %s with 400 VALIDATION_FAILED", async (_name, query, path) => {
    const student = await registerUser("student");
    const issues = expectFieldIssues(await search(student.token, query));
    expect(issues.map((issue) => issue.path)).toContain(path);
  });

  it("accepts a window of exactly 8 days", async () => {
    const student = await registerUser("student");
    const from = Date.now();
    const res = await search(student.token, {
      freeFrom: new Date(from).toISOString(),
      freeTo: new Date(from + 8 * DAY).toISOString(),
    });
    expect(res.status).toBe(200);
  });

  it("refuses a repeated parameter with 400 rather than guessing", async () => {
    const student = await registerUser("student");
    const res = await call("GET", "/api/providers?subject=a&subject=b", { token: student.token });
    expectError(res, 400, "VALIDATION_FAILED");
  });

  it("needs a signed-in user: 401 for the list and for one tutor", async () => {
    const provider = await registerProvider();
    expectError(await call("GET", "/api/providers?subject=Maths"), 401, "UNAUTHENTICATED");
    expectError(await call("GET", `/api/providers/${provider.id}`), 401, "UNAUTHENTICATED");
  });
});
