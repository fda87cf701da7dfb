#!/usr/bin/env node
// Load benchmark against `npm start` (a script, not a test; loopback only).
//   node bench/booking-race.mjs [--signups 0] [--students 200] [--slots 10] [--seats 20]
//                               [--concurrency 100] [--timeout 120] [--base http://127.0.0.1:8787]
//
// 1. Sign-up burst (--signups N, N > 0): N POST /api/auth/register sent all at once.
// 2. Booking race (--students N, N > 0): N students race for every S-seat slot, all slots at once
//    (requests interleaved across slots, at most --concurrency in flight). First a floor request
//    that reaches the slot's Durable Object and does nothing (GET /api/slots/:id/availability),
//    then the bookings, so the booking path's cost reads as a ratio to that floor.
// Prints req/s, p50/p99, 5xx and network-error counts, oversold, seats won vs offered. Exits 1 when
// any request answered 5xx or failed on the network, a seat was oversold, or a seat went unsold.
//   e.g. node bench/booking-race.mjs --signups 300 --students 0       (sign-ups only)
//        node bench/booking-race.mjs --students 300 --slots 10        (300-way race)
//        node bench/booking-race.mjs --students 1000 --slots 50       (1000-way race)
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    signups: { type: "string", default: "0" },
    students: { type: "string", default: "200" },
    slots: { type: "string", default: "10" },
    seats: { type: "string", default: "20" },
    concurrency: { type: "string", default: "100" },
    timeout: { type: "string", default: "120" },
    base: { type: "string", default: "http://127.0.0.1:8787" },
  },
});
const SIGNUPS = Number(values.signups);
const STUDENTS = Number(values.students);
const SLOTS = Number(values.slots);
const SEATS = Number(values.seats);
const CONCURRENCY = Number(values.concurrency);
const TIMEOUT_MS = Number(values.timeout) * 1000;
const BASE = values.base;
for (const name of ["signups", "students", "slots", "seats", "concurrency", "timeout"]) {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < 0 || n > 100_000)
    throw new Error(`--${name}: not a count: ${values[name]}`);
}
if (CONCURRENCY < 1) throw new Error("--concurrency must be at least 1");
if (!/^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(BASE))
  throw new Error(`--base must be a loopback URL, got ${BASE}`);
const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

