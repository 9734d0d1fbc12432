/**
 * Our own f32 GEMM on tfjs's wasm backend (gemm.c), used by `linear` for its forward and both gradients.
 *
 * tfjs-wasm's BatchMatMul (XNNPACK) runs these shapes at 20-27 GFLOP/s on one thread and needs the
 * transposes of a weight gradient materialised first; gemm.c reaches 34-40 GFLOP/s and reads transposed
 * operands while packing (numbers: packages/core/README.md). The module imports tfjs-wasm's own
 * `WebAssembly.Memory`, so it reads inputs and writes the output in place: no copies.
 *
 * `initBackend('wasm')` installs it (asynchronously); a wasm backend activated some other way
 * (`tf.setBackend('wasm')`) gets it on first use, compiled synchronously (a browser's main thread
 * refuses that for modules over 4 KB: there, call `installWasmGemm()` once). `initBackend('wasm',
 * { wasmGemm: false })` or `disableWasmGemm()` opts out. Everywhere else (other backends, a threaded
 * wasm build whose memory is shared, a failed install) `matMul2d` is the flag-free tfjs matMul with
 * explicit transposes, as before.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ShapeError, SplitmaskError } from '../../errors';
// The webgpu AdamW kernel's attributes: the same contract (type-only import, no kernel registration).
import type { AdamWAttrs } from '../webgpu/kernels';
import { webgpuSelfAttention } from '../webgpu/ops';
import { GEMM_WASM_BASE64 } from './gemm-wasm';

/** The tfjs kernel names registered for the wasm backend. */
export const WASM_GEMM_KERNEL = 'SplitmaskGemm';
export const WASM_SUM_ROWS_KERNEL = 'SplitmaskSumRows';
export const WASM_GELU_KERNEL = 'SplitmaskGelu';
export const WASM_GELU_GRAD_KERNEL = 'SplitmaskGeluGrad';
export const WASM_MHA_KERNEL = 'SplitmaskSelfAttention';
export const WASM_MHA_GRAD_KERNEL = 'SplitmaskSelfAttentionGrad';
/**
 * One AdamW update {p, m, v, g} (same shape) → [p', m', v']; attrs {decay, b1, b2, eps, bc2Sqrt, stepScale}
 * (the contract and name of the webgpu kernel, ops/webgpu/kernels.ts).
 */
export const WASM_ADAMW_KERNEL = 'SplitmaskAdamW';
/** LayerNorm over the last axis {x [R, D], w [D], b [D]} → y [R, D]; attrs {eps}. */
export const WASM_LAYER_NORM_KERNEL = 'SplitmaskLayerNorm';
/** Its gradient {x, w, dy} → [dx [R, D], dw [D], db [D]]; attrs {eps}. */
export const WASM_LAYER_NORM_GRAD_KERNEL = 'SplitmaskLayerNormGrad';

interface GemmExports {
  gemm(
    a: number,
    b: number,
    c: number,
    m: number,
    n: number,
    k: number,
    transA: number,
    transB: number,
    work: number,
  ): void;
  gemm_work_floats(n: number): number;
  sum_rows(x: number, out: number, rows: number, cols: number): void;
  gelu(x: number, y: number, n: number): void;
  gelu_grad(x: number, dy: number, dx: number, n: number): void;
  layer_norm(x: number, w: number, b: number, y: number, rows: number, d: number, eps: number): void;
  layer_norm_grad(
    x: number,
    w: number,
    dy: number,
    dx: number,
    dw: number,
    db: number,
    rows: number,
    d: number,
    eps: number,
  ): void;
  mha_work_floats(n: number, dh: number): number;
  adamw(
    p: number,
    m: number,
    v: number,
    g: number,
    pOut: number,
    mOut: number,
    vOut: number,
    n: number,
    decay: number,
    b1: number,
    c1: number,
    b2: number,
    c2: number,
    eps: number,
    bc2Sqrt: number,
    stepScale: number,
  ): void;
  mha_forward(
    qkv: number,
    out: number,
    p: number,
    b: number,
    n: number,
    h: number,
    dh: number,
    scale: number,
    work: number,
  ): void;
  mha_backward(
    qkv: number,
    p: number,
    dout: number,
    dqkv: number,
    b: number,
    n: number,
    h: number,
    dh: number,
    scale: number,
    work: number,
  ): void;
}

