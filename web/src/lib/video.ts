import type {
  IAgoraRTCClient,
  IAgoraRTCRemoteUser,
  ICameraVideoTrack,
  IMicrophoneAudioTrack,
} from "agora-rtc-sdk-ng";
import type { RtcCredentials } from "../api/types";

/** How long joining may take before the page says plainly that video is unreachable. */
export const JOIN_TIMEOUT_MS = 8000;
export const UNREACHABLE_MESSAGE =
  "Video could not connect (Agora unreachable). Chat and the session still work.";

export class VideoTimeoutError extends Error {
  constructor() {
    super(UNREACHABLE_MESSAGE);
    this.name = "VideoTimeoutError";
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new VideoTimeoutError()), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

export interface VideoCall {
  client: IAgoraRTCClient;
  /** Local camera and microphone, when the device allowed them. */
  local: { audio?: IMicrophoneAudioTrack; video?: ICameraVideoTrack; problem?: string };
  leave(): Promise<void>;
}

/**
 * Joins the Agora channel. The SDK (about 400 KB gzip) is imported here, on demand, so only
 * the session page ever loads it. Rejects within JOIN_TIMEOUT_MS when Agora is unreachable.
 */
export async function joinCall(
  credentials: RtcCredentials,
  onRemote: (users: IAgoraRTCRemoteUser[]) => void,
): Promise<VideoCall> {
  const { default: AgoraRTC } = await import("agora-rtc-sdk-ng");
  AgoraRTC.setLogLevel(3);
  AgoraRTC.disableLogUpload();
  const client = AgoraRTC.createClient({ mode: "rtc", codec: "vp8" });
  const refresh = () => onRemote([...client.remoteUsers]);
  client.on("user-published", async (user, mediaType) => {
    try {
      await client.subscribe(user, mediaType);
      if (mediaType === "audio") user.audioTrack?.play();
    } finally {
      refresh();
    }
  });
  client.on("user-unpublished", refresh);
  client.on("user-joined", refresh);
  client.on("user-left", refresh);

  try {
    await withTimeout(
      client.join(credentials.appId, credentials.channelName, credentials.token, credentials.uid),
      JOIN_TIMEOUT_MS,
    );
  } catch (error) {
    // Stop the SDK's own retries so nothing keeps running in the background.
    void client.leave().catch(() => undefined);
    throw error instanceof VideoTimeoutError ? error : new VideoTimeoutError();
  }

  const local: VideoCall["local"] = {};
  try {
    const [audio, video] = await AgoraRTC.createMicrophoneAndCameraTracks();
    local.audio = audio;
    local.video = video;
    await client.publish([audio, video]);
  } catch (error) {
    local.problem =
      error instanceof Error && /permission|denied|notallowed/i.test(`${error.name} ${error.message}`)
        ? "Camera and microphone access was refused. You can still see and hear the others."
        : "No camera or microphone could be started. You can still see and hear the others.";
  }

  return {
    client,
    local,
    async leave() {
      local.audio?.close();
      local.video?.close();
      await client.leave().catch(() => undefined);
    },
  };
}
