/**
 * Batched matmul used by attention: core's `batchedMatMul` (fastest formulation per backend — a
 * depthwise-conv rewrite on wasm — with a transpose-flag-free custom gradient).
 */
export { batchedMatMul as bmm } from '@splitmask/core';
