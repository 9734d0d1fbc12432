/**
 * Numerical building blocks shared by the losses. Everything is float32 and stable for large logits
 * (log-sum-exp with the row max subtracted before the exp).
 */
import * as tf from '@tensorflow/tfjs-core';

// F.normalize's eps 1e-12, applied to the squared norm (eps² = 1e-24 is a normal float32) so that an
// all-zero row gets a zero gradient instead of sqrt'(0) = Infinity times 0 = NaN.
const NORM_EPS_SQ = 1e-24;

// Smallest positive normal float32: a denominator floor that changes no non-zero sum of weights.
export const FLOAT32_MIN_NORMAL = 1.1754943508222875e-38;

/**
 * Float32 one-hot rows. tfjs-backend-wasm 4.22's OneHot kernel ignores the `dtype` attribute and writes
 * int32 bit patterns into the float32 buffer (1 reads as 1.4e-45), so build int32 and cast.
 * indices: [R] int32 → [R, depth] float32
 */
export function oneHotFloat(indices: tf.Tensor1D, depth: number): tf.Tensor2D {
  return tf.tidy(() => tf.cast(tf.oneHot(indices, depth), 'float32')) as tf.Tensor2D;
}

/**
 * sum(values·w) / sum(w), or the plain mean without weights. When sum(w) = 0 the result is 0 with zero
 * gradients (nothing to predict contributes nothing), provided the values are finite.
 * values: [...], weights: same shape → scalar
 */
export function weightedMean(values: tf.Tensor, weights?: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    if (!weights) return tf.mean(values);
    const total = tf.sum(tf.mul(values, weights));
    return tf.div(total, tf.maximum(tf.sum(weights), FLOAT32_MIN_NORMAL));
  });
}

/** Row-wise ℓ2 normalisation, x / max(‖x‖, 1e-12) as F.normalize. x: [B, D] → [B, D] */
export function l2Normalize(x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() =>
    tf.div(x, tf.sqrt(tf.maximum(tf.sum(tf.square(x), 1, true), NORM_EPS_SQ))),
  ) as tf.Tensor2D;
}

/** Identity forward, zero gradient: torch's `.detach()` (tfjs-core has no stopGradient op). */
export const stopGradient = tf.customGrad(((x: tf.Tensor) => ({
  value: tf.clone(x),
  gradFunc: (dy: tf.Tensor | tf.Tensor[]) => tf.zerosLike(dy as tf.Tensor),
})) as unknown as Parameters<typeof tf.customGrad>[0]) as <T extends tf.Tensor>(x: T) => T;

/** 1 where the row's argmax equals its integer target, else 0. logits: [R, V], targets: [R] → [R] float32 */
export function top1Correct(logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(() => tf.cast(tf.equal(tf.argMax(logits, 1), targets), 'float32')) as tf.Tensor1D;
}
