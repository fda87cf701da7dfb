import { and, asc, desc, eq, inArray, isNull, sql } from "drizzle-orm";
import { agoraConfig, type RtcCredentials, rtcToken } from "../adapters/agora-video";
import { slotObject } from "../adapters/slot-client";
import {
  attendance,
  type SlotRow,
  sessionParticipants,
  slots,
  type TeachingSessionRow,
  teachingSessions,
} from "../db/schema";
import { runBatch } from "../db/statements";
import type { Deps } from "../deps";
import { AppError } from "../domain/errors";
import { newId } from "../domain/ids";
import { decideEnd, decideJoin, decideStart, TOKEN_GRACE_MS } from "../domain/session-rules";
import type { AuthUser } from "../http/context";
import type { Attendance, Session } from "../shared/api-types";

export type SessionView = Session;

interface Loaded {
  session: TeachingSessionRow;
  slot: SlotRow;
  participants: { userId: string; status: "CONFIRMED" | "CANCELLED" }[];
}

const iso = (ms: number | null) => (ms === null ? undefined : new Date(ms).toISOString());

function toView({ session, slot, participants }: Loaded): SessionView {
  const startedAt = iso(session.startedAt);
  const endedAt = iso(session.endedAt);
  return {
    id: session.id,
    slotId: session.slotId,
    providerId: session.providerId,
    status: session.status,
    channelName: session.channelName,
    ...(startedAt ? { startedAt } : {}),
    ...(endedAt ? { endedAt } : {}),
    participants,
    startsAt: new Date(slot.startsAt).toISOString(),
    endsAt: new Date(slot.endsAt).toISOString(),
  };
}

async function participantsOf(deps: Deps, sessionIds: string[]) {
  if (sessionIds.length === 0) return new Map<string, Loaded["participants"]>();
  const rows = await deps.db
    .select({
      sessionId: sessionParticipants.sessionId,
      userId: sessionParticipants.userId,
      status: sessionParticipants.status,
    })
    .from(sessionParticipants)
    .where(inArray(sessionParticipants.sessionId, sessionIds))
    .orderBy(asc(sessionParticipants.joinedAt));
  const bySession = new Map<string, Loaded["participants"]>();
  for (const row of rows) {
    const list = bySession.get(row.sessionId) ?? [];
    list.push({ userId: row.userId, status: row.status });
    bySession.set(row.sessionId, list);
  }
  return bySession;
}

async function load(deps: Deps, id: string): Promise<Loaded> {
  const rows = await deps.db
    .select({ session: teachingSessions, slot: slots })
    .from(teachingSessions)
    .innerJoin(slots, eq(slots.id, teachingSessions.slotId))
    .where(eq(teachingSessions.id, id))
    .limit(1);
  const row = rows[0];
  if (!row) throw new AppError("NOT_FOUND", "No such session.");
  const participants = (await participantsOf(deps, [id])).get(id) ?? [];
  return { ...row, participants };
}

type Access = "provider" | "participant";

/** Who may act: the provider, or (when allowed) a participant; confirmedOnly narrows to CONFIRMED ones. */
function authorize(
  user: AuthUser,
  loaded: Loaded,
  allow: { participants: boolean; confirmedOnly: boolean },
): Access {
  if (loaded.session.providerId === user.id) return "provider";
  if (allow.participants) {
    const me = loaded.participants.find((p) => p.userId === user.id);
    if (me && (!allow.confirmedOnly || me.status === "CONFIRMED")) return "participant";
  }
  throw new AppError(
    "FORBIDDEN",
    allow.participants ? "You are not part of this session." : "Only the session's instructor may do this.",
  );
}

export async function getSession(deps: Deps, user: AuthUser, id: string): Promise<SessionView> {
  const loaded = await load(deps, id);
  authorize(user, loaded, { participants: true, confirmedOnly: false });
  return toView(loaded);
}

