/**
 * Batched matmul used by attention. TODO(integrate): replace with @splitmask/core `batchedMatMul`
 * (flag-free custom gradient) when it lands; until then tfjs's own matMul and gradient.
 */
import * as tf from '@tensorflow/tfjs-core';

/** a: [..., M, K], b: [..., K, N] → [..., M, N]. */
export function bmm<T extends tf.Tensor>(a: T, b: T): T {
  return tf.matMul(a, b) as T;
}
