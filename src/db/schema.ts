import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

// Timestamps are epoch milliseconds (UTC); the API renders them as ISO strings.

export const users = sqliteTable(
  "users",
  {
    id: text("id").primaryKey(),
    email: text("email").notNull(),
    name: text("name").notNull(),
    role: text("role", { enum: ["provider", "student"] }).notNull(),
    timezone: text("timezone").notNull(),
    passwordHash: text("password_hash").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [uniqueIndex("users_email_unique").on(t.email)],
);

/** Login sessions: only the SHA-256 of the bearer token is stored. */
export const authSessions = sqliteTable(
  "auth_sessions",
  {
    tokenHash: text("token_hash").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [index("auth_sessions_user").on(t.userId)],
);

export const providerProfiles = sqliteTable("provider_profiles", {
  userId: text("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  hourlyRate: integer("hourly_rate").notNull(),
  currency: text("currency").notNull(),
  bio: text("bio"),
  updatedAt: integer("updated_at").notNull(),
});

export const availabilityPatterns = sqliteTable(
  "availability_patterns",
  {
    id: text("id").primaryKey(),
    providerId: text("provider_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    timezone: text("timezone").notNull(),
    /** JSON: [{weekday, startTime}] */
    weekly: text("weekly").notNull(),
    durationMinutes: integer("duration_minutes").notNull(),
    sessionType: text("session_type", { enum: ["ONE_TO_ONE", "GROUP"] }).notNull(),
    maxParticipants: integer("max_participants").notNull(),
    startsOn: text("starts_on"),
    endsOn: text("ends_on"),
    /** Starts up to this instant have been considered; top-up continues after it. */
    materializedUntil: integer("materialized_until").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("patterns_provider").on(t.providerId)],
);

export const slots = sqliteTable(
  "slots",
  {
    id: text("id").primaryKey(),
    providerId: text("provider_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    startsAt: integer("starts_at").notNull(),
    endsAt: integer("ends_at").notNull(),
    durationMinutes: integer("duration_minutes").notNull(),
    sessionType: text("session_type", { enum: ["ONE_TO_ONE", "GROUP"] }).notNull(),
    maxParticipants: integer("max_participants").notNull(),
    /** Held (pending) plus confirmed seats; FULL is derived from it. */
    seatsTaken: integer("seats_taken").notNull().default(0),
    status: text("status", { enum: ["OPEN", "CANCELLED", "IN_PROGRESS", "COMPLETED"] })
      .notNull()
      .default("OPEN"),
    priceAmount: integer("price_amount").notNull(),
    currency: text("currency").notNull(),
    patternId: text("pattern_id"),
    /** Bumped on every change of price or shape, so a booking can insist on the version it saw. */
    version: integer("version").notNull().default(1),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    index("slots_provider_start").on(t.providerId, t.startsAt),
    index("slots_start").on(t.startsAt),
    index("slots_pattern").on(t.patternId),
    uniqueIndex("slots_pattern_start_unique").on(t.patternId, t.startsAt).where(sql`pattern_id IS NOT NULL`),
  ],
);

export type UserRow = typeof users.$inferSelect;
export type SlotRow = typeof slots.$inferSelect;
export type PatternRow = typeof availabilityPatterns.$inferSelect;
export type ProviderProfileRow = typeof providerProfiles.$inferSelect;
