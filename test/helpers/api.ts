import { workerFetch } from "./worker";

export const BASE = "http://127.0.0.1:8787";

export interface CallOptions {
  token?: string | undefined;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
}

export interface CallResult<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/** Calls the worker as a client would, through its real fetch handler. */
export async function call<T = any>(
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<CallResult<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined = options.rawBody;
  if (options.body !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(options.body);
  }
  const response = await workerFetch(`${BASE}${path}`, { method, headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON (e.g. text/calendar)
  }
  return { status: response.status, body: parsed as T, headers: response.headers };
}

let counter = 0;
/** A unique suffix per call so tests never share rows. */
export function unique(label = "t"): string {
  counter += 1;
  return `${label}${Date.now().toString(36)}${counter}${Math.random().toString(36).slice(2, 6)}`;
}

export interface TestUser {
  id: string;
  token: string;
  email: string;
}

export async function registerUser(
  role: "provider" | "student",
  timezone = "Europe/Berlin",
): Promise<TestUser> {
  const email = `${unique(role)}@example.test`;
  const res = await call("POST", "/api/auth/register", {
    body: { email, password: "correct horse battery", name: `Test ${role}`, role, timezone },
  });
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.user.id, token: res.body.token, email };
}

export async function registerProvider(hourlyRate = 6000, currency = "usd"): Promise<TestUser> {
  const provider = await registerUser("provider");
  const res = await call("PUT", "/api/me/provider-profile", {
    token: provider.token,
    body: { hourlyRate, currency },
  });
  if (res.status !== 200) throw new Error(`profile failed: ${res.status} ${JSON.stringify(res.body)}`);
  return provider;
}

/** An ISO instant `hours` from now, on a whole minute. */
export function hoursFromNow(hours: number): string {
  const ms = Date.now() + hours * 3_600_000;
  return new Date(Math.ceil(ms / 60_000) * 60_000).toISOString();
}
