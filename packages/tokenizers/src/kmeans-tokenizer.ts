/**
 * K-means tokenizer (paper §3.3, §5.5: 8192 centroids from 3M sampled patches): stream the dataset once
 * into a seeded reservoir of normalised patches, seed with k-means++ on a subset, run spherical Lloyd
 * iterations, and use the unit centroids as the vocabulary.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createCodebookTokenizer, resolveCodebookConfig } from './codebook-tokenizer';
import { type KMeansProgress, kmeansPlusPlus, sphericalKMeans } from './kmeans';
import { resolveNormalization } from './normalization';
import { checkPatchSize } from './patches';
import { type ImageBatchSource, samplePatches } from './sampling';
import type { PatchNormalization, Tokenizer } from './types';

/** Progress of `fitKMeansTokenizer`, by phase. */
export type KMeansFitProgress =
  | { readonly phase: 'sampling'; readonly imagesSeen: number; readonly patchesSeen: number }
  | { readonly phase: 'seeding'; readonly numPatches: number }
  | ({ readonly phase: 'iteration' } & KMeansProgress);

/** Options of `fitKMeansTokenizer`. */
export interface KMeansTokenizerOptions {
  /** V = k (paper: 8192). */
  vocabSize: number;
  patchSize: number;
  channels?: number;
  seed?: number;
  normalization?: PatchNormalization;
  /** Patches kept for fitting (paper: 3M; default 100·V). Memory: numPatches·P·4 bytes. */
  numPatches?: number;
  /** Read at most this many images from the stream. */
  maxImages?: number;
  /** Lloyd iterations (default 10). */
  iterations?: number;
  /** k-means++ subset size (default min(N, 4·V)). */
  initSampleSize?: number;
  signal?: AbortSignal;
  onProgress?: (p: KMeansFitProgress) => void;
}

/**
 * Fits a k-means vocabulary on patches streamed from `source` and returns the tokenizer.
 * @example
 * const tok = await fitKMeansTokenizer(loader, { vocabSize: 1024, patchSize: 8, numPatches: 200_000,
 *   onProgress: (p) => p.phase === 'iteration' && console.log(p.iteration, p.inertia) });
 */
export async function fitKMeansTokenizer(
  source: ImageBatchSource,
  opts: KMeansTokenizerOptions,
): Promise<Tokenizer> {
  const channels = opts.channels ?? 3;
  checkPatchSize(opts.patchSize);
  const seed = opts.seed ?? 0;
  const normalization = resolveNormalization(channels, opts.normalization);
  const base = {
    kind: 'kmeans',
    vocabSize: opts.vocabSize,
    patchSize: opts.patchSize,
    channels,
    normalization,
    seed,
  } as const;
  resolveCodebookConfig(base); // validate before the sampling pass
  const sample = await samplePatches(source, {
    numPatches: opts.numPatches ?? 100 * opts.vocabSize,
    patchSize: opts.patchSize,
    channels,
    normalization,
    seed,
    maxImages: opts.maxImages,
    signal: opts.signal,
    onProgress: (p) => opts.onProgress?.({ phase: 'sampling', ...p }),
  });
  opts.onProgress?.({ phase: 'seeding', numPatches: sample.rows.count });
  const initSampleSize = Math.min(sample.rows.count, opts.initSampleSize ?? 4 * opts.vocabSize);
  const init = await kmeansPlusPlus(sample.rows, opts.vocabSize, {
    seed: seed + 1,
    sampleSize: initSampleSize,
    signal: opts.signal,
  });
  const res = await sphericalKMeans(sample.rows, init, {
    iterations: opts.iterations ?? 10,
    signal: opts.signal,
    onProgress: (p) => opts.onProgress?.({ phase: 'iteration', ...p }),
  });
  const config = resolveCodebookConfig({
    ...base,
    fit: {
      iterations: res.iterationsRun,
      numPatches: sample.rows.count,
      inertia: res.inertia,
      emptyClustersReseeded: res.emptyClustersReseeded,
      init: 'kmeans++',
      initSampleSize,
    },
  });
  const codebook = tf.tidy(() => tf.transpose(tf.tensor2d(res.centroids, [opts.vocabSize, sample.rows.dim])));
  return createCodebookTokenizer(config, codebook as tf.Tensor2D);
}