/** The caller's sessions: as instructor, or as a participant (confirmed or cancelled), by start time. */
export async function listMySessions(deps: Deps, user: AuthUser): Promise<SessionView[]> {
  const base = deps.db
    .select({ session: teachingSessions, slot: slots })
    .from(teachingSessions)
    .innerJoin(slots, eq(slots.id, teachingSessions.slotId));
  const rows =
    user.role === "provider"
      ? await base.where(eq(teachingSessions.providerId, user.id)).orderBy(desc(slots.startsAt)).limit(500)
      : await base
          .innerJoin(sessionParticipants, eq(sessionParticipants.sessionId, teachingSessions.id))
          .where(eq(sessionParticipants.userId, user.id))
          .orderBy(desc(slots.startsAt))
          .limit(500);
  const participants = await participantsOf(
    deps,
    rows.map((row) => row.session.id),
  );
  return rows.map((row) => toView({ ...row, participants: participants.get(row.session.id) ?? [] }));
}

/** Re-reads after a conditional write that changed nothing, to answer with the right conflict. */
async function conflictAfterRace(deps: Deps, id: string, decide: (loaded: Loaded) => void): Promise<never> {
  decide(await load(deps, id));
  throw new AppError("SESSION_ALREADY_STARTED", "The session changed meanwhile; reload it.");
}

export async function startSession(deps: Deps, user: AuthUser, id: string): Promise<SessionView> {
  const loaded = await load(deps, id);
  authorize(user, loaded, { participants: false, confirmedOnly: false });
  const now = deps.now();
  const check = (l: Loaded) => {
    const decision = decideStart(l.session.status, l.slot, now);
    if (!decision.ok) throw AppError.from(decision.error);
  };
  check(loaded);
  // The slot object hears first: from now on it refuses student cancels, whatever D1 says.
  await slotObject(deps.env, loaded.slot.id).markSession("IN_PROGRESS");
  const [started] = await runBatch(deps.d1, [
    sql`UPDATE teaching_sessions SET status = 'IN_PROGRESS', started_at = ${now} WHERE id = ${id} AND status = 'SCHEDULED'`,
    sql`UPDATE slots SET status = 'IN_PROGRESS', updated_at = ${now}
         WHERE id = ${loaded.slot.id} AND EXISTS (SELECT 1 FROM teaching_sessions WHERE id = ${id} AND started_at = ${now})`,
  ]);
  if (started?.meta.changes !== 1) await conflictAfterRace(deps, id, check);
  const view = toView(await load(deps, id));
  await slotObject(deps.env, loaded.slot.id).announce(
    { type: "session:started", sessionId: id, startedAt: view.startedAt ?? new Date(now).toISOString() },
    "IN_PROGRESS",
  );
  return view;
}

/** COMPLETED; attendance is sealed: open intervals close now and no one can join again. */
export async function endSession(deps: Deps, user: AuthUser, id: string): Promise<SessionView> {
  const loaded = await load(deps, id);
  authorize(user, loaded, { participants: false, confirmedOnly: false });
  const check = (l: Loaded) => {
    const decision = decideEnd(l.session.status);
    if (!decision.ok) throw AppError.from(decision.error);
  };
  check(loaded);
  // The slot object hears first: no capture after this, and unpaid holds are released.
  await slotObject(deps.env, loaded.slot.id).markSession("COMPLETED");
  const now = deps.now();
  const [ended] = await runBatch(deps.d1, [
    sql`UPDATE teaching_sessions SET status = 'COMPLETED', ended_at = ${now} WHERE id = ${id} AND status = 'IN_PROGRESS'`,
    sql`UPDATE attendance SET left_at = ${now} WHERE session_id = ${id} AND left_at IS NULL`,
    sql`UPDATE slots SET status = 'COMPLETED', updated_at = ${now} WHERE id = ${loaded.slot.id}`,
  ]);
  if (ended?.meta.changes !== 1) await conflictAfterRace(deps, id, check);
  const view = toView(await load(deps, id));
  await slotObject(deps.env, loaded.slot.id).announce(
    { type: "session:ended", sessionId: id, endedAt: view.endedAt ?? new Date(now).toISOString() },
    "COMPLETED",
  );
  return view;
}

