import type { WaitlistStatus } from "../src/shared/api-types";
import type { MoveTerms } from "./move-state";
import type { Effect } from "./slot-effects";
import type { Hold, HoldStatus } from "./slot-state";
import type { EntryChange, WaitEntry } from "./waitlist-state";

/** An effect waiting in the outbox, with how often it has been tried. */
export interface QueuedEffect {
  id: number;
  effect: Effect;
  attempts: number;
}

interface HoldRecord extends Record<string, SqlStorageValue> {
  booking_id: string;
  student_id: string;
  status: string;
  expires_at: number;
  idempotency_key: string | null;
  payment_intent_id: string | null;
  keep_amount: number | null;
  moved_from: string | null;
  moved_to: string | null;
}

interface WaitRecord extends Record<string, SqlStorageValue> {
  id: string;
  student_id: string;
  status: string;
  seq: number;
  created_at: number;
  offered_at: number | null;
  offer_expires_at: number | null;
}

const SCHEMA_VERSION = 5;

/** The slot object's own SQLite tables: holds (seat decisions) and an outbox of effects. */
export class SlotStorage {
  constructor(private readonly sql: SqlStorage) {}

  migrate(): void {
    this.sql.exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
    const row = this.sql
      .exec<{ value: string }>("SELECT value FROM meta WHERE key = 'schema_version'")
      .toArray()[0];
    const version = row ? Number(row.value) : 0;
    if (version < 1) {
      this.sql.exec(`CREATE TABLE IF NOT EXISTS holds (
        booking_id TEXT PRIMARY KEY, student_id TEXT NOT NULL, status TEXT NOT NULL,
        expires_at INTEGER NOT NULL, idempotency_key TEXT, payment_intent_id TEXT, created_at INTEGER NOT NULL)`);
      this.sql.exec("CREATE INDEX IF NOT EXISTS holds_status ON holds (status, expires_at)");
      this.sql.exec(`CREATE TABLE IF NOT EXISTS outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, booking_id TEXT NOT NULL,
        payload TEXT NOT NULL, due_at INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT)`);
    }
    if (version < 2) {
      this.sql.exec(`CREATE TABLE IF NOT EXISTS chat (
        id TEXT PRIMARY KEY, sender_id TEXT NOT NULL, sender_name TEXT NOT NULL, text TEXT NOT NULL,
        sent_at INTEGER NOT NULL)`);
      this.sql.exec("CREATE INDEX IF NOT EXISTS chat_sent ON chat (sent_at)");
    }
    if (version < 4) {
      // The payment a replayed Idempotency-Key answers with, without a trip to D1.
      const columns = this.sql.exec<{ name: string }>("PRAGMA table_info(holds)").toArray();
      if (!columns.some((c) => c.name === "client_secret")) {
        this.sql.exec("ALTER TABLE holds ADD COLUMN client_secret TEXT");
      }
    }
    if (version < 3) {
      this.sql.exec("CREATE INDEX IF NOT EXISTS chat_sender ON chat (sender_id, sent_at)");
    }
    if (version < 5) {
      // Cancellation policy share kept, reschedules (both ends) and the waiting line.
      const columns = this.sql.exec<{ name: string }>("PRAGMA table_info(holds)").toArray();
      for (const [name, type] of [
        ["keep_amount", "INTEGER"],
        ["moved_from", "TEXT"],
        ["moved_to", "TEXT"],
        ["move_terms", "TEXT"],
      ]) {
        if (!columns.some((c) => c.name === name))
          this.sql.exec(`ALTER TABLE holds ADD COLUMN ${name} ${type}`);
      }
      this.sql.exec(`CREATE TABLE IF NOT EXISTS waitlist (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, student_id TEXT NOT NULL,
        status TEXT NOT NULL, created_at INTEGER NOT NULL, offered_at INTEGER, offer_expires_at INTEGER)`);
      this.sql.exec("CREATE TABLE IF NOT EXISTS move_fences (new_booking_id TEXT PRIMARY KEY)");
    }
    this.sql.exec(
      "INSERT INTO meta (key, value) VALUES ('schema_version', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
      String(SCHEMA_VERSION),
    );
  }

  getMeta(key: string): string | undefined {
    return this.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", key).toArray()[0]?.value;
  }

  setMeta(key: string, value: string): void {
    this.sql.exec(
      "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
      key,
      value,
    );
  }

  /** Holds that can still matter for a decision: every seat-holding one plus this student's history. */
  holds(): Hold[] {
    return this.sql.exec<HoldRecord>("SELECT * FROM holds").toArray().map(toHold);
  }

  hold(bookingId: string): Hold | undefined {
    const row = this.sql.exec<HoldRecord>("SELECT * FROM holds WHERE booking_id = ?", bookingId).toArray()[0];
    return row ? toHold(row) : undefined;
  }

