/**
 * Seeded uniform sampling of normalised patches from a stream of image batches (reservoir sampling,
 * Vitter's Algorithm R), into chunked host memory. Used to build the random-patches vocabulary
 * (paper §3.3: "sample V random patches uniformly in the set of all patches") and the k-means
 * training set (paper §5.5: "3 millions patches sampled from the dataset").
 * Pure TypeScript plus `tensor.data()` for tensor batches: runs in Node and in browsers.
 */
import { createRng, InvalidArgumentError } from '@splitmask/core';
import * as tf from '@tensorflow/tfjs-core';
import { createRowStore, type RowStore } from './internal/row-store';
import { resolveNormalization } from './normalization';
import { checkImageShape, extractPatchesHost, type ImageShape } from './patches';
import type { PatchNormalization } from './types';

/** One batch of images in [0, 1]: a host array with its shape [B, H, W, C], or a Tensor4D. */
export type ImageBatch =
  | { readonly images: ArrayLike<number>; readonly shape: readonly number[] }
  | tf.Tensor4D;

/** A stream of image batches (e.g. `createBatchLoader` of @splitmask/datasets, or an array). */
export type ImageBatchSource = AsyncIterable<ImageBatch> | Iterable<ImageBatch>;

/** Options of `samplePatches`. */
export interface SamplePatchesOptions {
  /** How many patches to keep (the reservoir size). */
  numPatches: number;
  patchSize: number;
  channels: number;
  normalization?: PatchNormalization;
  seed: number;
  /** Stop reading the stream after this many images (default: read it all). */
  maxImages?: number;
  signal?: AbortSignal;
  onProgress?: (p: { imagesSeen: number; patchesSeen: number }) => void;
}

/** The sample: ℓ2-normalised patches [n, P] in chunks, and how many patches were offered. */
export interface PatchSample {
  readonly rows: RowStore;
  readonly patchesSeen: number;
  readonly imagesSeen: number;
}

async function toHost(batch: ImageBatch): Promise<{ images: ArrayLike<number>; shape: ImageShape }> {
  if (batch instanceof tf.Tensor) return { images: await batch.data(), shape: batch.shape as ImageShape };
  return { images: batch.images, shape: batch.shape as unknown as ImageShape };
}

/**
 * Reservoir-samples `numPatches` normalised patches uniformly from every patch of the stream.
 * Patches with zero norm after normalisation (flat patches exactly at the mean) carry no direction
 * and are skipped. Same seed and stream → same sample.
 * @example const { rows } = await samplePatches(loader, { numPatches: 3e6, patchSize: 8, channels: 3, seed: 0 });
 */
export async function samplePatches(
  source: ImageBatchSource,
  opts: SamplePatchesOptions,
): Promise<PatchSample> {
  if (!Number.isInteger(opts.numPatches) || opts.numPatches < 1)
    throw new InvalidArgumentError(`numPatches must be a positive integer, got ${opts.numPatches}`);
  const norm = resolveNormalization(opts.channels, opts.normalization);
  const dim = opts.patchSize * opts.patchSize * opts.channels;
  const rows = createRowStore(opts.numPatches, dim);
  const rng = createRng(opts.seed);
  const maxImages = opts.maxImages ?? Number.POSITIVE_INFINITY;
  let seen = 0;
  let imagesSeen = 0;
  for await (const batch of source as AsyncIterable<ImageBatch>) {
    opts.signal?.throwIfAborted();
    const { images, shape } = await toHost(batch);
    checkImageShape(shape, opts.patchSize, opts.channels);
    const take = Math.min(shape[0], maxImages - imagesSeen);
    const used: ImageShape = [take, shape[1], shape[2], shape[3]];
    const per = shape[1] * shape[2] * shape[3];
    const view = take === shape[0] ? images : Array.prototype.slice.call(images, 0, take * per);
    const patches = extractPatchesHost(view, used, opts.patchSize, norm, true);
    for (let o = 0; o < patches.length; o += dim) {
      if (patches[o] === 0 && isZero(patches, o, dim)) continue;
      if (rows.count < opts.numPatches) rows.push(patches, o);
      else {
        const j = rng.int(seen + 1);
        if (j < opts.numPatches) rows.set(j, patches, o);
      }
      seen++;
    }
    imagesSeen += take;
    opts.onProgress?.({ imagesSeen, patchesSeen: seen });
    if (imagesSeen >= maxImages) break;
  }
  return { rows, patchesSeen: seen, imagesSeen };
}

function isZero(a: Float32Array, o: number, d: number): boolean {
  for (let j = 0; j < d; j++) if (a[o + j] !== 0) return false;
  return true;
}
