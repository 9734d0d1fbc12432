/**
 * Fine-tuning with soft targets (mixup / cutmix), following timm: `SoftTargetCrossEntropy`
 * (timm/loss/cross_entropy.py) and `mixup_target` (timm/data/mixup.py). Only the target math lives here;
 * sampling λ and cutmix boxes is host-side, seeded, in the data pipeline (λ must already be corrected for
 * the clipped box area, as timm's `_params_per_batch` + `cutmix_bbox_and_lam` do).
 */
import { logSoftmax } from '@splitmask/core';
import * as tf from '@tensorflow/tfjs-core';
import { expectDtype, expectInRange, expectRank, expectShape } from './internal/checks';
import { oneHotFloat } from './internal/numerics';

/**
 * Cross-entropy against target distributions: mean_B( Σ_C −t·log_softmax(x) ).
 *
 * logits: [B, C], targets: [B, C] (rows are probabilities, e.g. from `mixupTargets`) → Scalar
 *
 * Gradients flow to both inputs (as in PyTorch); NaN inputs propagate.
 *
 * @example
 * const loss = softTargetCrossEntropy(headLogits, mixupTargets(labels, 10, { lam: 0.7, smoothing: 0.1 }));
 */
export function softTargetCrossEntropy(logits: tf.Tensor2D, targets: tf.Tensor2D): tf.Scalar {
  expectRank('softTargetCrossEntropy', 'logits', logits, 2, 'B, C');
  expectShape('softTargetCrossEntropy', 'targets', targets, logits.shape, 'B, C');
  expectDtype('softTargetCrossEntropy', 'targets', targets, 'float32');
  return tf.tidy(() => tf.mean(tf.neg(tf.sum(tf.mul(targets, logSoftmax(logits)), 1))) as tf.Scalar);
}

/** Options of `mixupTargets`. */
export interface MixupTargetOptions {
  /** Mixing weight λ of each image's own label (the partner is the batch flipped: image B−1−i). Default 1. */
  lam?: number;
  /** Label smoothing s: off value s/C, on value 1 − s + s/C (timm). Default 0. */
  smoothing?: number;
}

/**
 * timm's `mixup_target`: smoothed one-hot of each label mixed with that of its partner in the flipped
 * batch, λ·y + (1 − λ)·y[flip]. Rows sum to 1 when labels are in [0, C).
 *
 * labels: [B] int32, numClasses C → [B, C] float32
 *
 * @example
 * const t = mixupTargets(labels, 10, { lam: 0.7, smoothing: 0.1 }); // images mixed as λ·x + (1−λ)·x[flip]
 */
export function mixupTargets(
  labels: tf.Tensor1D,
  numClasses: number,
  options: MixupTargetOptions = {},
): tf.Tensor2D {
  const { lam = 1, smoothing = 0 } = options;
  expectRank('mixupTargets', 'labels', labels, 1, 'B');
  expectDtype('mixupTargets', 'labels', labels, 'int32');
  expectInRange('mixupTargets', 'numClasses', numClasses, 1, Number.MAX_SAFE_INTEGER);
  expectInRange('mixupTargets', 'lam', lam, 0, 1);
  expectInRange('mixupTargets', 'smoothing', smoothing, 0, 1);
  return tf.tidy(() => {
    const off = smoothing / numClasses;
    const on = 1 - smoothing + off;
    // on/off values applied arithmetically: wasm's OneHot ignores dtype (see oneHotFloat).
    const y1 = oneHotFloat(labels, numClasses);
    const y2 = oneHotFloat(tf.reverse(labels, 0), numClasses);
    const mixed = tf.add(tf.mul(y1, lam), tf.mul(y2, 1 - lam)); // timm's λ·y1 + (1−λ)·y2 with on=1, off=0
    return tf.add(tf.mul(mixed, on - off), off) as tf.Tensor2D;
  });
}
