import type { ProviderListing } from "../db/account-records";
import type { ProviderProfileRow, UserRow } from "../db/schema";
import type { Deps } from "../deps";
import { AppError } from "../domain/errors";
import type { AuthUser, Role } from "../domain/identity";
import { newId } from "../domain/ids";
import { DECOY_HASH, hashPassword, verifyPassword } from "../security/password";
import { hashSessionToken, newSessionToken } from "../security/session-token";
import type { ProviderProfile, ProviderSummary, TutorDetails } from "../shared/api-types";
import { type CancellationPolicy, parsePolicy } from "../shared/cancellation-policy";
import { DAY_MS } from "../shared/time";
import { closeConversationSockets } from "./conversation-live";
import { closeLiveConnections } from "./live-connections";

export const SESSION_TTL_MS = 30 * DAY_MS;
/** When the browser did not say (clients other than the SPA). */
export const DEFAULT_LOCALE = "en-US";

export interface RegisterInput {
  email: string;
  password: string;
  name: string;
  role: Role;
  timezone: string;
  locale?: string | undefined;
}

export function toAuthUser(row: UserRow): AuthUser {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    timezone: row.timezone,
    locale: row.locale,
  };
}

export async function register(deps: Deps, input: RegisterInput): Promise<{ user: AuthUser; token: string }> {
  const now = deps.now();
  const row: UserRow = {
    id: newId("usr"),
    email: input.email,
    name: input.name,
    role: input.role,
    timezone: input.timezone,
    locale: input.locale ?? DEFAULT_LOCALE,
    passwordHash: await hashPassword(input.password),
    createdAt: now,
  };
  const token = newSessionToken();
  const tokenHash = await hashSessionToken(token);
  // The unique email index decides races; the session row exists only if this user row does.
  const inserted = await deps.records.accounts.insertUserWithSession(row, {
    tokenHash,
    userId: row.id,
    createdAt: now,
    expiresAt: now + SESSION_TTL_MS,
  });
  if (!inserted) throw new AppError("EMAIL_TAKEN", "An account with this email already exists.");
  return { user: toAuthUser(row), token };
}

export async function login(
  deps: Deps,
  email: string,
  password: string,
): Promise<{ user: AuthUser; token: string }> {
  const row = await deps.records.accounts.findUserByEmail(email);
  const valid = await verifyPassword(password, row?.passwordHash ?? DECOY_HASH);
  if (!row || !valid) throw new AppError("INVALID_CREDENTIALS", "The email or password is wrong.");
  return { user: toAuthUser(row), token: await createSession(deps, row.id) };
}

async function createSession(deps: Deps, userId: string): Promise<string> {
  const token = newSessionToken();
  const now = deps.now();
  await deps.records.accounts.insertSession({
    tokenHash: await hashSessionToken(token),
    userId,
    createdAt: now,
    expiresAt: now + SESSION_TTL_MS,
  });
  return token;
}

/** Ends the login session; its open live-room sockets close at once. */
export async function logout(deps: Deps, token: string): Promise<void> {
  await deps.records.accounts.deleteSession(await hashSessionToken(token));
  await closeLiveConnections(deps, token);
  await closeConversationSockets(deps, token);
}

export async function findUserBySessionToken(deps: Deps, token: string): Promise<AuthUser | undefined> {
  const row = await deps.records.accounts.findUserBySession(await hashSessionToken(token), deps.now());
  return row ? toAuthUser(row) : undefined;
}

export type { ProviderProfile };

export function toProviderProfile(row: ProviderProfileRow): ProviderProfile {
  return {
    userId: row.userId,
    hourlyRate: row.hourlyRate,
    currency: row.currency,
    bio: row.bio,
    cancellationPolicy: parsePolicy(row.cancellationPolicy),
    ...tutorDetails(row),
    updatedAt: new Date(row.updatedAt).toISOString(),
  };
}

