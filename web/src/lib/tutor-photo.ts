/**
 * A profile photo is made small in the browser before it is sent: Workers cannot resize images
 * without a library, so the server only checks type and size. The photo is drawn into at most
 * PHOTO_EDGE × PHOTO_EDGE pixels and encoded as WebP (JPEG where the browser cannot write WebP),
 * with the quality and then the size stepped down until it fits PHOTO_UPLOAD_BUDGET.
 */

export const PHOTO_EDGE = 512;
/**
 * What the SPA sends at most. The API accepts photos up to 2 MB, but every /api request also passes
 * the app-wide 64 KB body limit (src/app.ts); a 512 px photo fits well under it.
 */
export const PHOTO_UPLOAD_BUDGET = 60 * 1024;
/** Larger files are not even decoded (a phone photo is a few MB). */
const MAX_INPUT_BYTES = 30 * 1024 * 1024;

export class PhotoError extends Error {}

function encode(canvas: HTMLCanvasElement, type: string, quality: number): Promise<Blob | null> {
  return new Promise((resolve) => canvas.toBlob(resolve, type, quality));
}

/** WebP if the browser writes it, otherwise JPEG (toBlob falls back to PNG for a type it cannot write). */
async function encodeSmall(canvas: HTMLCanvasElement, quality: number): Promise<Blob | null> {
  const webp = await encode(canvas, "image/webp", quality);
  if (webp?.type === "image/webp") return webp;
  return encode(canvas, "image/jpeg", quality);
}

function draw(image: ImageBitmap, edge: number): HTMLCanvasElement {
  const scale = Math.min(1, edge / Math.max(image.width, image.height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.max(1, Math.round(image.width * scale));
  canvas.height = Math.max(1, Math.round(image.height * scale));
  const context = canvas.getContext("2d");
  if (!context) throw new PhotoError("This browser cannot prepare photos. Try another browser.");
  // JPEG has no transparency: transparent parts become white, not black.
  context.fillStyle = "#fff";
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.imageSmoothingQuality = "high";
  context.drawImage(image, 0, 0, canvas.width, canvas.height);
  return canvas;
}

/** The photo to upload, made from the file the tutor picked; throws PhotoError with words for them. */
export async function preparePhoto(file: File, budget = PHOTO_UPLOAD_BUDGET): Promise<Blob> {
  if (!file.type.startsWith("image/")) throw new PhotoError("Choose a photo (a JPEG, PNG or WebP image).");
  if (file.size > MAX_INPUT_BYTES)
    throw new PhotoError("This file is too large; choose a photo under 30 MB.");
  let image: ImageBitmap;
  try {
    image = await createImageBitmap(file);
  } catch {
    throw new PhotoError("This image could not be read. Try a JPEG or PNG photo.");
  }
  try {
    for (const edge of [PHOTO_EDGE, 384, 256]) {
      const canvas = draw(image, edge);
      for (const quality of [0.85, 0.7, 0.55]) {
        const blob = await encodeSmall(canvas, quality);
        if (blob && blob.size <= budget) return blob;
      }
    }
  } finally {
    image.close();
  }
  throw new PhotoError("This photo could not be made small enough. Try another one.");
}
