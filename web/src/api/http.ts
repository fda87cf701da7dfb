import type { ErrorBody, FieldIssue } from "./types";

/** An API answer that was not 2xx, or a request that never got an answer (code NETWORK). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;
  constructor(status: number, code: string, message: string, details?: unknown) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.details = details;
  }

  /** The field issues of a VALIDATION_FAILED answer, keyed by path ("maxParticipants", "weekly.0.startTime"). */
  fieldIssues(): Record<string, string> {
    const out: Record<string, string> = {};
    if (!Array.isArray(this.details)) return out;
    for (const issue of this.details as FieldIssue[]) {
      if (issue && typeof issue.path === "string" && !(issue.path in out)) out[issue.path] = issue.message;
    }
    return out;
  }
}

type Listener = (error: ApiError) => void;
const unauthenticatedListeners = new Set<Listener>();

/** Lets the auth layer hear about expired sessions without every caller handling 401. */
export function onUnauthenticated(listener: Listener): () => void {
  unauthenticatedListeners.add(listener);
  return () => unauthenticatedListeners.delete(listener);
}

function isErrorBody(value: unknown): value is ErrorBody {
  return (
    typeof value === "object" &&
    value !== null &&
    "error" in value &&
    typeof (value as ErrorBody).error?.code === "string"
  );
}

export interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Don't broadcast a 401 (the boot-time `GET /api/me` expects one when signed out). */
  quiet401?: boolean;
}

/** Same-origin JSON request; the HttpOnly session cookie rides along by itself. */
export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json", ...options.headers };
  if (options.body !== undefined) headers["content-type"] = "application/json";
  return settle<T>(
    fetch(`/api${path}`, {
      method,
      headers,
      credentials: "same-origin",
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    }),
    options.quiet401,
  );
}

/**
 * Awaits a response (from fetch or the typed hono client) and turns it into its JSON value, or
 * throws an ApiError carrying the API's error code and message.
 */
export async function settle<T>(pending: Promise<Response>, quiet401 = false): Promise<T> {
  let response: Response;
  try {
    response = await pending;
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    throw new ApiError(0, "NETWORK", "Lectern could not be reached. Check your connection and try again.");
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (response.ok) return parsed as T;
  const error = isErrorBody(parsed)
    ? new ApiError(response.status, parsed.error.code, parsed.error.message, parsed.error.details)
    : new ApiError(response.status, "HTTP_ERROR", `The server answered ${response.status}.`);
  if (error.code === "UNAUTHENTICATED" && !quiet401) {
    for (const listener of unauthenticatedListeners) listener(error);
  }
  throw error;
}