interface MhaAttrs {
  numHeads: number;
  scale: number;
}

// core's tsconfig has neither DOM nor Node types; the few WebAssembly members used here, typed.
interface WasmMemory {
  buffer: ArrayBuffer | SharedArrayBuffer;
}
interface WebAssemblyApi {
  Memory: abstract new (...args: never[]) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  compile(bytes: Uint8Array): Promise<object>;
  instantiate(module: object, imports: object): Promise<{ exports: unknown }>;
}
const WA = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;
const decodeAtob = (globalThis as unknown as { atob: (s: string) => string }).atob;

/** The parts of tfjs-backend-wasm's BackendWasm this file touches (duck-typed: no import of it). */
interface WasmBackendLike {
  wasm: {
    asm?: { memory?: WasmMemory };
    _malloc(bytes: number): number;
    _free(ptr: number): void;
  };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

interface GemmAttrs {
  transposeA: boolean;
  transposeB: boolean;
}

// One instance per backend object (each tfjs-wasm backend owns its memory), kept on the backend under a
// global symbol so that two copies of this module in one app share it. false: opted out or failed.
const STATE = Symbol.for('@splitmask/core.wasmGemm');
type Holder = { [STATE]?: GemmExports | false };
const stateOf = (backend: unknown): GemmExports | false | undefined => (backend as Holder)[STATE];
const setState = (backend: unknown, s: GemmExports | false) => {
  (backend as Holder)[STATE] = s;
};
let compiled: Promise<object> | undefined;

function decodeBase64(s: string): Uint8Array {
  const bin = decodeAtob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** What every kernel function of ours gets from tfjs. */
export interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}

/**
 * The backend, the module's exports on it (a kernel of ours only runs where they were installed), heap
 * pointers of tensors, and scratch space for one call (tfjs's malloc, freed when `run` returns).
 */
function contextOf(backend: unknown, kernelName: string) {
  const be = backend as WasmBackendLike;
  const k = stateOf(be);
  if (!k) throw new Error(`${kernelName}: not installed on this wasm backend`);
  const ptr = (t: tf.TensorInfo) => (be.dataIdMap.get(t.dataId)?.memoryOffset ?? 0) >>> 0;
  const withWork = (floats: number, run: (work: number) => void) => {
    const work = be.wasm._malloc(floats * 4);
    // malloc returns 0 when the heap is exhausted: writing scratch there would corrupt tfjs's own data
    // (seen as "table index is out of bounds" later), so stop with an error that says what happened.
    if (work === 0 && floats > 0) {
      throw new SplitmaskError(
        'WASM_HEAP_EXHAUSTED',
        `${kernelName}: the wasm heap (4 GiB at most) is exhausted: ${((floats * 4) / 2 ** 20).toFixed(1)} MiB of ` +
          `scratch could not be allocated. Use a smaller batch (or more workers, or gradient accumulation).`,
      );
    }
    try {
      run(work);
    } finally {
      be.wasm._free(work);
    }
  };
  return { be, k, ptr, withWork };
}

function gemmKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const { transposeA, transposeB } = attrs as unknown as GemmAttrs;
  const { be, k: gemm, ptr, withWork } = contextOf(backend, WASM_GEMM_KERNEL);
  // a: [M, K] (stored [K, M] when transposeA), b: [K, N] (stored [N, K] when transposeB)
  const [m, k] = transposeA ? [a.shape[1], a.shape[0]] : [a.shape[0], a.shape[1]];
  const n = transposeB ? b.shape[0] : b.shape[1];
  const out = be.makeOutput([m, n], 'float32');
  withWork(gemm.gemm_work_floats(n), (work) =>
    gemm.gemm(ptr(a), ptr(b), ptr(out), m, n, k, transposeA ? 1 : 0, transposeB ? 1 : 0, work),
  );
  return out;
}

