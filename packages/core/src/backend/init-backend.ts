/**
 * `initBackend`: the one place that chooses and configures a tfjs backend (apps, the CLI and tests
 * call it; library code never does). See BACKENDS.md for the measured facts behind the 'auto' order.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors';
import { AUTO_ORDER, BACKEND_CHOICES, type BackendChoice, isBackendChoice, type Runtime } from './choices';
import { BackendUnavailableError } from './errors';
import { type InitBackendOptions, setupBackend } from './setup';

/** What `initBackend` chose and how it is configured. */
export interface BackendInfo {
  /** The choice that was requested ('auto' or a concrete one). */
  choice: BackendChoice;
  /** Active tfjs backend name ('cpu', 'wasm', 'webgl', 'webgpu', 'tensorflow'). */
  name: string;
  /** Node or browser (decides the 'auto' order and what can load). */
  runtime: Runtime;
  /** wasm: SIMD in use; null on other backends. */
  simd: boolean | null;
  /** wasm/cpu: threads in use; null where the backend manages its own parallelism. */
  threads: number | null;
  /** webgpu: adapter vendor / architecture / description; null elsewhere. */
  adapter: string | null;
  /** tfjs-core version. */
  tfjsVersion: string;
  /** For 'auto': the backends tried before this one and why each was skipped. */
  skipped: { choice: BackendChoice; reason: string }[];
  /** Facts worth logging (e.g. why wasm runs single-threaded). */
  notes: string[];
}

let current: BackendInfo | null = null;
let queue: Promise<unknown> = Promise.resolve();

/** The runtime this code runs in: Node when `process.versions.node` exists and there is no `window`. */
export function detectRuntime(): Runtime {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return p?.versions?.node && typeof (globalThis as { window?: unknown }).window === 'undefined'
    ? 'node'
    : 'browser';
}

async function initOnce(choice: BackendChoice, options: InitBackendOptions): Promise<BackendInfo> {
  const runtime = detectRuntime();
  const order = choice === 'auto' ? AUTO_ORDER[runtime] : [choice];
  const skipped: BackendInfo['skipped'] = [];
  for (const c of order) {
    try {
      const r = await setupBackend(c, runtime, options);
      current = { choice, name: tf.getBackend(), runtime, tfjsVersion: tf.version_core, skipped, ...r };
      return { ...current, skipped: [...skipped], notes: [...r.notes] };
    } catch (e) {
      if (choice !== 'auto' || !(e instanceof BackendUnavailableError)) throw e;
      skipped.push({ choice: c, reason: e.message });
    }
  }
  throw new BackendUnavailableError(
    'auto',
    `No backend could be initialised (${runtime}): ${skipped.map((s) => `${s.choice}: ${s.reason}`).join('; ')}`,
  );
}

/**
 * Imports (lazily), configures and activates a tfjs backend. 'auto' tries, in Node, tensorflow-gpu >
 * tensorflow > wasm > cpu, and in browsers webgpu > webgl > wasm > cpu, skipping unavailable ones.
 * wasm runs with SIMD, and with threads where the runtime supports them; webgpu in Node uses Dawn
 * (npm `webgpu`) and needs a Vulkan driver. Calls are serialised.
 * @throws BackendUnavailableError naming the install command (missing package) or the reason.
 * @example const info = await initBackend('auto'); console.log(info.name, info.simd, info.threads);
 */
export function initBackend(
  choice: BackendChoice = 'auto',
  options: InitBackendOptions = {},
): Promise<BackendInfo> {
  if (!isBackendChoice(choice)) {
    return Promise.reject(
      new InvalidArgumentError(
        `initBackend: unknown backend '${String(choice)}' (expected one of ${BACKEND_CHOICES.join(', ')})`,
      ),
    );
  }
  const run = queue.then(() => initOnce(choice, options));
  queue = run.catch(() => undefined);
  return run;
}

/**
 * What the last successful `initBackend` chose, or null if it has not run. If the active tfjs backend
 * was changed behind its back (`tf.setBackend`), only `name` is refreshed and a note says so.
 * @example console.log(backendInfo()?.adapter);
 */
export function backendInfo(): BackendInfo | null {
  if (!current) return null;
  const info: BackendInfo = { ...current, skipped: [...current.skipped], notes: [...current.notes] };
  const active = tf.engine().backendName;
  if (active !== current.name) {
    Object.assign(info, { name: active, simd: null, threads: null, adapter: null });
    info.notes.push(`tf.setBackend('${active}') was called after initBackend chose '${current.name}'`);
  }
  return info;
}
