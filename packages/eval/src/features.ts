/**
 * Frozen-encoder features for k-NN and linear probing: the CLS token or the mean of the patch tokens
 * (+ `fc_norm` when the params have one, as timm's `global_pool='avg'`), from the final output or from
 * any block (BEiT App. D probes every layer; paper.md §4.2). Batched over a source so only one batch of
 * images is alive at a time; the library never selects a backend.
 */
import { InvalidArgumentError, ShapeError } from '@splitmask/core';
import {
  centerCrop,
  type ImageDataset,
  type RawImage,
  resizeShorterSide,
  toChannels,
} from '@splitmask/datasets';
import {
  poolFeatures,
  type VitConfig,
  type VitParams,
  vitEncode,
  vitEncodeWithIntermediates,
} from '@splitmask/vit';
import * as tf from '@tensorflow/tfjs-core';

/** Per-channel normalisation applied to images in [0, 1]: (x − mean) / std. */
export interface Normalization {
  mean: readonly number[];
  std: readonly number[];
}

/** Options of {@link encodeFeatures} / {@link extractFeatures}. */
export interface FeatureOptions {
  /** 'cls' or 'mean' (patch tokens); default cfg.pool. */
  pool?: 'cls' | 'mean';
  /**
   * Block index whose output to pool (negative counts from the end; before the final norm, as BEiT's
   * layer-wise probes). Default: the encoder's final output (final norm, or fc_norm after pooling).
   */
  layer?: number;
  /** Per-channel input normalisation; default none (images used as given). */
  normalization?: Normalization;
}

/** Images in [0, 1], channels-last, read a batch at a time. */
export interface FeatureSource {
  /** Number of images. */
  readonly length: number;
  /** Images start..start+count−1 as [count, S, S, C] floats. */
  read(start: number, count: number): Float32Array | Promise<Float32Array>;
}

function checkLayer(layer: number, depth: number): number {
  const i = layer < 0 ? depth + layer : layer;
  if (!Number.isInteger(layer) || i < 0 || i >= depth) {
    throw new InvalidArgumentError(
      `features: layer must be an integer in [-${depth}, ${depth - 1}], got ${layer}`,
    );
  }
  return i;
}

/**
 * One batch of images → pooled features. images: [B, S, S, C] → [B, D].
 * @example const f = encodeFeatures(params, images, cfg, { pool: 'mean', layer: -1 });
 */
export function encodeFeatures(
  params: VitParams,
  images: tf.Tensor4D,
  cfg: VitConfig,
  opts: FeatureOptions = {},
): tf.Tensor2D {
  const pool = opts.pool ?? cfg.pool;
  const layer = opts.layer === undefined ? undefined : checkLayer(opts.layer, cfg.depth);
  return tf.tidy(() => {
    let x = images;
    const norm = opts.normalization;
    if (norm) {
      if (norm.mean.length !== cfg.inChans || norm.std.length !== cfg.inChans) {
        throw new InvalidArgumentError(
          `features: normalization needs ${cfg.inChans} channel values, got mean [${norm.mean}] std [${norm.std}]`,
        );
      }
      x = tf.div(tf.sub(x, tf.tensor1d([...norm.mean])), tf.tensor1d([...norm.std])) as tf.Tensor4D;
    }
    if (layer === undefined)
      return poolFeatures(vitEncode(params, x, cfg), pool, params.fc_norm, cfg.layerNormEps);
    const { layers } = vitEncodeWithIntermediates(params, x, cfg, { layers: [layer] });
    return poolFeatures(layers[0] as tf.Tensor3D, pool);
  });
}

/**
 * Features of every image of `source`, `batchSize` images at a time. → [N, D] (caller disposes).
 * @example const train = await extractFeatures(params, cfg, arraySource(pixels, n, 28, 1), { batchSize: 256 });
 */
