/**
 * Position embeddings: MAE's fixed 2-D sin-cos table (`util/pos_embed.py` `get_2d_sincos_pos_embed`,
 * CLS row zeros) and bicubic resampling of a learned table to another grid, CLS row kept, in either of
 * the field's two conventions:
 * - `antialias: true` (default) — timm's `resample_abs_pos_embed`, which calls
 *   `F.interpolate(mode='bicubic', antialias=True, align_corners=False)`: PyTorch's anti-aliased kernel
 *   (Pillow's: Keys cubic with a = -0.5, widened by the scale when shrinking, weights renormalised).
 * - `antialias: false` — DeiT / BEiT / DINO (`interpolate_pos_encoding`): plain PyTorch bicubic,
 *   a = -0.75, border-clamped taps. DINO passes a scale factor nudged by +0.1, which shifts sample
 *   positions very slightly; we resample by output size as timm does.
 * The two differ by up to ~0.1–0.15 on unit-variance tables for 14→16 and 14→7 grids. The resampling is
 * two matmuls with host-built interpolation matrices, so it is differentiable.
 */
import { ShapeError } from '@splitmask/core';
import * as tf from '@tensorflow/tfjs-core';

function sincos1d(dim: number, pos: number, out: Float64Array, offset: number): void {
  const half = dim / 2;
  for (let i = 0; i < half; i++) {
    const omega = 1 / 10000 ** (i / half);
    out[offset + i] = Math.sin(pos * omega);
    out[offset + half + i] = Math.cos(pos * omega);
  }
}

/**
 * MAE's fixed 2-D sin-cos embedding with a zero CLS row: [(1 + gh·gw) · D] row-major as Float32Array.
 * For token (row i, col j) the first D/2 channels encode j and the last D/2 encode i (MAE's meshgrid
 * order). D must be a multiple of 4.
 * @example const table = sincosPosEmbed2d(384, 14); // Float32Array of 197·384
 */
export function sincosPosEmbed2d(dim: number, gridH: number, gridW = gridH): Float32Array {
  if (dim % 4 !== 0) throw new ShapeError(`sincosPosEmbed2d: embedDim must be a multiple of 4, got ${dim}`);
  const out = new Float64Array((1 + gridH * gridW) * dim);
  for (let i = 0; i < gridH; i++) {
    for (let j = 0; j < gridW; j++) {
      const o = (1 + i * gridW + j) * dim;
      sincos1d(dim / 2, j, out, o);
      sincos1d(dim / 2, i, out, o + dim / 2);
    }
  }
  return Float32Array.from(out);
}

function cubic1(x: number, a: number): number {
  return ((a + 2) * x - (a + 3)) * x * x + 1;
}
function cubic2(x: number, a: number): number {
  return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
}

/**
 * PyTorch's 1-D bicubic interpolation (align_corners=False, A=-0.75) as a matrix [outSize, inSize].
 * @example bicubicMatrix(7, 14) // 14×7
 */
export function bicubicMatrix(inSize: number, outSize: number): Float32Array {
  const m = new Float64Array(outSize * inSize);
  const scale = inSize / outSize;
  const a = -0.75;
  for (let o = 0; o < outSize; o++) {
    const real = scale * (o + 0.5) - 0.5;
    const i0 = Math.floor(real);
    const t = real - i0;
    const w = [cubic2(t + 1, a), cubic1(t, a), cubic1(1 - t, a), cubic2(2 - t, a)];
    for (let k = 0; k < 4; k++) {
      const idx = Math.min(Math.max(i0 - 1 + k, 0), inSize - 1);
      m[o * inSize + idx] += w[k];
    }
  }
  return Float32Array.from(m);
}