/** A stored JSON string list (subjects, languages); anything else reads as empty. */
export function storedList(json: string | null | undefined): string[] {
  try {
    const value: unknown = json ? JSON.parse(json) : [];
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
  } catch {
    return [];
  }
}

/** The discovery fields of a stored profile (no profile: all empty). */
export function tutorDetails(row: ProviderProfileRow | null | undefined): TutorDetails {
  return {
    headline: row?.headline ?? null,
    subjects: storedList(row?.subjects),
    languages: storedList(row?.languages),
    photoUrl: row?.photoKey
      ? `/api/providers/${row.userId}/photo?v=${encodeURIComponent(row.photoKey)}`
      : null,
  };
}

export async function getProviderProfile(
  deps: Deps,
  userId: string,
): Promise<ProviderProfileRow | undefined> {
  return deps.records.accounts.findProviderProfile(userId);
}

export interface ProviderProfileInput {
  hourlyRate: number;
  currency: string;
  bio?: string | undefined;
  cancellationPolicy?: CancellationPolicy | undefined;
  /** Already trimmed and checked by the route; "" or null clears it. */
  headline?: string | null | undefined;
  /** Already cleaned and deduplicated by the route; [] clears them. */
  subjects?: string[] | undefined;
  /** Canonical BCP 47 tags, deduplicated; [] clears them. */
  languages?: string[] | undefined;
}

/** A list as the JSON column stores it: null for none. */
const listColumn = (list: string[]) => (list.length > 0 ? JSON.stringify(list) : null);

/**
 * Saves the profile and re-prices the provider's future slots that nobody has booked, in one
 * batch: booked slots keep the price their students agreed to. Policy, headline, subjects and
 * languages left out keep their stored value; the photo has its own routes.
 */
export async function saveProviderProfile(
  deps: Deps,
  userId: string,
  input: ProviderProfileInput,
): Promise<ProviderProfile> {
  const now = deps.now();
  const existing = await deps.records.accounts.findProviderProfile(userId);
  // A PUT without a policy keeps the one in force (the v1 body has none).
  const policy = input.cancellationPolicy
    ? JSON.stringify(input.cancellationPolicy)
    : (existing?.cancellationPolicy ?? null);
  const row: ProviderProfileRow = {
    userId,
    hourlyRate: input.hourlyRate,
    currency: input.currency,
    bio: input.bio ?? null,
    cancellationPolicy: policy,
    headline: input.headline !== undefined ? input.headline || null : (existing?.headline ?? null),
    subjects: input.subjects !== undefined ? listColumn(input.subjects) : (existing?.subjects ?? null),
    languages: input.languages !== undefined ? listColumn(input.languages) : (existing?.languages ?? null),
    photoKey: existing?.photoKey ?? null,
    updatedAt: now,
  };
  await deps.records.accounts.saveProfileRepricingOpenSlots(row);
  return toProviderProfile(row);
}

export type { ProviderSummary };

/** A provider as students browse them; contact details stay private. */
export function toProviderSummary({ user, profile }: ProviderListing): ProviderSummary {
  return {
    id: user.id,
    name: user.name,
    timezone: user.timezone,
    hourlyRate: profile?.hourlyRate ?? null,
    currency: profile?.currency ?? null,
    bio: profile?.bio ?? null,
    cancellationPolicy: parsePolicy(profile?.cancellationPolicy),
    ...tutorDetails(profile),
  };
}

/** Changes the caller's display name and/or time zone. */
export async function updateMe(
  deps: Deps,
  user: AuthUser,
  changes: { name?: string | undefined; timezone?: string | undefined; locale?: string | undefined },
): Promise<AuthUser> {
  const set = {
    ...(changes.name !== undefined ? { name: changes.name } : {}),
    ...(changes.timezone !== undefined ? { timezone: changes.timezone } : {}),
    ...(changes.locale !== undefined ? { locale: changes.locale } : {}),
  };
  await deps.records.accounts.updateUser(user.id, set);
  return { ...user, ...set };
}
