import { useRef, useState } from "preact/hooks";
import { createCalendarFeed, webcalUrl } from "../api/calendar-feed";
import { ErrorNotice, Notice } from "./ui";

type CopyState = "idle" | "copied" | "manual";

/**
 * The Account page's calendar subscription: makes the secret feed link and offers it to calendar
 * apps. The server stores only the link's hash, so a link is shown in the page view that made it
 * and never again; making another one stops the previous one.
 */
export function CalendarFeedCard() {
  const [url, setUrl] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [copied, setCopied] = useState<CopyState>("idle");
  const input = useRef<HTMLInputElement>(null);

  const create = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const feed = await createCalendarFeed();
      setUrl(feed.url);
      setCopied("idle");
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const selectLink = () => {
    input.current?.focus();
    input.current?.select();
  };

  const copy = async () => {
    if (!url) return;
    try {
      if (!navigator.clipboard) throw new Error("no clipboard");
      await navigator.clipboard.writeText(url);
      setCopied("copied");
    } catch {
      selectLink();
      setCopied("manual");
    }
  };

  return (
    <section class="card" aria-labelledby="calendar-feed">
      <h2 id="calendar-feed">Calendar</h2>
      <p>
        Subscribe to your lessons in Apple Calendar, Google Calendar or Outlook. The calendar app checks the
        link about every hour, so booked, moved and cancelled lessons show up there by themselves.
      </p>
      {url && (
        <div class="field">
          <label for="calendar-feed-url">Your calendar link</label>
          <input
            ref={input}
            id="calendar-feed-url"
            readOnly
            value={url}
            spellcheck={false}
            autoComplete="off"
            aria-describedby="calendar-feed-url-hint"
            onFocus={(e) => e.currentTarget.select()}
          />
          <p class="hint" id="calendar-feed-url-hint">
            Keep it private: anyone with this link can see your lesson times. In Google Calendar, add it under
            Other calendars, From URL.
          </p>
          <p class="hint" role="status">
            {copied === "copied"
              ? "Copied to the clipboard."
              : copied === "manual"
                ? "This browser didn't let Lectern copy it. The link is selected: press Ctrl+C (⌘C on a Mac)."
                : ""}
          </p>
        </div>
      )}
      {url && (
        <div class="button-row">
          <a class="button primary" href={webcalUrl(url)}>
            Subscribe
          </a>
          <button type="button" class="secondary" onClick={() => void copy()}>
            Copy link
          </button>
        </div>
      )}
      <Notice tone={url ? "warning" : "info"}>
        {url
          ? "This link is shown only now: Lectern keeps just a fingerprint of it. Making a new link stops this one."
          : "Lectern keeps only a fingerprint of your link, so it can't show a link made earlier. Making a new link stops the old one."}
      </Notice>
      <ErrorNotice error={error} />
      <div class="button-row">
        <button
          type="button"
          class={url ? "secondary" : "primary"}
          disabled={busy}
          onClick={() => void create()}
        >
          {busy ? "Making the link…" : url ? "Replace link" : "Create calendar link"}
        </button>
      </div>
    </section>
  );
}
