/**
 * Image resizing that reproduces Pillow's `Image.resize(size, resample, box)` on uint8 images
 * (Pillow 9.x `libImaging/Resample.c`): separable convolution whose filter support is widened by the
 * downscale factor (antialiasing), coefficients normalised then quantised to 22-bit fixed point,
 * horizontal pass first with a uint8 intermediate, then the vertical pass. BEiT and DINO resize PIL
 * images, so matching PIL (bicubic a = −0.5, not torch's −0.75) keeps the pixels the reference saw.
 */
import { checkArg } from '../errors';
import type { RawImage } from '../types';
import type { CropBox } from './crop-box';

/** Resampling filter names, as Pillow's `Image.Resampling`. */
export type Interpolation = 'bilinear' | 'bicubic' | 'lanczos';

interface Filter {
  support: number;
  fn: (x: number) => number;
}

const sinc = (x: number): number => {
  if (x === 0) return 1;
  const px = x * Math.PI;
  return Math.sin(px) / px;
};

const FILTERS: Record<Interpolation, Filter> = {
  bilinear: { support: 1, fn: (x) => Math.max(0, 1 - Math.abs(x)) },
  bicubic: {
    support: 2,
    fn: (t) => {
      const a = -0.5; // Pillow's bicubic
      const x = Math.abs(t);
      if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
      if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
      return 0;
    },
  },
  lanczos: { support: 3, fn: (x) => (x >= -3 && x < 3 ? sinc(x) * sinc(x / 3) : 0) },
};

const PRECISION_BITS = 22; // 32 - 8 - 2, as Pillow
const HALF = 1 << (PRECISION_BITS - 1);
const ONE = 1 << PRECISION_BITS;

interface Coeffs {
  ksize: number;
  /** [outSize·2]: first input index and tap count per output pixel. */
  bounds: Int32Array;
  /** [outSize·ksize] fixed-point taps. */
  kk: Int32Array;
}

