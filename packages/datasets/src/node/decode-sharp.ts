/**
 * Node image decoding with sharp (libvips): JPEG, PNG, WebP (and whatever else libvips reads), EXIF
 * orientation applied (`.rotate()`), alpha dropped like Pillow's `convert('RGB')`, grey expanded to RGB
 * (or RGB reduced to Pillow's luma with `channels: 1`). Decodes run on libuv's thread pool, so several
 * `await`ed in parallel use several cores. sharp is an optional peer dependency (`npm install sharp`).
 */
import type SharpModule from 'sharp';
import { DatasetError } from '../errors';
import { toChannels } from '../raw-image';
import type { DecodeOptions, RawImage } from '../types';
import { importOptional } from './optional-package';

let sharpModule: Promise<typeof SharpModule> | undefined;
/** sharp is an optional peer dependency, loaded on the first decode. */
function loadSharp(): Promise<typeof SharpModule> {
  sharpModule ??= importOptional(
    'sharp',
    'sharpDecoder (image folders, WebDataset shards)',
    () => import('sharp'),
  ).then((m) => (m as { default?: typeof SharpModule }).default ?? (m as unknown as typeof SharpModule));
  sharpModule.catch(() => {
    sharpModule = undefined;
  });
  return sharpModule;
}

/**
 * Decodes encoded bytes to a `RawImage` with `channels` 3 (default) or 1.
 * Rejects with `UNSUPPORTED_FORMAT` or `CORRUPT_IMAGE` (truncated/garbled data) naming `options.name`.
 * @example const img = await sharpDecoder(await readFile('cat.jpg'), { name: 'cat.jpg' });
 */
export async function sharpDecoder(bytes: Uint8Array, options: DecodeOptions = {}): Promise<RawImage> {
  const name = options.name ?? '<buffer>';
  const channels = options.channels ?? 3;
  const sharp = await loadSharp();
  try {
    const { data, info } = await sharp(bytes, { failOn: 'warning' })
      .rotate()
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const pixels = new Uint8Array(data.buffer, data.byteOffset, data.length);
    let image: RawImage;
    if (info.channels === 1 || info.channels === 3) {
      image = { data: pixels, width: info.width, height: info.height, channels: info.channels };
    } else {
      throw new DatasetError(
        'UNSUPPORTED_FORMAT',
        `${name}: ${info.channels}-channel images (e.g. CMYK) are not supported`,
        {
          path: name,
        },
      );
    }
    return toChannels(image, channels);
  } catch (e) {
    if (e instanceof DatasetError) throw e;
    const msg = e instanceof Error ? e.message : String(e);
    const reason = /unsupported image format/i.test(msg) ? 'UNSUPPORTED_FORMAT' : 'CORRUPT_IMAGE';
    throw new DatasetError(reason, `${name}: cannot decode image (${msg})`, { path: name, cause: e });
  }
}
