/**
 * Small helpers on `RawImage`: validation, channel conversion (Pillow's luma for RGB→grey) and
 * conversion to normalised float.
 */
import { checkArg, DatasetError } from './errors';
import type { FloatImage, RawImage } from './types';

/**
 * Wraps pixels as a `RawImage`, checking `data.length = H·W·C`.
 * @example const img = createRawImage(new Uint8Array(28 * 28), 28, 28, 1);
 */
export function createRawImage(data: Uint8Array, width: number, height: number, channels: number): RawImage {
  checkArg(
    Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0,
    `createRawImage: size must be positive integers, got ${width}x${height}`,
  );
  checkArg(channels === 1 || channels === 3, `createRawImage: channels must be 1 or 3, got ${channels}`);
  if (data.length !== width * height * channels)
    throw new DatasetError(
      'WRONG_SIZE',
      `createRawImage: expected ${width}x${height}x${channels} = ${width * height * channels} bytes, got ${data.length}`,
    );
  return { data, width, height, channels };
}

/**
 * Converts to 1 (Pillow luma) or 3 (grey replicated) channels; returns the input when it already matches.
 * [H, W, C] → [H, W, channels].
 * @example const rgb = toChannels(fashionMnistImage, 3);
 */
export function toChannels(image: RawImage, channels: 1 | 3): RawImage {
  if (image.channels === channels) return image;
  const n = image.width * image.height;
  const src = image.data;
  const out = new Uint8Array(n * channels);
  if (channels === 3) {
    for (let i = 0; i < n; i++) {
      const v = src[i];
      out[3 * i] = v;
      out[3 * i + 1] = v;
      out[3 * i + 2] = v;
    }
  } else {
    for (let i = 0; i < n; i++)
      out[i] = (src[3 * i] * 19595 + src[3 * i + 1] * 38470 + src[3 * i + 2] * 7471 + 0x8000) >> 16;
  }
  return { data: out, width: image.width, height: image.height, channels };
}

/** ImageNet statistics (timm `IMAGENET_DEFAULT_MEAN/STD`), used by DINO and fine-tuning. */
export const IMAGENET_MEAN: readonly number[] = Object.freeze([0.485, 0.456, 0.406]);
/** ImageNet standard deviation per channel. */
export const IMAGENET_STD: readonly number[] = Object.freeze([0.229, 0.224, 0.225]);
/** BEiT's default `IMAGENET_INCEPTION` mean = std = 0.5 (maps [0, 1] to [−1, 1]). */
export const INCEPTION_MEAN: readonly number[] = Object.freeze([0.5, 0.5, 0.5]);
/** Inception standard deviation per channel. */
export const INCEPTION_STD: readonly number[] = Object.freeze([0.5, 0.5, 0.5]);

/**
 * `ToTensor` + `Normalize(mean, std)`: (p/255 − mean_c) / std_c as float32, channels-last.
 * Default mean 0, std 1 gives [0, 1]. `mean`/`std` have one entry per channel, or one for all.
 * `out` (length H·W·C) lets the loader write straight into a batch buffer; `mirror` also flips the
 * image horizontally (one pass instead of `hflip` + `normalize`).
 * [H, W, C] uint8 → [H, W, C] float32.
 * @example const x = normalize(img, IMAGENET_MEAN, IMAGENET_STD);
 */
export function normalize(
  image: RawImage,
  mean: readonly number[] = [0],
  std: readonly number[] = [1],
  out?: Float32Array,
  mirror = false,
): FloatImage {
  const c = image.channels;
  checkArg(
    (mean.length === c || mean.length === 1) && (std.length === c || std.length === 1),
    () => `normalize: mean/std need 1 or ${c} entries, got ${mean.length}/${std.length}`,
  );
  checkArg(
    std.every((s) => s > 0),
    () => `normalize: std must be positive, got [${std}]`,
  );
  const n = image.data.length;
  const data = out ?? new Float32Array(n);
  checkArg(data.length === n, () => `normalize: out has length ${data.length}, expected ${n}`);
  const scale = new Float64Array(c);
  const shift = new Float64Array(c);
  for (let k = 0; k < c; k++) {
    const s = std[std.length === 1 ? 0 : k];
    scale[k] = 1 / (255 * s);
    shift[k] = mean[mean.length === 1 ? 0 : k] / s;
  }
  const src = image.data;
  if (!mirror) {
    for (let i = 0; i < n; i += c) for (let k = 0; k < c; k++) data[i + k] = src[i + k] * scale[k] - shift[k];
  } else {
    // Fused horizontal flip: pixel x of each row is written to column W − 1 − x.
    const { width: w, height: h } = image;
    for (let y = 0; y < h; y++) {
      const row = y * w * c;
      for (let x = 0; x < w; x++) {
        const i = row + x * c;
        const o = row + (w - 1 - x) * c;
        for (let k = 0; k < c; k++) data[o + k] = src[i + k] * scale[k] - shift[k];
      }
    }
  }
  return { data, width: image.width, height: image.height, channels: c };
}
