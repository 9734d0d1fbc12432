/**
 * Per-patch pixel regression loss, MAE's `forward_loss` (facebookresearch/mae models_mae.py), for
 * comparison experiments against token targets. With `normPixLoss` each target patch is normalised by
 * its own mean and unbiased variance, (t − mean)/sqrt(var + 1e-6) (eps 1e-6 and `torch.var`'s unbiased
 * estimate, exactly as MAE). Each patch's loss is the mean squared error over its P values; patches are
 * averaged over the weights (MAE's `(loss * mask).sum() / mask.sum()`) or all of them.
 */
import { InvalidArgumentError } from '@splitmask/core';
import * as tf from '@tensorflow/tfjs-core';
import { expectDtype, expectRank, expectShape } from './internal/checks';
import { weightedMean } from './internal/numerics';

const NORM_PIX_EPS = 1e-6; // MAE's 1.e-6

/** Options of `patchMSE`. */
export interface PatchMSEOptions {
  /** Normalise each target patch by its mean and unbiased variance (MAE `--norm_pix_loss`). Default false. */
  normPixLoss?: boolean;
}

/**
 * Mean squared error per patch, averaged over (weighted) patches.
 *
 * pred: [B, L, P], target: [B, L, P] (patchified pixels), weights?: [B, L] (e.g. MAE's mask, 1 = removed)
 * → Scalar. With weights, sum(w·mse)/sum(w), 0 with zero gradients when sum(w) = 0; without, the mean
 * over all B·L patches (the caller selected the masked patches). `normPixLoss` needs P ≥ 2.
 *
 * @example
 * const loss = patchMSE(decoderPixels, patchify(images, 16), mask, { normPixLoss: true });
 */
export function patchMSE(
  pred: tf.Tensor3D,
  target: tf.Tensor3D,
  weights?: tf.Tensor2D,
  options: PatchMSEOptions = {},
): tf.Scalar {
  const { normPixLoss = false } = options;
  expectRank('patchMSE', 'pred', pred, 3, 'B, L, P');
  expectShape('patchMSE', 'target', target, pred.shape, 'B, L, P');
  expectDtype('patchMSE', 'target', target, 'float32');
  const [b, l, p] = pred.shape;
  if (weights) {
    expectShape('patchMSE', 'weights', weights, [b, l], 'B, L');
    expectDtype('patchMSE', 'weights', weights, 'float32');
  }
  if (normPixLoss && p < 2) {
    throw new InvalidArgumentError(
      `patchMSE: normPixLoss needs P >= 2 values per patch (unbiased variance), got P=${p}`,
    );
  }
  return tf.tidy(() => {
    let t: tf.Tensor = target;
    if (normPixLoss) {
      const mean = tf.mean(t, -1, true);
      const centered = tf.sub(t, mean);
      const varUnbiased = tf.div(tf.sum(tf.square(centered), -1, true), p - 1);
      t = tf.div(centered, tf.sqrt(tf.add(varUnbiased, NORM_PIX_EPS)));
    }
    const perPatch = tf.mean(tf.square(tf.sub(pred, t)), -1); // [B, L]
    return weightedMean(perPatch, weights);
  });
}
