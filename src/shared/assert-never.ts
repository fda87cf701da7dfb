/**
 * The default branch of an exhaustive switch over a closed union: the compiler rejects the call
 * when a member is left unhandled, and at run time an unexpected value throws.
 */
export function assertNever(value: never, what = "value"): never {
  throw new Error(`Unhandled ${what}: ${JSON.stringify(value) ?? String(value)}`);
}
