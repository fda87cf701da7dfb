/** Opaque, prefixed ids ("slot_3f2a..."): the prefix makes logs and support easier to read. */
export function newId(prefix: string): string {
  return `${prefix}_${crypto.randomUUID().replaceAll("-", "")}`;
}
