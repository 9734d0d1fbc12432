/**
 * Photometric transforms on uint8 images, matching what torchvision 0.14 does to PIL images
 * (Pillow 9.x `ImageEnhance`, `Image.blend`, `convert('L')`, `convert('HSV')`, `ImageOps.solarize`).
 * DINO/BYOL's recipe (paper §7.5): ColorJitter(0.4, 0.4, 0.2, 0.1) p=0.8, RandomGrayscale p=0.2,
 * Solarization p=0.2 (threshold 128). Grey (1-channel) images pass through saturation and hue unchanged,
 * as in torchvision.
 */
import { checkArg } from '../errors';
import type { RawImage } from '../types';

/** Pillow's RGB→L luma, `(R·19595 + G·38470 + B·7471 + 0x8000) >> 16`. */
const luma = (r: number, g: number, b: number): number => (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16;

/** Pillow's `Image.blend(degenerate, image, alpha)` with a constant or per-pixel degenerate, float32 math. */
function blend(image: RawImage, alpha: number, degenerate: number | Uint8Array): RawImage {
  const a = Math.fround(alpha);
  const src = image.data;
  const out = new Uint8Array(src.length);
  const f = Math.fround;
  const perPixel = typeof degenerate !== 'number';
  const d0 = perPixel ? 0 : degenerate;
  if (a >= 0 && a <= 1) {
    for (let i = 0; i < src.length; i++) {
      const d = perPixel ? degenerate[i] : d0;
      out[i] = f(d + f(a * (src[i] - d))); // truncation by the Uint8Array store (value in [0, 255])
    }
  } else {
    for (let i = 0; i < src.length; i++) {
      const d = perPixel ? degenerate[i] : d0;
      const t = f(d + f(a * (src[i] - d)));
      out[i] = Math.max(0, Math.min(255, t));
    }
  }
  return { ...image, data: out };
}

/**
 * Brightness: blend with black by `factor` (1 = identity). [H, W, C] → [H, W, C].
 * @example adjustBrightness(img, 1.2)
 */
export function adjustBrightness(image: RawImage, factor: number): RawImage {
  checkArg(factor >= 0, `adjustBrightness: factor must be >= 0, got ${factor}`);
  return blend(image, factor, 0);
}

/** Mean luma rounded as Pillow's `int(ImageStat.Stat(img.convert('L')).mean[0] + 0.5)`. */
function meanLuma(image: RawImage): number {
  const d = image.data;
  let sum = 0;
  if (image.channels === 1) for (let i = 0; i < d.length; i++) sum += d[i];
  else for (let i = 0; i < d.length; i += 3) sum += luma(d[i], d[i + 1], d[i + 2]);
  return Math.trunc(sum / (image.width * image.height) + 0.5);
}

/**
 * Contrast: blend with the mean grey level by `factor`. [H, W, C] → [H, W, C].
 * @example adjustContrast(img, 0.7)
 */
export function adjustContrast(image: RawImage, factor: number): RawImage {
  checkArg(factor >= 0, `adjustContrast: factor must be >= 0, got ${factor}`);
  const mean = meanLuma(image);
  return blend(image, factor, mean);
}

/**
 * Greyscale, keeping the channel count (RandomGrayscale's `num_output_channels = C`). [H, W, C] → [H, W, C].
 * @example toGreyscale(img)
 */
export function toGreyscale(image: RawImage): RawImage {
  if (image.channels === 1) return { ...image, data: image.data.slice() };
  const d = image.data;
  const out = new Uint8Array(d.length);
  for (let i = 0; i < d.length; i += 3) {
    const l = luma(d[i], d[i + 1], d[i + 2]);
    out[i] = l;
    out[i + 1] = l;
    out[i + 2] = l;
  }
  return { ...image, data: out };
}

/**
 * Saturation: blend with the greyscale image by `factor` (0 = grey). Grey input is returned as is.
 * @example adjustSaturation(img, 1.4)
 */
export function adjustSaturation(image: RawImage, factor: number): RawImage {
  checkArg(factor >= 0, `adjustSaturation: factor must be >= 0, got ${factor}`);
  if (image.channels === 1) return { ...image, data: image.data.slice() };
  return blend(image, factor, toGreyscale(image).data);
}

/**
 * Hue: rotates Pillow's 8-bit HSV hue by `round_toward_zero(factor·255) mod 256`, `factor ∈ [−0.5, 0.5]`.
 * @example adjustHue(img, 0.1)
 */
export function adjustHue(image: RawImage, factor: number): RawImage {
  checkArg(factor >= -0.5 && factor <= 0.5, `adjustHue: factor must be in [-0.5, 0.5], got ${factor}`);
  if (image.channels === 1) return { ...image, data: image.data.slice() };
  const shift = ((Math.trunc(factor * 255) % 256) + 256) % 256; // np.uint8(hue_factor * 255)
  const d = image.data;
  const out = new Uint8Array(d.length);
  const hsv = new Uint8Array(3);
  for (let i = 0; i < d.length; i += 3) {
    rgbToHsv(d[i], d[i + 1], d[i + 2], hsv);
    hsvToRgb((hsv[0] + shift) & 255, hsv[1], hsv[2], out, i);
  }
  return { ...image, data: out };
}

const clip8 = (x: number): number => Math.max(0, Math.min(255, x));

/** Pillow's `rgb2hsv_row` (float32 math, truncating casts). */
function rgbToHsv(r: number, g: number, b: number, out: Uint8Array): void {
  const f = Math.fround;
  const maxc = Math.max(r, g, b);
  const minc = Math.min(r, g, b);
  out[2] = maxc;
  if (minc === maxc) {
    out[0] = 0;
    out[1] = 0;
    return;
  }
  const cr = maxc - minc;
  const s = f(cr / maxc);
  const rc = f((maxc - r) / cr);
  const gc = f((maxc - g) / cr);
  const bc = f((maxc - b) / cr);
  let h: number;
  if (r === maxc) h = f(bc - gc);
  else if (g === maxc) h = f(2 + rc - bc);
  else h = f(4 + gc - rc);
  h = f((h / 6 + 1) % 1);
  out[0] = clip8(Math.trunc(h * 255));
  out[1] = clip8(Math.trunc(s * 255));
}

/** Pillow's `hsv2rgb` (C `round` = half away from zero; arguments are non-negative here). */
function hsvToRgb(h: number, s: number, v: number, out: Uint8Array, o: number): void {
  if (s === 0) {
    out[o] = v;
    out[o + 1] = v;
    out[o + 2] = v;
    return;
  }
  const i = Math.floor((h * 6) / 255);
  const f = Math.fround((h * 6) / 255 - i);
  const fs = Math.fround(s / 255);
  const p = clip8(Math.round(v * (1 - fs)));
  const q = clip8(Math.round(v * (1 - fs * f)));
  const t = clip8(Math.round(v * (1 - fs * (1 - f))));
  let r = v;
  let g = t;
  let b = p;
  switch (i % 6) {
    case 1:
      r = q;
      g = v;
      break;
    case 2:
      r = p;
      g = v;
      b = t;
      break;
    case 3:
      r = p;
      g = q;
      b = v;
      break;
    case 4:
      r = t;
      g = p;
      b = v;
      break;
    case 5:
      g = p;
      b = q;
      break;
  }
  out[o] = r;
  out[o + 1] = g;
  out[o + 2] = b;
}

/**
 * Solarize: pixels >= `threshold` become 255 − p (`ImageOps.solarize`, default threshold 128).
 * @example solarize(img)
 */
export function solarize(image: RawImage, threshold = 128): RawImage {
  const d = image.data;
  const out = new Uint8Array(d.length);
  for (let i = 0; i < d.length; i++) out[i] = d[i] < threshold ? d[i] : 255 - d[i];
  return { ...image, data: out };
}

/**
 * Horizontal flip (mirror columns). [H, W, C] → [H, W, C].
 * @example hflip(img)
 */
export function hflip(image: RawImage): RawImage {
  const { width: w, height: h, channels: c, data } = image;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < h; y++) {
    const row = y * w * c;
    for (let x = 0; x < w; x++) {
      const src = row + x * c;
      const dst = row + (w - 1 - x) * c;
      for (let k = 0; k < c; k++) out[dst + k] = data[src + k];
    }
  }
  return { ...image, data: out };
}
