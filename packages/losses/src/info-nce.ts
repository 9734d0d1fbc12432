/**
 * Symmetric InfoNCE between the two SplitMask branches (paper §1.6 Eq. 2, Decision 5, §8 rows 5–6).
 *
 * Follows MoCo v3's `ctr_loss` (moco-v3/moco/builder.py): ℓ2-normalise both sides, logits
 * `q·kᵀ / τ`, cross-entropy with the positives on the diagonal, negatives = the other images of the
 * batch from the other branch. What we changed, as decided in paper.md §8 row 6: the two directions are
 * averaged (½(ℓ_a→b + ℓ_b→a)) rather than summed, and there is no `2τ` factor.
 */
import { linear, logSoftmax } from '@splitmask/core';
import * as tf from '@tensorflow/tfjs-core';
import { NoNegativesError } from './errors';
import { expectDtype, expectPositive, expectRank, expectShape } from './internal/checks';
import { l2Normalize } from './internal/numerics';

/** Options of `infoNCE`. */
export interface InfoNCEOptions {
  /** Softmax temperature τ; 0.2 as MoCo v3 (paper §5.5). */
  temperature?: number;
}

/** Loss and monitoring metric of `infoNCE` (a type alias, so `tf.dispose(result)` type-checks). */
export type InfoNCEResult = {
  /** ½(CE(za→zb) + CE(zb→za)). Scalar */
  loss: tf.Scalar;
  /** In-batch top-1 retrieval accuracy, averaged over both directions (no gradient). Scalar */
  accuracy: tf.Scalar;
};

/** Cross-entropy of rows of `logits` [B, B] against the diagonal, and the matching top-1 accuracy. */
function diagonalCE(logits: tf.Tensor2D, eye: tf.Tensor2D): [tf.Scalar, tf.Scalar] {
  const b = logits.shape[0];
  const ce = tf.div(tf.neg(tf.sum(tf.mul(logSoftmax(logits), eye))), b) as tf.Scalar;
  const acc = tf.mean(tf.cast(tf.equal(tf.argMax(logits, 1), tf.range(0, b, 1, 'int32')), 'float32'));
  return [ce, acc as tf.Scalar];
}

/**
 * Symmetric InfoNCE with in-batch negatives.
 *
 * za: [B, D], zb: [B, D] (pooled features of branch A and B; any norm, B ≥ 2) → { loss, accuracy: Scalar }
 *
 * Numerics: features are normalised as F.normalize (eps 1e-12), so |logits| ≤ 1/τ and the
 * log-sum-exp is stable down to τ = 0.01. NaN/Infinity features propagate to a NaN loss.
 * Throws `NoNegativesError` for B = 1 (no negatives: the loss would be identically 0).
 *
 * @example
 * const { loss, accuracy } = infoNCE(meanPool(decA), meanPool(decB), { temperature: 0.2 });
 */
export function infoNCE(za: tf.Tensor2D, zb: tf.Tensor2D, options: InfoNCEOptions = {}): InfoNCEResult {
  const { temperature = 0.2 } = options;
  expectRank('infoNCE', 'za', za, 2, 'B, D');
  expectShape('infoNCE', 'zb', zb, za.shape, 'B, D');
  expectDtype('infoNCE', 'za', za, 'float32');
  expectDtype('infoNCE', 'zb', zb, 'float32');
  expectPositive('infoNCE', 'temperature', temperature);
  const b = za.shape[0];
  if (b < 2) {
    throw new NoNegativesError(
      `infoNCE: needs a batch of at least 2 (the other images are the negatives), got za [${za.shape.join(', ')}]`,
    );
  }
  return tf.tidy(() => {
    const qa = l2Normalize(za);
    const qb = l2Normalize(zb);
    // Flag-free matmul through core's linear (fast path on wasm); the b→a direction is the transpose.
    const logitsAB = tf.div(linear(qa, tf.transpose(qb)), temperature) as tf.Tensor2D; // [B, B]
    const logitsBA = tf.transpose(logitsAB); // [B, B]
    const eye = tf.eye(b) as tf.Tensor2D;
    const [ceAB, accAB] = diagonalCE(logitsAB, eye);
    const [ceBA, accBA] = diagonalCE(logitsBA, eye);
    return {
      loss: tf.mul(tf.add(ceAB, ceBA), 0.5) as tf.Scalar,
      accuracy: tf.mul(tf.add(accAB, accBA), 0.5) as tf.Scalar,
    };
  });
}
