/**
 * The backend matrix for tests: cpu and wasm always, webgpu-in-Node (Dawn) when a Vulkan ICD is usable
 * (`eval "$(tools/setup-webgpu.sh)"` sets SPLITMASK_WEBGPU=1). SPLITMASK_BACKENDS=cpu,wasm,webgpu
 * overrides the list.
 *
 * webgpu in Node has no synchronous readback: tfjs-backend-webgpu's `readSync` (behind `dataSync`,
 * `arraySync`) draws through an OffscreenCanvas, which Node lacks. So a suite runs on webgpu only when it
 * opts in with `{ webgpu: true }` and reads values asynchronously (`await expectCloseAsync(...)`,
 * `await t.data()`); other suites keep cpu + wasm.
 */
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect } from 'vitest';
import { expectClose } from './close';

export type TestBackend = 'cpu' | 'wasm' | 'webgpu';

/** Options of `describeEachBackend` / `testBackends`. */
export interface EachBackendOptions {
  /** Also run on webgpu when it is enabled; only for suites that read tensors asynchronously. */
  webgpu?: boolean;
}

/** True when this run has webgpu enabled (SPLITMASK_WEBGPU=1 or webgpu in SPLITMASK_BACKENDS). */
export function webgpuEnabled(): boolean {
  const env = process.env.SPLITMASK_BACKENDS;
  if (env) return env.split(',').some((s) => s.trim() === 'webgpu');
  return process.env.SPLITMASK_WEBGPU === '1';
}

/** Backends this test run covers for a suite with `options`. */
export function testBackends(options: EachBackendOptions = {}): TestBackend[] {
  const env = process.env.SPLITMASK_BACKENDS;
  const list = env
    ? (env.split(',').map((s) => s.trim()) as TestBackend[])
    : (['cpu', 'wasm'] as TestBackend[]);
  if (!env && webgpuEnabled()) list.push('webgpu');
  return options.webgpu ? list : list.filter((b) => b !== 'webgpu');
}

/**
 * `expectClose` that reads tensors with `await data()`, so it works on webgpu in Node too; checks shapes
 * when both sides are tensors.
 * @example await expectCloseAsync(layerNorm(x, p), expected, { rtol: 1e-4 });
 */
export async function expectCloseAsync(
  actual: tf.Tensor | ArrayLike<number> | number,
  expected: tf.Tensor | ArrayLike<number> | number,
  opts: { rtol?: number; atol?: number; label?: string } = {},
): Promise<void> {
  if (actual instanceof tf.Tensor && expected instanceof tf.Tensor) {
    expect(actual.shape, `${opts.label ?? 'value'} shape`).toEqual(expected.shape);
  }
  const read = async (x: tf.Tensor | ArrayLike<number> | number) =>
    x instanceof tf.Tensor ? ((await x.data()) as Float32Array) : x;
  expectClose(await read(actual), await read(expected), opts);
}

let webgpuReady: Promise<void> | undefined;

async function prepareWebgpu(): Promise<void> {
  webgpuReady ??= (async () => {
    // Dawn must be on navigator.gpu before the webgpu backend module is imported (BACKENDS.md).
    const { create, globals } = await import('webgpu');
    Object.assign(globalThis, globals);
    const g = globalThis as unknown as { navigator?: { gpu?: unknown } };
    if (!g.navigator) Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true });
    (g.navigator as { gpu?: unknown }).gpu = create([]);
    await import('@tensorflow/tfjs-backend-webgpu');
  })();
  return webgpuReady;
}

/** Switches tfjs to `name` (awaiting backend init). */
export async function useBackend(name: TestBackend): Promise<void> {
  if (name === 'webgpu') await prepareWebgpu();
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`test backend '${name}' failed to initialise`);
  await tf.ready();
}

/**
 * Runs `fn` once per backend inside a `describe(name [backend])` whose tests run on that backend.
 * Pass `{ webgpu: true }` for suites that read values asynchronously (see the module comment).
 * @example describeEachBackend('linear', (backend) => { test('matches torch', () => { ... }); });
 */
export function describeEachBackend(
  name: string,
  fn: (backend: TestBackend) => void,
  options: EachBackendOptions = {},
): void {
  for (const backend of testBackends(options)) {
    // Software WebGPU (lavapipe) compiles a shader per new kernel/shape: allow it more time.
    const timeout = backend === 'webgpu' ? 60_000 : undefined;
    describe(`${name} [${backend}]`, { timeout }, () => {
      beforeAll(async () => {
        await useBackend(backend);
      }, 60_000);
      fn(backend);
    });
  }
}
