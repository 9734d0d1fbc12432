/**
 * Tensor-level entry points of core's WGSL kernels. Each returns null when they are not in use (another
 * backend, opted out, a dtype or size they do not cover), so callers keep their own formulation:
 * `webgpuGemm(x, w) ?? matMul2d(x, w)`. None has a gradient of its own; core's ops wrap them in
 * customGrads (linear.ts, gelu.ts, layer-norm.ts, ...).
 */
import * as tf from '@tensorflow/tfjs-core';
import { MHA_MAX_DH, MHA_MAX_N } from './attention';
import { MAX_GROUPS, webgpuKernelsActive } from './context';
import { TILE } from './gemm';
import {
  type AdamWAttrs,
  type GemmAttrs,
  WEBGPU_ADAMW_KERNEL,
  WEBGPU_CROSS_ENTROPY_GRAD_KERNEL,
  WEBGPU_CROSS_ENTROPY_KERNEL,
  WEBGPU_GELU_GRAD_KERNEL,
  WEBGPU_GELU_KERNEL,
  WEBGPU_GEMM_KERNEL,
  WEBGPU_LAYER_NORM_GRAD_KERNEL,
  WEBGPU_LAYER_NORM_KERNEL,
  WEBGPU_MHA_GRAD_KERNEL,
  WEBGPU_MHA_KERNEL,
  WEBGPU_SUM_ROWS_KERNEL,
} from './kernels';

const f32 = (...ts: tf.Tensor[]) => ts.every((t) => t.dtype === 'float32');

/** Options of {@link webgpuGemm}. */
export interface WebgpuGemmOptions {
  transposeA?: boolean;
  transposeB?: boolean;
  /** Added to every row in the epilogue: [N]. */
  bias?: tf.Tensor1D;
  /** Exact GELU applied in the epilogue. */
  activation?: 'none' | 'gelu';
}

/**
 * op(a)·op(b) [+ bias] [→ GELU] in one WGSL dispatch on webgpu; null elsewhere.
 * a: [M, K] or [K, M], b: [K, N] or [N, K], bias: [N] → [M, N]
 * @example const y = webgpuGemm(x, w, { bias: b }) ?? tf.add(matMul2d(x, w), b);
 */
export function webgpuGemm(a: tf.Tensor2D, b: tf.Tensor2D, opts: WebgpuGemmOptions = {}): tf.Tensor2D | null {
  return webgpuGemmWithPre(a, b, opts, false)?.[0] ?? null;
}

/**
 * As {@link webgpuGemm} with GELU, also returning the pre-activation (what GELU's backward needs).
 * → [GELU(op(a)·op(b) + bias), op(a)·op(b) + bias], both [M, N]
 */
export function webgpuGemmGelu(
  a: tf.Tensor2D,
  b: tf.Tensor2D,
  opts: Omit<WebgpuGemmOptions, 'activation'> = {},
): [tf.Tensor2D, tf.Tensor2D] | null {
  return webgpuGemmWithPre(a, b, { ...opts, activation: 'gelu' }, true) as [tf.Tensor2D, tf.Tensor2D] | null;
}

