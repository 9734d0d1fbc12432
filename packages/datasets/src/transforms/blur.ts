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

/**
 * One extended-box-blur pass over `lines` lines of `n` pixels, in place: pixel x of line l, channel k is
 * at `l·lineStep + x·stride + k` (rows: stride C; columns: stride W·C, so no transposes are needed).
 */
function boxBlurLines(
  data: Uint8Array,
  lines: number,
  n: number,
  lineStep: number,
  stride: number,
  c: number,
  floatRadius: number,
): void {
  const radius = Math.trunc(floatRadius);
  const ww = Math.trunc(Math.fround(16777216 / Math.fround(floatRadius * 2 + 1)));
  const fw = Math.trunc((16777216 - (radius * 2 + 1) * ww) / 2);
  const pad = radius + 1;
  // One channel of one line, edge pixels repeated `pad` times on each side.
  const ext = new Int32Array(n + 2 * pad);
  for (let l = 0; l < lines; l++) {
    for (let k = 0; k < c; k++) {
      const base = l * lineStep + k;
      for (let x = 0, p = base; x < n; x++, p += stride) ext[pad + x] = data[p];
      ext.fill(ext[pad], 0, pad);
      ext.fill(ext[pad + n - 1], pad + n);
      // acc = sum of the 2·radius + 1 taps centred on x (ext index x + pad).
      let acc = 0;
      for (let t = pad - radius; t <= pad + radius; t++) acc += ext[t];
      // bulk < 2^33, so the rounding shift is done in float64 (× 2^-24 is exact).
      for (
        let x = 0, p = base, lo = pad - radius - 1, hi = pad + radius + 1;
        x < n;
        x++, p += stride, lo++, hi++
      ) {
        const bulk = acc * ww + (ext[lo] + ext[hi]) * fw;
        data[p] = (bulk + 8388608) * 5.9604644775390625e-8;
        acc += ext[hi] - ext[lo + 1];
      }
    }
  }
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
  for (let i = 0; i < passes; i++) boxBlurLines(data, h, w, w * c, c, c, r); // rows
  for (let i = 0; i < passes; i++) boxBlurLines(data, w, h, c, w * c, c, r); // columns
  return { ...image, data };
}