function sumRowsKernel({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const { x } = inputs as { x: tf.TensorInfo };
  const { be, k, ptr } = contextOf(backend, WASM_SUM_ROWS_KERNEL);
  const [rows, cols] = x.shape; // x: [R, D] → [D]
  const out = be.makeOutput([cols], 'float32');
  k.sum_rows(ptr(x), ptr(out), rows, cols);
  return out;
}

function geluKernel({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const { x } = inputs as { x: tf.TensorInfo };
  const { be, k, ptr } = contextOf(backend, WASM_GELU_KERNEL);
  const out = be.makeOutput(x.shape, 'float32');
  k.gelu(ptr(x), ptr(out), tf.util.sizeFromShape(x.shape));
  return out;
}

function geluGradKernel({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { be, k, ptr } = contextOf(backend, WASM_GELU_GRAD_KERNEL);
  const out = be.makeOutput(x.shape, 'float32');
  k.gelu_grad(ptr(x), ptr(dy), ptr(out), tf.util.sizeFromShape(x.shape));
  return out;
}

function layerNormKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { x, w, b } = inputs as Record<'x' | 'w' | 'b', tf.TensorInfo>;
  const { be, k, ptr } = contextOf(backend, WASM_LAYER_NORM_KERNEL);
  const [rows, d] = x.shape; // x [R, D] → y [R, D]
  const y = be.makeOutput([rows, d], 'float32');
  k.layer_norm(ptr(x), ptr(w), ptr(b), ptr(y), rows, d, (attrs as { eps: number }).eps);
  return y;
}

function layerNormGradKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const { x, w, dy } = inputs as Record<'x' | 'w' | 'dy', tf.TensorInfo>;
  const { be, k, ptr } = contextOf(backend, WASM_LAYER_NORM_GRAD_KERNEL);
  const [rows, d] = x.shape;
  const dx = be.makeOutput([rows, d], 'float32');
  const dw = be.makeOutput([d], 'float32');
  const db = be.makeOutput([d], 'float32');
  k.layer_norm_grad(
    ptr(x),
    ptr(w),
    ptr(dy),
    ptr(dx),
    ptr(dw),
    ptr(db),
    rows,
    d,
    (attrs as { eps: number }).eps,
  );
  return [dx, dw, db];
}

function mhaKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const { qkv } = inputs as { qkv: tf.TensorInfo };
  const { numHeads, scale } = attrs as unknown as MhaAttrs;
  const { be, k, ptr, withWork } = contextOf(backend, WASM_MHA_KERNEL);
  const [b, n, d3] = qkv.shape; // qkv [B, N, 3D] → out [B, N, D], P [B, H, N, N]
  const dh = d3 / 3 / numHeads;
  const out = be.makeOutput([b, n, d3 / 3], 'float32');
  const p = be.makeOutput([b, numHeads, n, n], 'float32');
  withWork(k.mha_work_floats(n, dh), (work) =>
    k.mha_forward(ptr(qkv), ptr(out), ptr(p), b, n, numHeads, dh, scale, work),
  );
  return [out, p];
}

function mhaGradKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { qkv, p, dy } = inputs as { qkv: tf.TensorInfo; p: tf.TensorInfo; dy: tf.TensorInfo };
  const { numHeads, scale } = attrs as unknown as MhaAttrs;
  const { be, k, ptr, withWork } = contextOf(backend, WASM_MHA_GRAD_KERNEL);
  const [b, n, d3] = qkv.shape;
  const dh = d3 / 3 / numHeads;
  const dqkv = be.makeOutput([b, n, d3], 'float32'); // [B, N, 3D]
  withWork(k.mha_work_floats(n, dh), (work) =>
    k.mha_backward(ptr(qkv), ptr(p), ptr(dy), ptr(dqkv), b, n, numHeads, dh, scale, work),
  );
  return dqkv;
}

function adamwKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const { p, m, v, g } = inputs as Record<'p' | 'm' | 'v' | 'g', tf.TensorInfo>;
  const a = attrs as unknown as AdamWAttrs;
  const { be, k, ptr } = contextOf(backend, WASM_ADAMW_KERNEL);
  const [pOut, mOut, vOut] = [0, 1, 2].map(() => be.makeOutput(p.shape, 'float32'));
  // 1 − b1 and 1 − b2 in double, then rounded to f32 by the call: what tf.scalar(1 - b1) gives.
  k.adamw(
    ptr(p),
    ptr(m),
    ptr(v),
    ptr(g),
    ptr(pOut),
    ptr(mOut),
    ptr(vOut),
    tf.util.sizeFromShape(p.shape),
    a.decay,
    a.b1,
    1 - a.b1,
    a.b2,
    1 - a.b2,
    a.eps,
    a.bc2Sqrt,
    a.stepScale,
  );
  return [pOut, mOut, vOut];
}

