/**
 * core's WGSL kernels as tfjs kernels of the 'webgpu' backend (the tfjs registry pattern: a kernel name,
 * typed inputs and attributes, one KernelConfig per backend). Where a wasm kernel of ours has the same
 * contract, the kernel name is the same (../wasm-gemm/wasm-gemm.ts registers it for 'wasm').
 * Importing this module adds them to the list that `installWebgpuKernels()` (context.ts) registers.
 */
import * as tf from '@tensorflow/tfjs-core';
import { MHA_BACKWARD_KV_SHADER, MHA_BACKWARD_Q_SHADER, MHA_FORWARD_SHADER } from './attention';
import {
  addWebgpuKernels,
  dispatch,
  grid1d,
  type KernelArgs,
  output,
  release,
  type Uniform,
} from './context';
import { geluShader, SUM_ROWS_SHADER } from './elementwise';
import { type GemmVariant, gemmGrid, gemmKey, gemmShader } from './gemm';

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

function sumRowsKernel({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const { x } = inputs as { x: tf.TensorInfo };
  const [rows, cols] = x.shape; // x: [R, D] → [D]
  const out = output(backend, [cols]);
  dispatch(backend, {
    key: 'splitmask_sum_rows',
    shader: () => SUM_ROWS_SHADER,
    outputs: [out],
    inputs: [x],
    uniforms: [{ i: rows }, { i: cols }],
    workgroups: [Math.ceil(cols / 64), 1, 1],
  });
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
  return { b, n, h: numHeads, dh, uniforms, workgroups: grid1d(b * numHeads * n) };
}

function mhaKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const { qkv } = inputs as { qkv: tf.TensorInfo };
  const { b, n, h, dh, uniforms, workgroups } = mhaShape(qkv, attrs);
  const out = output(backend, [b, n, h * dh]);
  const lse = output(backend, [b, h, n]);
  dispatch(backend, {
    key: 'splitmask_mha_fwd',
    shader: () => MHA_FORWARD_SHADER,
    outputs: [out, lse],
    inputs: [qkv],
    uniforms,
    workgroups,
  });
  return [out, lse];
}

function mhaGradKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { qkv, lse, dy } = inputs as { qkv: tf.TensorInfo; lse: tf.TensorInfo; dy: tf.TensorInfo };
  const { b, n, h, uniforms, workgroups } = mhaShape(qkv, attrs);
  const dqkv = output(backend, qkv.shape); // [B, N, 3D]: pass 1 writes the q part, pass 2 k and v
  const dvec = output(backend, [b, h, n]); // D_i = Σ_j P_ij·dP_ij, from pass 1 to pass 2
  dispatch(backend, {
    key: 'splitmask_mha_bwd_q',
    shader: () => MHA_BACKWARD_Q_SHADER,
    outputs: [dqkv, dvec],
    inputs: [qkv, lse, dy],
    uniforms,
    workgroups,
  });
  dispatch(backend, {
    key: 'splitmask_mha_bwd_kv',
    shader: () => MHA_BACKWARD_KV_SHADER,
    outputs: [dqkv],
    inputs: [qkv, lse, dy, dvec],
    uniforms,
    workgroups,
  });
  release(backend, dvec);
  return dqkv;
}

addWebgpuKernels([
  [WEBGPU_MHA_KERNEL, mhaKernel],
  [WEBGPU_MHA_GRAD_KERNEL, mhaGradKernel],
  [WEBGPU_GEMM_KERNEL, gemmKernel],
  [WEBGPU_SUM_ROWS_KERNEL, sumRowsKernel],
  [WEBGPU_GELU_KERNEL, geluKernelOf(false)],
  [WEBGPU_GELU_GRAD_KERNEL, geluKernelOf(true)],
]);