/**
 * PyTorch's 1-D anti-aliased bicubic interpolation (`antialias=True`, align_corners=False) as a matrix
 * [outSize, inSize]: `_compute_indices_weights_aa` of ATen's UpSampleKernel.cpp — support 2·max(1, scale)
 * taps each side of the centre, Keys cubic with a = -0.5 evaluated at distance / max(1, scale), weights
 * normalised to sum 1 (so the border needs no clamping).
 * @example bicubicAntialiasMatrix(14, 7) // 7×14, each row sums to 1
 */
export function bicubicAntialiasMatrix(inSize: number, outSize: number): Float32Array {
  const m = new Float64Array(outSize * inSize);
  const scale = inSize / outSize;
  const support = scale >= 1 ? 2 * scale : 2;
  const invScale = scale >= 1 ? 1 / scale : 1;
  const a = -0.5;
  const filter = (x: number): number => {
    const ax = Math.abs(x);
    return ax < 1 ? cubic1(ax, a) : ax < 2 ? cubic2(ax, a) : 0;
  };
  for (let o = 0; o < outSize; o++) {
    const center = scale * (o + 0.5);
    // C++ static_cast<int64_t> truncates toward zero before the clamp.
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize);
    let total = 0;
    for (let j = xmin; j < xmax; j++) total += filter((j - center + 0.5) * invScale);
    if (total === 0) continue;
    for (let j = xmin; j < xmax; j++) m[o * inSize + j] = filter((j - center + 0.5) * invScale) / total;
  }
  return Float32Array.from(m);
}

/** Options of `interpolatePosEmbed`. */
export interface InterpolatePosEmbedOptions {
  /**
   * true (default, timm's `resample_abs_pos_embed`): PyTorch bicubic with `antialias=True`.
   * false (DeiT, BEiT, DINO): PyTorch bicubic without antialiasing.
   */
  antialias?: boolean;
}

/**
 * Resamples a position embedding with a CLS row to a new grid, bicubic, CLS row kept; by default as
 * timm does (`antialias: true`), or as DeiT/BEiT/DINO do (`antialias: false`).
 * posEmbed: [1, 1 + h·w, D] (square source grid) → [1, 1 + gh·gw, D].
 * @example const pe = interpolatePosEmbed(params.pos_embed, [28, 28]); // 14×14 → 28×28, timm's way
 * @example const beit = interpolatePosEmbed(params.pos_embed, 16, { antialias: false });
 */
export function interpolatePosEmbed(
  posEmbed: tf.Tensor3D,
  newGrid: number | [number, number],
  options: InterpolatePosEmbedOptions = {},
): tf.Tensor3D {
  const [one, n, d] = posEmbed.shape;
  const side = Math.round(Math.sqrt(n - 1));
  if (posEmbed.rank !== 3 || one !== 1 || side * side !== n - 1) {
    throw new ShapeError(`interpolatePosEmbed: expected posEmbed [1, 1 + h·h, D], got [${posEmbed.shape}]`);
  }
  const [gh, gw] = typeof newGrid === 'number' ? [newGrid, newGrid] : newGrid;
  const matrix = (options.antialias ?? true) ? bicubicAntialiasMatrix : bicubicMatrix;
  return tf.tidy(() => {
    const cls = tf.slice(posEmbed, [0, 0, 0], [1, 1, d]);
    const grid = tf.reshape(tf.slice(posEmbed, [0, 1, 0], [1, n - 1, d]), [side, side * d]);
    const mh = tf.tensor2d(matrix(side, gh), [gh, side]);
    const mw = tf.tensor2d(matrix(side, gw), [gw, side]);
    const rows = tf.reshape(tf.matMul(mh, grid), [gh, side, d]); // [gh, w, D]
    const colsFirst = tf.reshape(tf.transpose(rows, [1, 0, 2]), [side, gh * d]); // [w, gh·D]
    const out = tf.transpose(tf.reshape(tf.matMul(mw, colsFirst), [gw, gh, d]), [1, 0, 2]); // [gh, gw, D]
    return tf.concat([cls, tf.reshape(out, [1, gh * gw, d])], 1) as tf.Tensor3D;
  });
}