function webgpuGemmWithPre(
  a: tf.Tensor2D,
  b: tf.Tensor2D,
  opts: WebgpuGemmOptions,
  savePre: boolean,
): tf.Tensor2D[] | null {
  const { transposeA = false, transposeB = false, bias, activation = 'none' } = opts;
  if (!f32(a, b) || (bias && !f32(bias)) || !webgpuKernelsActive('gemm')) return null;
  const m = transposeA ? a.shape[1] : a.shape[0];
  const k = transposeA ? a.shape[0] : a.shape[1];
  const n = transposeB ? b.shape[0] : b.shape[1];
  if (m === 0 || n === 0 || Math.ceil(m / TILE) > MAX_GROUPS || Math.ceil(n / TILE) > MAX_GROUPS) return null;
  if (k === 0) {
    // Nothing to multiply (and no zero-size buffer to bind): the epilogue of a zero product.
    return tf.tidy(() => {
      const pre = bias
        ? (tf.tile(tf.reshape(bias, [1, n]), [m, 1]) as tf.Tensor2D)
        : tf.zeros<tf.Rank.R2>([m, n]);
      if (activation === 'none') return [pre];
      const y = tf.engine().runKernel(WEBGPU_GELU_KERNEL, { x: pre }, {}) as tf.Tensor2D;
      return savePre ? [y, pre] : [y];
    });
  }
  const attrs: GemmAttrs = { transposeA, transposeB, activation, savePre };
  const inputs: tf.NamedTensorMap = bias ? { a, b, bias } : { a, b };
  return tf
    .engine()
    .runKernel(WEBGPU_GEMM_KERNEL, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor2D[];
}

/** Column sums x [R, D] → [D] in one dispatch on webgpu; null elsewhere. */
export function webgpuSumRows(x: tf.Tensor2D): tf.Tensor1D | null {
  if (!f32(x) || x.size === 0 || !webgpuKernelsActive('gemm') || Math.ceil(x.shape[1] / 64) > MAX_GROUPS)
    return null;
  return tf.engine().runKernel(WEBGPU_SUM_ROWS_KERNEL, { x }, {}) as tf.Tensor1D;
}

/** Exact GELU x·Φ(x) in one dispatch on webgpu; null elsewhere. x: any shape → same shape. */
export function webgpuGelu<T extends tf.Tensor>(x: T): T | null {
  if (!f32(x) || x.size === 0 || !webgpuKernelsActive('gelu')) return null;
  return tf.engine().runKernel(WEBGPU_GELU_KERNEL, { x }, {}) as T;
}

/** dy·GELU'(x) in one dispatch on webgpu; null elsewhere. x, dy: same shape. */
export function webgpuGeluGrad<T extends tf.Tensor>(x: T, dy: tf.Tensor): T | null {
  if (
    !f32(x, dy) ||
    x.size === 0 ||
    !tf.util.arraysEqual(x.shape, dy.shape) ||
    !webgpuKernelsActive('gelu')
  ) {
    return null;
  }
  return tf.engine().runKernel(WEBGPU_GELU_GRAD_KERNEL, { x, dy }, {}) as T;
}

// One customGrad per (numHeads, scale): tfjs customGrad closes over its attributes.
const mhaOps = new Map<string, (qkv: tf.Tensor3D) => tf.Tensor3D>();

function mhaOp(numHeads: number, scale: number): (qkv: tf.Tensor3D) => tf.Tensor3D {
  const key = `${numHeads}:${scale}`;
  let op = mhaOps.get(key);
  if (!op) {
    const attrs = { numHeads, scale } as unknown as tf.NamedAttrMap;
    op = tf.customGrad(((qkv: tf.Tensor, save: tf.GradSaveFunc) => {
      const [out, lse] = tf.engine().runKernel(WEBGPU_MHA_KERNEL, { qkv }, attrs) as tf.Tensor[];
      save([qkv, lse]); // lse [B, H, N]: the backward recomputes P from it (no [B, H, N, N] kept)
      return {
        value: out,
        gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => [
          tf
            .engine()
            .runKernel(
              WEBGPU_MHA_GRAD_KERNEL,
              { qkv: saved[0], lse: saved[1], dy: dy as tf.Tensor },
              attrs,
            ) as tf.Tensor,
        ],
      };
    }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (qkv: tf.Tensor3D) => tf.Tensor3D;
    mhaOps.set(key, op);
  }
  return op;
}

/**
 * Multi-head self-attention softmax(scale·Q·Kᵀ)·V from timm's fused qkv, one WGSL dispatch forward and
 * two backward, keeping only lse [B, H, N] between them; null where the kernels are not in use or the
 * shape is beyond them (N > 1024 or Dh > 256). Shapes are checked by the caller (`fusedSelfAttention`).
 * qkv: [B, N, 3D] → [B, N, D]
 * @example const o = webgpuSelfAttention(qkv, 6, 64 ** -0.5) ?? unfused(qkv);
 */
export function webgpuSelfAttention(qkv: tf.Tensor3D, numHeads: number, scale: number): tf.Tensor3D | null {
  const [b, n, d3] = qkv.shape;
  const dh = d3 / 3 / numHeads;
  if (!f32(qkv) || qkv.size === 0 || n > MHA_MAX_N || dh > MHA_MAX_DH || !webgpuKernelsActive('attention'))
    return null;
  if (b * numHeads * n > MAX_GROUPS * MAX_GROUPS) return null;
  return tf.tidy(() => mhaOp(numHeads, scale)(qkv));
}

type LnFn = (x: tf.Tensor, weight: tf.Tensor1D, bias: tf.Tensor1D) => tf.Tensor;
const lnOps = new Map<number, LnFn>();

function lnOp(eps: number): LnFn {
  let op = lnOps.get(eps);
  if (!op) {
    const attrs = { eps } as unknown as tf.NamedAttrMap;
    op = tf.customGrad(((x: tf.Tensor, w: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
      const d = x.shape[x.rank - 1];
      const x2 = tf.reshape(x, [-1, d]);
      const [y, stats] = tf
        .engine()
        .runKernel(WEBGPU_LAYER_NORM_KERNEL, { x: x2, weight: w, bias: b }, attrs) as tf.Tensor[];
      save([x2, w, stats]); // stats [R, 2] = (mean, rstd): 8 bytes a row
      return {
        value: tf.reshape(y, x.shape),
        gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
          const [xs, ws, st] = saved;
          const dy2 = tf.reshape(dy as tf.Tensor, xs.shape);
          const [dx, dw, db] = tf
            .engine()
            .runKernel(
              WEBGPU_LAYER_NORM_GRAD_KERNEL,
              { x: xs, weight: ws, stats: st, dy: dy2 },
              {},
            ) as tf.Tensor[];
          return [tf.reshape(dx, x.shape), dw, db];
        },
      };
    }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as LnFn;
    lnOps.set(eps, op);
  }
  return op;
}

/**
 * LayerNorm over the last axis, one WGSL dispatch forward and two backward; null where the kernels are
 * not in use. x: [..., D], weight/bias: [D] → [..., D]
 * @example const y = webgpuLayerNorm(x, p.weight, p.bias, 1e-6) ?? layerNormComposite(x, p);
 */
export function webgpuLayerNorm<T extends tf.Tensor>(
  x: T,
  weight: tf.Tensor1D,
  bias: tf.Tensor1D,
  eps: number,
): T | null {
  if (!f32(x, weight, bias) || x.size === 0 || x.rank < 1 || !webgpuKernelsActive('layerNorm')) return null;
  if (Math.ceil(x.shape[x.rank - 1] / 64) > MAX_GROUPS) return null;
  return lnOp(eps)(x, weight, bias) as T;
}

/**
 * Per-row softmax cross-entropy with int32 targets in one WGSL dispatch (and one for its gradient),
 * keeping lse [R] for the backward; null where the kernels are not in use. A target outside [0, V)
 * gives +∞, as `crossEntropyPerRow`. logits: [R, V], targets: int32 [R] → [R]
 */
export function webgpuCrossEntropy(logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Tensor1D | null {
  if (!f32(logits) || targets.dtype !== 'int32' || logits.size === 0 || !webgpuKernelsActive('crossEntropy'))
    return null;
  const ce = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
    const [loss, lse] = tf
      .engine()
      .runKernel(WEBGPU_CROSS_ENTROPY_KERNEL, { logits: x, targets }, {}) as tf.Tensor[];
    save([x, lse, targets]);
    return {
      value: loss,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => [
        tf
          .engine()
          .runKernel(
            WEBGPU_CROSS_ENTROPY_GRAD_KERNEL,
            { logits: saved[0], lse: saved[1], targets: saved[2], dy: dy as tf.Tensor },
            {},
          ) as tf.Tensor,
      ],
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor2D) => tf.Tensor1D;
  return ce(logits);
}

/**
 * One torch AdamW update of one parameter in one WGSL dispatch; null where the kernels are not in use.
 * p, m, v, g: same shape, float32 → [p', m', v'] (new tensors; the caller assigns them).
 * @example const next = webgpuAdamW(p, m, v, g, attrs); if (next) { p.assign(next[0]); ... }
 */
export function webgpuAdamW(
  p: tf.Tensor,
  m: tf.Tensor,
  v: tf.Tensor,
  g: tf.Tensor,
  attrs: AdamWAttrs,
): [tf.Tensor, tf.Tensor, tf.Tensor] | null {
  if (!f32(p, m, v, g) || p.size === 0 || !webgpuKernelsActive('adamw')) return null;
  if (![m, v, g].every((t) => tf.util.arraysEqual(t.shape, p.shape))) return null;
  return tf.engine().runKernel(WEBGPU_ADAMW_KERNEL, { p, m, v, g }, attrs as unknown as tf.NamedAttrMap) as [
    tf.Tensor,
    tf.Tensor,
    tf.Tensor,
  ];
}
