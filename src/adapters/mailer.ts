/**
 * Outgoing email behind one port. Two transports: Cloudflare's `send_email` binding (locally,
 * miniflare writes each message to files in a /tmp/miniflare-<id>/email/ folder) and Resend over HTTP,
 * chosen when a RESEND_API_KEY secret is set.
 */

export interface OutgoingEmail {
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** An iCalendar document, attached as lesson.ics. */
  ics?: string;
  /** Stable per message (the outbox row id): a provider that supports it sends a retried request once. */
  idempotencyKey?: string;
}

/** Resolves once the transport accepted the message; rejects with a human-readable reason otherwise. */
export interface Mailer {
  send(email: OutgoingEmail): Promise<void>;
}

const ICS_FILENAME = "lesson.ics";
const RESEND_ENDPOINT = "https://api.resend.com/emails";
const RESEND_TIMEOUT_MS = 10_000;

/** Resend when its key is configured, otherwise the send_email binding. */
export function createMailer(env: Env): Mailer {
  const apiKey = env.RESEND_API_KEY;
  if (apiKey) return createResendMailer(apiKey, env.EMAIL_FROM);
  return createBindingMailer(env.EMAIL, env.EMAIL_FROM);
}

/**
 * "text/calendar; method=REQUEST": mail clients show an invitation (or a cancellation) only
 * when the part's method matches the calendar's METHOD line.
 */
export function icsContentType(ics: string): string {
  const method = /^METHOD:([A-Z-]+)\r?$/m.exec(ics)?.[1];
  return method ? `text/calendar; charset=utf-8; method=${method}` : "text/calendar; charset=utf-8";
}

/**
 * A value that becomes a mail header (subject, address) on one line: CR and LF (and any other
 * control character) turn into a space, so no input can end the header and start another one.
 */
export function headerValue(value: string): string {
  return value.replace(/\r\n|\p{Cc}/gu, " ").trim();
}

/** "Lectern <lessons@lectern.test>" → {name, email}; a bare address stays a string. */
export function parseAddress(value: string): string | EmailAddress {
  const match = /^\s*"?([^"<]*?)"?\s*<([^<>\s]+@[^<>\s]+)>\s*$/.exec(value);
  if (!match?.[2]) return value.trim();
  return match[1] ? { name: match[1], email: match[2] } : match[2];
}

export function createBindingMailer(binding: SendEmail, from: string): Mailer {
  const sender = parseAddress(headerValue(from));
  return {
    async send(email) {
      await binding.send({
        from: sender,
        to: headerValue(email.to),
        subject: headerValue(email.subject),
        text: email.text,
        ...(email.html ? { html: email.html } : {}),
        ...(email.ics
          ? {
              attachments: [
                {
                  disposition: "attachment" as const,
                  filename: ICS_FILENAME,
                  type: icsContentType(email.ics),
                  content: email.ics,
                },
              ],
            }
          : {}),
      });
    },
  };
}

export function createResendMailer(apiKey: string, from: string, fetchImpl: typeof fetch = fetch): Mailer {
  return {
    async send(email) {
      const headers: Record<string, string> = {
        authorization: `Bearer ${apiKey}`,
        "content-type": "application/json",
      };
      if (email.idempotencyKey) headers["idempotency-key"] = email.idempotencyKey;
      const response = await fetchImpl(RESEND_ENDPOINT, {
        method: "POST",
        headers,
        signal: AbortSignal.timeout(RESEND_TIMEOUT_MS),
        body: JSON.stringify({
          from: headerValue(from),
          to: [headerValue(email.to)],
          subject: headerValue(email.subject),
          text: email.text,
          ...(email.html ? { html: email.html } : {}),
          ...(email.ics
            ? {
                attachments: [
                  {
                    filename: ICS_FILENAME,
                    content: toBase64(email.ics),
                    content_type: icsContentType(email.ics),
                  },
                ],
              }
            : {}),
        }),
      });
      if (!response.ok) {
        const detail = (await response.text().catch(() => "")).slice(0, 300);
        throw new Error(`Resend answered ${response.status}: ${detail || response.statusText}`);
      }
    },
  };
}

function toBase64(text: string): string {
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}
