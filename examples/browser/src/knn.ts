/**
 * The k-NN monitor (issue 10: "a k-NN monitor when labels exist"): every few steps the worker pools the
 * current encoder's features of a small labelled bank and a disjoint query set of the bundled
 * Fashion-MNIST subset and runs DINO's weighted k-NN on them (`@splitmask/eval`'s browser-safe main
 * entry: `extractFeatures` + `knnClassify`, k = 20, T = 0.07). Features are the mean-pooled patch tokens
 * after the encoder's final LayerNorm with the training run's normalisation (the pooling
 * `@splitmask/splitmask`'s own evaluation uses: SplitMask never trains the CLS output).
 */
import { InvalidArgumentError } from '@splitmask/core';
import { arraySource, extractFeatures, knnClassify } from '@splitmask/eval';
import {
  type ImageArray,
  imagesOf,
  type Normalization,
  type PretrainConfig,
  type SplitMaskParams,
  toVitConfig,
} from '@splitmask/splitmask';
import * as tf from '@tensorflow/tfjs-core';

/** One k-NN measurement. */
export interface KnnPoint {
  /** Optimiser steps completed when it was measured (0: the initial encoder). */
  step: number;
  /** Top-1 accuracy of the query set, percent in [0, 100]. */
  top1: number;
  /** Top-5 accuracy, percent. */
  top5: number;
  bank: number;
  query: number;
  /** Feature extraction + k-NN wall time. */
  ms: number;
}

/** Options of {@link createKnnMonitor}. */
export interface KnnMonitorOptions {
  /** Bank images: the first `bankSize` images (default 256). */
  bankSize?: number;
  /** Query images: the last `querySize` images (default 128), disjoint from the bank. */
  querySize?: number;
  /** Neighbours (default 20, DINO's). */
  k?: number;
  /** Vote temperature (default 0.07, DINO's). */
  temperature?: number;
  /** Images per feature batch (default 128). */
  batchSize?: number;
}

/** What the monitor needs from a session. */
export interface KnnSubject {
  config: PretrainConfig;
  params: SplitMaskParams;
  source: { normalization: Normalization };
  step: number;
}

/**
 * A k-NN monitor over labelled images: bank = the first `bankSize` images, query = the last `querySize`
 * (uint8 [N·S·S·C] with labels [N]). `evaluate(session)` pools features [bank + query, D] with the
 * session's encoder and returns the query's weighted k-NN accuracy. Throws InvalidArgumentError when
 * the images have no labels or are too few for a disjoint split.
 * @example
 * const monitor = createKnnMonitor(bundled, { bankSize: 256, querySize: 128 });
 * const { top1 } = await monitor.evaluate(session); // percent
 */
export function createKnnMonitor(data: ImageArray, opts: KnnMonitorOptions = {}) {
  const bankSize = opts.bankSize ?? 256;
  const querySize = opts.querySize ?? 128;
  const k = opts.k ?? 20;
  const labels = data.labels;
  if (!labels || labels.length !== data.count)
    throw new InvalidArgumentError(
      `createKnnMonitor: the images need one label each (got ${labels?.length ?? 'no'} labels for ${data.count} images)`,
    );
  if (!(Number.isInteger(bankSize) && Number.isInteger(querySize) && bankSize >= k && querySize > 0))
    throw new InvalidArgumentError(
      `createKnnMonitor: bankSize (${bankSize}) must be an integer ≥ k (${k}) and querySize (${querySize}) a positive integer`,
    );
  if (bankSize + querySize > data.count)
    throw new InvalidArgumentError(
      `createKnnMonitor: bankSize ${bankSize} + querySize ${querySize} exceeds the ${data.count} images`,
    );
  const bankIdx = Array.from({ length: bankSize }, (_, i) => i);
  const queryIdx = Array.from({ length: querySize }, (_, i) => data.count - querySize + i);
  const bankLabels = Int32Array.from(bankIdx, (i) => labels[i]);
  const queryLabels = Int32Array.from(queryIdx, (i) => labels[i]);
  const numClasses = Math.max(...labels) + 1;
  /** Pixels in [0, 1] per model image size (computed once). */
  const pixelCache = new Map<number, Float32Array>();

  return {
    bankSize,
    querySize,
    numClasses,
    /** Current encoder → weighted k-NN accuracy of the query set (no tensors left behind). */
    async evaluate(s: KnnSubject): Promise<KnnPoint> {
      const t0 = performance.now();
      const vit = toVitConfig(s.config.model);
      const size = vit.imageSize;
      let pixels = pixelCache.get(size);
      if (!pixels) {
        pixels = imagesOf(data, [...bankIdx, ...queryIdx], size);
        pixelCache.set(size, pixels);
      }
      const features = await extractFeatures(
        s.params.encoder,
        vit,
        arraySource(pixels, bankSize + querySize, size, vit.inChans),
        {
          pool: 'mean',
          normalization: s.source.normalization,
          batchSize: opts.batchSize ?? 128,
        },
      );
      const [bank, query] = tf.split(features, [bankSize, querySize], 0) as [tf.Tensor2D, tf.Tensor2D];
      features.dispose();
      try {
        const r = await knnClassify(bank, bankLabels, query, queryLabels, {
          numClasses,
          k,
          temperature: opts.temperature ?? 0.07,
        });
        return {
          step: s.step,
          top1: r.top1,
          top5: r.top5,
          bank: bankSize,
          query: querySize,
          ms: performance.now() - t0,
        };
      } finally {
        tf.dispose([bank, query]);
      }
    },
  };
}

/** A monitor from {@link createKnnMonitor}. */
export type KnnMonitor = ReturnType<typeof createKnnMonitor>;
