/**
 * Lengths of time in milliseconds (epoch-ms arithmetic everywhere: the worker, the slot object
 * and the SPA). Plain constants with no imports, so the browser bundle can take them as they are.
 */
export const SECOND_MS = 1_000;
export const MINUTE_MS = 60 * SECOND_MS;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;
