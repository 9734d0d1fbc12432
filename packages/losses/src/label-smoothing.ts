/**
 * Label-smoothed cross-entropy for fine-tuning (paper.md Decision 8: smoothing 0.1), timm's
 * `LabelSmoothingCrossEntropy`: (1 − s)·nll + s·mean_C(−log p), averaged over the batch. Identical to
 * PyTorch's `F.cross_entropy(x, y, label_smoothing=s)`.
 */
import { crossEntropyPerRow, logSoftmax } from '@splitmask/core';
import * as tf from '@tensorflow/tfjs-core';
import { expectDtype, expectInRange, expectRank, expectShape } from './internal/checks';

/**
 * Cross-entropy with label smoothing over integer class labels.
 *
 * logits: [B, C], labels: [B] int32 in [0, C), smoothing s in [0, 1) → Scalar
 *
 * s = 0 is plain `F.cross_entropy`. An out-of-range label gives +Infinity (see `maskedCrossEntropy`);
 * NaN logits propagate.
 *
 * @example
 * const loss = labelSmoothingCrossEntropy(headLogits, labels, 0.1);
 */
export function labelSmoothingCrossEntropy(
  logits: tf.Tensor2D,
  labels: tf.Tensor1D,
  smoothing = 0.1,
): tf.Scalar {
  expectRank('labelSmoothingCrossEntropy', 'logits', logits, 2, 'B, C');
  expectShape('labelSmoothingCrossEntropy', 'labels', labels, [logits.shape[0]], 'B');
  expectDtype('labelSmoothingCrossEntropy', 'labels', labels, 'int32');
  expectInRange('labelSmoothingCrossEntropy', 'smoothing', smoothing, 0, 1 - Number.EPSILON);
  return tf.tidy(() => {
    const nll = crossEntropyPerRow(logits, labels); // [B]
    const smooth = tf.neg(tf.mean(logSoftmax(logits), 1)); // [B]
    return tf.mean(tf.add(tf.mul(nll, 1 - smoothing), tf.mul(smooth, smoothing))) as tf.Scalar;
  });
}
