/**
 * Image validation and patch extraction, as tensors (for `tokenize`) and on the host (for fitting
 * codebooks from streamed batches without holding them on a backend).
 *
 * Flatten order inside a patch is (row, column, channel), i.e. NHWC order; the paper leaves it open
 * (paper.md §2.3) and only requires the same order for vocabulary construction and assignment.
 */
import { InvalidArgumentError, ShapeError } from '@splitmask/core';
import * as tf from '@tensorflow/tfjs-core';
import type { PatchNormalization } from './types';

/** Shape of an image batch [B, H, W, C]. */
export type ImageShape = readonly [number, number, number, number];

/** Throws a ShapeError naming the shape unless it is [B, H, W, C] with H, W divisible by p and C = channels. */
export function checkImageShape(shape: readonly number[], patchSize: number, channels: number): void {
  if (shape.length !== 4) {
    throw new ShapeError(
      `Expected images [B, H, W, C], got rank ${shape.length} shape [${shape.join(', ')}]`,
    );
  }
  const [b, h, w, c] = shape;
  if (c !== channels) {
    throw new ShapeError(
      `Expected images [B, H, W, C] with C = channels=${channels}, got [${shape.join(', ')}]`,
    );
  }
  if (b < 1 || h < patchSize || w < patchSize || h % patchSize !== 0 || w % patchSize !== 0) {
    throw new ShapeError(
      `Expected images [B, H, W, C] with H and W positive multiples of patchSize=${patchSize}, got [${shape.join(', ')}]`,
    );
  }
}

/** checkImageShape plus a float32 dtype check (raw 0..255 int32 pixels are a common mistake). */
export function checkImages(images: tf.Tensor, patchSize: number, channels: number): void {
  checkImageShape(images.shape, patchSize, channels);
  if (images.dtype !== 'float32') {
    throw new InvalidArgumentError(
      `Expected float32 images in [0, 1], got dtype ${images.dtype} for images [${images.shape.join(', ')}] (divide raw pixels by 255)`,
    );
  }
}

/** Backends where a synchronous read is cheap (data on the host): `checkFinite` defaults to true there. */
const HOST_BACKENDS = new Set(['cpu', 'wasm', 'tensorflow']);

/** Whether `tokenize` checks for non-finite pixels: the explicit option, else only on host backends. */
export function shouldCheckFinite(option: boolean | undefined): boolean {
  return option ?? HOST_BACKENDS.has(tf.getBackend());
}

/** Throws an InvalidArgumentError naming the first non-finite pixel (reads the data only on failure). */
export function checkFiniteImages(images: tf.Tensor4D): void {
  const bad = tf.tidy(() => tf.any(tf.logicalNot(tf.isFinite(images))));
  const anyBad = bad.dataSync()[0];
  bad.dispose();
  if (!anyBad) return;
  const data = images.dataSync();
  const [, h, w, c] = images.shape;
  const i = data.findIndex((v) => !Number.isFinite(v));
  const at = [Math.floor(i / (h * w * c)), Math.floor(i / (w * c)) % h, Math.floor(i / c) % w, i % c];
  throw new InvalidArgumentError(
    `Expected finite pixel values, got ${data[i]} at [b, y, x, c] = [${at.join(', ')}] of images [${images.shape.join(', ')}]`,
  );
}

/**
 * Cuts images into non-overlapping p×p patches and applies the per-channel normalisation.
 * images [B, H, W, C] → patches [B·L, P] with L = (H/p)·(W/p), P = p·p·C (row, column, channel order).
 * @example const x = extractPatches(images, 8, defaultNormalization(3)); // [B·196, 192] for 112px
 */
export function extractPatches(
  images: tf.Tensor4D,
  patchSize: number,
  norm: PatchNormalization,
): tf.Tensor2D {
  return tf.tidy(() => {
    const [b, h, w, c] = images.shape;
    const p = patchSize;
    const mean = tf.tensor1d(norm.mean as number[]);
    const invStd = tf.div(1, tf.tensor1d(norm.std as number[]));
    const x = tf.mul(tf.sub(images, mean), invStd); // [B, H, W, C]
    const g = tf.reshape(x, [b, h / p, p, w / p, p, c]);
    const t = tf.transpose(g, [0, 1, 3, 2, 4, 5]); // [B, h, w, p, p, C]
    return tf.reshape(t, [b * (h / p) * (w / p), p * p * c]);
  });
}

/**
 * Host-side twin of `extractPatches` for Float32Array batches: same order and normalisation, plus
 * optional per-patch ℓ2 normalisation. images [B, H, W, C] → [B·L, P].
 * @example const rows = extractPatchesHost(batch.images, [32, 112, 112, 3], 8, norm, true);
 */
export function extractPatchesHost(
  images: ArrayLike<number>,
  shape: ImageShape,
  patchSize: number,
  norm: PatchNormalization,
  l2: boolean,
): Float32Array {
  const [b, h, w, c] = shape;
  if (images.length !== b * h * w * c) {
    throw new ShapeError(
      `images has ${images.length} values, expected ${b * h * w * c} for shape [${shape}]`,
    );
  }
  const p = patchSize;
  const gh = h / p;
  const gw = w / p;
  const d = p * p * c;
  const out = new Float32Array(b * gh * gw * d);
  const invStd = norm.std.map((s) => 1 / s);
  let o = 0;
  for (let n = 0; n < b; n++) {
    for (let gy = 0; gy < gh; gy++) {
      for (let gx = 0; gx < gw; gx++) {
        const start = o;
        let sq = 0;
        for (let y = 0; y < p; y++) {
          let src = ((n * h + gy * p + y) * w + gx * p) * c;
          for (let k = 0; k < p * c; k++, src++) {
            const v = (images[src] - norm.mean[k % c]) * invStd[k % c];
            out[o++] = v;
            sq += v * v;
          }
        }
        if (l2 && sq > 0) {
          const inv = 1 / Math.sqrt(sq);
          for (let j = start; j < o; j++) out[j] *= inv;
        }
      }
    }
  }
  return out;
}

/** Validates a patch size (positive integer). */
export function checkPatchSize(patchSize: number): void {
  if (!Number.isInteger(patchSize) || patchSize < 1)
    throw new InvalidArgumentError(`patchSize must be a positive integer, got ${patchSize}`);
}
