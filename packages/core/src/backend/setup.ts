/**
 * One setup function per concrete backend: import its package lazily (a variable specifier, so
 * bundlers and tsc never require an optional package), configure it, and make it the active backend.
 * Every failure becomes a BackendUnavailableError that says what to install or change.
 */
import * as tf from '@tensorflow/tfjs-core';
import { disableWasmGemm, installWasmGemm } from '../ops/wasm-gemm/wasm-gemm';
import {
  disableWebgpuKernels,
  excludeWebgpuKernels,
  installWebgpuKernels,
  type WebgpuKernelFamily,
} from '../ops/webgpu/context';
import '../ops/webgpu/kernels';
import { BACKEND_PACKAGES, type ConcreteBackend, installCommand, type Runtime } from './choices';
import { BackendUnavailableError } from './errors';

/** Options of `initBackend`. */
export interface InitBackendOptions {
  /**
   * wasm: XNNPACK threads where the runtime supports wasm threads (a cross-origin-isolated page;
   * never Node, where tfjs hard-codes no threads). Default: `navigator.hardwareConcurrency`.
   */
  threads?: number;
  /** wasm: where the .wasm binaries are served from (tfjs `setWasmPaths`), for browsers and bundlers. */
  wasmPaths?: string | Record<string, string>;
  /**
   * Module loaders by package name, for bundlers that need static imports, e.g.
   * `{ '@tensorflow/tfjs-backend-wasm': () => import('@tensorflow/tfjs-backend-wasm') }`.
   */
  importers?: Readonly<Record<string, () => Promise<unknown>>>;
  /**
   * wasm: run `linear`'s matmuls on splitmask's own GEMM (ops/wasm-gemm; ~1.5x tfjs's XNNPACK on one
   * thread). Default true; skipped by itself on threaded wasm builds, where XNNPACK has the threads.
   */
  wasmGemm?: boolean;
  /**
   * webgpu: run core's ops (linear's GEMMs with bias/GELU epilogues, GELU, column sums, attention,
   * LayerNorm, cross-entropy, AdamW) on splitmask's own WGSL kernels (ops/webgpu). Default true; false
   * keeps tfjs-backend-webgpu's own kernels; `{ exclude: ['attention'] }` keeps tfjs's for the named
   * families only (see `WebgpuKernelFamily`).
   */
  webgpuKernels?: boolean | { exclude?: readonly WebgpuKernelFamily[] };
  /** webgpu in Node: options passed to Dawn's `create()` (e.g. `['backend=vulkan']`). */
  dawnOptions?: string[];
}

/** What a setup function found out about the backend it activated. */
export interface SetupResult {
  simd: boolean | null;
  threads: number | null;
  adapter: string | null;
  notes: string[];
}

type Module = Record<string, unknown>;

// The variable specifier keeps bundlers and tsc from resolving optional packages at build time.
const dynamicImport = (specifier: string): Promise<unknown> =>
  import(/* webpackIgnore: true */ /* @vite-ignore */ specifier);

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message.split('\n')[0] : String(e);
}

async function importPackage(
  choice: ConcreteBackend,
  specifier: string,
  runtime: Runtime,
  opts: InitBackendOptions,
): Promise<Module> {
  const loader = opts.importers?.[specifier];
  try {
    const mod = (await (loader ? loader() : dynamicImport(specifier))) as Module;
    // CJS packages imported from ESM expose their exports on `default` as well.
    return { ...((mod.default as Module | undefined) ?? {}), ...mod };
  } catch (e) {
    const cmd = installCommand(choice, tf.version_core, runtime);
    const extra =
      choice === 'tensorflow' || choice === 'tensorflow-gpu'
        ? ' (its install script downloads libtensorflow, so it needs network access at install time' +
          (choice === 'tensorflow-gpu' ? '; tfjs-node-gpu needs CUDA 11.2 and cuDNN 8.1)' : ')')
        : '';
    throw new BackendUnavailableError(
      choice,
      `Backend '${choice}' needs '${specifier}', which could not be loaded (${errorMessage(e)}). Install it: ${cmd}${extra}`,
      cmd,
      { cause: e },
    );
  }
}

