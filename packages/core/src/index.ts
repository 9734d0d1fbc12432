/**
 * @splitmask/core — the backend-agnostic foundation every splitmask package builds on.
 *
 * Importing this module registers tfjs-core's gradient functions and chained ops (the Node build of
 * tfjs-core registers neither); it never selects a backend: apps, the CLI and tests call `initBackend`.
 */
// '#register' (package.json imports): tfjs-core's own gradient registry for bundlers, a Node build for Node.
import '#register';

export type { BackendChoice, ConcreteBackend, Runtime } from './backend/choices';
export { AUTO_ORDER, BACKEND_CHOICES, installCommand, isBackendChoice } from './backend/choices';
export { BackendUnavailableError } from './backend/errors';
export type { BackendInfo } from './backend/init-backend';
export { backendInfo, detectRuntime, initBackend } from './backend/init-backend';
export type { InitBackendOptions } from './backend/setup';
export { check, InvalidArgumentError, ShapeError, SplitmaskError } from './errors';
export type {
  SafetensorsData,
  SafetensorsDtype,
  SafetensorsEntry,
  SafetensorsExpectation,
  SafetensorsHeader,
  SafetensorsReadOptions,
  SafetensorsTensor,
  SafetensorsTensorInfo,
  SafetensorsWriteOptions,
} from './io/safetensors';
export {
  decodeSafetensors,
  encodeSafetensors,
  parseSafetensorsHeader,
  SAFETENSORS_DTYPES,
  SAFETENSORS_MAX_HEADER_BYTES,
  SAFETENSORS_MAX_HEADER_DEPTH,
  SAFETENSORS_MAX_TENSORS,
} from './io/safetensors';
export type { SafetensorsErrorCode } from './io/safetensors-error';
export { SafetensorsError } from './io/safetensors-error';
export type { FromTfOptions } from './io/safetensors-tf';
export { fromTfTensors, toTfTensors } from './io/safetensors-tf';
export { scaledDotAttention } from './ops/attention';
export type { BatchedMatMulStrategy } from './ops/batched-matmul';
export {
  BATCHED_MATMUL_STRATEGY,
  batchedMatMul,
  batchedMatMulNaive,
  batchedMatMulStrategy,
  batchedMatMulWith,
} from './ops/batched-matmul';
export {
  gatherRows2d,
  scatterAddRows2d,
  WASM_GATHER_ROWS_KERNEL,
  WASM_SCATTER_ADD_ROWS_KERNEL,
} from './ops/gather-rows';
export { gelu, geluNaive, geluTanh } from './ops/gelu';
export type { LayerNormParams } from './ops/layer-norm';
export { LAYER_NORM_EPS, layerNorm, layerNormNaive } from './ops/layer-norm';
export { linear, linearGelu, linearNaive } from './ops/linear';
export { crossEntropyPerRow, logSoftmax } from './ops/log-softmax';
export { sumRows } from './ops/sum-rows';
export {
  disableWasmGemm,
  fusedSelfAttention,
  installWasmGemm,
  matMul2d,
  WASM_ADAMW_KERNEL,
  WASM_GELU_GRAD_KERNEL,
  WASM_GELU_KERNEL,
  WASM_GEMM_KERNEL,
  WASM_LAYER_NORM_GRAD_KERNEL,
  WASM_LAYER_NORM_KERNEL,
  WASM_MHA_GRAD_KERNEL,
  WASM_MHA_KERNEL,
  WASM_SUM_ROWS_KERNEL,
  wasmGelu,
  wasmGeluGrad,
  wasmGemmActive,
  wasmLayerNorm,
  wasmLayerNormGrad,
  wasmSumRows,
} from './ops/wasm-gemm/wasm-gemm';
export {
  disableWebgpuKernels,
  excludeWebgpuKernels,
  installWebgpuKernels,
  WEBGPU_KERNEL_FAMILIES,
  type WebgpuKernelFamily,
  webgpuKernelsActive,
} from './ops/webgpu/context';
export type { WebgpuGemmOptions } from './ops/webgpu/ops';
export { webgpuGelu, webgpuGeluGrad, webgpuGemm, webgpuGemmGelu, webgpuSumRows } from './ops/webgpu/ops';
export type { AdamW, AdamWOptions, AdamWParamGroup, AdamWState, AdamWStepArgs } from './optim/adamw';
export { createAdamW } from './optim/adamw';
export {
  ADAMW_STATE_FORMAT,
  decodeAdamWState,
  encodeAdamWState,
} from './optim/adamw-state';
export { CLIP_EPS, clipByGlobalNorm, clipPerTensor } from './optim/clip';
export { layerDecayScales, layerIdForVit } from './optim/layer-decay';
export type { CosineScheduleOptions, Schedule } from './optim/schedules';
export { constantSchedule, cosineSchedule, linearWarmup } from './optim/schedules';
export type { NoWeightDecayPredicate } from './optim/weight-decay';
export { defaultNoWeightDecay, NO_WEIGHT_DECAY_NAMES, paramNamesWithoutDecay } from './optim/weight-decay';
export type { ParamTree, ParamTreeNode, VariableTree } from './params/tree';
export {
  assignParams,
  cloneParams,
  countParams,
  disposeParams,
  flattenParams,
  mapParams,
  paramShapes,
  stripRole,
  toVariables,
  unflattenParams,
  varList,
  zerosLikeParams,
} from './params/tree';
export type { PlotOptions, PlotSeries } from './raster/plot';
export { PLOT_COLORS, plotConfusion, plotSeries } from './raster/plot';
export type { Color, RgbaImage } from './raster/raster';
export { blit, createImage, drawLine, drawText, fillRect, setPixel, textWidth } from './raster/raster';
export type { PyRandom, PyRandomState } from './rng/mt19937';
export { createPyRandom } from './rng/mt19937';
export type { Rng, RngState } from './rng/splittable';
export { createRng } from './rng/splittable';
