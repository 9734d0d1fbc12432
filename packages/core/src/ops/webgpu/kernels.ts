/**
 * core's WGSL kernels as tfjs kernels of the 'webgpu' backend (the tfjs registry pattern: a kernel name,
 * typed inputs and attributes, one KernelConfig per backend). Where a wasm kernel of ours has the same
 * contract, the kernel name is the same (../wasm-gemm/wasm-gemm.ts registers it for 'wasm').
 * Importing this module adds them to the list that `installWebgpuKernels()` (context.ts) registers.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ADAMW_SHADER } from './adamw';
import {
  MHA_KEYS_BWD_MAX_N,
  MHA_ROWS,
  MHA_ROWS_BWD_MAX_N,
  MHA_ROWS_MAX_DV,
  MHA_ROWS_MAX_N,
  type MhaWidth,
  mhaBackwardKvRowsShader,
  mhaBackwardKvShader,
  mhaBackwardQRowsShader,
  mhaBackwardQShader,
  mhaForwardRowsShader,
  mhaForwardShader,
} from './attention';
import {
  addWebgpuKernels,
  dispatch,
  grid1d,
  type KernelArgs,
  MAX_GROUPS,
  output,
  release,
  type Uniform,
} from './context';
import { geluShader, SUM_ROWS_SHADER } from './elementwise';
import { type GemmVariant, gemmGrid, gemmKey, gemmShader } from './gemm';
import {
  CE_BACKWARD_SHADER,
  CE_FORWARD_SHADER,
  LN_BACKWARD_PARAMS_SHADER,
  LN_BACKWARD_X_SHADER,
  LN_FORWARD_SHADER,
} from './rows';

/** op(a)·op(b) [+ bias] [→ GELU]; outputs [c] or, with savePre, [c, pre-activation]. */
export const WEBGPU_GEMM_KERNEL = 'SplitmaskGemmEpilogue';
/** Same contracts as the wasm kernels of the same names. */
export const WEBGPU_SUM_ROWS_KERNEL = 'SplitmaskSumRows';
export const WEBGPU_GELU_KERNEL = 'SplitmaskGelu';
export const WEBGPU_GELU_GRAD_KERNEL = 'SplitmaskGeluGrad';

/** Self-attention on timm's qkv layout: qkv [B, N, 3D] → [out [B, N, D], lse [B, H, N]]. */
export const WEBGPU_MHA_KERNEL = 'SplitmaskFlashSelfAttention';
/** Its gradient: {qkv, lse, dy [B, N, D]} → dqkv [B, N, 3D]. */
export const WEBGPU_MHA_GRAD_KERNEL = 'SplitmaskFlashSelfAttentionGrad';

/** LayerNorm over the last axis of x [R, D]: {x, weight, bias} → [y [R, D], stats [R, 2] (mean, rstd)]. */
export const WEBGPU_LAYER_NORM_KERNEL = 'SplitmaskLayerNorm';
/** Its gradient: {x, weight, stats, dy} → [dx [R, D], dweight [D], dbias [D]]. */
export const WEBGPU_LAYER_NORM_GRAD_KERNEL = 'SplitmaskLayerNormGrad';
/** Cross-entropy per row: {logits [R, V], targets int32 [R]} → [loss [R], lse [R]]. */
export const WEBGPU_CROSS_ENTROPY_KERNEL = 'SplitmaskCrossEntropy';
/** Its gradient: {logits, lse, targets, dy [R]} → dlogits [R, V]. */
export const WEBGPU_CROSS_ENTROPY_GRAD_KERNEL = 'SplitmaskCrossEntropyGrad';

/** One AdamW update: {p, m, v, g} (same shape) → [p', m', v']; attrs {decay, b1, b2, eps, bc2Sqrt, stepScale}. */
export const WEBGPU_ADAMW_KERNEL = 'SplitmaskAdamW';

/** Attributes of WEBGPU_ADAMW_KERNEL (scalars precomputed on the host, as optim/adamw.ts does). */
export interface AdamWAttrs {
  decay: number;
  b1: number;
  b2: number;
  eps: number;
  bc2Sqrt: number;
  stepScale: number;
}

/** Attributes of WEBGPU_MHA_KERNEL and WEBGPU_MHA_GRAD_KERNEL. */
export interface MhaAttrs {
  numHeads: number;
  scale: number;
}

/** Attributes of WEBGPU_GEMM_KERNEL. */
export interface GemmAttrs {
  transposeA: boolean;
  transposeB: boolean;
  activation: 'none' | 'gelu';
  savePre: boolean;
}

function gemmKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const { a, b, bias } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo; bias?: tf.TensorInfo };
  const at = attrs as unknown as GemmAttrs;
  // a: [M, K] (stored [K, M] when transposeA), b: [K, N] (stored [N, K] when transposeB)
  const [m, k] = at.transposeA ? [a.shape[1], a.shape[0]] : [a.shape[0], a.shape[1]];
  const n = at.transposeB ? b.shape[0] : b.shape[1];
  const v: GemmVariant = { ...at, bias: !!bias };
  const c = output(backend, [m, n]);
  const pre = at.savePre ? [output(backend, [m, n])] : [];
  dispatch(backend, {
    key: gemmKey(v),
    shader: () => gemmShader(v),
    outputs: [c, ...pre],
    inputs: bias ? [a, b, bias] : [a, b],
    uniforms: [{ i: m }, { i: n }, { i: k }],
    workgroups: gemmGrid(m, n),
  });
  return [c, ...pre];
}

/** Rows per workgroup of the column-sum passes: ≥ 64 rows of work each, ≤ 65535 chunks. */
export function rowChunk(rows: number): number {
  return Math.max(256, Math.ceil(rows / MAX_GROUPS));
}

/** Sums `x` [R, D] (as tensor info) over rows into `out` [D], in one or two dispatches. */
function columnSums(backend: unknown, x: tf.TensorInfo, out: tf.TensorInfo): void {
  const [rows, cols] = x.shape;
  const chunk = rowChunk(rows);
  const chunks = Math.ceil(rows / chunk);
  const pass = (src: tf.TensorInfo, dst: tf.TensorInfo, r: number, c: number) =>
    dispatch(backend, {
      key: 'splitmask_sum_rows',
      shader: () => SUM_ROWS_SHADER,
      outputs: [dst],
      inputs: [src],
      uniforms: [{ i: r }, { i: cols }, { i: c }],
      workgroups: [Math.ceil(cols / 64), Math.ceil(r / c), 1],
    });
  if (chunks === 1) {
    pass(x, out, rows, Math.max(rows, 1));
    return;
  }
  const partial = output(backend, [chunks, cols]);
  pass(x, partial, rows, chunk);
  pass(partial, out, chunks, chunks);
  release(backend, partial);
}

function sumRowsKernel({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const { x } = inputs as { x: tf.TensorInfo };
  const out = output(backend, [x.shape[1]]); // x: [R, D] → [D]
  columnSums(backend, x, out);
  return out;
}

function geluKernelOf(grad: boolean) {
  return ({ inputs, backend }: KernelArgs): tf.TensorInfo => {
    const { x, dy } = inputs as { x: tf.TensorInfo; dy?: tf.TensorInfo };
    const n = tf.util.sizeFromShape(x.shape);
    const out = output(backend, x.shape);
    dispatch(backend, {
      key: `splitmask_gelu${grad ? '_grad' : ''}`,
      shader: () => geluShader(grad),
      outputs: [out],
      inputs: grad && dy ? [x, dy] : [x],
      uniforms: [{ i: n }],
      workgroups: grid1d(Math.ceil(n / 256)),
    });
    return out;
  };
}

function mhaShape(qkv: tf.TensorInfo, attrs: tf.NamedAttrMap | undefined) {
  const { numHeads, scale } = attrs as unknown as MhaAttrs;
  const [b, n, d3] = qkv.shape;
  const dh = d3 / 3 / numHeads;
  const uniforms: Uniform[] = [{ i: b }, { i: n }, { i: numHeads }, { i: dh }, { f: scale }];
  const w: MhaWidth = dh % 4 === 0 ? 4 : 1; // vec4 loads when every row offset is a multiple of 4
  return { b, n, h: numHeads, dh, w, uniforms, workgroups: grid1d(b * numHeads * n) };
}

function mhaKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const { qkv } = inputs as { qkv: tf.TensorInfo };
  const { b, n, h, dh, w, uniforms, workgroups } = mhaShape(qkv, attrs);
  const out = output(backend, [b, n, h * dh]);
  const lse = output(backend, [b, h, n]);
  // Blocks of 4 query rows share each K/V read where the block's scores fit in workgroup memory.
  const rows = w === 4 && dh / 4 <= MHA_ROWS_MAX_DV && n <= MHA_ROWS_MAX_N;
  dispatch(backend, {
    key: rows ? 'splitmask_mha_fwd_rows' : `splitmask_mha_fwd_w${w}`,
    shader: () => (rows ? mhaForwardRowsShader() : mhaForwardShader(w)),
    outputs: [out, lse],
    inputs: [qkv],
    uniforms,
    workgroups: rows ? grid1d(b * h * Math.ceil(n / MHA_ROWS)) : workgroups,
  });
  return [out, lse];
}

function mhaGradKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { qkv, lse, dy } = inputs as { qkv: tf.TensorInfo; lse: tf.TensorInfo; dy: tf.TensorInfo };
  const { b, n, h, dh, w, uniforms, workgroups } = mhaShape(qkv, attrs);
  const dqkv = output(backend, qkv.shape); // [B, N, 3D]: pass 1 writes the q part, pass 2 k and v
  const dvec = output(backend, [b, h, n]); // D_i = Σ_j P_ij·dP_ij, from pass 1 to pass 2
  const rows = w === 4 && dh / 4 <= MHA_ROWS_MAX_DV && n <= MHA_ROWS_BWD_MAX_N;
  dispatch(backend, {
    key: rows ? 'splitmask_mha_bwd_q_rows' : `splitmask_mha_bwd_q_w${w}`,
    shader: () => (rows ? mhaBackwardQRowsShader() : mhaBackwardQShader(w)),
    outputs: [dqkv, dvec],
    inputs: [qkv, lse, dy],
    uniforms,
    workgroups: rows ? grid1d(b * h * Math.ceil(n / MHA_ROWS)) : workgroups,
  });
  const keys = w === 4 && dh / 4 <= MHA_ROWS_MAX_DV && n <= MHA_KEYS_BWD_MAX_N;
  dispatch(backend, {
    key: keys ? 'splitmask_mha_bwd_kv_rows' : `splitmask_mha_bwd_kv_w${w}`,
    shader: () => (keys ? mhaBackwardKvRowsShader() : mhaBackwardKvShader(w)),
    outputs: [dqkv],
    inputs: [qkv, lse, dy, dvec],
    uniforms,
    workgroups: keys ? grid1d(b * h * Math.ceil(n / MHA_ROWS)) : workgroups,
  });
  release(backend, dvec);
  return dqkv;
}

function layerNormKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const { x, weight, bias } = inputs as Record<'x' | 'weight' | 'bias', tf.TensorInfo>;
  const [rows, d] = x.shape;
  const y = output(backend, [rows, d]);
  const stats = output(backend, [rows, 2]);
  dispatch(backend, {
    key: 'splitmask_ln_fwd',
    shader: () => LN_FORWARD_SHADER,
    outputs: [y, stats],
    inputs: [x, weight, bias],
    uniforms: [{ i: rows }, { i: d }, { f: (attrs as { eps: number }).eps }],
    workgroups: grid1d(rows),
  });
  return [y, stats];
}

function layerNormGradKernel({ inputs, backend }: KernelArgs): tf.TensorInfo[] {
  const { x, weight, stats, dy } = inputs as Record<'x' | 'weight' | 'stats' | 'dy', tf.TensorInfo>;
  const [rows, d] = x.shape;
  const dx = output(backend, [rows, d]);
  const dw = output(backend, [d]);
  const db = output(backend, [d]);
  const uniforms: Uniform[] = [{ i: rows }, { i: d }];
  dispatch(backend, {
    key: 'splitmask_ln_bwd_x',
    shader: () => LN_BACKWARD_X_SHADER,
    outputs: [dx],
    inputs: [x, weight, stats, dy],
    uniforms,
    workgroups: grid1d(rows),
  });
  const chunk = rowChunk(rows);
  const chunks = Math.ceil(rows / chunk);
  // One chunk: the pass writes dγ, dβ. More: it writes [chunks, D] partials, summed by columnSums.
  const [pw, pb] = chunks === 1 ? [dw, db] : [output(backend, [chunks, d]), output(backend, [chunks, d])];
  dispatch(backend, {
    key: 'splitmask_ln_bwd_params',
    shader: () => LN_BACKWARD_PARAMS_SHADER,
    outputs: [pw, pb],
    inputs: [x, stats, dy],
    uniforms: [{ i: rows }, { i: d }, { i: chunks === 1 ? Math.max(rows, 1) : chunk }],
    workgroups: [Math.ceil(d / 64), chunks, 1],
  });
  if (chunks > 1) {
    columnSums(backend, pw, dw);
    columnSums(backend, pb, db);
    release(backend, pw);
    release(backend, pb);
  }
  return [dx, dw, db];
}

function crossEntropyKernel({ inputs, backend }: KernelArgs): tf.TensorInfo[] {
  const { logits, targets } = inputs as Record<'logits' | 'targets', tf.TensorInfo>;
  const [rows, v] = logits.shape;
  const loss = output(backend, [rows]);
  const lse = output(backend, [rows]);
  dispatch(backend, {
    key: 'splitmask_ce_fwd',
    shader: () => CE_FORWARD_SHADER,
    outputs: [loss, lse],
    inputs: [logits, targets],
    uniforms: [{ i: rows }, { i: v }, { f: Number.POSITIVE_INFINITY }],
    workgroups: grid1d(rows),
  });
  return [loss, lse];
}

