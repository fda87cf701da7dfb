const TOKEN_BYTES = 32;

function toHex(bytes: ArrayBuffer): string {
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function toBase64Url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");
}

/** A fresh opaque bearer token (256 random bits). Only its hash is stored. */
export function newSessionToken(): string {
  return `lct_${toBase64Url(crypto.getRandomValues(new Uint8Array(TOKEN_BYTES)))}`;
}

/** SHA-256 hex of a token: what the database keeps and looks up. */
export async function hashSessionToken(token: string): Promise<string> {
  return toHex(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token)));
}
