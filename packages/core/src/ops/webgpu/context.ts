/**
 * How core's WGSL kernels run inside tfjs-backend-webgpu: our own compute pipelines, recorded into the
 * backend's command encoder and compute pass exactly as its `runWebGPUProgram` records its own, on the
 * backend's pooled GPU buffers (outputs are ordinary tfjs tensors, returned to its buffer pool when
 * disposed). We do not use `runWebGPUProgram` itself because it binds one output only; LayerNorm's and
 * attention's gradients, cross-entropy and AdamW write several.
 *
 * Everything here is duck-typed against tfjs-backend-webgpu 4.22 (no import of it; core keeps it an
 * optional peer), the way ../wasm-gemm/ duck-types tfjs-backend-wasm.
 *
 * State per backend object, under a global symbol: undefined (nobody decided: the kernels install
 * themselves on first use), true (installed), false (opted out with `disableWebgpuKernels()` or
 * `initBackend('webgpu', { webgpuKernels: false })`).
 */
import * as tf from '@tensorflow/tfjs-core';

// core's tsconfig has no DOM/WebGPU types: the few members used here, typed.
interface GpuPipeline {
  getBindGroupLayout(i: number): unknown;
}
interface GpuDevice {
  createShaderModule(d: { code: string; label?: string }): unknown;
  createComputePipeline(d: {
    layout: 'auto';
    compute: { module: unknown; entryPoint: string };
    label?: string;
  }): GpuPipeline;
  createBindGroup(d: { layout: unknown; entries: { binding: number; resource: unknown }[] }): unknown;
  createQuerySet(d: { type: string; count: number }): unknown;
}
interface GpuPass {
  setPipeline(p: GpuPipeline): void;
  setBindGroup(i: number, g: unknown): void;
  dispatchWorkgroups(x: number, y: number, z: number): void;
}

