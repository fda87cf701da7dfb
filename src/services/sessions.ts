import { type RtcCredentials, rtcToken } from "../adapters/agora-video";
import type { SlotRow, TeachingSessionRow } from "../db/schema";
import type { Deps } from "../deps";
import { AppError } from "../domain/errors";
import type { AuthUser } from "../domain/identity";
import { payoutTerms } from "../domain/payouts";
import { decideEnd, decideJoin, decideStart, TOKEN_GRACE_MS } from "../domain/session-rules";
import type { Attendance, Session } from "../shared/api-types";
import { MINUTE_MS } from "../shared/time";

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
    ...(session.cancelReason ? { cancelReason: session.cancelReason } : {}),
    startsAt: new Date(slot.startsAt).toISOString(),
    endsAt: new Date(slot.endsAt).toISOString(),
  };
}

async function load(deps: Deps, id: string): Promise<Loaded> {
  const row = await deps.records.sessions.findWithSlot(id);
  if (!row) throw new AppError("NOT_FOUND", "No such session.");
  const participants = (await deps.records.sessions.participantsOf([id])).get(id) ?? [];
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
  const rows = await deps.records.sessions.listFor(user);
  const participants = await deps.records.sessions.participantsOf(rows.map((row) => row.session.id));
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
  await deps.slots.get(loaded.slot.id).markSession("IN_PROGRESS");
  if (!(await deps.records.sessions.markStarted(id, loaded.slot.id, now)))
    await conflictAfterRace(deps, id, check);
  const view = toView(await load(deps, id));
  await deps.slots
    .get(loaded.slot.id)
    .announce(
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
  await deps.slots.get(loaded.slot.id).markSession("COMPLETED");
  const now = deps.now();
  if (!(await deps.records.sessions.markEnded(id, loaded.slot.id, now, payoutTerms(deps.env))))
    await conflictAfterRace(deps, id, check);
  let view = toView(await load(deps, id));
  const room = deps.slots.get(loaded.slot.id);
  await room.announce(
    { type: "session:ended", sessionId: id, endedAt: view.endedAt ?? new Date(now).toISOString() },
    "COMPLETED",
  );
  if (view.cancelReason === "PROVIDER_NO_SHOW") {
    // The provider never joined: every seat is refunded in full (the cron finishes it if this fails).
    await room.cancelAll({ type: "session:cancelled", sessionId: id }, "PROVIDER_NO_SHOW");
    view = toView(await load(deps, id));
  }
  return view;
}

/**
 * The every-5-minutes job: a session nobody started whose slot ended more than
 * PROVIDER_NO_SHOW_GRACE_MS ago is cancelled as a provider no-show, everyone refunded in full.
 * Idempotent and safe to run concurrently (the D1 write is conditional; the object's cancel repeats harmlessly).
 */
export async function cancelProviderNoShows(deps: Deps): Promise<number> {
  const now = deps.now();
  const due = await deps.records.sessions.listProviderNoShows(now - PROVIDER_NO_SHOW_GRACE_MS, 50);
  let cancelled = 0;
  for (const row of due) {
    try {
      if (await deps.records.sessions.markCancelled(row.sessionId, row.slotId, now, "PROVIDER_NO_SHOW"))
        cancelled += 1;
      await deps.slots
        .get(row.slotId)
        .cancelAll({ type: "session:cancelled", sessionId: row.sessionId }, "PROVIDER_NO_SHOW");
    } catch (error) {
      console.warn("cancelling a provider no-show failed", row.sessionId, error);
    }
  }
  return cancelled;
}

/** How long after a slot's end an unstarted session counts as the provider's no-show. */
export const PROVIDER_NO_SHOW_GRACE_MS = 15 * MINUTE_MS;

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
    if (!(await deps.records.sessions.markCancelled(id, loaded.slot.id, now))) {
      const latest = await load(deps, id);
      if (latest.session.status !== "CANCELLED") return cancelSession(deps, user, id);
    }
  }
  // Also on a repeat: finishes refunds a previous attempt may have left queued.
  await deps.slots.get(loaded.slot.id).cancelAll({ type: "session:cancelled", sessionId: id });
  return toView(await load(deps, id));
}

/** Agora credentials for the provider or a confirmed participant of a running session; logs the join. */
export async function joinSession(deps: Deps, user: AuthUser, id: string): Promise<RtcCredentials> {
  const loaded = await load(deps, id);
  authorize(user, loaded, { participants: true, confirmedOnly: true });
  const decision = decideJoin(loaded.session.status);
  if (!decision.ok) throw AppError.from(decision.error);
  const now = deps.now();
  await deps.records.sessions.recordJoin(id, user.id, now);
  return rtcToken(deps.video, loaded.session.channelName, user.id, loaded.slot.endsAt + TOKEN_GRACE_MS, now);
}

export async function leaveSession(deps: Deps, user: AuthUser, id: string): Promise<void> {
  const loaded = await load(deps, id);
  authorize(user, loaded, { participants: true, confirmedOnly: true });
  await deps.records.sessions.recordLeave(id, user.id, deps.now());
}

export async function listAttendance(deps: Deps, user: AuthUser, id: string) {
  const loaded = await load(deps, id);
  authorize(user, loaded, { participants: false, confirmedOnly: false });
  const rows = await deps.records.sessions.listAttendance(id);
  return rows.map(
    (row): Attendance => ({
      userId: row.userId,
      joinedAt: new Date(row.joinedAt).toISOString(),
      leftAt: iso(row.leftAt) ?? null,
    }),
  );
}
