import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { expectCloseAsync, testBackends, useBackend, webgpuEnabled } from './backends';

const saved = { backends: process.env.SPLITMASK_BACKENDS, webgpu: process.env.SPLITMASK_WEBGPU };
function setEnv(backends?: string, webgpu?: string): void {
  if (backends === undefined) delete process.env.SPLITMASK_BACKENDS;
  else process.env.SPLITMASK_BACKENDS = backends;
  if (webgpu === undefined) delete process.env.SPLITMASK_WEBGPU;
  else process.env.SPLITMASK_WEBGPU = webgpu;
}

describe('testBackends', () => {
  afterEach(() => setEnv(saved.backends, saved.webgpu));

  test.each([
    [undefined, undefined, false, ['cpu', 'wasm']],
    [undefined, undefined, true, ['cpu', 'wasm']],
    [undefined, '1', false, ['cpu', 'wasm']],
    [undefined, '1', true, ['cpu', 'wasm', 'webgpu']],
    ['wasm,webgpu', undefined, false, ['wasm']],
    ['wasm, webgpu', undefined, true, ['wasm', 'webgpu']],
    ['cpu', '1', true, ['cpu']],
  ] as const)('SPLITMASK_BACKENDS=%s SPLITMASK_WEBGPU=%s, opt-in %s → %j', (b, w, optIn, expected) => {
    setEnv(b, w);
    expect(testBackends({ webgpu: optIn })).toEqual(expected);
    expect(webgpuEnabled()).toBe(b === undefined ? w === '1' : b.includes('webgpu'));
  });
});

describe('expectCloseAsync', () => {
  beforeAll(() => useBackend('cpu'));
  test('passes within tolerance and fails naming the worst element', async () => {
    await expectCloseAsync(tf.tensor([1, 2, 3]), tf.tensor([1, 2, 3.000001]));
    await expect(expectCloseAsync(tf.tensor([1, 2, 3]), tf.tensor([1, 2.5, 3]))).rejects.toThrow(
      /element 1 is 2, expected 2.5/,
    );
    await expect(expectCloseAsync(tf.tensor([1, 2]), tf.tensor([[1, 2]]))).rejects.toThrow(/shape/);
  });
});