/** The parts of tfjs-backend-webgpu's WebGPUBackend this module touches. */
export interface WebgpuBackendLike {
  device: GpuDevice;
  tensorMap: { get(dataId: object): { values?: unknown; resource?: unknown } | undefined };
  makeTensorInfo(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  uploadToGPU(dataId: object): void;
  tensorToBinding(t: tf.TensorInfo): unknown;
  makeUniforms(u: { type: string; data: number[] }[]): unknown;
  commandQueueOwnedIds: { add(id: object): void };
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
  getQueryTime(): Promise<number>;
  commandEncoder: { beginComputePass(d: object): GpuPass };
  computePassEncoder: GpuPass | null;
  dispatchCountInPass: number;
  activeTimers?: { name: string; query: Promise<number> }[] | null;
  supportTimestampQuery?: boolean;
  querySet?: unknown;
  querySetCount?: number;
}

const STATE = Symbol.for('@splitmask/core.webgpuKernels');
const PIPELINES = Symbol.for('@splitmask/core.webgpuPipelines');
const EXCLUDED = Symbol.for('@splitmask/core.webgpuKernelsExcluded');
type Holder = {
  [STATE]?: boolean;
  [PIPELINES]?: Map<string, CachedPipeline>;
  [EXCLUDED]?: ReadonlySet<WebgpuKernelFamily>;
};

/**
 * The families of core's WGSL kernels, each of which can be left to tfjs's own kernels on its own
 * (to compare them one by one on a given GPU, or to keep tfjs's where it is faster there).
 * gemm: linear's GEMMs with bias/GELU epilogues and the bias gradient's column sums.
 */
export type WebgpuKernelFamily = 'gemm' | 'attention' | 'layerNorm' | 'crossEntropy' | 'gelu' | 'adamw';

/** Every {@link WebgpuKernelFamily}. */
export const WEBGPU_KERNEL_FAMILIES: readonly WebgpuKernelFamily[] = [
  'gemm',
  'attention',
  'layerNorm',
  'crossEntropy',
  'gelu',
  'adamw',
];

type KernelEntry = [string, (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[]];
const known: KernelEntry[] = [];
let installedOnce = false;

function registerKnown(): void {
  for (const [kernelName, kernelFunc] of known) {
    if (!tf.getKernel(kernelName, 'webgpu')) {
      tf.registerKernel({
        kernelName,
        backendName: 'webgpu',
        kernelFunc: kernelFunc as unknown as tf.KernelFunc,
      });
    }
  }
}

/** Adds kernels of ours (the modules of this folder call it at load); registered with tfjs on install. */
export function addWebgpuKernels(list: KernelEntry[]): void {
  known.push(...list);
  if (installedOnce) registerKnown();
}

function looksLikeWebgpu(backend: unknown): backend is WebgpuBackendLike {
  const be = backend as Partial<WebgpuBackendLike> | undefined;
  return !!be && typeof be.tensorToBinding === 'function' && typeof be.makeUniforms === 'function';
}

/**
 * Installs core's WGSL kernels on the active webgpu backend (registering them with tfjs once). Returns
 * whether they are in use: false when the active backend is not tfjs-backend-webgpu.
 * @example if (await initBackend('webgpu')) installWebgpuKernels();
 */
export function installWebgpuKernels(): boolean {
  if (tf.getBackend() !== 'webgpu') return false;
  const be = tf.backend();
  if (!looksLikeWebgpu(be)) return false;
  registerKnown();
  installedOnce = true;
  (be as unknown as Holder)[STATE] = true;
  return true;
}

/** Keeps the active webgpu backend on tfjs's own kernels (e.g. to compare the two). */
export function disableWebgpuKernels(): void {
  if (tf.getBackend() === 'webgpu') (tf.backend() as unknown as Holder)[STATE] = false;
}

/**
 * Leaves the given kernel families to tfjs's own kernels on the active webgpu backend (the others stay
 * ours); an empty list excludes none. Throws on an unknown family name.
 * @example excludeWebgpuKernels(['attention']); // tfjs's batched-matmul attention, our GEMM etc.
 */
export function excludeWebgpuKernels(families: readonly WebgpuKernelFamily[]): void {
  for (const f of families) {
    if (!WEBGPU_KERNEL_FAMILIES.includes(f))
      throw new Error(`unknown webgpu kernel family '${f}' (one of ${WEBGPU_KERNEL_FAMILIES.join(', ')})`);
  }
  if (tf.getBackend() === 'webgpu') (tf.backend() as unknown as Holder)[EXCLUDED] = new Set(families);
}

/**
 * Whether core's ops run on our WGSL kernels right now (active backend webgpu and not opted out); with a
 * family, whether that family does (not excluded by {@link excludeWebgpuKernels}).
 */
export function webgpuKernelsActive(family?: WebgpuKernelFamily): boolean {
  if (tf.getBackend() !== 'webgpu' || known.length === 0) return false;
  const holder = tf.backend() as unknown as Holder;
  const state = holder[STATE];
  const on = state === undefined ? installWebgpuKernels() : state;
  return on && !(family && holder[EXCLUDED]?.has(family));
}

/** A uniform field: every field is one 4-byte scalar, so the WGSL struct is plain `name: i32|f32` fields. */
export type Uniform = { i: number } | { f: number };

/** One compute dispatch of ours. */
export interface DispatchSpec {
  /** Pipeline cache key; `shader()` is only called on a miss. */
  key: string;
  shader: () => string;
  /** Bound first, as `read_write` storage (bindings 0..). */
  outputs: tf.TensorInfo[];
  /** Bound next, as `read` storage. */
  inputs: tf.TensorInfo[];
  /** Bound last, as one uniform struct (omit when the shader declares none). */
  uniforms?: Uniform[];
  workgroups: [number, number, number];
}

interface CachedPipeline {
  pipeline: GpuPipeline;
  /** Fields of the shader's `struct U` that are not padding (`p0`, `p1`, ...). */
  uniformFields: number;
}

function pipelineOf(be: WebgpuBackendLike, key: string, shader: () => string): CachedPipeline {
  const holder = be as unknown as Holder;
  holder[PIPELINES] ??= new Map();
  let p = holder[PIPELINES].get(key);
  if (!p) {
    const code = shader();
    const module = be.device.createShaderModule({ code, label: key });
    const pipeline = be.device.createComputePipeline({
      layout: 'auto',
      compute: { module, entryPoint: 'main' },
      label: key,
    });
    const fields = /struct U \{([^}]*)\}/.exec(code)?.[1].split(',') ?? [];
    const uniformFields = fields.filter((f) => f.trim() && !/^\s*p\d+\s*:/.test(f)).length;
    p = { pipeline, uniformFields };
    holder[PIPELINES].set(key, p);
  }
  return p;
}

/** The largest workgroup count per grid dimension every WebGPU device supports. */
export const MAX_GROUPS = 65535;

/** A 1-D job of `groups` workgroups as a 2-D grid (x ≤ 65535); shaders recover the flat id. */
export function grid1d(groups: number): [number, number, number] {
  const g = Math.max(1, groups);
  const x = Math.min(g, MAX_GROUPS);
  return [x, Math.ceil(g / x), 1];
}

/** WGSL: the flat workgroup id of a `grid1d` dispatch (needs `wid` and `nwg` builtins in scope). */
export const FLAT_GROUP = 'i32(wid.y * nwg.x + wid.x)';

/**
 * Records one dispatch into the backend's current compute pass (mirroring `runWebGPUProgram`'s
 * `recordAndSubmit`: same pass batching, submit cadence, timers and deferred buffer release).
 */
export function dispatch(backend: unknown, spec: DispatchSpec): void {
  const be = backend as WebgpuBackendLike;
  const all = [...spec.outputs, ...spec.inputs];
  for (const t of all) be.uploadToGPU(t.dataId);
  const { pipeline, uniformFields } = pipelineOf(be, spec.key, spec.shader);
  // A shader reading a uniform nobody passed reads padding zeros, silently: refuse instead.
  if ((spec.uniforms?.length ?? 0) !== uniformFields) {
    throw new Error(
      `${spec.key}: ${spec.uniforms?.length ?? 0} uniforms passed, the shader declares ${uniformFields}`,
    );
  }
  const resources = all.map((t) => be.tensorToBinding(t));
  if (spec.uniforms?.length) {
    const fields = spec.uniforms.map((u) =>
      'i' in u ? { type: 'int32', data: [u.i] } : { type: 'float32', data: [u.f] },
    );
    while (fields.length % 4 !== 0) fields.push({ type: 'int32', data: [0] }); // 16-byte struct size
    resources.push(be.makeUniforms(fields));
  }
  for (const t of all) be.commandQueueOwnedIds.add(t.dataId);
  const bindGroup = be.device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: resources.map((resource, binding) => ({ binding, resource })),
  });
  const timed = be.activeTimers != null;
  be.ensureCommandEncoderReady();
  if (timed && be.supportTimestampQuery) {
    be.endComputePassEncoder();
    be.querySet ??= be.device.createQuerySet({ type: 'timestamp', count: be.querySetCount ?? 2 });
    be.computePassEncoder = be.commandEncoder.beginComputePass({
      timestampWrites: { querySet: be.querySet, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 },
    });
  } else if (!be.computePassEncoder) {
    be.computePassEncoder = be.commandEncoder.beginComputePass({});
  }
  const pass = be.computePassEncoder as GpuPass;
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup);
  pass.dispatchWorkgroups(...spec.workgroups);
  be.dispatchCountInPass++;
  if (timed || (tf.env().get('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE') as number) <= be.dispatchCountInPass) {
    be.endComputePassEncoder();
    if (timed) be.activeTimers?.push({ name: spec.key, query: be.getQueryTime() });
    else be.submitQueue();
  }
}

/** What every kernel function of ours gets from tfjs. */
export interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}

/** A new float32 output tensor on the backend (its GPU buffer is taken from the pool at dispatch). */
export function output(backend: unknown, shape: number[], dtype: tf.DataType = 'float32'): tf.TensorInfo {
  return (backend as WebgpuBackendLike).makeTensorInfo(shape, dtype);
}

/** Frees a temporary made with `output` (deferred by the backend until its commands are submitted). */
export function release(backend: unknown, t: tf.TensorInfo): void {
  (backend as { disposeData(id: object): void }).disposeData(t.dataId);
}