/**
 * The instructor cancels: the slot closes, every paid participant is refunded and pending holds
 * are released (by the slot's object). Cancelling again is harmless; a finished session cannot be.
 */
export async function cancelSession(deps: Deps, user: AuthUser, id: string): Promise<SessionView> {
  const loaded = await load(deps, id);
  authorize(user, loaded, { participants: false, confirmedOnly: false });
  const { status } = loaded.session;
  if (status === "IN_PROGRESS") {
    throw new AppError("SESSION_ALREADY_STARTED", "The session is under way; end it instead of cancelling.");
  }
  if (status === "COMPLETED") throw new AppError("SESSION_ENDED", "A completed session cannot be cancelled.");
  const now = deps.now();
  if (status === "SCHEDULED") {
    const [cancelled] = await runBatch(deps.d1, [
      sql`UPDATE teaching_sessions SET status = 'CANCELLED', ended_at = ${now} WHERE id = ${id} AND status = 'SCHEDULED'`,
      sql`UPDATE slots SET status = 'CANCELLED', updated_at = ${now}
           WHERE id = ${loaded.slot.id} AND EXISTS (SELECT 1 FROM teaching_sessions WHERE id = ${id} AND status = 'CANCELLED')`,
    ]);
    if (cancelled?.meta.changes !== 1) {
      const latest = await load(deps, id);
      if (latest.session.status !== "CANCELLED") return cancelSession(deps, user, id);
    }
  }
  // Also on a repeat: finishes refunds a previous attempt may have left queued.
  await slotObject(deps.env, loaded.slot.id).cancelAll({ type: "session:cancelled", sessionId: id });
  return toView(await load(deps, id));
}

/** Agora credentials for the provider or a confirmed participant of a running session; logs the join. */
export async function joinSession(deps: Deps, user: AuthUser, id: string): Promise<RtcCredentials> {
  const loaded = await load(deps, id);
  authorize(user, loaded, { participants: true, confirmedOnly: true });
  const decision = decideJoin(loaded.session.status);
  if (!decision.ok) throw AppError.from(decision.error);
  const now = deps.now();
  await deps.d1
    .prepare(
      `INSERT INTO attendance (id, session_id, user_id, joined_at)
       SELECT ?, ?, ?, ? WHERE NOT EXISTS (
         SELECT 1 FROM attendance WHERE session_id = ? AND user_id = ? AND left_at IS NULL)
         AND EXISTS (SELECT 1 FROM teaching_sessions WHERE id = ? AND status = 'IN_PROGRESS')`,
    )
    .bind(newId("att"), id, user.id, now, id, user.id, id)
    .run();
  return rtcToken(
    agoraConfig(deps.env),
    loaded.session.channelName,
    user.id,
    loaded.slot.endsAt + TOKEN_GRACE_MS,
    now,
  );
}

export async function leaveSession(deps: Deps, user: AuthUser, id: string): Promise<void> {
  const loaded = await load(deps, id);
  authorize(user, loaded, { participants: true, confirmedOnly: true });
  await deps.db
    .update(attendance)
    .set({ leftAt: deps.now() })
    .where(and(eq(attendance.sessionId, id), eq(attendance.userId, user.id), isNull(attendance.leftAt)));
}

export async function listAttendance(deps: Deps, user: AuthUser, id: string) {
  const loaded = await load(deps, id);
  authorize(user, loaded, { participants: false, confirmedOnly: false });
  const rows = await deps.db
    .select()
    .from(attendance)
    .where(eq(attendance.sessionId, id))
    .orderBy(asc(attendance.joinedAt), asc(attendance.id));
  return rows.map(
    (row): Attendance => ({
      userId: row.userId,
      joinedAt: new Date(row.joinedAt).toISOString(),
      leftAt: iso(row.leftAt) ?? null,
    }),
  );
}
