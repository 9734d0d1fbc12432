/**
 * Masked token prediction (MIM) loss: cross-entropy of predicted visual-token logits at the masked
 * positions. Paper §1.5 / Decision 4: averaged over all predicted positions of the batch (both SplitMask
 * branches concatenated along M give the mean over every patch). Follows BEiT's
 * `nn.CrossEntropyLoss()(logits[bool_masked_pos], labels)`, with the mask crossing into tensor code as
 * either fixed-length positions (the caller already selected M positions per image, the default) or
 * float weights (sum(w·ce) / sum(w)) — never a data-dependent boolean mask.
 */
import { crossEntropyPerRow } from '@splitmask/core';
import * as tf from '@tensorflow/tfjs-core';
import { expectDtype, expectRank, expectShape } from './internal/checks';
import { top1Correct, weightedMean } from './internal/numerics';

/** Monitoring view of the masked token loss (a type alias so `tidy` accepts it as a TensorContainer). */
export type MaskedTokenStats = {
  /** Weighted mean cross-entropy (same value as `maskedCrossEntropy`). Scalar */
  loss: tf.Scalar;
  /** Weighted top-1 accuracy of the token predictions. Scalar */
  accuracy: tf.Scalar;
  /** Cross-entropy at every position, weights not applied. [B, M] */
  perPosition: tf.Tensor2D;
  /** 1 where argmax(logits) equals the target, else 0 (first maximum wins ties). [B, M] */
  correct: tf.Tensor2D;
};

function validate(fn: string, logits: tf.Tensor, targets: tf.Tensor, weights?: tf.Tensor): void {
  expectRank(fn, 'logits', logits, 3, 'B, M, V');
  const [b, m] = logits.shape;
  expectShape(fn, 'targets', targets, [b, m], 'B, M');
  expectDtype(fn, 'targets', targets, 'int32');
  if (weights) {
    expectShape(fn, 'weights', weights, [b, m], 'B, M');
    expectDtype(fn, 'weights', weights, 'float32');
  }
}

function perPositionLoss(logits: tf.Tensor3D, targets: tf.Tensor2D): tf.Tensor2D {
  const [b, m, v] = logits.shape;
  const ce = crossEntropyPerRow(tf.reshape(logits, [b * m, v]), tf.reshape(targets, [b * m]));
  return tf.reshape(ce, [b, m]);
}

/**
 * Mean cross-entropy over the predicted positions of the batch.
 *
 * logits: [B, M, V] float32, targets: [B, M] int32 in [0, V), weights?: [B, M] float32 ≥ 0 → Scalar
 *
 * Without weights every one of the B·M positions counts (`F.cross_entropy(..., reduction='mean')`). With
 * weights the loss is sum(w·ce) / sum(w); when sum(w) = 0 (nothing masked) it is 0 with zero
 * gradients. Targets must be valid ids at every position, weighted 0 or not: an out-of-range id makes
 * its position's loss +Infinity (and a weighted-0 one NaN, as 0·Inf), so `assertFinite` reports it
 * where PyTorch would raise. NaN/Infinity logits propagate to a NaN loss (documented, not thrown).
 *
 * @example
 * const loss = maskedCrossEntropy(decoderLogits, tokenIds);            // fixed-length positions
 * const lossW = maskedCrossEntropy(allLogits, allTokenIds, maskWeights); // float mask [B, L]
 */
export function maskedCrossEntropy(
  logits: tf.Tensor3D,
  targets: tf.Tensor2D,
  weights?: tf.Tensor2D,
): tf.Scalar {
  validate('maskedCrossEntropy', logits, targets, weights);
  return tf.tidy(() => weightedMean(perPositionLoss(logits, targets), weights));
}

/**
 * The masked token loss with per-position values and top-1 accuracy, for monitoring (argmax has no
 * gradient: differentiate `maskedCrossEntropy`, not this).
 *
 * logits: [B, M, V], targets: [B, M] int32, weights?: [B, M] → { loss, accuracy: Scalar, perPosition, correct: [B, M] }
 *
 * @example
 * const { loss, accuracy } = maskedTokenAccuracy(logits, tokenIds);
 * console.log(await accuracy.data()); tf.dispose([loss, accuracy]);
 */
export function maskedTokenAccuracy(
  logits: tf.Tensor3D,
  targets: tf.Tensor2D,
  weights?: tf.Tensor2D,
): MaskedTokenStats {
  validate('maskedTokenAccuracy', logits, targets, weights);
  return tf.tidy(() => {
    const [b, m, v] = logits.shape;
    const perPosition = perPositionLoss(logits, targets);
    const correct = tf.reshape(top1Correct(tf.reshape(logits, [b * m, v]), tf.reshape(targets, [b * m])), [
      b,
      m,
    ]) as tf.Tensor2D;
    return {
      loss: weightedMean(perPosition, weights),
      accuracy: weightedMean(correct, weights),
      perPosition,
      correct,
    };
  });
}
