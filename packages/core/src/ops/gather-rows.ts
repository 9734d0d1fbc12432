/**
 * Row gather and row scatter-add of a matrix: what token selection (MAE/SplitMask's visible tokens),
 * token placement, position-embedding lookups and target lookups need, and their gradients.
 *
 * tfjs-wasm's GatherV2 walks every element with strided index arithmetic: 7 ms to pick 1,600 rows of 64
 * floats (70 ns an element) and ~8 % of a demo-size SplitMask step. On wasm these are row copies on the
 * backend's heap (one `copyWithin` per row, ~1,000× fewer operations); elsewhere tfjs's gather/scatterND.
 * Both are off with the rest of core's wasm kernels (`initBackend('wasm', { wasmGemm: false })`).
 * No gradients of their own: each is the other's gradient (callers wrap them in a customGrad).
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ShapeError } from '../errors';
import { type KernelArgs, registerWasmKernels, wasmGemmActive } from './wasm-gemm/wasm-gemm';

/** tfjs kernel names on the wasm backend. */
export const WASM_GATHER_ROWS_KERNEL = 'SplitmaskGatherRows';
export const WASM_SCATTER_ADD_ROWS_KERNEL = 'SplitmaskScatterAddRows';

/** The parts of tfjs-backend-wasm's BackendWasm used here (duck-typed). */
interface WasmHeapBackend {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

/** Element offsets (4-byte words) of tensors on the heap; the heap is read after every allocation. */
function heapOf(be: WasmHeapBackend) {
  const word = (t: tf.TensorInfo) => (be.dataIdMap.get(t.dataId)?.memoryOffset ?? 0) >>> 2;
  return { word, buffer: () => be.wasm.HEAPU8.buffer };
}

function checkIndex(fn: string, i: number, j: number, rows: number): void {
  if (!(i >= 0 && i < rows)) {
    throw new InvalidArgumentError(`${fn}: index ${i} at position ${j} is outside [0, ${rows})`);
  }
}

// x [R, D] (4-byte dtype), idx [K] int32 → [K, D]
function gatherRowsKernel({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const { x, idx } = inputs as { x: tf.TensorInfo; idx: tf.TensorInfo };
  const be = backend as WasmHeapBackend;
  const [rows, d] = x.shape;
  const k = idx.shape[0];
  const out = be.makeOutput([k, d], x.dtype);
  const { word, buffer } = heapOf(be);
  const heap = new Int32Array(buffer()); // raw 32-bit words: float bits (NaN payloads too) copy as they are
  const xs = word(x);
  const is = word(idx);
  const os = word(out);
  for (let j = 0; j < k; j++) {
    const i = heap[is + j];
    checkIndex('gatherRows2d', i, j, rows);
    heap.copyWithin(os + j * d, xs + i * d, xs + (i + 1) * d);
  }
  return out;
}

// x [K, D] float32, idx [K] int32, attrs.rows → [rows, D]: zeros, then out[idx[j]] += x[j] in order j
function scatterAddRowsKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { x, idx } = inputs as { x: tf.TensorInfo; idx: tf.TensorInfo };
  const rows = (attrs as { rows: number }).rows;
  const be = backend as WasmHeapBackend;
  const [k, d] = x.shape;
  const out = be.makeOutput([rows, d], 'float32');
  const { word, buffer } = heapOf(be);
  const f = new Float32Array(buffer());
  const ids = new Int32Array(buffer());
  const xs = word(x);
  const is = word(idx);
  const os = word(out);
  f.fill(0, os, os + rows * d);
  for (let j = 0; j < k; j++) {
    const i = ids[is + j];
    checkIndex('scatterAddRows2d', i, j, rows);
    const src = xs + j * d;
    const dst = os + i * d;
    for (let c = 0; c < d; c++) f[dst + c] += f[src + c];
  }
  return out;
}

function ensureRegistered(): void {
  registerWasmKernels([
    [WASM_GATHER_ROWS_KERNEL, gatherRowsKernel],
    [WASM_SCATTER_ADD_ROWS_KERNEL, scatterAddRowsKernel],
  ]);
}

function checkArgs(fn: string, x: tf.Tensor, idx: tf.Tensor): void {
  if (x.rank !== 2 || idx.rank !== 1 || idx.dtype !== 'int32') {
    throw new ShapeError(
      `${fn}: expected x [R, D] and idx [K] int32, got x [${x.shape}] and idx [${idx.shape}] ${idx.dtype}`,
    );
  }
}

/**
 * Rows `idx` of x. x: [R, D] float32 or int32, idx: [K] int32 in [0, R) → [K, D]. On wasm an index
 * outside [0, R) throws naming it; elsewhere tfjs's gather decides.
 * @example const visible = gatherRows2d(tokens2d, flatVisibleIdx); // [B·K, D]
 */
export function gatherRows2d<T extends tf.Tensor2D>(x: T, idx: tf.Tensor1D): T {
  checkArgs('gatherRows2d', x, idx);
  const wordSized = x.dtype === 'float32' || x.dtype === 'int32';
  if (wordSized && x.size > 0 && idx.size > 0 && wasmGemmActive()) {
    ensureRegistered();
    return tf.engine().runKernel(WASM_GATHER_ROWS_KERNEL, { x, idx }, {}) as T;
  }
  return tf.gather(x, idx, 0) as T;
}

/**
 * A zero [rows, D] matrix with x's rows added at `idx` (repeated indices accumulate, in order): the
 * gradient of `gatherRows2d`. x: [K, D] float32, idx: [K] int32 in [0, rows) → [rows, D].
 * @example const dTable = scatterAddRows2d(dy2d, flatIdx, table.shape[0]);
 */
export function scatterAddRows2d(x: tf.Tensor2D, idx: tf.Tensor1D, rows: number): tf.Tensor2D {
  checkArgs('scatterAddRows2d', x, idx);
  if (x.shape[0] !== idx.shape[0]) {
    throw new ShapeError(`scatterAddRows2d: x has ${x.shape[0]} rows but idx has ${idx.shape[0]} indices`);
  }
  if (!(Number.isInteger(rows) && rows >= 0)) {
    throw new InvalidArgumentError(`scatterAddRows2d: rows must be an integer ≥ 0, got ${rows}`);
  }
  if (x.dtype === 'float32' && x.size > 0 && rows > 0 && wasmGemmActive()) {
    ensureRegistered();
    return tf.engine().runKernel(WASM_SCATTER_ADD_ROWS_KERNEL, { x, idx }, {
      rows,
    } as unknown as tf.NamedAttrMap) as tf.Tensor2D;
  }
  if (x.size === 0 || rows === 0) return tf.zeros([rows, x.shape[1]], x.dtype) as tf.Tensor2D;
  return tf.tidy(() => tf.scatterND(tf.expandDims(idx, 1), x, [rows, x.shape[1]]) as tf.Tensor2D);
}