/** Registers kernels of ours for the wasm backend once (a second copy of core in an app finds them there). */
export function registerWasmKernels(
  kernels: readonly (readonly [string, (args: KernelArgs) => unknown])[],
): void {
  for (const [kernelName, kernelFunc] of kernels) {
    if (!tf.getKernel(kernelName, 'wasm')) {
      tf.registerKernel({
        kernelName,
        backendName: 'wasm',
        kernelFunc: kernelFunc as unknown as tf.KernelFunc,
      });
    }
  }
}

function registerKernels(): void {
  registerWasmKernels([
    [WASM_GEMM_KERNEL, gemmKernel],
    [WASM_SUM_ROWS_KERNEL, sumRowsKernel],
    [WASM_GELU_KERNEL, geluKernel],
    [WASM_GELU_GRAD_KERNEL, geluGradKernel],
    [WASM_MHA_KERNEL, mhaKernel],
    [WASM_MHA_GRAD_KERNEL, mhaGradKernel],
    [WASM_ADAMW_KERNEL, adamwKernel],
    [WASM_LAYER_NORM_KERNEL, layerNormKernel],
    [WASM_LAYER_NORM_GRAD_KERNEL, layerNormGradKernel],
  ]);
}

/** tfjs-wasm's memory when ours can link to it: a private (non-shared) one; a threaded build's is shared. */
function linkableMemory(backend: WasmBackendLike): WasmMemory | null {
  const memory = backend.wasm?.asm?.memory;
  return memory instanceof WA.Memory && memory.buffer instanceof ArrayBuffer ? memory : null;
}

/**
 * Installs the GEMM on the active backend when it is tfjs-wasm with a private memory. Resolves to
 * whether it is in use; never throws (a failure leaves tfjs's matMul in charge).
 */
export async function installWasmGemm(): Promise<boolean> {
  if (tf.getBackend() !== 'wasm') return false;
  const backend = tf.backend() as unknown as WasmBackendLike;
  if (stateOf(backend)) return true;
  const memory = linkableMemory(backend);
  if (!memory) {
    setState(backend, false);
    return false;
  }
  try {
    compiled ??= WA.compile(decodeBase64(GEMM_WASM_BASE64));
    const instance = await WA.instantiate(await compiled, { env: { memory } });
    setState(backend, instance.exports as GemmExports);
    registerKernels();
    return true;
  } catch {
    setState(backend, false);
    return false;
  }
}

/** Keeps the active wasm backend on tfjs's own matmul (XNNPACK), e.g. to compare the two. */
export function disableWasmGemm(): void {
  if (tf.getBackend() === 'wasm') setState(tf.backend(), false);
}

/** First use on a wasm backend nobody installed it on: compile and link synchronously, once. */
function installSync(backend: WasmBackendLike): GemmExports | false {
  const memory = linkableMemory(backend);
  let state: GemmExports | false = false;
  if (memory) {
    try {
      const module = new WA.Module(decodeBase64(GEMM_WASM_BASE64));
      state = new WA.Instance(module, { env: { memory } }).exports as GemmExports;
      registerKernels();
    } catch {
      state = false; // e.g. a browser main thread refusing a synchronous compile
    }
  }
  setState(backend, state);
  return state;
}

/** Whether `matMul2d` runs on our GEMM right now (the active backend is wasm and has it). */
export function wasmGemmActive(): boolean {
  if (tf.getBackend() !== 'wasm') return false;
  const backend = tf.backend() as unknown as WasmBackendLike;
  const state = stateOf(backend);
  return (state === undefined ? installSync(backend) : state) !== false;
}

/**
 * op(a)·op(b) for 2-D float32 tensors; op transposes when its flag is set. No gradient of its own:
 * callers wrap it in a customGrad (as `linear` does).
 * a: [M, K] or [K, M], b: [K, N] or [N, K] → [M, N]
 */
