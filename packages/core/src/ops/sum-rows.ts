/**
 * Column sums of a matrix. tfjs reduces over a non-last axis by transposing first (on wasm
 * `tf.sum(x, 0)` of a [4096, 384] matrix: 26–28 ms). Elsewhere a ones-row matmul does it; on wasm
 * that matmul re-packs all of x as XNNPACK "weights" whenever x is a new tensor (7–10 ms for
 * [2112, 768], ~330 ms of a Ti/4 training step), so wasm uses the one-pass kernel next to the GEMM.
 * On webgpu a one-pass WGSL kernel does it (webgpu/elementwise.ts).
 * Used for bias and LayerNorm-parameter gradients.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '../errors';
import { wasmSumRows } from './wasm-gemm/wasm-gemm';
import { webgpuSumRows } from './webgpu/ops';

/** x: [R, D] → [D], no gradient (for use inside gradient functions). */
export function sumRowsNoGrad(x: tf.Tensor2D): tf.Tensor1D {
  const [r, d] = x.shape;
  return (
    wasmSumRows(x) ??
    webgpuSumRows(x) ??
    tf.tidy(() => tf.reshape(tf.matMul(tf.ones([1, r]), x), [d]) as tf.Tensor1D)
  );
}

const sumRowsGrad = tf.customGrad(((x: tf.Tensor2D, save: tf.GradSaveFunc) => {
  save([x]);
  return {
    value: sumRowsNoGrad(x),
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const [r, d] = saved[0].shape;
      // Broadcast dy [D] to [R, D] with a flag-free outer product.
      return [tf.matMul(tf.ones([r, 1]), tf.reshape(dy as tf.Tensor, [1, d]))];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor2D) => tf.Tensor1D;

/**
 * Sum over all leading axes: x [..., D] → [D] (what a bias gradient needs), as one 2-D matmul.
 * @example const db = sumRows(dy); // [B, N, D] → [D]
 */
export function sumRows(x: tf.Tensor): tf.Tensor1D {
  if (x.rank < 1) throw new ShapeError(`sumRows: expected x [..., D], got a scalar`);
  return tf.tidy(() => {
    const d = x.shape[x.rank - 1];
    return sumRowsGrad(tf.reshape(x, [-1, d]) as tf.Tensor2D);
  });
}
