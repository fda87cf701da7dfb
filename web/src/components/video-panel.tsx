import type { IAgoraRTCRemoteUser } from "agora-rtc-sdk-ng";
import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "../api/endpoints";
import { explain } from "../lib/errors";
import { joinCall, UNREACHABLE_MESSAGE, type VideoCall, VideoTimeoutError } from "../lib/video";
import { ErrorNotice, Notice } from "./ui";

type Phase =
  | { kind: "idle" }
  | { kind: "connecting" }
  | { kind: "connected" }
  | { kind: "failed"; message: string };

/** The session's video: joins on request, shows everyone's camera, says plainly when it can't connect. */
export function VideoPanel({
  sessionId,
  live,
  nameOfUid,
}: {
  sessionId: string;
  /** The session is in progress (joining is only possible then). */
  live: boolean;
  nameOfUid: (uid: number) => string;
}) {
  const [phase, setPhase] = useState<Phase>({ kind: "idle" });
  const [remote, setRemote] = useState<IAgoraRTCRemoteUser[]>([]);
  const [micOn, setMicOn] = useState(true);
  const [camOn, setCamOn] = useState(true);
  const call = useRef<VideoCall | undefined>(undefined);
  /** The server logged our join (attendance), whether or not Agora then connected. */
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
    if (!live && (call.current || checkedIn.current)) {
      void leave();
      setPhase({ kind: "idle" });
    }
  }, [live]);

  const join = async () => {
    setPhase({ kind: "connecting" });
    try {
      const credentials = await api.joinSession(sessionId);
      checkedIn.current = true;
      const joined = await joinCall(credentials, setRemote);
      call.current = joined;
      setPhase({ kind: "connected" });
      if (joined.local.video && localView.current) joined.local.video.play(localView.current);
    } catch (error) {
      setPhase({
        kind: "failed",
        message: error instanceof VideoTimeoutError ? UNREACHABLE_MESSAGE : explain(error),
      });
    }
  };

  const local = call.current?.local;
  return (
    <section class="video card" aria-labelledby="video-heading">
      <h2 id="video-heading">Video</h2>
      <div aria-live="polite">
        {phase.kind === "idle" && !live && (
          <p class="hint">Video opens when the instructor starts the session.</p>
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
