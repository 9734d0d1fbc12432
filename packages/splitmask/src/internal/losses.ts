/**
 * Masked cross-entropy and symmetric InfoNCE.
 * TODO(integrate): replace with @splitmask/losses maskedCrossEntropy / infoNCE when it lands.
 */
import { crossEntropyPerRow, linear } from '@splitmask/core';
import * as tf from '@tensorflow/tfjs-core';

/** logits [B, M, V], targets [B, M] int32 → mean cross-entropy over all B·M positions (Scalar). */
export function maskedCrossEntropy(logits: tf.Tensor3D, targets: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const v = logits.shape[2];
    return tf.mean(crossEntropyPerRow(tf.reshape(logits, [-1, v]), tf.reshape(targets, [-1]))) as tf.Scalar;
  });
}

function l2Normalize(x: tf.Tensor2D): tf.Tensor2D {
  return tf.div(x, tf.sqrt(tf.add(tf.sum(tf.square(x), 1, true), 1e-12))) as tf.Tensor2D;
}

/**
 * Symmetric InfoNCE with in-batch cross-view negatives: za, zb [B, D] (ℓ2-normalised inside),
 * logits za·zbᵀ/τ [B, B], positives on the diagonal, mean of both directions.
 */
export function infoNCE(
  za: tf.Tensor2D,
  zb: tf.Tensor2D,
  { temperature = 0.2 } = {},
): { loss: tf.Scalar; accuracy: tf.Scalar } {
  return tf.tidy(() => {
    const b = za.shape[0];
    const a = l2Normalize(za);
    const bb = l2Normalize(zb);
    const s = tf.div(linear(a, tf.transpose(bb)), temperature) as tf.Tensor2D; // [B, B]
    const labels = tf.range(0, b, 1, 'int32') as tf.Tensor1D;
    const lab = tf.mean(crossEntropyPerRow(s, labels));
    const lba = tf.mean(crossEntropyPerRow(tf.transpose(s) as tf.Tensor2D, labels));
    const loss = tf.mul(tf.add(lab, lba), 0.5) as tf.Scalar;
    const accuracy = tf.mean(tf.cast(tf.equal(tf.argMax(s, 1), labels), 'float32')) as tf.Scalar;
    return { loss, accuracy };
  });
}
