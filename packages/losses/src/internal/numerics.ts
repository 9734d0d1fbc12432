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
 * Cross-entropy per row with integer targets, fused: value lse(x) − x[t] with the custom gradient
 * (softmax(x) − onehot(t))·dy. The forward picks x[t] with `gather` (its forward runs everywhere; only its
 * gradient needs UnsortedSegmentSum, which wasm lacks, and the gradient here is our own). The tape keeps
 * the logits (shared, not copied), lse [R] and the targets, not the extra [R, V] buffers of a composite
 * log-softmax + one-hot product, and intermediates are freed as soon as they are used: on the MIM
 * logits [B·M, V], the largest tensor of a step, this cuts the peak memory of forward + backward ~4×
 * and its time 4–7× on wasm (measured in the README).
 * Unlike core's `crossEntropyPerRow`, a target outside [0, V) gives +Infinity instead of a silent 0, so
 * that `assertFinite` catches it.
 * logits: [R, V], targets: [R] int32 → [R]
 */
export function tokenCrossEntropy(logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Tensor1D {
  const [r, v] = logits.shape;
  // targets is closed over (it is not differentiated) and saved so that it outlives the caller's tidy.
  const ce = tf.customGrad(((x: tf.Tensor2D, save: tf.GradSaveFunc) => {
    const lse = tf.tidy(() => {
      const m = tf.max(x, 1, true); // [R, 1]; lse is shift-invariant, so m needs no gradient
      return tf.add(tf.log(tf.sum(tf.exp(tf.sub(x, m)), 1, true)), m); // [R, 1]
    });
    const value = tf.tidy(() => {
      const valid = tf.logicalAnd(tf.greaterEqual(targets, 0), tf.less(targets, v)); // [R]
      const rowStart = tf.mul(tf.range(0, r, 1, 'int32'), tf.scalar(v, 'int32'));
      // invalid ids read column 0 and are overwritten below (where, not clipByValue: wasm 4.22's
      // ClipByValue reads int32 data as float32)
      const flat = tf.add(rowStart, tf.where(valid, targets, tf.zerosLike(targets)));
      const picked = tf.gather(tf.reshape(x, [-1]), flat); // x[i, t_i], [R]
      const ce = tf.sub(tf.reshape(lse, [-1]), picked);
      return tf.where(valid, ce, tf.fill([r], Number.POSITIVE_INFINITY));
    });
    save([x, lse, targets]);
    return {
      value,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [xs, lses, ts] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
        // Step by step so that at most three [R, V] temporaries are alive at once.
        const p = tf.tidy(() => tf.exp(tf.sub(xs, lses))); // softmax [R, V]
        const onehot = oneHotFloat(ts, v);
        const diff = tf.sub(p, onehot);
        tf.dispose([p, onehot]);
        const g = tf.mul(diff, tf.reshape(dy as tf.Tensor, [-1, 1]));
        diff.dispose();
        return [g];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as (x: tf.Tensor2D) => tf.Tensor1D;
  return tf.tidy(() => ce(logits));
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
