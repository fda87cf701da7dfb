import { and, eq, gt, sql } from "drizzle-orm";
import type { Db } from "./client";
import { authSessions, type ProviderProfileRow, providerProfiles, type UserRow, users } from "./schema";
import { runBatch } from "./statements";
import { createTutorRecords, type TutorRecords } from "./tutor-records";

export { PROVIDER_LIST_LIMIT, type ProviderListing } from "./tutor-records";

/** A login session as stored: only the SHA-256 of the bearer token, never the token itself. */
export type AuthSessionRow = typeof authSessions.$inferSelect;

/**
 * Users, login sessions and provider profiles. Emails are unique (the database's unique index is
 * the judge, so concurrent sign-ups cannot both win); a login session never outlives its user.
 * Times are epoch ms. Discovery and the photo key are in tutor-records.ts.
 */
export interface AccountRecords extends TutorRecords {
  /**
   * Inserts the user and their first login session in one batch. False when the email is taken:
   * then neither row is written, since the session row is written only if the user row is.
   */
  insertUserWithSession(user: UserRow, session: AuthSessionRow): Promise<boolean>;
  findUserByEmail(email: string): Promise<UserRow | undefined>;
  insertSession(session: AuthSessionRow): Promise<void>;
  /** Deleting a session that is gone already is not an error. */
  deleteSession(tokenHash: string): Promise<void>;
  /** The user behind a session that expires after `now`; expired sessions find nobody. */
  findUserBySession(tokenHash: string, now: number): Promise<UserRow | undefined>;
  /** Changes only the fields given; an empty change writes nothing. */
  updateUser(userId: string, changes: { name?: string; timezone?: string; locale?: string }): Promise<void>;
  findProviderProfile(userId: string): Promise<ProviderProfileRow | undefined>;
  /**
   * Inserts or replaces the profile and, in the same batch, re-prices the provider's OPEN slots
   * that start after `profile.updatedAt` and have no seat taken (booked slots keep the price their
   * students agreed to): price = round(hourlyRate × minutes / 60), as `priceForDuration`.
   * An existing row keeps its photo key: only `replacePhotoKey` changes that.
   */
  saveProfileRepricingOpenSlots(profile: ProviderProfileRow): Promise<void>;
}

export function createAccountRecords(db: Db, d1: D1Database): AccountRecords {
  return {
    ...createTutorRecords(db, d1),

    async insertUserWithSession(user, session) {
      const [inserted] = await runBatch(d1, [
        db.insert(users).values(user).onConflictDoNothing({ target: users.email }),
        sql`
          INSERT INTO auth_sessions (token_hash, user_id, created_at, expires_at)
          SELECT ${session.tokenHash}, ${session.userId}, ${session.createdAt}, ${session.expiresAt}
           WHERE EXISTS (SELECT 1 FROM users WHERE id = ${user.id})`,
      ]);
      return inserted?.meta.changes === 1;
    },

    findUserByEmail(email) {
      return db.query.users.findFirst({ where: eq(users.email, email) });
    },

    async insertSession(session) {
      await db.insert(authSessions).values(session);
    },

    async deleteSession(tokenHash) {
      await db.delete(authSessions).where(eq(authSessions.tokenHash, tokenHash));
    },

    async findUserBySession(tokenHash, now) {
      const [row] = await db
        .select({ user: users })
        .from(authSessions)
        .innerJoin(users, eq(users.id, authSessions.userId))
        .where(and(eq(authSessions.tokenHash, tokenHash), gt(authSessions.expiresAt, now)))
        .limit(1);
      return row?.user;
    },

    async updateUser(userId, changes) {
      if (Object.keys(changes).length === 0) return;
      await db.update(users).set(changes).where(eq(users.id, userId));
    },

    findProviderProfile(userId) {
      return db.query.providerProfiles.findFirst({ where: eq(providerProfiles.userId, userId) });
    },

    async saveProfileRepricingOpenSlots(profile) {
      const { userId, hourlyRate, currency, bio, cancellationPolicy, headline, subjects, languages } =
        profile;
      const now = profile.updatedAt;
      await runBatch(d1, [
        db
          .insert(providerProfiles)
          .values(profile)
          .onConflictDoUpdate({
            target: providerProfiles.userId,
            set: {
              hourlyRate,
              currency,
              bio,
              cancellationPolicy,
              headline,
              subjects,
              languages,
              updatedAt: now,
            },
          }),
        sql`
          -- D1 binds JS numbers as REAL: the cast keeps this an integer division, as priceForDuration.
          UPDATE slots
             SET price_amount = (CAST(${hourlyRate} AS INTEGER) * duration_minutes + 30) / 60,
                 currency = ${currency}, version = version + 1, updated_at = ${now}
           WHERE provider_id = ${userId} AND seats_taken = 0 AND status = 'OPEN' AND starts_at > ${now}`,
      ]);
    },
  };
}
