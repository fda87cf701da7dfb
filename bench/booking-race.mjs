#!/usr/bin/env node
// Booking race benchmark against `npm start` (a script, not a test).
//   node bench/booking-race.mjs [--students 200] [--slots 10] [--seats 20] [--concurrency 100]
//                               [--base http://127.0.0.1:8787]
// N students race for every S-seat slot, all slots at once (requests interleaved across slots,
// at most --concurrency in flight). Prints throughput, latency and the
// oversold count (must be 0), then the same figures for a floor request that reaches the slot's
// Durable Object and does nothing (GET /api/slots/:id/availability), so the booking path's cost
// reads as a ratio to that floor.
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    students: { type: "string", default: "200" },
    slots: { type: "string", default: "10" },
    seats: { type: "string", default: "20" },
    concurrency: { type: "string", default: "100" },
    base: { type: "string", default: "http://127.0.0.1:8787" },
  },
});
const STUDENTS = Number(values.students);
const SLOTS = Number(values.slots);
const SEATS = Number(values.seats);
const CONCURRENCY = Number(values.concurrency);
const BASE = values.base;
const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

async function api(method, path, { token, body } = {}) {
  const res = await fetch(`${BASE}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function register(role, i) {
  const res = await api("POST", "/api/auth/register", {
    body: {
      email: `bench-${run}-${role}-${i}@bench.test`,
      password: "benchmark-password",
      name: `${role} ${i}`,
      role,
      timezone: "UTC",
    },
  });
  if (res.status !== 201) throw new Error(`register ${role} ${i}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.token;
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
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function timed(requests) {
  const latencies = [];
  const results = new Array(requests.length);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(CONCURRENCY, requests.length) }, async () => {
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
  return {
    results,
    seconds,
    perSecond: requests.length / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

const fmt = (n) => n.toFixed(1);

console.log(
  `booking race: ${STUDENTS} students x ${SLOTS} slots of ${SEATS} seats, ${CONCURRENCY} in flight, against ${BASE}`,
);
const health = await api("GET", "/api/health").catch(() => undefined);
if (health?.status !== 200) {
  console.error(`no app at ${BASE}: run \`npm start\` first`);
  process.exit(1);
}

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
console.log(`setup: ${SLOTS} slots, ${students.length} students registered`);

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
);
const race = await timed(
  pairs.map(
    ({ token, id }) =>
      () =>
        api("POST", `/api/slots/${id}/bookings`, { token }),
  ),
);

let oversold = 0;
let won = 0;
const other = {};
for (let s = 0; s < SLOTS; s++) {
  const slice = race.results.filter((_, i) => pairs[i].slot === s);
  const wins = slice.filter((r) => r.status === 201).length;
  won += wins;
  for (const r of slice)
    if (r.status !== 201 && r.body?.error?.code !== "SLOT_FULL") other[r.status] = (other[r.status] ?? 0) + 1;
  const view = await api("GET", `/api/slots/${slotIds[s]}`, { token: provider });
  oversold += Math.max(0, wins - SEATS) + Math.max(0, view.body.seatsTaken - SEATS);
}

const total = SLOTS * STUDENTS;
console.log("");
console.log(`| request | count | req/s | p50 ms | p99 ms |`);
console.log(`|---|---|---|---|---|`);
console.log(
  `| floor: GET availability (reaches the slot object) | ${total} | ${fmt(floor.perSecond)} | ${fmt(floor.p50)} | ${fmt(floor.p99)} |`,
);
console.log(
  `| POST booking (hold + D1 + PaymentIntent) | ${total} | ${fmt(race.perSecond)} | ${fmt(race.p50)} | ${fmt(race.p99)} |`,
);
console.log("");
console.log(`seats won: ${won} of ${SLOTS * SEATS} (expected ${Math.min(STUDENTS, SEATS) * SLOTS})`);
console.log(`successful bookings/s: ${fmt(won / race.seconds)}`);
console.log(`oversold: ${oversold}`);
console.log(`unexpected answers: ${JSON.stringify(other)}`);
console.log(
  `booking cost vs floor: p50 x${fmt(race.p50 / floor.p50)}, throughput x${fmt(floor.perSecond / race.perSecond)}`,
);
process.exit(oversold === 0 && won === Math.min(STUDENTS, SEATS) * SLOTS ? 0 : 1);