/** Pillow's `precompute_coeffs` + `normalize_coeffs_8bpc` for one axis (input span [in0, in1)). */
function precomputeCoeffs(inSize: number, in0: number, in1: number, outSize: number, filter: Filter): Coeffs {
  const scale = (in1 - in0) / outSize;
  const filterscale = Math.max(scale, 1);
  const support = filter.support * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const kk = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  const ss = 1 / filterscale;
  for (let xx = 0; xx < outSize; xx++) {
    const center = in0 + (xx + 0.5) * scale;
    const xmin = Math.max(0, Math.trunc(center - support + 0.5));
    const xmax = Math.min(inSize, Math.trunc(center + support + 0.5)) - xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      const w = filter.fn((x + xmin - center + 0.5) * ss);
      k[x] = w;
      ww += w;
    }
    for (let x = 0; x < xmax; x++) {
      const w = ww !== 0 ? k[x] / ww : k[x];
      kk[xx * ksize + x] = w < 0 ? Math.trunc(-0.5 + w * ONE) : Math.trunc(0.5 + w * ONE);
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  return { ksize, bounds, kk };
}

const clip8 = (ss: number): number => (ss <= 0 ? 0 : ss >= ONE * 256 ? 255 : ss >> PRECISION_BITS);

/** Horizontal pass over the `rows`×(cropped) region at (top, left) of `src` (row width srcW) → outW wide. */
function resampleHorizontal(
  src: Uint8Array,
  srcW: number,
  c: number,
  top: number,
  left: number,
  rows: number,
  outW: number,
  co: Coeffs,
): Uint8Array {
  const out = new Uint8Array(outW * rows * c);
  const { ksize, bounds, kk } = co;
  for (let y = 0; y < rows; y++) {
    const rowIn = ((y + top) * srcW + left) * c;
    let o = y * outW * c;
    for (let xx = 0; xx < outW; xx++) {
      const xmax = bounds[xx * 2 + 1];
      const kOff = xx * ksize;
      let p = rowIn + bounds[xx * 2] * c;
      if (c === 3) {
        // Channels unrolled as Pillow's ImagingResampleHorizontal_8bpc does for 3-4 band images.
        let s0 = HALF;
        let s1 = HALF;
        let s2 = HALF;
        for (let x = 0; x < xmax; x++, p += 3) {
          // int32 is exact: |Σ| < 255 · 1.3 · 2^22 < 2^31 for these normalised filters
          const k = kk[kOff + x];
          s0 = (s0 + Math.imul(src[p], k)) | 0;
          s1 = (s1 + Math.imul(src[p + 1], k)) | 0;
          s2 = (s2 + Math.imul(src[p + 2], k)) | 0;
        }
        out[o++] = clip8(s0);
        out[o++] = clip8(s1);
        out[o++] = clip8(s2);
      } else {
        for (let ch = 0; ch < c; ch++) {
          let ss = HALF;
          let q = p + ch;
          for (let x = 0; x < xmax; x++, q += c) ss = (ss + Math.imul(src[q], kk[kOff + x])) | 0;
          out[o++] = clip8(ss);
        }
      }
    }
  }
  return out;
}

/**
 * Vertical pass: output row yy mixes input rows bounds[yy]… (already relative to the temp image). The
 * taps loop is innermost, so each of the few input rows streams through the cache in order.
 */
function resampleVertical(src: Uint8Array, w: number, c: number, outH: number, co: Coeffs): Uint8Array {
  const out = new Uint8Array(w * outH * c);
  const { ksize, bounds, kk } = co;
  const rowLen = w * c;
  for (let yy = 0; yy < outH; yy++) {
    const ymax = bounds[yy * 2 + 1];
    const kOff = yy * ksize;
    const start = bounds[yy * 2] * rowLen;
    const rowOut = yy * rowLen;
    for (let i = 0; i < rowLen; i++) {
      let ss = HALF;
      let p = start + i;
      for (let y = 0; y < ymax; y++, p += rowLen) ss = (ss + Math.imul(src[p], kk[kOff + y])) | 0;
      out[rowOut + i] = clip8(ss);
    }
  }
  return out;
}

/**
 * Crops `box` out of `image` and resizes it to `width`×`height` exactly like Pillow's
 * `img.crop(box).resize((width, height), filter)` (what torchvision's `F.resized_crop` does on PIL images).
 * image: [H, W, C] uint8 → [height, width, C] uint8.
 * @example const small = resize(img, 112, 112, 'lanczos', { top: 0, left: 0, height: img.height, width: img.width });
 */
export function resize(
  image: RawImage,
  width: number,
  height: number,
  interpolation: Interpolation,
  box: CropBox = { top: 0, left: 0, height: image.height, width: image.width },
): RawImage {
  checkArg(
    Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0,
    `resize: output size must be positive integers, got ${width}x${height}`,
  );
  checkArg(
    box.top >= 0 &&
      box.left >= 0 &&
      box.height > 0 &&
      box.width > 0 &&
      box.top + box.height <= image.height &&
      box.left + box.width <= image.width,
    () => `resize: box ${JSON.stringify(box)} outside the ${image.width}x${image.height} image`,
  );
  const filter = FILTERS[interpolation];
  checkArg(filter !== undefined, `resize: unknown interpolation '${interpolation}'`);
  const c = image.channels;
  if (width === box.width) return resizeVerticalOnly(image, box, height, filter);
  const horiz = precomputeCoeffs(box.width, 0, box.width, width, filter);
  let data = resampleHorizontal(image.data, image.width, c, box.top, box.left, box.height, width, horiz);
  const w = width;
  let h = box.height;
  if (height !== h) {
    const vert = precomputeCoeffs(h, 0, h, height, filter);
    data = resampleVertical(data, w, c, height, vert);
    h = height;
  }
  return { data, width: w, height: h, channels: c };
}

function resizeVerticalOnly(image: RawImage, box: CropBox, height: number, filter: Filter): RawImage {
  const cropped = crop(image, box);
  if (height === box.height) return cropped === image ? { ...image, data: image.data.slice() } : cropped;
  const vert = precomputeCoeffs(box.height, 0, box.height, height, filter);
  const data = resampleVertical(cropped.data, box.width, image.channels, height, vert);
  return { data, width: box.width, height, channels: image.channels };
}

/**
 * Copies the pixels of `box` (no resampling); returns the input itself for a full-image box.
 * [H, W, C] → [box.height, box.width, C].
 * @example const patch = crop(img, { top: 0, left: 0, height: 8, width: 8 });
 */
export function crop(image: RawImage, box: CropBox): RawImage {
  const { top, left, height, width } = box;
  const c = image.channels;
  if (top === 0 && left === 0 && width === image.width && height === image.height) return image;
  const out = new Uint8Array(width * height * c);
  const rowLen = width * c;
  for (let y = 0; y < height; y++) {
    const start = ((top + y) * image.width + left) * c;
    out.set(image.data.subarray(start, start + rowLen), y * rowLen);
  }
  return { data: out, width, height, channels: c };
}
