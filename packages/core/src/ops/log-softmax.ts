/**
 * Numerically stable log-softmax and cross-entropy (log-sum-exp with the max subtracted), float32.
 */
import * as tf from '@tensorflow/tfjs-core';

/** logits: [..., V] → log-probabilities [..., V]. */
export function logSoftmax<T extends tf.Tensor>(logits: T): T {
  return tf.tidy(() => {
    const axis = logits.rank - 1;
    // log-softmax is shift-invariant, so the max's gradient contributions cancel exactly.
    const shifted = tf.sub(logits, tf.max(logits, axis, true));
    return tf.sub(shifted, tf.log(tf.sum(tf.exp(shifted), axis, true))) as T;
  });
}

/**
 * Per-row cross-entropy with integer targets, via a one-hot product (no gather: its gradient needs
 * UnsortedSegmentSum, which wasm lacks).
 * logits: [R, V], targets: [R] int32 → [R] losses
 */
export function crossEntropyPerRow(logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(() => {
    const logp = logSoftmax(logits);
    const onehot = tf.oneHot(tf.cast(targets, 'int32'), logits.shape[1]);
    return tf.neg(tf.sum(tf.mul(logp, onehot), 1)) as tf.Tensor1D;
  });
}