  /** Forgets a hold whose booking never got a payment (setup failed), so its key can be retried. */
  deleteHold(bookingId: string): void {
    this.sql.exec("DELETE FROM holds WHERE booking_id = ?", bookingId);
  }

  insertHold(hold: Hold, now: number): void {
    this.sql.exec(
      `INSERT INTO holds (booking_id, student_id, status, expires_at, idempotency_key, payment_intent_id, created_at)
       VALUES (?, ?, ?, ?, ?, NULL, ?)`,
      hold.bookingId,
      hold.studentId,
      hold.status,
      hold.expiresAt,
      hold.idempotencyKey,
      now,
    );
  }

  setStatus(bookingId: string, status: HoldStatus): void {
    this.sql.exec("UPDATE holds SET status = ? WHERE booking_id = ?", status, bookingId);
  }

  setExpiry(bookingId: string, expiresAt: number): void {
    this.sql.exec("UPDATE holds SET expires_at = ? WHERE booking_id = ?", expiresAt, bookingId);
  }

  setKeep(bookingId: string, keep: number): void {
    this.sql.exec("UPDATE holds SET keep_amount = ? WHERE booking_id = ?", keep, bookingId);
  }

  /** A seat moving in: the hold (MOVING) with the terms needed to finish the move later. */
  insertMovingHold(hold: Hold, terms: MoveTerms, now: number): void {
    this.sql.exec(
      `INSERT INTO holds (booking_id, student_id, status, expires_at, idempotency_key, payment_intent_id,
                          created_at, moved_from, move_terms)
       VALUES (?, ?, ?, ?, NULL, ?, ?, ?, ?)`,
      hold.bookingId,
      hold.studentId,
      hold.status,
      hold.expiresAt,
      hold.paymentIntentId ?? null,
      now,
      terms.fromBookingId,
      JSON.stringify(terms),
    );
  }

  moveTerms(bookingId: string): MoveTerms | undefined {
    const row = this.sql
      .exec<{ move_terms: string | null }>("SELECT move_terms FROM holds WHERE booking_id = ?", bookingId)
      .toArray()[0];
    return row?.move_terms ? (JSON.parse(row.move_terms) as MoveTerms) : undefined;
  }

  setMovedTo(bookingId: string, newBookingId: string): void {
    this.sql.exec(
      "UPDATE holds SET status = 'MOVED', moved_to = ? WHERE booking_id = ?",
      newBookingId,
      bookingId,
    );
  }

  /** A move that was abandoned can never complete from this side. */
  fence(newBookingId: string): void {
    this.sql.exec("INSERT OR IGNORE INTO move_fences (new_booking_id) VALUES (?)", newBookingId);
  }

  fenced(newBookingId: string): boolean {
    return (
      this.sql.exec("SELECT 1 FROM move_fences WHERE new_booking_id = ?", newBookingId).toArray().length > 0
    );
  }

  waitlist(): WaitEntry[] {
    return this.sql.exec<WaitRecord>("SELECT * FROM waitlist ORDER BY seq").toArray().map(toEntry);
  }

  entry(id: string): WaitEntry | undefined {
    const row = this.sql.exec<WaitRecord>("SELECT * FROM waitlist WHERE id = ?", id).toArray()[0];
    return row ? toEntry(row) : undefined;
  }

  insertEntry(id: string, studentId: string, now: number): WaitEntry {
    this.sql.exec(
      "INSERT INTO waitlist (id, student_id, status, created_at) VALUES (?, ?, 'WAITING', ?)",
      id,
      studentId,
      now,
    );
    return this.entry(id) as WaitEntry;
  }

  updateEntry(change: EntryChange): void {
    this.sql.exec(
      "UPDATE waitlist SET status = ?, offered_at = ?, offer_expires_at = ? WHERE id = ?",
      change.status,
      change.offeredAt,
      change.offerExpiresAt,
      change.id,
    );
  }

  setIntent(bookingId: string, intentId: string, clientSecret: string): void {
    this.sql.exec(
      "UPDATE holds SET payment_intent_id = ?, client_secret = ? WHERE booking_id = ?",
      intentId,
      clientSecret,
      bookingId,
    );
  }

  /** The client secret of a hold's PaymentIntent, kept for idempotent replays. */
  clientSecret(bookingId: string): string | null {
    const row = this.sql
      .exec<{ client_secret: string | null }>(
        "SELECT client_secret FROM holds WHERE booking_id = ?",
        bookingId,
      )
      .toArray()[0];
    return row?.client_secret ?? null;
  }

  enqueue(effect: Effect, dueAt: number): void {
    this.sql.exec(
      "INSERT INTO outbox (kind, booking_id, payload, due_at) VALUES (?, ?, ?, ?)",
      effect.kind,
      effect.bookingId,
      JSON.stringify(effect),
      dueAt,
    );
  }

