/**
 * The Agora uid for a user id: a stable, non-zero 32-bit FNV-1a hash, the same on every join.
 * The server puts it in RTC tokens; the SPA maps remote video tiles back to names with it.
 */
export function agoraUid(userId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < userId.length; i++) {
    hash ^= userId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash === 0 ? 1 : hash;
}
