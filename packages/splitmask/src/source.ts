/**
 * Image sources for the trainer: deterministic, stateless batches (`batch(index)` depends only on the
 * seed and the index), so a run resumes exactly from a saved data position and two runs with one seed
 * see the same images in the same order.
 */
import { createRng, InvalidArgumentError } from '@splitmask/core';

/** Per-channel normalisation applied to the encoder input. */
export interface Normalization {
  mean: number[];
  std: number[];
}

/** What the trainer reads: batches of [B, S, S, C] float32 in [0, 1], channels-last. */
export interface ImageSource {
  readonly imageSize: number;
  readonly channels: number;
  readonly length: number;
  readonly normalization: Normalization;
  /** Micro-batch `index` of `batchSize` images, [B·S·S·C]. */
  batch(index: number, batchSize: number): Float32Array | Promise<Float32Array>;
  /** Labels of micro-batch `index` (supervised methods), [B] int32 class ids. */
  labels?(index: number, batchSize: number): Int32Array | Promise<Int32Array>;
}

/** An in-memory set of equally sized uint8 images (e.g. Fashion-MNIST), with labels for evaluation. */
export interface ImageArray {
  /** [N·h·w·C] uint8. */
  pixels: Uint8Array;
  count: number;
  size: number;
  channels: number;
  labels?: Int32Array;
}

/**
 * Copies image `i` of `src` into `out` at `offset` as [S, S, C] floats in [0, 1], zero-padded to `target`
 * (centred) and randomly shifted by up to `jitter` pixels and flipped horizontally when `flip`.
 */
function writeImage(
  src: ImageArray,
  i: number,
  target: number,
  out: Float32Array,
  offset: number,
  aug: { dx: number; dy: number; flip: boolean },
): void {
  const { size, channels: c } = src;
  const pad = Math.floor((target - size) / 2);
  const base = i * size * size * c;
  for (let y = 0; y < size; y++) {
    const ty = y + pad + aug.dy;
    if (ty < 0 || ty >= target) continue;
    for (let x = 0; x < size; x++) {
      const sx = aug.flip ? size - 1 - x : x;
      const tx = x + pad + aug.dx;
      if (tx < 0 || tx >= target) continue;
      for (let k = 0; k < c; k++)
        out[offset + (ty * target + tx) * c + k] = src.pixels[base + (y * size + sx) * c + k] / 255;
    }
  }
}

/**
 * A shuffled, augmented (flip + shift by ±`jitter` px) source over an in-memory image array; epoch e
 * uses permutation `createRng(seed).split(e)`, so `batch(index)` is a pure function of (seed, index).
 * @example const source = createArraySource(train, { imageSize: 32, seed: 0 });
 */
export function createArraySource(
  data: ImageArray,
  {
    imageSize,
    seed,
    jitter = 2,
    flip = true,
    normalization,
  }: { imageSize: number; seed: number; jitter?: number; flip?: boolean; normalization?: Normalization },
): ImageSource {
  if (imageSize < data.size) {
    throw new InvalidArgumentError(
      `createArraySource: images are ${data.size}px, larger than imageSize=${imageSize} (resize them first)`,
    );
  }
  const root = createRng(seed);
  const perms = new Map<number, Int32Array>();
  const perm = (epoch: number): Int32Array => {
    let p = perms.get(epoch);
    if (!p) {
      p = root.split(epoch).permutation(data.count);
      perms.clear();
      perms.set(epoch, p);
    }
    return p;
  };
  const per = imageSize * imageSize * data.channels;
  return {
    imageSize,
    channels: data.channels,
    length: data.count,
    normalization: normalization ?? computeNormalization(data),
    batch(index, batchSize) {
      const out = new Float32Array(batchSize * per);
      const augRng = root.split(1_000_000 + index);
      for (let j = 0; j < batchSize; j++) {
        const g = index * batchSize + j;
        const img = perm(Math.floor(g / data.count))[g % data.count];
        const aug = {
          dx: jitter ? augRng.int(2 * jitter + 1) - jitter : 0,
          dy: jitter ? augRng.int(2 * jitter + 1) - jitter : 0,
          flip: flip && augRng.random() < 0.5,
        };
        writeImage(data, img, imageSize, out, j * per, aug);
      }
      return out;
    },
  };
}

/** Images [first, first+count) of `data`, un-augmented, padded to `imageSize`, as [n·S·S·C] in [0, 1]. */
export function imagesOf(data: ImageArray, indices: ArrayLike<number>, imageSize: number): Float32Array {
  const per = imageSize * imageSize * data.channels;
  const out = new Float32Array(indices.length * per);
  for (let j = 0; j < indices.length; j++)
    writeImage(data, indices[j], imageSize, out, j * per, { dx: 0, dy: 0, flip: false });
  return out;
}

/** Per-channel mean/std of pixel values (over at most 5000 images). */
export function computeNormalization(data: ImageArray): Normalization {
  const c = data.channels;
  const n = Math.min(data.count, 5000) * data.size * data.size;
  const sum = new Float64Array(c);
  const sq = new Float64Array(c);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < c; k++) {
      const v = data.pixels[i * c + k] / 255;
      sum[k] += v;
      sq[k] += v * v;
    }
  }
  const mean = Array.from(sum, (s) => s / n);
  const std = Array.from(sq, (s, k) => Math.sqrt(Math.max(1e-8, s / n - mean[k] ** 2)));
  return { mean, std };
}
