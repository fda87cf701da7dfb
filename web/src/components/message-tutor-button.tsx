import { useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import { conversationApi } from "../api/conversations";
import { ApiError } from "../api/http";
import { useAuth } from "../lib/auth";
import { ErrorNotice } from "./ui";

/**
 * "Message <tutor>" for students, before or without a booking: opens the conversation with the
 * tutor (or finds the one they already have) and goes to it. Hidden for everyone else.
 */
export function MessageTutorButton({
  providerId,
  providerName,
}: {
  providerId: string;
  providerName: string;
}) {
  const { user } = useAuth();
  const { route } = useLocation();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  if (user?.role !== "student") return null;

  const open = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const conversation = await conversationApi.open(providerId);
      route(`/messages/${conversation.id}`);
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  };

  return (
    <div class="message-tutor">
      <button type="button" class="secondary" disabled={busy} aria-busy={busy} onClick={() => void open()}>
        Message {providerName}
      </button>
      {error !== undefined &&
        (error instanceof ApiError && error.code === "RATE_LIMITED" ? (
          // The daily cap's own sentence says when to try again (the generic one says "a minute").
          <ErrorNotice>{error.message}</ErrorNotice>
        ) : (
          <ErrorNotice error={error} />
        ))}
    </div>
  );
}