/** One request. Network failures (reset, timeout…) come back as status 0, never as a throw. */
async function api(method, path, { token, body } = {}) {
  try {
    const res = await fetch(`${BASE}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    const text = await res.text();
    let parsed;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = { raw: text.slice(0, 200) };
    }
    return { status: res.status, body: parsed };
  } catch (error) {
    return { status: 0, body: { network: error?.cause?.code ?? error?.name ?? String(error) } };
  }
}

const account = (role, i, label = role) => ({
  email: `bench-${run}-${label}-${i}@bench.test`,
  password: "benchmark-password",
  name: `${label} ${i}`,
  role,
  timezone: "UTC",
});

/** Setup sign-up (not measured): retried a bounded number of times so a flaky server can still be measured. */
let setupRetries = 0;
async function register(role, i) {
  for (let attempt = 1; attempt <= 4; attempt++) {
    const res = await api("POST", "/api/auth/register", { body: account(role, i) });
    if (res.status === 201) return res.body.token;
    if (res.status === 409) {
      // An earlier attempt got through after all.
      const { email, password } = account(role, i);
      const login = await api("POST", "/api/auth/login", { body: { email, password } });
      if (login.status === 200) return login.body.token;
    }
    if (res.status !== 0 && res.status < 500 && res.status !== 409)
      throw new Error(`register ${role} ${i}: ${res.status} ${JSON.stringify(res.body)}`);
    setupRetries++;
    await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
  }
  throw new Error(`register ${role} ${i}: still failing after 4 attempts`);
}

async function inBatches(count, size, make) {
  const out = [];
  for (let i = 0; i < count; i += size) {
    out.push(
      ...(await Promise.all(Array.from({ length: Math.min(size, count - i) }, (_, j) => make(i + j)))),
    );
  }
  return out;
}

function percentile(sorted, p) {
  return sorted.length === 0
    ? Number.NaN
    : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Runs the requests with at most `inFlight` at a time; latencies, req/s and answer counts. */
async function timed(requests, inFlight) {
  const latencies = [];
  const results = new Array(requests.length);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(inFlight, requests.length) }, async () => {
      while (next < requests.length) {
        const index = next++;
        const t0 = performance.now();
        results[index] = await requests[index]();
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const statuses = {};
  for (const r of results) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
  const network = {};
  for (const r of results) if (r.status === 0) network[r.body.network] = (network[r.body.network] ?? 0) + 1;
  return {
    results,
    count: requests.length,
    seconds,
    perSecond: requests.length / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    statuses,
    fiveXX: results.filter((r) => r.status >= 500).length,
    networkErrors: results.filter((r) => r.status === 0).length,
    network,
    sample5xx: results.find((r) => r.status >= 500)?.body,
  };
}

// A full slot, and a student already holding MAX_UNPAID_HOLDS (3) unpaid seats elsewhere.
const EXPECTED_REFUSALS = new Set(["SLOT_FULL", "TOO_MANY_HOLDS"]);

const fmt = (n) => (Number.isFinite(n) ? n.toFixed(1) : "-");
const row = (label, t) =>
  `| ${label} | ${t.count} | ${fmt(t.seconds)} | ${fmt(t.perSecond)} | ${fmt(t.p50)} | ${fmt(t.p99)} | ${t.fiveXX} | ${t.networkErrors} | ${JSON.stringify(t.statuses)} |`;
const header = () => {
  console.log("| request | count | s | req/s | p50 ms | p99 ms | 5xx | network errors | answers |");
  console.log("|---|---|---|---|---|---|---|---|---|");
};
const problems = [];
const check = (label, t) => {
  if (t.fiveXX > 0) problems.push(`${label}: ${t.fiveXX} answered 5xx (e.g. ${JSON.stringify(t.sample5xx)})`);
  if (t.networkErrors > 0)
    problems.push(`${label}: ${t.networkErrors} network errors ${JSON.stringify(t.network)}`);
};

const health = await api("GET", "/api/health");
if (health.status !== 200) {
  console.error(`no app at ${BASE}: run \`npm start\` first`);
  process.exit(1);
}

if (SIGNUPS > 0) {
  console.log(`sign-up burst: ${SIGNUPS} POST /api/auth/register at once, against ${BASE}`);
  const burst = await timed(
    Array.from(
      { length: SIGNUPS },
      (_, i) => () => api("POST", "/api/auth/register", { body: account("student", i, "burst") }),
    ),
    SIGNUPS,
  );
  console.log("");
  header();
  console.log(row("POST register (all at once)", burst));
  console.log("");
  check("sign-ups", burst);
  const created = burst.statuses[201] ?? 0;
  if (created !== SIGNUPS) problems.push(`sign-ups: ${created} of ${SIGNUPS} created`);
}

if (STUDENTS > 0 && SLOTS > 0) {
  console.log(
    `booking race: ${STUDENTS} students x ${SLOTS} slots of ${SEATS} seats, ${CONCURRENCY} in flight, against ${BASE}`,
  );
  const provider = await register("provider", 0);
  await api("PUT", "/api/me/provider-profile", {
    token: provider,
    body: { hourlyRate: 6000, currency: "usd" },
  });
  const slotIds = [];
  for (let i = 0; i < SLOTS; i++) {
    const startsAt = new Date(Date.now() + (2 + i * 2) * 3_600_000 + Math.floor(Math.random() * 30) * 60_000);
    startsAt.setUTCSeconds(0, 0);
    const res = await api("POST", "/api/slots", {
      token: provider,
      body: {
        startsAt: startsAt.toISOString(),
        durationMinutes: 60,
        sessionType: "GROUP",
        maxParticipants: SEATS,
      },
    });
    if (res.status !== 201) throw new Error(`slot: ${res.status} ${JSON.stringify(res.body)}`);
    slotIds.push(res.body.id);
  }
  const students = await inBatches(STUDENTS, 8, (i) => register("student", i));
  console.log(
    `setup: ${SLOTS} slots, ${students.length} students registered (${setupRetries} setup retries)`,
  );

  // Warm every slot's object once so both measurements start from live objects.
  await Promise.all(slotIds.map((id) => api("GET", `/api/slots/${id}/availability`, { token: students[0] })));

  // Student-major order: every slot is contended at the same time.
  const pairs = students.flatMap((token) => slotIds.map((id, slot) => ({ token, id, slot })));
  const floor = await timed(
    pairs.map(
      ({ token, id }) =>
        () =>
          api("GET", `/api/slots/${id}/availability`, { token }),
    ),
    CONCURRENCY,
  );
  const race = await timed(
    pairs.map(
      ({ token, id }) =>
        () =>
          api("POST", `/api/slots/${id}/bookings`, { token }),
    ),
    CONCURRENCY,
  );

  let oversold = 0;
  let won = 0;
  let taken = 0;
  const refused = {};
  const other = {};
  for (let s = 0; s < SLOTS; s++) {
    const slice = race.results.filter((_, i) => pairs[i].slot === s);
    const wins = slice.filter((r) => r.status === 201).length;
    won += wins;
    for (const r of slice) {
      if (r.status === 201) continue;
      const key = `${r.status} ${r.body?.error?.code ?? r.body?.network ?? ""}`.trim();
      const into = EXPECTED_REFUSALS.has(r.body?.error?.code) ? refused : other;
      into[key] = (into[key] ?? 0) + 1;
    }
    const view = await api("GET", `/api/slots/${slotIds[s]}`, { token: provider });
    taken += view.body?.seatsTaken ?? 0;
    oversold += Math.max(0, wins - SEATS) + Math.max(0, (view.body?.seatsTaken ?? 0) - SEATS);
  }

  const offered = SLOTS * SEATS;
  const expected = Math.min(STUDENTS, SEATS) * SLOTS;
  console.log("");
  header();
  console.log(row("floor: GET availability (reaches the slot object)", floor));
  console.log(row("POST booking (hold + D1 + PaymentIntent)", race));
  console.log("");
  console.log(
    `seats won: ${won} of ${offered} offered (expected ${expected}); seats taken per the slots: ${taken}`,
  );
  console.log(`successful bookings/s: ${fmt(won / race.seconds)}`);
  console.log(`oversold: ${oversold}`);
  console.log(`refused as the rules say: ${JSON.stringify(refused)}`);
  console.log(`unexpected answers: ${JSON.stringify(other)}`);
  console.log(
    `booking vs floor: p99 x${fmt(race.p99 / floor.p99)}, p50 x${fmt(race.p50 / floor.p50)}, throughput x${fmt(floor.perSecond / race.perSecond)}`,
  );
  check("floor", floor);
  check("bookings", race);
  if (Object.keys(other).length > 0) problems.push(`unexpected booking answers: ${JSON.stringify(other)}`);
  if (oversold > 0) problems.push(`oversold: ${oversold}`);
  if (won !== expected) problems.push(`seats won ${won}, expected ${expected}`);
  if (taken !== won) problems.push(`seats taken ${taken} differ from bookings won ${won}`);
}

console.log("");
console.log(problems.length === 0 ? "result: OK" : `result: FAILED\n- ${problems.join("\n- ")}`);
process.exit(problems.length === 0 ? 0 : 1);
