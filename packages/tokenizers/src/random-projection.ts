/**
 * Random-projection tokenizer (paper §3.3; Decision 6): V vectors with components drawn U(−1, 1) from a
 * seeded host RNG, then ℓ2-normalised. The paper leaves the range open (paper.md §8 row 8).
 */
import { createRng } from '@splitmask/core';
import * as tf from '@tensorflow/tfjs-core';
import { createCodebookTokenizer, resolveCodebookConfig } from './codebook-tokenizer';
import { l2NormalizeRows, resolveNormalization } from './normalization';
import { checkPatchSize } from './patches';
import type { PatchNormalization, Tokenizer } from './types';

/** Options of `createRandomProjectionTokenizer`. */
export interface RandomProjectionOptions {
  /** V (paper: 8192). */
  vocabSize: number;
  /** p (paper: 8 on the 112px view). */
  patchSize: number;
  /** C (default 3). */
  channels?: number;
  /** Codebook seed (default 0). */
  seed?: number;
  /** Per-channel normalisation (default (x − 0.5)/0.5). */
  normalization?: PatchNormalization;
}

/**
 * Draws the unit codebook on the host. → Float32Array [V, P] (row v = vocabulary vector v).
 * Same seed → same codebook on every backend and platform.
 * @example const rows = randomProjectionVectors(8192, 192, 0); // [8192 · 192]
 */
export function randomProjectionVectors(vocabSize: number, dim: number, seed: number): Float32Array {
  const rng = createRng(seed);
  const e = new Float32Array(vocabSize * dim);
  for (let i = 0; i < e.length; i++) e[i] = rng.uniform(-1, 1);
  return l2NormalizeRows(e, dim);
}

/**
 * Random-projection tokenizer: images [B, H, W, C] → ids [B, H/p, W/p].
 * @example const tok = createRandomProjectionTokenizer({ vocabSize: 8192, patchSize: 8, seed: 0 });
 */
export function createRandomProjectionTokenizer(opts: RandomProjectionOptions): Tokenizer {
  const channels = opts.channels ?? 3;
  checkPatchSize(opts.patchSize);
  const dim = opts.patchSize * opts.patchSize * channels;
  const seed = opts.seed ?? 0;
  const normalization = resolveNormalization(channels, opts.normalization);
  const config = resolveCodebookConfig({
    kind: 'random-projection',
    vocabSize: opts.vocabSize,
    patchSize: opts.patchSize,
    channels,
    normalization,
    seed,
  });
  const rows = randomProjectionVectors(opts.vocabSize, dim, seed);
  const codebook = tf.tidy(() => tf.transpose(tf.tensor2d(rows, [opts.vocabSize, dim]))) as tf.Tensor2D;
  return createCodebookTokenizer(config, codebook);
}
