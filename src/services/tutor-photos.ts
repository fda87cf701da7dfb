import type { Deps } from "../deps";
import { AppError, type ErrorInfo, fail, ok, type Result } from "../domain/errors";
import { newId } from "../domain/ids";
import type { ProviderProfile } from "../shared/api-types";
import { PHOTO_TYPES, type PhotoType, TUTOR_LIMITS } from "../shared/tutor-types";
import { toProviderProfile } from "./accounts";

/** Where profile photos live: the PHOTOS R2 bucket in production, a map in unit tests. */
export interface PhotoStore {
  put(key: string, bytes: Uint8Array, contentType: PhotoType): Promise<void>;
  get(key: string): Promise<StoredPhoto | null>;
  /** Deleting a key that is gone already is not an error. */
  delete(key: string): Promise<void>;
}

export interface StoredPhoto {
  body: ReadableStream;
  contentType: string;
  etag: string;
}

export function r2PhotoStore(bucket: R2Bucket): PhotoStore {
  return {
    async put(key, bytes, contentType) {
      await bucket.put(key, bytes, { httpMetadata: { contentType } });
    },
    async get(key) {
      const object = await bucket.get(key);
      if (!object) return null;
      return {
        body: object.body,
        contentType: object.httpMetadata?.contentType ?? "application/octet-stream",
        etag: object.httpEtag,
      };
    },
    async delete(key) {
      await bucket.delete(key);
    },
  };
}

const startsWith = (bytes: Uint8Array, prefix: number[], at = 0) =>
  bytes.length >= at + prefix.length && prefix.every((byte, i) => bytes[at + i] === byte);

const ascii = (text: string) => [...text].map((ch) => ch.charCodeAt(0));

/** What an image is by its first bytes (JPEG SOI, PNG signature, RIFF….WEBP), or undefined. */
export function sniffPhotoType(bytes: Uint8Array): PhotoType | undefined {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return "image/jpeg";
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "image/png";
  if (startsWith(bytes, ascii("RIFF")) && startsWith(bytes, ascii("WEBP"), 8)) return "image/webp";
  return undefined;
}

/** "image/JPEG; charset=x" → "image/jpeg"; undefined without a header. */
function mediaType(header: string | null | undefined): string | undefined {
  return header?.split(";")[0]?.trim().toLowerCase() || undefined;
}

const invalid = (path: string, message: string, summary: string) =>
  fail("VALIDATION_FAILED", summary, [{ path, message }]);

/**
 * Decides whether an upload is a photo Lectern keeps: 1 byte .. 2 MB, a Content-Type of JPEG, PNG
 * or WebP, and bytes that are what the header says.
 */
export function checkPhoto(contentType: string | null | undefined, bytes: Uint8Array): Result<PhotoType> {
  const declared = mediaType(contentType);
  if (!declared || !(PHOTO_TYPES as readonly string[]).includes(declared)) {
    return invalid(
      "content-type",
      `must be one of ${PHOTO_TYPES.join(", ")}`,
      "Send the photo as a JPEG, PNG or WebP image with its Content-Type.",
    );
  }
  if (bytes.byteLength === 0) return invalid("body", "must not be empty", "The photo is empty.");
  if (bytes.byteLength > TUTOR_LIMITS.photoBytes) return tooLarge();
  const actual = sniffPhotoType(bytes);
  if (actual !== declared) {
    return invalid(
      "body",
      `is not a ${declared} image`,
      "The file is not the image its Content-Type says (JPEG, PNG or WebP).",
    );
  }
  return ok(actual);
}

function tooLarge() {
  const mb = TUTOR_LIMITS.photoBytes / (1024 * 1024);
  return invalid(
    "body",
    `must be at most ${TUTOR_LIMITS.photoBytes} bytes`,
    `The photo is larger than ${mb} MB.`,
  );
}

/**
 * Reads a request body of at most `max` bytes. A larger declared Content-Length is refused at
 * once; a chunked body is read to its end (refusing half-way breaks the connection's next
 * request, see body-limit.ts) and only its first `max` + 1 bytes are kept.
 */
export async function readPhotoBody(request: Request, max = TUTOR_LIMITS.photoBytes): Promise<Uint8Array> {
  const declared = request.headers.get("content-length");
  if (declared !== null && (!/^\d+$/.test(declared) || Number(declared) > max)) {
    throw errorOf(tooLarge().error);
  }
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const kept: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total <= max) kept.push(value);
  }
  if (total > max) throw errorOf(tooLarge().error);
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of kept) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

const errorOf = (error: ErrorInfo) => new AppError(error.code, error.message, error.details);

const NO_PROFILE = () =>
  new AppError("NOT_FOUND", "Save your hourly rate first: the photo belongs to your teaching profile.");

/** Each failed swap means another request's swap succeeded; this many in a row is not contention. */
const MAX_SWAP_ATTEMPTS = 10;

/**
 * Points the profile at `next` (a new photo's key, or null) in place of whatever it points at,
 * then deletes the replaced object. The key is swapped only while it is still the one read, so
 * of concurrent uploads each replaced key is deleted exactly once and none is left orphaned.
 */
async function swapPhotoKey(
  deps: Deps,
  store: PhotoStore,
  userId: string,
  next: string | null,
): Promise<ProviderProfile> {
  const accounts = deps.records.accounts;
  for (let attempt = 0; attempt < MAX_SWAP_ATTEMPTS; attempt++) {
    const profile = await accounts.findProviderProfile(userId);
    if (!profile) throw NO_PROFILE();
    const previous = profile.photoKey ?? null;
    if (previous === next) return toProviderProfile(profile);
    const now = deps.now();
    if (await accounts.replacePhotoKey(userId, previous, next, now)) {
      if (previous) {
        try {
          await store.delete(previous);
        } catch (error) {
          console.error("photo delete failed; the object is orphaned", previous, error);
        }
      }
      return toProviderProfile({ ...profile, photoKey: next, updatedAt: now });
    }
    // Another upload or removal came first: read the key it left and replace that.
  }
  throw new AppError("INTERNAL", "The photo kept changing underneath this request; nothing was changed.");
}

/** Stores an uploaded photo under a fresh key and makes it the provider's photo. */
export async function replacePhoto(
  deps: Deps,
  store: PhotoStore,
  userId: string,
  upload: { contentType: string | null | undefined; bytes: Uint8Array },
): Promise<ProviderProfile> {
  const checked = checkPhoto(upload.contentType, upload.bytes);
  if (!checked.ok) throw errorOf(checked.error);
  if (!(await deps.records.accounts.findProviderProfile(userId))) throw NO_PROFILE();
  const key = `photos/${userId}/${newId("pho")}`;
  await store.put(key, upload.bytes, checked.value);
  try {
    return await swapPhotoKey(deps, store, userId, key);
  } catch (error) {
    await store.delete(key).catch(() => undefined);
    throw error;
  }
}

/** Removes the provider's photo (none: nothing changes). */
export function removePhoto(deps: Deps, store: PhotoStore, userId: string): Promise<ProviderProfile> {
  return swapPhotoKey(deps, store, userId, null);
}

/** A provider's current photo and its key, or undefined when they have none. */
export async function readPhoto(
  deps: Deps,
  store: PhotoStore,
  providerId: string,
): Promise<(StoredPhoto & { key: string }) | undefined> {
  const key = (await deps.records.accounts.findProviderProfile(providerId))?.photoKey;
  if (!key) return undefined;
  const photo = await store.get(key);
  return photo ? { ...photo, key } : undefined;
}
