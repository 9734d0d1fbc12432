/**
 * Patch-level tokenizers: random projection (SplitMask's default) and spherical k-means.
 * TODO(integrate): replace with @splitmask/tokenizers createRandomProjectionTokenizer /
 * fitKMeansTokenizer when it lands.
 */
import type { Rng } from '@splitmask/core';
import * as tf from '@tensorflow/tfjs-core';
import { patchify } from './vit';

/** A tokenizer maps images [B, H, W, C] in [0, 1] to token ids [B, h, w] int32. */
export interface Tokenizer {
  kind: string;
  vocabSize: number;
  patchSize: number;
  tokenize(images: tf.Tensor4D): tf.Tensor3D;
  /** The vocabulary [V, P] (unit rows) for saving. */
  toTensors(): Record<string, tf.Tensor>;
  dispose(): void;
}

/** Per-channel normalisation used for tokens (the encoder's mean/std). */
export interface Normalization {
  mean: number[];
  std: number[];
}

function normalizedPatches(images: tf.Tensor4D, p: number, norm: Normalization): tf.Tensor2D {
  return tf.tidy(() => {
    const x = tf.div(tf.sub(images, norm.mean), norm.std) as tf.Tensor4D;
    const patches = patchify(x, p); // [B, L, P]
    const flat = tf.reshape(patches, [-1, patches.shape[2]]) as tf.Tensor2D;
    return tf.div(flat, tf.sqrt(tf.add(tf.sum(tf.square(flat), 1, true), 1e-12))) as tf.Tensor2D;
  });
}

export function fromVocab(
  kind: string,
  vocab: tf.Tensor2D,
  patchSize: number,
  norm: Normalization,
): Tokenizer {
  const vocabT = tf.keep(tf.transpose(vocab)); // [P, V]
  return {
    kind,
    vocabSize: vocab.shape[0],
    patchSize,
    tokenize(images) {
      return tf.tidy(() => {
        const [b, h, w] = images.shape;
        const ids = tf.argMax(tf.matMul(normalizedPatches(images, patchSize, norm), vocabT), 1);
        return tf.reshape(tf.cast(ids, 'int32'), [b, h / patchSize, w / patchSize]) as tf.Tensor3D;
      });
    },
    toTensors: () => ({ vocab }),
    dispose() {
      vocab.dispose();
      vocabT.dispose();
    },
  };
}

/** Random-projection tokenizer: V vectors U(−1, 1), ℓ2-normalised; token = argmax dot product. */
export function createRandomProjectionTokenizer(
  {
    vocabSize,
    patchSize,
    channels,
    norm,
  }: { vocabSize: number; patchSize: number; channels: number; norm: Normalization },
  rng: Rng,
): Tokenizer {
  const p = patchSize * patchSize * channels;
  const vocab = tf.tidy(() => {
    const data = new Float32Array(vocabSize * p);
    for (let i = 0; i < data.length; i++) data[i] = rng.uniform(-1, 1);
    const v = tf.tensor2d(data, [vocabSize, p]);
    return tf.div(v, tf.sqrt(tf.sum(tf.square(v), 1, true))) as tf.Tensor2D;
  });
  return fromVocab('random-projection', vocab, patchSize, norm);
}

/**
 * Spherical k-means on ℓ2-normalised patches of `images` [N, H, W, C]: centroids initialised from
 * random distinct patches, `iterations` Lloyd steps, empty clusters keep their centroid.
 */
export function fitKMeansTokenizer(
  images: tf.Tensor4D,
  {
    vocabSize,
    patchSize,
    iterations,
    norm,
  }: { vocabSize: number; patchSize: number; iterations: number; norm: Normalization },
  rng: Rng,
): Tokenizer {
  const vocab = tf.tidy(() => {
    const x = normalizedPatches(images, patchSize, norm); // [N, P]
    const n = x.shape[0];
    const pick = Array.from(rng.permutation(n).slice(0, vocabSize));
    while (pick.length < vocabSize) pick.push(rng.int(n));
    // Tiny jitter so duplicate patches (e.g. blank background) start as distinct centroids.
    let c = tf.add(
      tf.gather(x, pick),
      tf.mul(tf.randomNormal([vocabSize, x.shape[1]], 0, 1, 'float32', rng.nextUint32() >>> 1), 1e-3),
    ) as tf.Tensor2D;
    const xT = tf.transpose(x);
    for (let it = 0; it < iterations; it++) {
      const next = tf.tidy(() => {
        const assign = tf.argMax(tf.matMul(c, xT), 0); // [N]
        const onehot = tf.oneHot(assign, vocabSize); // [N, V]
        const sums = tf.matMul(tf.transpose(onehot), x); // [V, P]
        const counts = tf.reshape(tf.sum(onehot, 0), [vocabSize, 1]);
        const merged = tf.where(tf.tile(tf.greater(counts, 0), [1, x.shape[1]]), sums, c);
        return tf.div(merged, tf.sqrt(tf.add(tf.sum(tf.square(merged), 1, true), 1e-12))) as tf.Tensor2D;
      });
      c.dispose();
      c = next;
    }
    return c;
  });
  return fromVocab('kmeans', vocab, patchSize, norm);
}
