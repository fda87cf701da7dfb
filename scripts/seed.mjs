// Demo data through the public API, so seeding exercises the same rules as real users. Idempotent.
export const DEMO = {
  provider: {
    email: "provider@lectern.test",
    password: "lectern-demo-provider",
    name: "Ada Provider",
    role: "provider",
  },
  student: {
    email: "student@lectern.test",
    password: "lectern-demo-student",
    name: "Sam Student",
    role: "student",
  },
};

async function json(url, method, body, token) {
  const res = await fetch(url, {
    method,
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function signIn(base, account) {
  const registered = await json(`${base}/api/auth/register`, "POST", {
    ...account,
    timezone: "Europe/Berlin",
  });
  if (registered.status === 201) return registered.body.token;
  const login = await json(`${base}/api/auth/login`, "POST", {
    email: account.email,
    password: account.password,
  });
  if (login.status !== 200)
    throw new Error(`demo sign-in failed for ${account.email}: ${JSON.stringify(login.body)}`);
  return login.body.token;
}

export async function seedDemoData(base) {
  const providerToken = await signIn(base, DEMO.provider);
  await signIn(base, DEMO.student);
  const profile = await json(
    `${base}/api/me/provider-profile`,
    "PUT",
    { hourlyRate: 6000, currency: "usd", bio: "Maths and physics, patiently." },
    providerToken,
  );
  if (profile.status !== 200) throw new Error(`demo profile failed: ${JSON.stringify(profile.body)}`);
  const patterns = await json(`${base}/api/availability-patterns`, "GET", undefined, providerToken);
  if (patterns.body?.patterns?.length === 0) {
    await json(
      `${base}/api/availability-patterns`,
      "POST",
      {
        timezone: "Europe/Berlin",
        weekly: [
          { weekday: 1, startTime: "09:00" },
          { weekday: 3, startTime: "17:30" },
        ],
        durationMinutes: 60,
        sessionType: "ONE_TO_ONE",
      },
      providerToken,
    );
    await json(
      `${base}/api/availability-patterns`,
      "POST",
      {
        timezone: "Europe/Berlin",
        weekly: [{ weekday: 5, startTime: "15:00" }],
        durationMinutes: 90,
        sessionType: "GROUP",
        maxParticipants: 8,
      },
      providerToken,
    );
  }
  return DEMO;
}