export function matMul2d(
  a: tf.Tensor2D,
  b: tf.Tensor2D,
  transposeA = false,
  transposeB = false,
): tf.Tensor2D {
  if (a.rank !== 2 || b.rank !== 2) {
    throw new ShapeError(`matMul2d: expected 2-D operands, got [${a.shape}] and [${b.shape}]`);
  }
  const k = transposeA ? a.shape[0] : a.shape[1];
  if ((transposeB ? b.shape[1] : b.shape[0]) !== k) {
    throw new ShapeError(
      `matMul2d: inner dimensions differ: a [${a.shape}]${transposeA ? 'ᵀ' : ''} · b [${b.shape}]${transposeB ? 'ᵀ' : ''}`,
    );
  }
  const m = transposeA ? a.shape[1] : a.shape[0];
  const n = transposeB ? b.shape[0] : b.shape[1];
  // tfjs-wasm's own BatchMatMul leaves an uninitialised output when K = 0 (tfjs 4.22).
  if (k === 0) return tf.zeros([m, n], a.dtype) as tf.Tensor2D;
  const usable = a.dtype === 'float32' && b.dtype === 'float32' && m > 0 && n > 0;
  if (usable && wasmGemmActive()) {
    return tf.engine().runKernel(WASM_GEMM_KERNEL, { a, b }, {
      transposeA,
      transposeB,
    } as unknown as tf.NamedAttrMap) as tf.Tensor2D;
  }
  // tfjs's transpose flags fall off XNNPACK onto a ~2 GFLOP/s loop on wasm (BACKENDS.md): transpose first.
  return tf.tidy(() => tf.matMul(transposeA ? tf.transpose(a) : a, transposeB ? tf.transpose(b) : b));
}

/**
 * Column sums x [R, D] → [D] in one pass on wasm (sum_rows in gemm.c); elsewhere null, and the caller
 * uses its own formulation. No gradient of its own.
 */
export function wasmSumRows(x: tf.Tensor2D): tf.Tensor1D | null {
  if (x.dtype !== 'float32' || x.size === 0 || !wasmGemmActive()) return null;
  return tf.engine().runKernel(WASM_SUM_ROWS_KERNEL, { x }, {}) as tf.Tensor1D;
}

/**
 * Exact GELU x·Φ(x) in one pass on wasm (gelu in gemm.c; erf to 1.5e-7); elsewhere null and the caller
 * composes it. x: any shape → same shape. No gradient of its own (see `wasmGeluGrad`).
 */
export function wasmGelu<T extends tf.Tensor>(x: T): T | null {
  if (x.dtype !== 'float32' || x.size === 0 || !wasmGemmActive()) return null;
  return tf.engine().runKernel(WASM_GELU_KERNEL, { x }, {}) as T;
}

/** dy·GELU'(x) = dy·(Φ(x) + x·φ(x)) in one pass on wasm; elsewhere null. x, dy: same shape. */
export function wasmGeluGrad<T extends tf.Tensor>(x: T, dy: tf.Tensor): T | null {
  if (x.dtype !== 'float32' || dy.dtype !== 'float32' || x.size === 0 || !wasmGemmActive()) return null;
  if (!tf.util.arraysEqual(x.shape, dy.shape)) return null;
  return tf.engine().runKernel(WASM_GELU_GRAD_KERNEL, { x, dy }, {}) as T;
}

/**
 * One AdamW update of p with its moments m, v and gradient g in one pass on wasm (adamw in gemm.c), the
 * same bits as optim/adamw.ts's composition of tfjs ops (~12 ops a parameter); null elsewhere.
 * p, m, v, g: same shape → [p', m', v']
 */
export function wasmAdamW(
  p: tf.Tensor,
  m: tf.Tensor,
  v: tf.Tensor,
  g: tf.Tensor,
  attrs: AdamWAttrs,
): [tf.Tensor, tf.Tensor, tf.Tensor] | null {
  const all = [p, m, v, g];
  if (all.some((t) => t.dtype !== 'float32') || p.size === 0 || !wasmGemmActive()) return null;
  if (!all.every((t) => tf.util.arraysEqual(t.shape, p.shape))) return null;
  return tf.engine().runKernel(WASM_ADAMW_KERNEL, { p, m, v, g }, attrs as unknown as tf.NamedAttrMap) as [
    tf.Tensor,
    tf.Tensor,
    tf.Tensor,
  ];
}

const lnUsable = (ts: tf.Tensor[], rows: tf.Tensor2D, d: number) =>
  ts.every((t) => t.dtype === 'float32') && rows.size > 0 && ts[1].size === d && wasmGemmActive();

