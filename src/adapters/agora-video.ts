import { RtcRole, RtcTokenBuilder } from "agora-token";
import { agoraUid } from "../shared/agora-uid";
import type { RtcCredentials } from "../shared/api-types";
import { DAY_MS, SECOND_MS } from "../shared/time";

/**
 * Development defaults so tokens can be made without an Agora project. They are not a real
 * project's credentials: set AGORA_APP_ID and AGORA_APP_CERTIFICATE secrets in production.
 */
export const DEV_AGORA_APP_ID = "0123456789abcdef0123456789abcdef";
export const DEV_AGORA_APP_CERTIFICATE = "fedcba9876543210fedcba9876543210";

/** Agora caps RTC tokens at 24 hours. */
const MAX_TOKEN_SECONDS = DAY_MS / SECOND_MS;

export type { RtcCredentials };

export interface AgoraConfig {
  appId: string;
  certificate: string;
}

export function agoraConfig(env: Env): AgoraConfig {
  return {
    appId: env.AGORA_APP_ID ?? DEV_AGORA_APP_ID,
    certificate: env.AGORA_APP_CERTIFICATE ?? DEV_AGORA_APP_CERTIFICATE,
  };
}

export { agoraUid };

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
  const seconds = Math.min(MAX_TOKEN_SECONDS, Math.max(60, Math.ceil((expiresAtMs - nowMs) / SECOND_MS)));
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
    expiresAt: new Date(nowMs + seconds * SECOND_MS).toISOString(),
  };
}