async function activate(choice: ConcreteBackend, hint = ''): Promise<void> {
  const name = BACKEND_PACKAGES[choice].tfName;
  let ok = false;
  let cause: unknown;
  try {
    ok = await tf.setBackend(name);
    await tf.ready();
  } catch (e) {
    cause = e;
  }
  if (!ok) {
    const why = cause ? `: ${errorMessage(cause)}` : '';
    throw new BackendUnavailableError(
      choice,
      `tfjs backend '${name}' failed to initialise${why}${hint}`,
      null,
      {
        cause,
      },
    );
  }
}

function unsupported(choice: ConcreteBackend, why: string): BackendUnavailableError {
  return new BackendUnavailableError(choice, `Backend '${choice}' is not available here: ${why}`);
}

async function setupCpu(runtime: Runtime, opts: InitBackendOptions): Promise<SetupResult> {
  await importPackage('cpu', '@tensorflow/tfjs-backend-cpu', runtime, opts);
  await activate('cpu');
  return { simd: null, threads: 1, adapter: null, notes: [] };
}

function hardwareThreads(): number {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  return nav?.hardwareConcurrency ?? 1;
}

async function setupWasm(runtime: Runtime, opts: InitBackendOptions): Promise<SetupResult> {
  const mod = await importPackage('wasm', '@tensorflow/tfjs-backend-wasm', runtime, opts);
  if (opts.wasmPaths !== undefined) (mod.setWasmPaths as (p: unknown) => void)(opts.wasmPaths);
  const notes: string[] = [];
  // SIMD: on whenever the engine validates SIMD bytecode (every current Node and browser).
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) as boolean;
  if (simd) tf.env().set('WASM_HAS_SIMD_SUPPORT', true);
  const mt = (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) as boolean;
  if (mt) {
    (mod.setThreadsCount as (n: number) => void)(Math.max(1, opts.threads ?? hardwareThreads()));
  } else {
    notes.push(
      runtime === 'node'
        ? 'wasm threads: unavailable in Node (tfjs hard-codes WASM_HAS_MULTITHREAD_SUPPORT=false); single thread'
        : 'wasm threads: unavailable (page is not cross-origin isolated or SharedArrayBuffer is missing); single thread',
    );
  }
  await activate('wasm');
  let threads = 1;
  try {
    threads = (mod.getThreadsCount as () => number)();
  } catch {
    // getThreadsCount throws before the backend's first init; setBackend above has run it.
  }
  if (opts.wasmGemm === false) {
    disableWasmGemm();
    notes.push("matmul: tfjs's XNNPACK (splitmask's wasm GEMM turned off by the wasmGemm option)");
  } else if (threads === 1) {
    notes.push(
      (await installWasmGemm())
        ? "matmul: splitmask's wasm GEMM for linear layers (ops/wasm-gemm)"
        : "matmul: tfjs's XNNPACK (splitmask's wasm GEMM could not be linked to this backend's memory)",
    );
  }
  return { simd, threads, adapter: null, notes };
}

async function setupWebgl(runtime: Runtime, opts: InitBackendOptions): Promise<SetupResult> {
  if (runtime === 'node') {
    throw unsupported(
      'webgl',
      "WebGL needs a browser's canvas/WebGL context and Node has none; in Node use 'wasm' (fastest CPU path), 'webgpu' (Dawn, npm 'webgpu') or 'tensorflow'",
    );
  }
  await importPackage('webgl', '@tensorflow/tfjs-backend-webgl', runtime, opts);
  await activate('webgl');
  return { simd: null, threads: null, adapter: null, notes: [] };
}

interface GpuAdapterLike {
  info?: { vendor?: string; architecture?: string; device?: string; description?: string };
}
interface GpuLike {
  requestAdapter(): Promise<GpuAdapterLike | null>;
}

