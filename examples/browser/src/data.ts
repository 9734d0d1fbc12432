/**
 * Image sets for the page: the bundled Fashion-MNIST subset (`public/fashion-mnist-512.bin`, written by
 * scripts/make-subset.mjs) and a user's folder of images, decoded and resized in the browser.
 */
import { InvalidArgumentError, SplitmaskError } from '@splitmask/core';
import type { ImageArray } from '@splitmask/splitmask';

/** Fashion-MNIST class names (label order). */
export const FASHION_MNIST_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
] as const;

/** An image file the browser could not decode. */
export class UnsupportedImageError extends SplitmaskError {
  readonly file: string;
  constructor(file: string, why: string) {
    super('UNSUPPORTED_IMAGE', `cannot decode '${file}' as an image (${why}); it was skipped`);
    this.file = file;
  }
}

/**
 * Decodes the bundled subset format: 'FMN1', u32 count, size, channels, pixels [N·S·S·C] u8, labels [N] u8.
 * @example const data = decodeSubset(new Uint8Array(await (await fetch(url)).arrayBuffer()));
 */
export function decodeSubset(bytes: Uint8Array): ImageArray {
  const magic = String.fromCharCode(...bytes.subarray(0, 4));
  if (bytes.length < 16 || magic !== 'FMN1') {
    throw new InvalidArgumentError(
      `decodeSubset: not an FMN1 file (magic '${magic}', ${bytes.length} bytes)`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = view.getUint32(4, true);
  const size = view.getUint32(8, true);
  const channels = view.getUint32(12, true);
  const n = count * size * size * channels;
  if (bytes.length !== 16 + n + count) {
    throw new InvalidArgumentError(
      `decodeSubset: ${bytes.length} bytes, expected ${16 + n + count} for ${count} images of ${size}x${size}x${channels}`,
    );
  }
  return {
    pixels: bytes.slice(16, 16 + n),
    count,
    size,
    channels,
    labels: Int32Array.from(bytes.subarray(16 + n)),
  };
}

/** The first `n` images of `data` (labels too). */
export function takeImages(data: ImageArray, n: number): ImageArray {
  const k = Math.min(n, data.count);
  const per = data.size * data.size * data.channels;
  return { ...data, count: k, pixels: data.pixels.slice(0, k * per), labels: data.labels?.slice(0, k) };
}

/**
 * Decodes image files (a folder picked with `<input webkitdirectory>`) to grayscale `size`×`size` uint8
 * (centre-cropped to a square, then resized). Files that fail to decode are reported, not fatal.
 * Browser only (createImageBitmap + OffscreenCanvas).
 * @example const { data, skipped } = await decodeImageFiles(input.files, 28);
 */
export async function decodeImageFiles(
  files: Iterable<File>,
  size: number,
  onProgress?: (done: number) => void,
): Promise<{ data: ImageArray; skipped: UnsupportedImageError[] }> {
  const images: Uint8Array[] = [];
  const skipped: UnsupportedImageError[] = [];
  const canvas = new OffscreenCanvas(size, size);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new SplitmaskError('NO_CANVAS', 'this browser has no 2D OffscreenCanvas');
  let done = 0;
  for (const file of files) {
    done++;
    if (file.type && !file.type.startsWith('image/')) {
      skipped.push(new UnsupportedImageError(file.name, `type '${file.type}'`));
      continue;
    }
    let bitmap: ImageBitmap;
    try {
      bitmap = await createImageBitmap(file);
    } catch (e) {
      skipped.push(new UnsupportedImageError(file.name, e instanceof Error ? e.message : String(e)));
      continue;
    }
    const side = Math.min(bitmap.width, bitmap.height);
    ctx.fillStyle = 'black';
    ctx.fillRect(0, 0, size, size);
    ctx.drawImage(
      bitmap,
      (bitmap.width - side) / 2,
      (bitmap.height - side) / 2,
      side,
      side,
      0,
      0,
      size,
      size,
    );
    bitmap.close();
    const rgba = ctx.getImageData(0, 0, size, size).data;
    const gray = new Uint8Array(size * size);
    for (let i = 0; i < gray.length; i++) {
      gray[i] = Math.round(0.299 * rgba[4 * i] + 0.587 * rgba[4 * i + 1] + 0.114 * rgba[4 * i + 2]);
    }
    images.push(gray);
    if (done % 32 === 0) onProgress?.(done);
  }
  const pixels = new Uint8Array(images.length * size * size);
  images.forEach((g, i) => {
    pixels.set(g, i * size * size);
  });
  return { data: { pixels, count: images.length, size, channels: 1 }, skipped };
}
