/**
 * Linear layer on the fast path of every backend.
 *
 * Weights are stored `[in, out]` (timm stores `[out, in]`; checkpoints transpose at the boundary) so the
 * forward is a flag-free 2-D matmul. tfjs's own matMul gradient uses transpose flags, which on wasm fall
 * off XNNPACK onto a ~2 GFLOP/s scalar loop (BACKENDS.md). The three matmuls of a step go through
 * `matMul2d`: on wasm our own GEMM (wasm-gemm/, reads transposed operands while packing, ~1.5x
 * XNNPACK), elsewhere a flag-free tfjs matMul after explicit transposes (4x the flagged one on wasm).
 * On webgpu they run on our WGSL GEMM (webgpu/gemm.ts) instead: transposes read in place, the bias
 * (and in `linearGelu` the GELU) applied in the GEMM's epilogue.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '../errors';
import { gelu } from './gelu';
import { sumRowsNoGrad } from './sum-rows';
import { matMul2d } from './wasm-gemm/wasm-gemm';
import { webgpuKernelsActive } from './webgpu/context';
import { webgpuGeluGrad, webgpuGemm, webgpuGemmGelu } from './webgpu/ops';

/** op(a)·op(b) on webgpu's WGSL GEMM, else `matMul2d`. */
function mm(a: tf.Tensor2D, b: tf.Tensor2D, transposeA = false, transposeB = false): tf.Tensor2D {
  return webgpuGemm(a, b, { transposeA, transposeB }) ?? matMul2d(a, b, transposeA, transposeB);
}

// tfjs types customGrad's variadic inputs as a union with the save function; the cast states the real arity.
const linear2d = tf.customGrad(((x: tf.Tensor, w: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x, w]);
  return {
    value: mm(x as tf.Tensor2D, w as tf.Tensor2D),
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
      const g = dy as tf.Tensor2D;
      return [mm(g, ws, false, true), mm(xs, g, true, false)];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as (x: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D;

// With bias: tfjs's Add gradient sums dy over axis 0 (transpose + reduce: 26–28 ms for [4096, 384] on
// wasm); a ones-row matmul does it in 0.2 ms.
const linear2dBias = tf.customGrad(((x: tf.Tensor, w: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x, w]);
  return {
    value:
      webgpuGemm(x as tf.Tensor2D, w as tf.Tensor2D, { bias: b as tf.Tensor1D }) ??
      tf.add(matMul2d(x as tf.Tensor2D, w as tf.Tensor2D), b),
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
      const g = dy as tf.Tensor2D;
      return [mm(g, ws, false, true), mm(xs, g, true, false), sumRowsNoGrad(g)];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as (
  x: tf.Tensor2D,
  w: tf.Tensor2D,
  b: tf.Tensor1D,
) => tf.Tensor2D;

// GELU in the GEMM epilogue (webgpu): the forward writes GELU(h) and h = x·W + b in one pass, h being
// what GELU's backward needs anyway (the unfused path keeps the same tensor as gelu's input).
const linearGelu2d = tf.customGrad(((x: tf.Tensor, w: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  // Only called where the WGSL kernels are active (see linearGelu), so none of these is null.
  const [y, h] = webgpuGemmGelu(x as tf.Tensor2D, w as tf.Tensor2D, {
    bias: b as tf.Tensor1D,
  }) as tf.Tensor2D[];
  save([x, w, h]);
  return {
    value: y,
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const [xs, ws, hs] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
      const g = webgpuGeluGrad(hs, dy as tf.Tensor) as tf.Tensor2D;
      return [mm(g, ws, false, true), mm(xs, g, true, false), sumRowsNoGrad(g)];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as (
  x: tf.Tensor2D,
  w: tf.Tensor2D,
  b: tf.Tensor1D,
) => tf.Tensor2D;

/** Shape checks shared by `linear` and `linearGelu`; returns x as rows [R, in]. */
function rowsOf(x: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor | undefined, op: string): tf.Tensor2D {
  const inDim = x.shape[x.rank - 1];
  const outDim = weight.shape[1];
  if (bias !== undefined && (bias.rank !== 1 || bias.shape[0] !== outDim)) {
    throw new ShapeError(
      `${op}: expected bias [${outDim}], got [${bias?.shape}] for weight [${weight.shape}]`,
    );
  }
  if (weight.rank !== 2 || weight.shape[0] !== inDim) {
    throw new ShapeError(
      `${op}: expected weight [${inDim}, out], got [${weight.shape}] for input [${x.shape}]`,
    );
  }
  return x.rank === 2 ? (x as tf.Tensor2D) : (tf.reshape(x, [-1, inDim]) as tf.Tensor2D);
}

/**
 * y = GELU(x·W + b) over the last axis (a ViT MLP's first layer). On webgpu the bias and the GELU run in
 * the GEMM's epilogue; elsewhere it is `gelu(linear(x, weight, bias))`, the same values and gradients.
 * x: [..., in], weight: [in, out], bias: [out] → [..., out]
 * @example const h = linearGelu(x, params.fc1.weight, params.fc1.bias);
 */
export function linearGelu<R extends tf.Rank>(
  x: tf.Tensor<R>,
  weight: tf.Tensor,
  bias: tf.Tensor,
): tf.Tensor<R> {
  return tf.tidy(() => {
    const x2 = rowsOf(x, weight, bias, 'linearGelu');
    const fused = webgpuKernelsActive('gemm') && [x, weight, bias].every((t) => t.dtype === 'float32');
    const outDim = (weight as tf.Tensor2D).shape[1];
    if (!fused || x2.shape[0] === 0 || outDim === 0 || outDim > 65535 * 64) {
      return gelu(linear(x, weight, bias));
    }
    const y = linearGelu2d(x2, weight as tf.Tensor2D, bias as tf.Tensor1D);
    return tf.reshape<tf.Rank>(y, [...x.shape.slice(0, -1), weight.shape[1]] as number[]) as tf.Tensor<R>;
  });
}

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
    const x2 = rowsOf(x, weight, bias, 'linear');
    const outDim = weight.shape[1];
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