async function installDawn(opts: InitBackendOptions): Promise<void> {
  const dawn = await importPackage('webgpu', 'webgpu', 'node', opts);
  const g = globalThis as { navigator?: { gpu?: unknown } };
  Object.assign(globalThis, dawn.globals as object);
  if (!g.navigator) {
    Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true, writable: true });
  }
  (g.navigator as { gpu?: unknown }).gpu = (dawn.create as (o: string[]) => unknown)(opts.dawnOptions ?? []);
}

async function setupWebgpu(runtime: Runtime, opts: InitBackendOptions): Promise<SetupResult> {
  const g = globalThis as { navigator?: { gpu?: GpuLike } };
  // BACKENDS.md: navigator.gpu must exist before the webgpu backend module is imported.
  if (runtime === 'node' && !g.navigator?.gpu) await installDawn(opts);
  const gpu = g.navigator?.gpu;
  if (!gpu)
    throw unsupported('webgpu', 'this runtime has no navigator.gpu (use a browser with WebGPU enabled)');
  const adapter = await gpu.requestAdapter();
  if (!adapter) {
    throw unsupported(
      'webgpu',
      runtime === 'node'
        ? 'Dawn found no GPU adapter. It needs a Vulkan driver; without a GPU, run tools/setup-webgpu.sh (Mesa lavapipe) and export the VK_ICD_FILENAMES, LD_LIBRARY_PATH and XDG_RUNTIME_DIR it prints'
        : 'navigator.gpu.requestAdapter() returned null (no WebGPU adapter; in headless Chromium pass --enable-unsafe-webgpu)',
    );
  }
  const i = adapter.info ?? {};
  const described = [i.vendor, i.architecture, i.device, i.description].filter((s) => s).join(' / ');
  await importPackage('webgpu', '@tensorflow/tfjs-backend-webgpu', runtime, opts);
  if (!tf.findBackendFactory('webgpu')) {
    throw unsupported(
      'webgpu',
      "@tensorflow/tfjs-backend-webgpu was imported before navigator.gpu existed, so it did not register; call initBackend('webgpu') before anything imports it",
    );
  }
  await activate('webgpu');
  const notes: string[] = [];
  if (opts.webgpuKernels === false) {
    disableWebgpuKernels();
    notes.push(
      "kernels: tfjs-backend-webgpu's own (splitmask's WGSL kernels turned off by the webgpuKernels option)",
    );
  } else {
    const exclude = typeof opts.webgpuKernels === 'object' ? (opts.webgpuKernels.exclude ?? []) : [];
    const installed = installWebgpuKernels();
    if (installed) excludeWebgpuKernels(exclude);
    notes.push(
      installed
        ? "kernels: splitmask's WGSL kernels for linear, GELU, attention, LayerNorm, cross-entropy, AdamW (ops/webgpu)" +
            (exclude.length ? `; tfjs's own for ${exclude.join(', ')} (webgpuKernels.exclude)` : '')
        : "kernels: tfjs-backend-webgpu's own (splitmask's WGSL kernels could not be installed)",
    );
  }
  return { simd: null, threads: null, adapter: described || 'unknown adapter', notes };
}

async function setupTensorflow(
  choice: 'tensorflow' | 'tensorflow-gpu',
  runtime: Runtime,
  opts: InitBackendOptions,
) {
  if (runtime !== 'node')
    throw unsupported(choice, 'the native TensorFlow binding (tfjs-node) runs only in Node');
  await importPackage(choice, BACKEND_PACKAGES[choice].packages[0], runtime, opts);
  await activate(choice);
  return { simd: null, threads: null, adapter: null, notes: [] };
}

/** Imports, configures and activates `choice`; throws BackendUnavailableError when it cannot. */
export function setupBackend(
  choice: ConcreteBackend,
  runtime: Runtime,
  opts: InitBackendOptions,
): Promise<SetupResult> {
  switch (choice) {
    case 'cpu':
      return setupCpu(runtime, opts);
    case 'wasm':
      return setupWasm(runtime, opts);
    case 'webgl':
      return setupWebgl(runtime, opts);
    case 'webgpu':
      return setupWebgpu(runtime, opts);
    case 'tensorflow':
    case 'tensorflow-gpu':
      return setupTensorflow(choice, runtime, opts);
  }
}
