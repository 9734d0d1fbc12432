/**
 * The backend matrix for tests: cpu and wasm always, webgpu-in-Node (Dawn) when a Vulkan ICD is usable.
 * Selected with SPLITMASK_BACKENDS=cpu,wasm,webgpu (default cpu,wasm plus webgpu when SPLITMASK_WEBGPU=1).
 */
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe } from 'vitest';

export type TestBackend = 'cpu' | 'wasm' | 'webgpu';

/** Backends this test run covers. */
export function testBackends(): TestBackend[] {
  const env = process.env.SPLITMASK_BACKENDS;
  if (env) return env.split(',').map((s) => s.trim()) as TestBackend[];
  const list: TestBackend[] = ['cpu', 'wasm'];
  if (process.env.SPLITMASK_WEBGPU === '1') list.push('webgpu');
  return list;
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
 * @example describeEachBackend('linear', (backend) => { test('matches torch', () => { ... }); });
 */
export function describeEachBackend(name: string, fn: (backend: TestBackend) => void): void {
  for (const backend of testBackends()) {
    describe(`${name} [${backend}]`, () => {
      beforeAll(async () => {
        await useBackend(backend);
      });
      fn(backend);
    });
  }
}
