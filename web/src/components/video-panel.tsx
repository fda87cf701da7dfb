import type { IAgoraRTCRemoteUser } from "agora-rtc-sdk-ng";
import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "../api/endpoints";
import { ApiError } from "../api/http";
import type { SessionStatus } from "../api/types";
import { explain } from "../lib/errors";
import { joinVideoCall, VIDEO_UNAVAILABLE_MESSAGE, type VideoCall } from "../lib/video-call";
import { ErrorNotice, Notice } from "./ui";

type Phase =
  | { kind: "idle" }
  | { kind: "connecting" }
  | { kind: "connected" }
  | { kind: "failed"; message: string };

/** What the video area says while there is no call, by where the session stands. */
const CLOSED_TEXT: Record<Exclude<SessionStatus, "IN_PROGRESS">, string> = {
  SCHEDULED: "Video opens when the instructor starts the session.",
  COMPLETED: "The session has ended, so the video is closed.",
  CANCELLED: "The session was cancelled, so there is no video.",
};

/**
 * The session's video: the SDK loads and joins only when the person asks for it, one attempt at
 * a time (a failure stays a failure until they try again), and the page says plainly when it
 * can't connect without naming the video provider.
 */
export function VideoPanel({
  sessionId,
  status,
  nameOfUid,
}: {
  sessionId: string;
  /** Joining is possible only while the session is IN_PROGRESS; ending it closes the call. */
  status: SessionStatus;
  nameOfUid: (uid: number) => string;
}) {
  const live = status === "IN_PROGRESS";
  const [phase, setPhase] = useState<Phase>({ kind: "idle" });
  const [remote, setRemote] = useState<IAgoraRTCRemoteUser[]>([]);
  const [micOn, setMicOn] = useState(true);
  const [camOn, setCamOn] = useState(true);
  const call = useRef<VideoCall | undefined>(undefined);
  /** The server logged our join (attendance), whether or not the call then connected. */
  const checkedIn = useRef(false);
  const localView = useRef<HTMLDivElement>(null);

  const leave = async () => {
    const current = call.current;
    call.current = undefined;
    setRemote([]);
    if (current) await current.leave();
    if (checkedIn.current) {
      checkedIn.current = false;
      void api.leaveSession(sessionId).catch(() => undefined);
    }
  };

  // Leave the call (and close the attendance entry) when the page goes away or the session stops.
  useEffect(() => () => void leave(), []);
  useEffect(() => {
    if (live) return;
    if (call.current || checkedIn.current) void leave();
    setPhase({ kind: "idle" });
  }, [live]);

  const join = async () => {
    setPhase({ kind: "connecting" });
    try {
      const credentials = await api.joinSession(sessionId);
      checkedIn.current = true;
      const joined = await joinVideoCall(credentials, setRemote);
      call.current = joined;
      setPhase({ kind: "connected" });
      if (joined.local.video && localView.current) joined.local.video.play(localView.current);
    } catch (error) {
      // The API's refusals (session ended, not admitted) are worth reading; anything else is the
      // call itself failing, said the same way whatever the SDK reported.
      setPhase({
        kind: "failed",
        message: error instanceof ApiError ? explain(error) : VIDEO_UNAVAILABLE_MESSAGE,
      });
    }
  };

  const local = call.current?.local;
  return (
    <section class="video card" aria-labelledby="video-heading">
      <h2 id="video-heading">Video</h2>
      <div aria-live="polite">
        {phase.kind === "idle" && !live && (
          <p class={status === "SCHEDULED" ? "hint" : "video-closed"} data-testid="video-state">
            {CLOSED_TEXT[status as Exclude<SessionStatus, "IN_PROGRESS">]}
          </p>
        )}
        {phase.kind === "connecting" && (
          <p class="loading" role="status">
            <span class="spinner" aria-hidden="true" />
            Connecting to video… (this gives up after 8 seconds)
          </p>
        )}
        {phase.kind === "failed" && <ErrorNotice>{phase.message}</ErrorNotice>}
        {phase.kind === "connected" && local?.problem && <Notice tone="warning">{local.problem}</Notice>}
      </div>
      {phase.kind === "connected" ? (
        <>
          <div class="video-grid">
            <figure class="video-tile">
              <div ref={localView} class="video-surface" />
              <figcaption>You</figcaption>
            </figure>
            {remote.map((user) => (
              <RemoteTile key={String(user.uid)} user={user} name={nameOfUid(Number(user.uid))} />
            ))}
          </div>
          {remote.length === 0 && <p class="hint">Nobody else is on video yet.</p>}
          <div class="button-row">
            {local?.audio && (
              <button
                type="button"
                class="secondary"
                aria-pressed={!micOn}
                onClick={async () => {
                  await local.audio?.setEnabled(!micOn);
                  setMicOn(!micOn);
                }}
              >
                {micOn ? "Mute microphone" : "Unmute microphone"}
              </button>
            )}
            {local?.video && (
              <button
                type="button"
                class="secondary"
                aria-pressed={!camOn}
                onClick={async () => {
                  await local.video?.setEnabled(!camOn);
                  setCamOn(!camOn);
                }}
              >
                {camOn ? "Turn camera off" : "Turn camera on"}
              </button>
            )}
            <button
              type="button"
              class="danger"
              onClick={async () => {
                await leave();
                setPhase({ kind: "idle" });
              }}
            >
              Leave video
            </button>
          </div>
        </>
      ) : (
        (live || status === "SCHEDULED") && (
          <div class="button-row">
            <button
              type="button"
              class="primary"
              disabled={!live || phase.kind === "connecting"}
              onClick={() => void join()}
            >
              {phase.kind === "failed" ? "Try video again" : "Join video"}
            </button>
          </div>
        )
      )}
    </section>
  );
}

function RemoteTile({ user, name }: { user: IAgoraRTCRemoteUser; name: string }) {
  const view = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (user.videoTrack && view.current) user.videoTrack.play(view.current);
    return () => user.videoTrack?.stop();
  }, [user, user.videoTrack]);
  return (
    <figure class="video-tile">
      <div ref={view} class="video-surface">
        {!user.hasVideo && <span class="video-off">Camera off</span>}
      </div>
      <figcaption>{name}</figcaption>
    </figure>
  );
}