/**
 * LayerNorm of the rows of x in one pass on wasm (layer_norm in gemm.c); null elsewhere, and the caller
 * composes it. No gradient of its own (see `wasmLayerNormGrad`; layer-norm.ts wraps both).
 * x: [R, D], w, b: [D] → [R, D]
 */
export function wasmLayerNorm(
  x: tf.Tensor2D,
  w: tf.Tensor1D,
  b: tf.Tensor1D,
  eps: number,
): tf.Tensor2D | null {
  if (!lnUsable([x, w, b], x, x.shape[1]) || b.size !== x.shape[1]) return null;
  return tf
    .engine()
    .runKernel(WASM_LAYER_NORM_KERNEL, { x, w, b }, { eps } as unknown as tf.NamedAttrMap) as tf.Tensor2D;
}

/**
 * The LayerNorm gradient in one pass over the rows on wasm (μ and rstd recomputed from x; dw, db summed in
 * the same pass); null elsewhere. x, dy: [R, D], w: [D] → [dx [R, D], dw [D], db [D]]
 */
export function wasmLayerNormGrad(
  x: tf.Tensor2D,
  w: tf.Tensor1D,
  dy: tf.Tensor2D,
  eps: number,
): [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D] | null {
  if (!lnUsable([x, w, dy], x, x.shape[1]) || !tf.util.arraysEqual(x.shape, dy.shape)) return null;
  return tf.engine().runKernel(WASM_LAYER_NORM_GRAD_KERNEL, { x, w, dy }, {
    eps,
  } as unknown as tf.NamedAttrMap) as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D];
}

// One customGrad per (numHeads, scale): tfjs customGrad closes over its attributes.
const mhaOps = new Map<string, (qkv: tf.Tensor3D) => tf.Tensor3D>();

function mhaOp(numHeads: number, scale: number): (qkv: tf.Tensor3D) => tf.Tensor3D {
  const key = `${numHeads}:${scale}`;
  let op = mhaOps.get(key);
  if (!op) {
    const attrs = { numHeads, scale } as unknown as tf.NamedAttrMap;
    op = tf.customGrad(((qkv: tf.Tensor, save: tf.GradSaveFunc) => {
      const [out, p] = tf.engine().runKernel(WASM_MHA_KERNEL, { qkv }, attrs) as tf.Tensor[];
      save([qkv, p]); // P [B, H, N, N]: what the softmax backward needs, as tfjs's own path keeps
      return {
        value: out,
        gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => [
          tf
            .engine()
            .runKernel(
              WASM_MHA_GRAD_KERNEL,
              { qkv: saved[0], p: saved[1], dy: dy as tf.Tensor },
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
 * Multi-head self-attention from a fused qkv projection, as one kernel (and one for its gradient) on
 * wasm: softmax(scale·Q·Kᵀ)·V per head, read straight from timm's qkv layout and written with the heads
 * merged, so no head split/merge transposes or batched-matmul kernels run. On webgpu the same with core's
 * WGSL kernels (webgpu/attention.ts), which keep lse [B, H, N] instead of P. Elsewhere null: the caller
 * keeps its own formulation. The attention probabilities are not returned (use the unfused path for maps).
 * qkv: [B, N, 3D] (q | k | v, each [H heads × Dh]) → [B, N, D]; scale defaults to Dh^-0.5 (timm).
 * @example const o = fusedSelfAttention(linear(x, w, b), 6) ?? unfused(x);
 */
export function fusedSelfAttention(qkv: tf.Tensor3D, numHeads: number, scale?: number): tf.Tensor3D | null {
  if (qkv.rank !== 3 || qkv.shape[2] % (3 * numHeads) !== 0) {
    throw new ShapeError(
      `fusedSelfAttention: expected qkv [B, N, 3·D] with D divisible by numHeads=${numHeads}, got [${qkv.shape}]`,
    );
  }
  const dh = qkv.shape[2] / 3 / numHeads;
  if (tf.getBackend() === 'webgpu') return webgpuSelfAttention(qkv, numHeads, scale ?? dh ** -0.5);
  if (qkv.dtype !== 'float32' || qkv.size === 0 || !wasmGemmActive()) return null;
  return tf.tidy(() => mhaOp(numHeads, scale ?? dh ** -0.5)(qkv));
}
