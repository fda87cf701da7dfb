import { RtcRole, RtcTokenBuilder } from "agora-token";
import type { RtcCredentials } from "../shared/api-types";

/**
 * Development defaults so tokens can be made without an Agora project. They are not a real
 * project's credentials: set AGORA_APP_ID and AGORA_APP_CERTIFICATE secrets in production.
 */
export const DEV_AGORA_APP_ID = "0123456789abcdef0123456789abcdef";
export const DEV_AGORA_APP_CERTIFICATE = "fedcba9876543210fedcba9876543210";

/** Agora caps RTC tokens at 24 hours. */
const MAX_TOKEN_SECONDS = 24 * 60 * 60;

export type { RtcCredentials };

export function agoraConfig(env: Env): { appId: string; certificate: string } {
  return {
    appId: env.AGORA_APP_ID ?? DEV_AGORA_APP_ID,
    certificate: env.AGORA_APP_CERTIFICATE ?? DEV_AGORA_APP_CERTIFICATE,
  };
}

/** A stable, non-zero 32-bit Agora uid for a user id (FNV-1a), the same on every join. */
export function agoraUid(userId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < userId.length; i++) {
    hash ^= userId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash === 0 ? 1 : hash;
}

/**
 * An AccessToken2 ("007…") RTC token to join and publish in `channelName` until `expiresAtMs`
 * (clamped to 1 minute .. 24 hours from now). agora-token takes seconds from now, not a timestamp.
 */
export function rtcToken(
  config: { appId: string; certificate: string },
  channelName: string,
  userId: string,
  expiresAtMs: number,
  nowMs: number,
): RtcCredentials {
  const seconds = Math.min(MAX_TOKEN_SECONDS, Math.max(60, Math.ceil((expiresAtMs - nowMs) / 1000)));
  const uid = agoraUid(userId);
  const token = RtcTokenBuilder.buildTokenWithUid(
    config.appId,
    config.certificate,
    channelName,
    uid,
    RtcRole.PUBLISHER,
    seconds,
    seconds,
  );
  return {
    appId: config.appId,
    channelName,
    uid,
    token,
    expiresAt: new Date(nowMs + seconds * 1000).toISOString(),
  };
}
