/**
 * Patch normalisation shared by vocabulary construction and assignment (paper.md §2.3, Decision 6):
 * per-channel `(x - mean) / std`, then (for codebook vectors and fitted samples) per-patch ℓ2.
 */
import { InvalidArgumentError } from '@splitmask/core';
import type { PatchNormalization } from './types';

/**
 * (x - 0.5) / 0.5 for every channel: [0, 1] pixels → [-1, 1] (BEiT's encoder normalisation).
 * @example defaultNormalization(3) // { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] }
 */
export function defaultNormalization(channels: number): PatchNormalization {
  return Object.freeze({
    mean: Object.freeze(new Array<number>(channels).fill(0.5)),
    std: Object.freeze(new Array<number>(channels).fill(0.5)),
  });
}

/**
 * Validates a normalisation against `channels` (or builds the default) and freezes it.
 * @example resolveNormalization(3, { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] })
 */
export function resolveNormalization(channels: number, norm?: PatchNormalization): PatchNormalization {
  if (!norm) return defaultNormalization(channels);
  if (norm.mean.length !== channels || norm.std.length !== channels) {
    throw new InvalidArgumentError(
      `normalization: expected mean and std of length channels=${channels}, got mean [${norm.mean}] and std [${norm.std}]`,
    );
  }
  norm.std.forEach((s, c) => {
    if (!(s > 0) || !Number.isFinite(s))
      throw new InvalidArgumentError(`normalization: std[${c}] must be a positive finite number, got ${s}`);
  });
  norm.mean.forEach((m, c) => {
    if (!Number.isFinite(m))
      throw new InvalidArgumentError(`normalization: mean[${c}] must be finite, got ${m}`);
  });
  return Object.freeze({ mean: Object.freeze([...norm.mean]), std: Object.freeze([...norm.std]) });
}

/** ℓ2-normalises each row of `data` [n, d] in place; zero rows stay zero. Returns `data`. */
export function l2NormalizeRows(data: Float32Array, d: number): Float32Array {
  const n = data.length / d;
  for (let i = 0; i < n; i++) {
    const o = i * d;
    let s = 0;
    for (let j = 0; j < d; j++) s += data[o + j] * data[o + j];
    if (s > 0) {
      const inv = 1 / Math.sqrt(s);
      for (let j = 0; j < d; j++) data[o + j] *= inv;
    }
  }
  return data;
}
