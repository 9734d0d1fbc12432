/**
 * Random-patches tokenizer (paper §3.3, §5.5): the vocabulary is V patches sampled uniformly from the
 * training images (seeded reservoir sampling), normalised per channel and ℓ2-normalised.
 */
import { InvalidArgumentError } from '@splitmask/core';
import * as tf from '@tensorflow/tfjs-core';
import { createCodebookTokenizer, resolveCodebookConfig } from './codebook-tokenizer';
import type { RowStore } from './internal/row-store';
import { resolveNormalization } from './normalization';
import { checkPatchSize } from './patches';
import { type ImageBatchSource, samplePatches } from './sampling';
import type { PatchNormalization, Tokenizer } from './types';

/** Options of `fitRandomPatchesTokenizer`. */
export interface RandomPatchesOptions {
  vocabSize: number;
  patchSize: number;
  channels?: number;
  seed?: number;
  normalization?: PatchNormalization;
  /** Read at most this many images from the stream. */
  maxImages?: number;
  signal?: AbortSignal;
  /** Called after each batch of the stream. */
  onProgress?: (p: { imagesSeen: number; patchesSeen: number }) => void;
}

/** Rows [n, P] of a RowStore → tensor [P, n] (codebook layout). */
export function rowsToCodebook(rows: RowStore): tf.Tensor2D {
  return tf.tidy(() => {
    const parts: tf.Tensor2D[] = [];
    for (let k = 0; k < rows.numChunks; k++) {
      const c = rows.chunk(k);
      parts.push(tf.tensor2d(c, [c.length / rows.dim, rows.dim]));
    }
    return tf.transpose(parts.length === 1 ? parts[0] : tf.concat(parts)) as tf.Tensor2D;
  });
}

/**
 * Samples V patches from the stream and returns the random-patches tokenizer.
 * @example const tok = await fitRandomPatchesTokenizer(loader, { vocabSize: 8192, patchSize: 8, seed: 0 });
 */
export async function fitRandomPatchesTokenizer(
  source: ImageBatchSource,
  opts: RandomPatchesOptions,
): Promise<Tokenizer> {
  const channels = opts.channels ?? 3;
  checkPatchSize(opts.patchSize);
  const config = resolveCodebookConfig({
    kind: 'random-patches',
    vocabSize: opts.vocabSize,
    patchSize: opts.patchSize,
    channels,
    normalization: resolveNormalization(channels, opts.normalization),
    seed: opts.seed ?? 0,
  });
  const sample = await samplePatches(source, {
    numPatches: config.vocabSize,
    patchSize: config.patchSize,
    channels,
    normalization: config.normalization,
    seed: config.seed,
    maxImages: opts.maxImages,
    signal: opts.signal,
    onProgress: opts.onProgress,
  });
  if (sample.rows.count < config.vocabSize) {
    throw new InvalidArgumentError(
      `random patches: need vocabSize=${config.vocabSize} non-flat patches, the stream had only ${sample.patchesSeen} (${sample.imagesSeen} images)`,
    );
  }
  return createCodebookTokenizer(config, rowsToCodebook(sample.rows));
}
