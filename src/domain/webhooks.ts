/**
 * Outbound webhook rules as plain functions: which targets may be called, which events an
 * endpoint receives, and when a failed delivery is tried again.
 */
import type { WebhookEventType } from "../shared/api-types";

/** Delays before attempts 2…6: the first retry within a minute, the sixth attempt > 6 hours after the first. */
export const RETRY_DELAYS_S = [30, 5 * 60, 30 * 60, 2 * 3600, 4 * 3600] as const;
export const MAX_ATTEMPTS = RETRY_DELAYS_S.length + 1;
export const DELIVERY_TIMEOUT_MS = 10_000;

/** Seconds to wait after `attempts` failed attempts, or null when the budget is spent. */
export function retryDelaySeconds(attempts: number): number | null {
  if (attempts < 1 || attempts >= MAX_ATTEMPTS) return null;
  return RETRY_DELAYS_S[attempts - 1] ?? null;
}

export function receives(events: readonly WebhookEventType[] | null, type: string): boolean {
  return type === "webhook.test" || events === null || (events as readonly string[]).includes(type);
}

function ipv4(host: string): number[] | null {
  const parts = host.split(".");
  if (parts.length !== 4) return null;
  const octets = parts.map((p) => (/^\d{1,3}$/.test(p) ? Number(p) : Number.NaN));
  return octets.every((o) => o >= 0 && o <= 255) ? octets : null;
}

/** Loopback, private, link-local, CGNAT, unspecified, broadcast and multicast IPv4. */
function privateIpv4([a = 0, b = 0]: number[]): boolean {
  return (
    a === 0 ||
    a === 10 ||
    a === 127 ||
    (a === 100 && b >= 64 && b <= 127) ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 198 && (b === 18 || b === 19)) ||
    a >= 224
  );
}

function privateIpv6(host: string): boolean {
  const h = host.toLowerCase();
  if (h === "::" || h === "::1") return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h)?.[1];
  if (mapped) return privateIpv4(ipv4(mapped) ?? [0]);
  if (/^::ffff:/.test(h)) return true;
  // fc00::/7 unique local, fe80::/10 link-local, ff00::/8 multicast.
  return /^f[cd]/.test(h) || /^fe[89ab]/.test(h) || /^ff/.test(h);
}

/**
 * Why a webhook URL may not be used (null: it may). Production wants https and a public host;
 * `allowPrivate` (DEV_ROUTES=on) lets local receivers on loopback or http work. Host names are
 * checked as written: Workers cannot resolve DNS first, and the platform's fetch does not reach
 * private networks from Cloudflare; redirects are never followed (a 3xx is a failed attempt).
 */
export function targetProblem(raw: string, options: { allowPrivate: boolean }): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "must be an absolute URL such as https://example.com/hooks";
  }
  if (url.protocol !== "https:" && !(options.allowPrivate && url.protocol === "http:"))
    return options.allowPrivate ? "must use http or https" : "must use https";
  if (url.username || url.password) return "must not carry a user name or password";
  if (url.hash) return "must not have a #fragment";
  if (options.allowPrivate) return null;
  const host = url.hostname
    .replace(/^\[|\]$/g, "")
    .replace(/\.$/, "")
    .toLowerCase();
  if (
    host === "localhost" ||
    host.endsWith(".localhost") ||
    host.endsWith(".local") ||
    host.endsWith(".internal")
  )
    return "must not point at a local or internal host";
  const v4 = ipv4(host);
  if (v4 && privateIpv4(v4)) return "must not point at a loopback, private or link-local address";
  if (host.includes(":") && privateIpv6(host))
    return "must not point at a loopback, private or link-local address";
  // Numeric forms browsers accept for IPv4 (2130706433, 0x7f.1, 017.0.0.1) are refused outright.
  if (/^[\d.]+$/.test(host) && !v4) return "must not be a numeric host in an unusual form";
  if (/^0x/i.test(host) || /(^|\.)0\d/.test(host)) return "must not be a numeric host in an unusual form";
  return null;
}
