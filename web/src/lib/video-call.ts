import type {
  IAgoraRTCClient,
  IAgoraRTCRemoteUser,
  ICameraVideoTrack,
  IMicrophoneAudioTrack,
} from "agora-rtc-sdk-ng";
import type { RtcCredentials } from "../api/types";

/** How long joining may take before the page says plainly that video can't connect. */
export const JOIN_TIMEOUT_MS = 8000;
/** What the person reads when video can't connect; it never names the video provider. */
export const VIDEO_UNAVAILABLE_MESSAGE =
  "Video could not connect; check your connection. Chat and the session still work.";

/** Video could not connect (offline, unreachable, refused); the message is safe to show. */
export class VideoUnavailableError extends Error {
  constructor() {
    super(VIDEO_UNAVAILABLE_MESSAGE);
    this.name = "VideoUnavailableError";
  }
}

export interface VideoCall {
  /** Local camera and microphone, when the device allowed them. */
  local: { audio?: IMicrophoneAudioTrack; video?: ICameraVideoTrack; problem?: string };
  leave(): Promise<void>;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new VideoUnavailableError()), ms);
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

/**
 * Two of the video service's gateways (its global and its alternative network). One answer from
 * either means the network reaches it; none means no video today, found with two requests
 * instead of the SDK's dozens of retries, each of which the browser logs as a console error.
 */
const GATEWAY_PROBES = ["https://webrtc2-ap-web-1.agora.io/", "https://webrtc2-2.ap.sd-rtn.com/"];
const PROBE_TIMEOUT_MS = 4000;

async function gatewayReachable(): Promise<boolean> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), PROBE_TIMEOUT_MS);
  try {
    // An opaque (no-cors) answer is enough: only whether the network gets there matters.
    await Promise.any(
      GATEWAY_PROBES.map((url) =>
        fetch(url, { mode: "no-cors", cache: "no-store", credentials: "omit", signal: controller.signal }),
      ),
    );
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

type Sdk = typeof import("agora-rtc-sdk-ng").default;
let sdk: Promise<Sdk> | undefined;

/**
 * The video SDK (about 400 KB gzip), imported the first time someone asks for video and never
 * before, with its console logging and log uploads off: offline it would otherwise log every
 * failed attempt to reach its servers.
 */
function loadSdk(): Promise<Sdk> {
  sdk ??= import("agora-rtc-sdk-ng").then(({ default: AgoraRTC }) => {
    AgoraRTC.setLogLevel(4);
    AgoraRTC.disableLogUpload();
    return AgoraRTC;
  });
  sdk.catch(() => {
    sdk = undefined;
  });
  return sdk;
}

/**
 * Joins the session's video channel: one attempt, given up after JOIN_TIMEOUT_MS, and stopped
 * completely on failure (the SDK's own reconnecting is cut off by leaving), so nothing keeps
 * retrying in the background. Offline, or when the service can't be reached at all, it fails
 * without loading the SDK. Every failure to connect rejects with VideoUnavailableError.
 */
export async function joinVideoCall(
  credentials: RtcCredentials,
  onRemote: (users: IAgoraRTCRemoteUser[]) => void,
): Promise<VideoCall> {
  if (typeof navigator !== "undefined" && navigator.onLine === false) throw new VideoUnavailableError();
  if (!(await gatewayReachable())) throw new VideoUnavailableError();
  let AgoraRTC: Sdk;
  try {
    AgoraRTC = await loadSdk();
  } catch {
    throw new VideoUnavailableError();
  }
  const client: IAgoraRTCClient = AgoraRTC.createClient({ mode: "rtc", codec: "vp8" });
  const refresh = () => onRemote([...client.remoteUsers]);
  client.on("user-published", async (user, mediaType) => {
    try {
      await client.subscribe(user, mediaType);
      if (mediaType === "audio") user.audioTrack?.play();
    } catch {
      // That person's stream is unavailable; their tile says camera off.
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
  } catch {
    client.removeAllListeners();
    await client.leave().catch(() => undefined);
    throw new VideoUnavailableError();
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
    local,
    async leave() {
      local.audio?.close();
      local.video?.close();
      client.removeAllListeners();
      await client.leave().catch(() => undefined);
    },
  };
}
