import type { SQL } from "drizzle-orm";
import { SQLiteAsyncDialect } from "drizzle-orm/sqlite-core";

const dialect = new SQLiteAsyncDialect();

type Buildable = SQL | { toSQL(): { sql: string; params: unknown[] } };

/**
 * A D1 statement from a drizzle `sql` template or query builder. Batches go through D1 directly
 * because drizzle's batch cannot carry raw `sql` statements (they lack a prepared statement).
 */
export function statement(d1: D1Database, query: Buildable): D1PreparedStatement {
  const built = "toSQL" in query ? query.toSQL() : dialect.sqlToQuery(query);
  return d1.prepare(built.sql).bind(...built.params);
}

/** D1's atomic multi-statement write: all of it lands or none of it. */
export function runBatch(d1: D1Database, queries: Buildable[]): Promise<D1Result[]> {
  return d1.batch(queries.map((query) => statement(d1, query)));
}
