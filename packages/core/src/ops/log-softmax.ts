/**
 * Numerically stable log-softmax and cross-entropy (log-sum-exp with the max subtracted), float32.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '../errors';

/**
 * logits: [..., V] → log-probabilities [..., V].
 * @example const logp = logSoftmax(logits); // [B, M, V]
 */
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
 * @example const loss = tf.mean(crossEntropyPerRow(logits, targets));
 */
export function crossEntropyPerRow(logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Tensor1D {
  if (logits.rank !== 2 || targets.rank !== 1 || targets.shape[0] !== logits.shape[0]) {
    throw new ShapeError(
      `crossEntropyPerRow: expected logits [R, V] and targets [R], got logits [${logits.shape}] and targets [${targets.shape}]`,
    );
  }
  return tf.tidy(() => {
    const logp = logSoftmax(logits);
    // Cast explicitly: tfjs-backend-wasm 4.22's OneHot ignores dtype 'float32' (writes int32 bits, so
    // 1 reads as 1.4e-45), and mul's implicit cast of an int32 operand breaks gradients under vitest's
    // dual ESM/CJS tfjs-core (Cast_grad gets a null dy).
    const onehot = tf.cast(tf.oneHot(tf.cast(targets, 'int32'), logits.shape[1]), 'float32');
    return tf.neg(tf.sum(tf.mul(logp, onehot), 1)) as tf.Tensor1D;
  });
}
