/**
 * Linear layer on the fast path of every backend.
 *
 * Weights are stored `[in, out]` (timm stores `[out, in]`; checkpoints transpose at the boundary) so the
 * forward is a flag-free 2-D matmul. tfjs's own matMul gradient uses transpose flags, which on wasm fall
 * off XNNPACK onto a ~2 GFLOP/s scalar loop (BACKENDS.md). The three matmuls of a step go through
 * `matMul2d`: on wasm our own GEMM (wasm-gemm/, reads transposed operands while packing, ~1.5x
 * XNNPACK), elsewhere a flag-free tfjs matMul after explicit transposes (4x the flagged one on wasm).
 */
import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '../errors';
import { sumRowsNoGrad } from './sum-rows';
import { matMul2d } from './wasm-gemm/wasm-gemm';

// tfjs types customGrad's variadic inputs as a union with the save function; the cast states the real arity.
const linear2d = tf.customGrad(((x: tf.Tensor, w: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x, w]);
  return {
    value: matMul2d(x as tf.Tensor2D, w as tf.Tensor2D),
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
      const g = dy as tf.Tensor2D;
      return [matMul2d(g, ws, false, true), matMul2d(xs, g, true, false)];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as (x: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D;

// With bias: tfjs's Add gradient sums dy over axis 0 (transpose + reduce: 26–28 ms for [4096, 384] on
// wasm); a ones-row matmul does it in 0.2 ms.
const linear2dBias = tf.customGrad(((x: tf.Tensor, w: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x, w]);
  return {
    value: tf.add(matMul2d(x as tf.Tensor2D, w as tf.Tensor2D), b),
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
      const g = dy as tf.Tensor2D;
      return [matMul2d(g, ws, false, true), matMul2d(xs, g, true, false), sumRowsNoGrad(g)];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as (
  x: tf.Tensor2D,
  w: tf.Tensor2D,
  b: tf.Tensor1D,
) => tf.Tensor2D;

/**
 * y = x·W + b over the last axis.
 * x: [..., in], weight: [in, out], bias: [out] → [..., out]
 * @example const y = linear(x, params.fc1.weight, params.fc1.bias);
 */
export function linear<R extends tf.Rank>(
  x: tf.Tensor<R>,
  weight: tf.Tensor,
  bias?: tf.Tensor,
): tf.Tensor<R> {
  return tf.tidy(() => {
    const inDim = x.shape[x.rank - 1];
    const outDim = weight.shape[1];
    const badBias = bias !== undefined && (bias.rank !== 1 || bias.shape[0] !== outDim);
    if (badBias) {
      throw new ShapeError(
        `linear: expected bias [${outDim}], got [${bias?.shape}] for weight [${weight.shape}]`,
      );
    }
    if (weight.rank !== 2 || weight.shape[0] !== inDim) {
      throw new ShapeError(
        `linear: expected weight [${inDim}, out], got [${weight.shape}] for input [${x.shape}]`,
      );
    }
    const x2 = x.rank === 2 ? (x as tf.Tensor2D) : (tf.reshape(x, [-1, inDim]) as tf.Tensor2D);
    const y = bias
      ? linear2dBias(x2, weight as tf.Tensor2D, bias as tf.Tensor1D)
      : linear2d(x2, weight as tf.Tensor2D);
    return (
      x.rank === 2
        ? y
        : (tf.reshape<tf.Rank>(y, [...x.shape.slice(0, -1), outDim] as number[]) as tf.Tensor<R>)
    ) as tf.Tensor<R>;
  });
}

/**
 * Naive formulation kept for benchmarks and parity tests: timm layout `[out, in]` and tfjs's default
 * matMul gradient (transpose flags).
 */
export function linearNaive<R extends tf.Rank>(
  x: tf.Tensor<R>,
  weightOutIn: tf.Tensor2D,
  bias?: tf.Tensor,
): tf.Tensor<R> {
  return tf.tidy(() => {
    const inDim = x.shape[x.rank - 1];
    const y = tf.matMul(tf.reshape(x, [-1, inDim]) as tf.Tensor2D, weightOutIn, false, true);
    const yb = bias ? tf.add(y, bias) : y;
    return tf.reshape<tf.Rank>(yb, [
      ...x.shape.slice(0, -1),
      weightOutIn.shape[0],
    ] as number[]) as tf.Tensor<R>;
  });
}
