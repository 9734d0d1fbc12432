/**
 * Browser image decoding: `createImageBitmap` (EXIF orientation applied via `imageOrientation:
 * 'from-image'`) drawn onto an `OffscreenCanvas`, read back as RGBA and reduced to RGB or Pillow luma.
 * Works in window and worker scopes; in environments without these APIs (Node) creating the decoder
 * throws, so use `sharpDecoder` from `@splitmask/datasets/node` there.
 */
import { DatasetError } from './errors';
import { toChannels } from './raw-image';
import type { ImageDecoder, RawImage } from './types';

interface BitmapLike {
  width: number;
  height: number;
  close(): void;
}
interface Canvas2D {
  drawImage(b: BitmapLike, x: number, y: number): void;
  getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
}
interface BrowserGlobals {
  createImageBitmap?: (blob: unknown, options?: Record<string, string>) => Promise<BitmapLike>;
  OffscreenCanvas?: new (w: number, h: number) => { getContext(kind: '2d', o?: object): Canvas2D | null };
  Blob?: new (parts: unknown[]) => unknown;
}

/**
 * Drops alpha from RGBA pixels (Pillow's `convert('RGB')` keeps colour, ignores alpha).
 * [H·W·4] → [H·W·3].
 * @example const rgb = rgbaToRgb(ctx.getImageData(0, 0, w, h).data, w, h);
 */
export function rgbaToRgb(rgba: ArrayLike<number>, width: number, height: number): RawImage {
  const n = width * height;
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    out[3 * i] = rgba[4 * i];
    out[3 * i + 1] = rgba[4 * i + 1];
    out[3 * i + 2] = rgba[4 * i + 2];
  }
  return { data: out, width, height, channels: 3 };
}

/**
 * Creates the canvas-based decoder; throws `UNSUPPORTED_FORMAT` where `createImageBitmap` or
 * `OffscreenCanvas` is missing.
 * @example const decode = createBrowserDecoder(); const img = await decode(new Uint8Array(await file.arrayBuffer()));
 */
export function createBrowserDecoder(globals: BrowserGlobals = globalThis as BrowserGlobals): ImageDecoder {
  const { createImageBitmap, OffscreenCanvas, Blob } = globals;
  if (
    typeof createImageBitmap !== 'function' ||
    typeof OffscreenCanvas !== 'function' ||
    typeof Blob !== 'function'
  )
    throw new DatasetError(
      'UNSUPPORTED_FORMAT',
      'createBrowserDecoder: createImageBitmap/OffscreenCanvas are unavailable here; in Node use sharpDecoder from @splitmask/datasets/node',
    );
  return async (bytes, options = {}) => {
    const name = options.name ?? '<buffer>';
    let bitmap: BitmapLike;
    try {
      bitmap = await createImageBitmap(new Blob([bytes]), {
        imageOrientation: 'from-image',
        premultiplyAlpha: 'none',
        colorSpaceConversion: 'none',
      });
    } catch (e) {
      throw new DatasetError('CORRUPT_IMAGE', `${name}: cannot decode image (${String(e)})`, {
        path: name,
        cause: e,
      });
    }
    try {
      const { width, height } = bitmap;
      const ctx = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true });
      if (!ctx) throw new DatasetError('UNSUPPORTED_FORMAT', `${name}: no 2d canvas context`, { path: name });
      ctx.drawImage(bitmap, 0, 0);
      return toChannels(
        rgbaToRgb(ctx.getImageData(0, 0, width, height).data, width, height),
        options.channels ?? 3,
      );
    } finally {
      bitmap.close();
    }
  };
}
