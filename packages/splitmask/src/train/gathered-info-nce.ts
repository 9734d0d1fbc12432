/**
 * SplitMask's symmetric InfoNCE (same definition as `infoNCE` in @splitmask/losses: ℓ2-normalised
 * features, logits q·kᵀ/τ, positives on the diagonal, ½(ℓ_a→b + ℓ_b→a)) computed as one shard's share
 * of the global batch: this shard's anchors against the keys of *every* shard (`allGather`), summed
 * and divided by the global batch size. Summed over shards it is the whole batch's loss, and the
 * gather's gradient carries each shard's contribution to the others' rows — no negatives dropped.
 * With a single shard it is `infoNCE` itself.
 */
import { linear, logSoftmax } from '@splitmask/core';
import * as tf from '@tensorflow/tfjs-core';
import type { Collective } from './collective';

const NORM_EPS_SQ = 1e-24; // F.normalize's eps 1e-12, squared

function l2Normalize(x: tf.Tensor2D): tf.Tensor2D {
  return tf.div(x, tf.sqrt(tf.maximum(tf.sum(tf.square(x), 1, true), NORM_EPS_SQ))) as tf.Tensor2D;
}

/** Sum over this shard's anchors of CE against the global key `lo + i`, and of top-1 hits. */
function anchorSums(q: tf.Tensor2D, keys: tf.Tensor2D, lo: number, temperature: number) {
  const [size] = q.shape;
  const total = keys.shape[0];
  const logits = tf.div(linear(q, tf.transpose(keys)), temperature) as tf.Tensor2D; // [size, total]
  const labels = tf.range(lo, lo + size, 1, 'int32');
  const onehot = tf.oneHot(labels, total);
  const ce = tf.neg(tf.sum(tf.mul(logSoftmax(logits), onehot)));
  const hits = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), labels), 'float32'));
  return { ce, hits };
}

/**
 * za, zb: [size, D] pooled features of this shard's images (branch A, branch B) → this shard's share
 * of { loss, accuracy } (Scalars). Needs a global batch of at least 2 (the negatives).
 * @example const { loss } = gatheredInfoNCE(za, zb, collective, 0.2);
 */
export function gatheredInfoNCE(
  za: tf.Tensor2D,
  zb: tf.Tensor2D,
  collective: Collective,
  temperature: number,
): { loss: tf.Scalar; accuracy: tf.Scalar } {
  return tf.tidy(() => {
    const { lo, total } = collective.shard;
    if (total < 2) {
      throw new RangeError(
        `InfoNCE needs a batch of at least 2 (the other images are the negatives), got ${total}`,
      );
    }
    const qa = l2Normalize(za);
    const qb = l2Normalize(zb);
    const keysB = collective.allGather(qb); // [total, D]
    const keysA = collective.allGather(qa);
    const ab = anchorSums(qa, keysB, lo, temperature);
    const ba = anchorSums(qb, keysA, lo, temperature);
    const half = 0.5 / total;
    return {
      loss: tf.mul(tf.add(ab.ce, ba.ce), half) as tf.Scalar,
      accuracy: tf.mul(tf.add(ab.hits, ba.hits), half) as tf.Scalar,
    };
  });
}