function crossEntropyGradKernel({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const { logits, lse, targets, dy } = inputs as Record<'logits' | 'lse' | 'targets' | 'dy', tf.TensorInfo>;
  const [rows, v] = logits.shape;
  const g = output(backend, [rows, v]);
  dispatch(backend, {
    key: 'splitmask_ce_bwd',
    shader: () => CE_BACKWARD_SHADER,
    outputs: [g],
    inputs: [logits, lse, targets, dy],
    uniforms: [{ i: rows }, { i: v }],
    workgroups: grid1d(Math.ceil((rows * v) / 256)),
  });
  return g;
}

function adamwKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const { p, m, v, g } = inputs as Record<'p' | 'm' | 'v' | 'g', tf.TensorInfo>;
  const a = attrs as unknown as AdamWAttrs;
  const n = tf.util.sizeFromShape(p.shape);
  const outs = [output(backend, p.shape), output(backend, p.shape), output(backend, p.shape)];
  dispatch(backend, {
    key: 'splitmask_adamw',
    shader: () => ADAMW_SHADER,
    outputs: outs,
    inputs: [p, m, v, g],
    uniforms: [
      { i: n },
      { f: a.decay },
      { f: a.b1 },
      { f: a.b2 },
      { f: a.eps },
      { f: a.bc2Sqrt },
      { f: a.stepScale },
      { f: 1 - a.b1 },
      { f: 1 - a.b2 },
    ],
    workgroups: grid1d(Math.ceil(n / 256)),
  });
  return outs;
}

addWebgpuKernels([
  [WEBGPU_ADAMW_KERNEL, adamwKernel],
  [WEBGPU_LAYER_NORM_KERNEL, layerNormKernel],
  [WEBGPU_LAYER_NORM_GRAD_KERNEL, layerNormGradKernel],
  [WEBGPU_CROSS_ENTROPY_KERNEL, crossEntropyKernel],
  [WEBGPU_CROSS_ENTROPY_GRAD_KERNEL, crossEntropyGradKernel],
  [WEBGPU_MHA_KERNEL, mhaKernel],
  [WEBGPU_MHA_GRAD_KERNEL, mhaGradKernel],
  [WEBGPU_GEMM_KERNEL, gemmKernel],
  [WEBGPU_SUM_ROWS_KERNEL, sumRowsKernel],
  [WEBGPU_GELU_KERNEL, geluKernelOf(false)],
  [WEBGPU_GELU_GRAD_KERNEL, geluKernelOf(true)],
]);

/** Every WGSL source these kernels can compile, by pipeline key (for the compile check in the tests). */
export function allShaderSources(): [string, string][] {
  const out: [string, string][] = [];
  for (let bits = 0; bits < 32; bits++) {
    const v: GemmVariant = {
      transposeA: !!(bits & 1),
      transposeB: !!(bits & 2),
      bias: !!(bits & 4),
      activation: bits & 8 ? 'gelu' : 'none',
      savePre: !!(bits & 16),
    };
    if (v.savePre && v.activation === 'none') continue;
    out.push([gemmKey(v), gemmShader(v)]);
  }
  out.push(
    ['splitmask_sum_rows', SUM_ROWS_SHADER],
    ['splitmask_gelu', geluShader(false)],
    ['splitmask_gelu_grad', geluShader(true)],
    ['splitmask_mha_fwd_rows', mhaForwardRowsShader()],
    ['splitmask_mha_bwd_q_rows', mhaBackwardQRowsShader()],
    ['splitmask_mha_bwd_kv_rows', mhaBackwardKvRowsShader()],
    ...([1, 4] as const).flatMap((w): [string, string][] => [
      [`splitmask_mha_fwd_w${w}`, mhaForwardShader(w)],
      [`splitmask_mha_bwd_q_w${w}`, mhaBackwardQShader(w)],
      [`splitmask_mha_bwd_kv_w${w}`, mhaBackwardKvShader(w)],
    ]),
    ['splitmask_ln_fwd', LN_FORWARD_SHADER],
    ['splitmask_ln_bwd_x', LN_BACKWARD_X_SHADER],
    ['splitmask_ln_bwd_params', LN_BACKWARD_PARAMS_SHADER],
    ['splitmask_ce_fwd', CE_FORWARD_SHADER],
    ['splitmask_ce_bwd', CE_BACKWARD_SHADER],
    ['splitmask_adamw', ADAMW_SHADER],
  );
  return out;
}
