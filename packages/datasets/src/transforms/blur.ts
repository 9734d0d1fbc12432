/**
 * Gaussian blur as Pillow's `ImageFilter.GaussianBlur(radius)` (what DINO/BYOL apply, radius ~ U(0.1, 2)):
 * Pillow approximates the Gaussian by 3 passes of an "extended" box blur with a fractional radius
 * (Gwosdek et al. 2011), per axis, edges extended, 8-bit rounding after each pass
 * (`libImaging/BoxBlur.c`). Single-precision float parameters as in the C code.
 */
import { checkArg } from '../errors';
import type { RawImage } from '../types';

/** Pillow's `_gaussian_blur_radius(radius, passes)`: fractional box radius of each pass. */
function boxRadius(radius: number, passes: number): number {
  const f = Math.fround;
  const sigma2 = f(f(radius * radius) / passes);
  const L = f(Math.sqrt(12 * sigma2 + 1));
  const l = f(Math.floor((L - 1) / 2));
  let a = f((2 * l + 1) * (l * (l + 1) - 3 * sigma2));
  a = f(a / f(6 * (sigma2 - (l + 1) * (l + 1))));
  return f(l + a);
}

/** One extended-box-blur pass along each row of a [rows, n, c] buffer, in place. */
function boxBlurRows(data: Uint8Array, rows: number, n: number, c: number, floatRadius: number): void {
  const radius = Math.trunc(floatRadius);
  const ww = Math.trunc(Math.fround(16777216 / Math.fround(floatRadius * 2 + 1)));
  const fw = Math.trunc((16777216 - (radius * 2 + 1) * ww) / 2);
  const pad = radius + 1;
  // One channel of one row, edge pixels repeated `pad` times on each side.
  const ext = new Int32Array(n + 2 * pad);
  for (let r = 0; r < rows; r++) {
    const base = r * n * c;
    for (let k = 0; k < c; k++) {
      for (let x = 0; x < n; x++) ext[pad + x] = data[base + x * c + k];
      ext.fill(ext[pad], 0, pad);
      ext.fill(ext[pad + n - 1], pad + n);
      // acc = sum of the 2·radius + 1 taps centred on x (ext index x + pad).
      let acc = 0;
      for (let t = pad - radius; t <= pad + radius; t++) acc += ext[t];
      for (let x = 0; x < n; x++) {
        const e = x + pad;
        const bulk = acc * ww + (ext[e - radius - 1] + ext[e + radius + 1]) * fw;
        data[base + x * c + k] = Math.floor((bulk + 8388608) / 16777216);
        acc += ext[e + radius + 1] - ext[e - radius];
      }
    }
  }
}

/** Transposes [h, w, c] → [w, h, c]. */
function transpose(data: Uint8Array, h: number, w: number, c: number): Uint8Array {
  const out = new Uint8Array(data.length);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let k = 0; k < c; k++) out[(x * h + y) * c + k] = data[(y * w + x) * c + k];
  return out;
}

/**
 * Gaussian blur with Pillow's radius semantics (radius = standard deviation of the approximated Gaussian).
 * [H, W, C] → [H, W, C].
 * @example gaussianBlur(img, rng.uniform(0.1, 2.0))
 */
export function gaussianBlur(image: RawImage, radius: number, passes = 3): RawImage {
  checkArg(radius >= 0, `gaussianBlur: radius must be >= 0, got ${radius}`);
  const { width: w, height: h, channels: c } = image;
  const data = image.data.slice();
  if (radius === 0) return { ...image, data };
  const r = boxRadius(radius, passes);
  for (let i = 0; i < passes; i++) boxBlurRows(data, h, w, c, r);
  const t = transpose(data, h, w, c);
  for (let i = 0; i < passes; i++) boxBlurRows(t, w, h, c, r);
  return { ...image, data: transpose(t, w, h, c) };
}
