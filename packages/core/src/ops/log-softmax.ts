/**
 * Numerically stable log-softmax and cross-entropy (log-sum-exp with the max subtracted), float32.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '../errors';
import { webgpuCrossEntropy } from './webgpu/ops';

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

/** Float32 one-hot rows (wasm 4.22's OneHot ignores dtype 'float32' and writes int32 bits). */
function oneHotFloat(indices: tf.Tensor1D, depth: number): tf.Tensor2D {
  return tf.tidy(() => tf.cast(tf.oneHot(indices, depth), 'float32')) as tf.Tensor2D;
}

/**
 * Per-row cross-entropy with integer targets, fused: value lse(x) − x[t] with the custom gradient
 * (softmax(x) − onehot(t))·dy. The forward picks x[t] with `gather` (its forward runs everywhere; only its
 * gradient needs UnsortedSegmentSum, which wasm lacks, and the gradient here is our own). The tape keeps
 * the logits, lse [R] and the targets, not the extra [R, V] buffers of a composite log-softmax · one-hot
 * product, and intermediates are freed as soon as they are used: on MIM logits [B·M, V], the largest
 * tensor of a step, this cuts the peak memory of forward + backward ~4× and its time 4–7× on wasm
 * (measured in @splitmask/losses' README). A target outside [0, V) gives +Infinity (torch raises), so
 * that a finiteness check catches it instead of a silent 0.
 * logits: [R, V], targets: [R] (int32, or float32 holding integers) → [R] losses
 * @example const loss = tf.mean(crossEntropyPerRow(logits, targets));
 */
export function crossEntropyPerRow(logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Tensor1D {
  if (logits.rank !== 2 || targets.rank !== 1 || targets.shape[0] !== logits.shape[0]) {
    throw new ShapeError(
      `crossEntropyPerRow: expected logits [R, V] and targets [R], got logits [${logits.shape}] and targets [${targets.shape}]`,
    );
  }
  const [r, v] = logits.shape;
  return tf.tidy(() => {
    const t = tf.cast(targets, 'int32') as tf.Tensor1D;
    // webgpu: one WGSL pass each way (webgpu/rows.ts), same contract.
    const fused = webgpuCrossEntropy(logits, t);
    if (fused) return fused;
    // t is closed over (it is not differentiated) and saved so that it outlives this tidy.
    const ce = tf.customGrad(((x: tf.Tensor2D, save: tf.GradSaveFunc) => {
      const lse = tf.tidy(() => {
        const m = tf.max(x, 1, true); // [R, 1]; lse is shift-invariant, so m needs no gradient
        return tf.add(tf.log(tf.sum(tf.exp(tf.sub(x, m)), 1, true)), m); // [R, 1]
      });
      const value = tf.tidy(() => {
        const valid = tf.logicalAnd(tf.greaterEqual(t, 0), tf.less(t, v)); // [R]
        const rowStart = tf.mul(tf.range(0, r, 1, 'int32'), tf.scalar(v, 'int32'));
        // invalid ids read column 0 and are overwritten below (where, not clipByValue: wasm 4.22's
        // ClipByValue reads int32 data as float32)
        const flat = tf.add(rowStart, tf.where(valid, t, tf.zerosLike(t)));
        const picked = tf.gather(tf.reshape(x, [-1]), flat); // x[i, t_i], [R]
        const nll = tf.sub(tf.reshape(lse, [-1]), picked);
        return tf.where(valid, nll, tf.fill([r], Number.POSITIVE_INFINITY));
      });
      save([x, lse, t]);
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
    return ce(logits);
  });
}