export async function extractFeatures(
  params: VitParams,
  cfg: VitConfig,
  source: FeatureSource,
  opts: FeatureOptions & { batchSize?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<tf.Tensor2D> {
  const batchSize = opts.batchSize ?? 128;
  if (!(Number.isInteger(batchSize) && batchSize > 0))
    throw new InvalidArgumentError(`extractFeatures: batchSize must be a positive integer, got ${batchSize}`);
  if (source.length <= 0) throw new InvalidArgumentError(`extractFeatures: the source is empty`);
  const s = cfg.imageSize;
  const per = s * s * cfg.inChans;
  const parts: tf.Tensor2D[] = [];
  try {
    for (let i = 0; i < source.length; i += batchSize) {
      const n = Math.min(batchSize, source.length - i);
      const pixels = await source.read(i, n);
      if (pixels.length !== n * per) {
        throw new ShapeError(
          `extractFeatures: read(${i}, ${n}) returned ${pixels.length} values, expected ${n}x${s}x${s}x${cfg.inChans}`,
        );
      }
      const f = tf.tidy(() => encodeFeatures(params, tf.tensor4d(pixels, [n, s, s, cfg.inChans]), cfg, opts));
      await f.data(); // sync point: bounds the queued work (and memory) on async backends
      parts.push(f);
      opts.onProgress?.(i + n, source.length);
    }
    return parts.length === 1
      ? (tf.clone(parts[0] as tf.Tensor2D) as tf.Tensor2D)
      : (tf.concat(parts, 0) as tf.Tensor2D);
  } finally {
    tf.dispose(parts);
  }
}

/**
 * A source over images already in memory: pixels [N·S·S·C] in [0, 1].
 * @example const src = arraySource(pixels, 1000, 28, 1);
 */
export function arraySource(
  pixels: Float32Array,
  count: number,
  imageSize: number,
  channels: number,
): FeatureSource {
  const per = imageSize * imageSize * channels;
  if (pixels.length !== count * per)
    throw new ShapeError(
      `arraySource: ${pixels.length} values is not ${count}x${imageSize}x${imageSize}x${channels}`,
    );
  return { length: count, read: (start, n) => pixels.subarray(start * per, (start + n) * per) };
}

/** How {@link datasetSource} fits images of another size or channel count. */
export interface FitOptions {
  /**
   * 'resize' (default): shorter side → S (bicubic, torchvision `Resize(S)`) then centre crop S, and
   * channels converted (Pillow luma / grey replicated); 'exact': other sizes are an error.
   */
  fit?: 'resize' | 'exact';
}

function fitImage(image: RawImage, idx: number, s: number, c: number, fit: 'resize' | 'exact'): RawImage {
  if (image.width === s && image.height === s && image.channels === c) return image;
  if (fit === 'exact' || (c !== 1 && c !== 3)) {
    throw new ShapeError(
      `datasetSource: image ${idx} is ${image.width}x${image.height}x${image.channels}, expected ${s}x${s}x${c}`,
    );
  }
  return toChannels(centerCrop(resizeShorterSide(image, s, 'bicubic'), s), c as 1 | 3);
}

/**
 * A source over an ImageDataset, optionally restricted to `indices`; uint8 pixels scaled to [0, 1], images
 * of another size resized + centre-cropped (see FitOptions).
 * @example const src = datasetSource(await loadFashionMnist({ split: 'test' }), 28, 1);
 */
export function datasetSource(
  dataset: ImageDataset,
  imageSize: number,
  channels: number,
  indices?: ArrayLike<number>,
  opts: FitOptions = {},
): FeatureSource {
  const length = indices ? indices.length : dataset.length;
  const per = imageSize * imageSize * channels;
  return {
    length,
    async read(start, n) {
      const out = new Float32Array(n * per);
      for (let j = 0; j < n; j++) {
        const idx = indices ? (indices[start + j] as number) : start + j;
        const { image } = await dataset.get(idx);
        const img = fitImage(image, idx, imageSize, channels, opts.fit ?? 'resize');
        for (let k = 0; k < per; k++) out[j * per + k] = (img.data[k] as number) / 255;
      }
      return out;
    },
  };
}

/**
 * Reads (a subset of) a labelled dataset into memory: pixels [N·S·S·C] in [0, 1] and labels [N].
 * @example const test = await loadLabeledImages(await loadFashionMnist({ split: 'test' }), 28, 1);
 */
export async function loadLabeledImages(
  dataset: ImageDataset,
  imageSize: number,
  channels: number,
  indices?: ArrayLike<number>,
  opts: FitOptions = {},
): Promise<{ pixels: Float32Array; labels: Int32Array; count: number }> {
  const count = indices ? indices.length : dataset.length;
  const labels = new Int32Array(count);
  for (let j = 0; j < count; j++) {
    const idx = indices ? (indices[j] as number) : j;
    const { label } = await dataset.get(idx);
    if (label === undefined) throw new InvalidArgumentError(`loadLabeledImages: sample ${idx} has no label`);
    labels[j] = label;
  }
  const pixels = await datasetSource(dataset, imageSize, channels, indices, opts).read(0, count);
  return { pixels, labels, count };
}