  /**
   * Claims the next due effect by pushing its due time out by `leaseMs`, synchronously, so a
   * concurrent drain does not run it too. Returns undefined when nothing is due.
   */
  claimDue(now: number, leaseMs: number): QueuedEffect | undefined {
    const row = this.sql
      .exec<{ id: number; kind: string; booking_id: string; payload: string; attempts: number }>(
        "SELECT id, kind, booking_id, payload, attempts FROM outbox WHERE due_at <= ? ORDER BY due_at, id LIMIT 1",
        now,
      )
      .toArray()[0];
    if (!row) return undefined;
    this.sql.exec(
      "UPDATE outbox SET due_at = ?, attempts = attempts + 1 WHERE id = ?",
      now + leaseMs,
      row.id,
    );
    const effect = { ...JSON.parse(row.payload), kind: row.kind, bookingId: row.booking_id } as Effect;
    return { id: row.id, effect, attempts: row.attempts + 1 };
  }

  completeEffect(id: number): void {
    this.sql.exec("DELETE FROM outbox WHERE id = ?", id);
  }

  retryEffect(id: number, dueAt: number, error: string): void {
    this.sql.exec(
      "UPDATE outbox SET due_at = ?, last_error = ? WHERE id = ?",
      dueAt,
      error.slice(0, 500),
      id,
    );
  }

  pendingEffects(): { kind: string; bookingId: string; attempts: number; lastError: string | null }[] {
    return this.sql
      .exec<{ kind: string; booking_id: string; attempts: number; last_error: string | null }>(
        "SELECT kind, booking_id, attempts, last_error FROM outbox ORDER BY id",
      )
      .toArray()
      .map((row) => ({
        kind: row.kind,
        bookingId: row.booking_id,
        attempts: row.attempts,
        lastError: row.last_error,
      }));
  }

  /** The earliest moment something needs doing: a hold lapsing or an effect coming due. */
  nextWakeUp(): number | undefined {
    const row = this.sql
      .exec<{ next: number | null }>(
        `SELECT MIN(t) AS next FROM (
           SELECT MIN(expires_at) AS t FROM holds WHERE status IN ('HELD', 'MOVING')
           UNION ALL SELECT MIN(offer_expires_at) AS t FROM waitlist WHERE status = 'OFFERED'
           UNION ALL SELECT MIN(due_at) AS t FROM outbox)`,
      )
      .toArray()[0];
    return row?.next ?? undefined;
  }
}

function toHold(row: HoldRecord): Hold {
  return {
    bookingId: row.booking_id,
    studentId: row.student_id,
    status: row.status as HoldStatus,
    expiresAt: row.expires_at,
    idempotencyKey: row.idempotency_key,
    paymentIntentId: row.payment_intent_id,
    keep: row.keep_amount ?? null,
    movedFrom: row.moved_from ?? null,
    movedTo: row.moved_to ?? null,
  };
}

function toEntry(row: WaitRecord): WaitEntry {
  return {
    id: row.id,
    studentId: row.student_id,
    status: row.status as WaitlistStatus,
    seq: row.seq,
    createdAt: row.created_at,
    offeredAt: row.offered_at,
    offerExpiresAt: row.offer_expires_at,
  };
}

export interface ChatRecord {
  id: string;
  senderId: string;
  senderName: string;
  text: string;
  sentAt: number;
}

/** The room's chat history lives beside the seats, in the same object. */
export class ChatStorage {
  constructor(private readonly sql: SqlStorage) {}

  append(message: ChatRecord): void {
    this.sql.exec(
      "INSERT INTO chat (id, sender_id, sender_name, text, sent_at) VALUES (?, ?, ?, ?, ?)",
      message.id,
      message.senderId,
      message.senderName,
      message.text,
      message.sentAt,
    );
  }

  /** How many messages a sender posted since `since` (epoch ms). */
  sentSince(senderId: string, since: number): number {
    const row = this.sql
      .exec<{ n: number }>(
        "SELECT COUNT(*) AS n FROM chat WHERE sender_id = ? AND sent_at > ?",
        senderId,
        since,
      )
      .toArray()[0];
    return row?.n ?? 0;
  }

  /** The latest `limit` messages, oldest first. */
  recent(limit: number): ChatRecord[] {
    return this.sql
      .exec<{ id: string; sender_id: string; sender_name: string; text: string; sent_at: number }>(
        // rowid is insertion order; several messages can share a millisecond (the clock only
        // moves on I/O in workerd), and random ids would shuffle them.
        "SELECT * FROM (SELECT rowid AS seq, * FROM chat ORDER BY rowid DESC LIMIT ?) ORDER BY seq",
        limit,
      )
      .toArray()
      .map((row) => ({
        id: row.id,
        senderId: row.sender_id,
        senderName: row.sender_name,
        text: row.text,
        sentAt: row.sent_at,
      }));
  }
}
