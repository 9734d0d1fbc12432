/**
 * Scaled dot-product attention core, softmax(q·kᵀ/√Dh)·v (Vaswani et al. 2017; timm `Attention.forward`
 * after the qkv projection and head split). Both products go through `batchedMatMul`, so they run on the
 * fastest measured formulation of the backend with flag-free gradients; kᵀ is materialised once.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '../errors';
import { batchedMatMul } from './batched-matmul';

/**
 * q, k, v: [B, H, N, Dh] → [B, H, N, Dh] (any equal leading dims work: [..., N, Dh]).
 * `scale` defaults to 1/√Dh (timm `head_dim ** -0.5`).
 * @example const o = scaledDotAttention(q, k, v); // then transpose to [B, N, H, Dh] and merge heads
 */
export function scaledDotAttention<T extends tf.Tensor>(q: T, k: tf.Tensor, v: tf.Tensor, scale?: number): T {
  const same = (x: tf.Tensor) => x.rank === q.rank && x.shape.every((d, i) => d === q.shape[i]);
  if (q.rank < 3 || !same(k) || !same(v)) {
    throw new ShapeError(
      `scaledDotAttention: expected q, k, v of one shape [..., N, Dh] (rank >= 3), got q [${q.shape}], k [${k.shape}], v [${v.shape}]`,
    );
  }
  return tf.tidy(() => {
    const dh = q.shape[q.rank - 1];
    const perm = [...q.shape.keys()];
    perm.splice(-2, 2, q.rank - 1, q.rank - 2);
    const kT = tf.transpose(k, perm); // [..., Dh, N]
    const logits = batchedMatMul(tf.mul(q, scale ?? 1 / Math.sqrt(dh)), kT); // [..., N, N]
    return batchedMatMul(tf.softmax(logits), v) as T; // [..., N, Dh]
  });
}
