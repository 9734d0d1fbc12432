/**
 * core's WGSL kernels as tfjs kernels of the 'webgpu' backend (the tfjs registry pattern: a kernel name,
 * typed inputs and attributes, one KernelConfig per backend). Where a wasm kernel of ours has the same
 * contract, the kernel name is the same (../wasm-gemm/wasm-gemm.ts registers it for 'wasm').
 * Importing this module adds them to the list that `installWebgpuKernels()` (context.ts) registers.
 */
import * as tf from '@tensorflow/tfjs-core';
import { addWebgpuKernels, dispatch, grid1d, type KernelArgs, output } from './context';
import { geluShader, SUM_ROWS_SHADER } from './elementwise';
import { type GemmVariant, gemmGrid, gemmKey, gemmShader } from './gemm';

/** op(a)·op(b) [+ bias] [→ GELU]; outputs [c] or, with savePre, [c, pre-activation]. */
export const WEBGPU_GEMM_KERNEL = 'SplitmaskGemmEpilogue';
/** Same contracts as the wasm kernels of the same names. */
export const WEBGPU_SUM_ROWS_KERNEL = 'SplitmaskSumRows';
export const WEBGPU_GELU_KERNEL = 'SplitmaskGelu';
export const WEBGPU_GELU_GRAD_KERNEL = 'SplitmaskGeluGrad';

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

addWebgpuKernels([
  [WEBGPU_GEMM_KERNEL, gemmKernel],
  [WEBGPU_SUM_ROWS_KERNEL, sumRowsKernel],
  [WEBGPU_GELU_KERNEL, geluKernelOf(false)],
  [WEBGPU_GELU_GRAD_KERNEL, geluKernelOf(true)],
]);
