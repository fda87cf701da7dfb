import { createDb, type Db } from "./db/client";

/** Everything a request or job needs, built in one place per request. */
export interface Deps {
  env: Env;
  db: Db;
  /** The raw D1 binding, for atomic batches (see db/statements.ts). */
  d1: D1Database;
  /** Current time in epoch ms; injected so rules never read the clock themselves. */
  now: () => number;
}

export function buildDeps(env: Env): Deps {
  return { env, db: createDb(env.DB), d1: env.DB, now: () => Date.now() };
}
