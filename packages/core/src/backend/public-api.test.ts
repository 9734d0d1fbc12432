import { expect, test } from 'vitest';
import * as core from '../index';

// The backends + primitives part of core's public API (backend/, ops/): a removal or rename shows up
// here in review.
const BACKEND_AND_OPS_EXPORTS = [
  'AUTO_ORDER',
  'BACKEND_CHOICES',
  'BATCHED_MATMUL_STRATEGY',
  'BackendUnavailableError',
  'LAYER_NORM_EPS',
  'backendInfo',
  'batchedMatMul',
  'batchedMatMulNaive',
  'batchedMatMulStrategy',
  'batchedMatMulWith',
  'crossEntropyPerRow',
  'detectRuntime',
  'gelu',
  'geluNaive',
  'geluTanh',
  'initBackend',
  'installCommand',
  'isBackendChoice',
  'layerNorm',
  'layerNormNaive',
  'linear',
  'linearNaive',
  'logSoftmax',
  'scaledDotAttention',
  'sumRows',
  // core's wasm kernels (ops/wasm-gemm)
  'disableWasmGemm',
  'fusedSelfAttention',
  'installWasmGemm',
  'matMul2d',
  'WASM_GELU_GRAD_KERNEL',
  'WASM_GELU_KERNEL',
  'WASM_GEMM_KERNEL',
  'WASM_ADAMW_KERNEL',
  'WASM_MHA_GRAD_KERNEL',
  'WASM_MHA_KERNEL',
  'WASM_SUM_ROWS_KERNEL',
  'wasmGelu',
  'wasmGeluGrad',
  'wasmGemmActive',
  'wasmSumRows',
  // core's WGSL kernels (ops/webgpu)
  'disableWebgpuKernels',
  'excludeWebgpuKernels',
  'installWebgpuKernels',
  'linearGelu',
  'webgpuGelu',
  'webgpuGeluGrad',
  'webgpuGemm',
  'webgpuGemmGelu',
  'webgpuKernelsActive',
  'webgpuSumRows',
  'WEBGPU_KERNEL_FAMILIES',
];

test('core exports the backend and primitive API', () => {
  const exported = Object.keys(core);
  expect(BACKEND_AND_OPS_EXPORTS.filter((n) => !exported.includes(n))).toEqual([]);
  const values = new Map(Object.entries(core));
  for (const n of BACKEND_AND_OPS_EXPORTS) expect(values.get(n), n).toBeDefined();
});
