import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, test } from 'vitest';
import { InvalidArgumentError } from '../errors';
import { wasmGemmActive } from '../ops/wasm-gemm/wasm-gemm';
import { excludeWebgpuKernels, webgpuKernelsActive } from '../ops/webgpu/context';
import { webgpuGemm, webgpuSelfAttention } from '../ops/webgpu/ops';
import { AUTO_ORDER, BACKEND_CHOICES, installCommand } from './choices';
import { BackendUnavailableError } from './errors';
import { backendInfo, detectRuntime, initBackend } from './init-backend';

const V = tf.version_core;
const webgpuExpected = process.env.SPLITMASK_WEBGPU === '1';

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

describe('initBackend', () => {
  test('backendInfo is null before any initBackend', () => {
    expect(backendInfo()).toBeNull();
  });

  test('the vocabulary is frozen and exact', () => {
    expect(BACKEND_CHOICES).toEqual([
      'auto',
      'cpu',
      'wasm',
      'webgl',
      'webgpu',
      'tensorflow',
      'tensorflow-gpu',
    ]);
    expect(Object.isFrozen(BACKEND_CHOICES)).toBe(true);
    expect(Object.isFrozen(AUTO_ORDER.node)).toBe(true);
    expect(() => (BACKEND_CHOICES as unknown as string[]).push('x')).toThrow(TypeError);
  });

  test.each(['gpu', 'WASM', '', 'tfjs-node'])('rejects unknown choice %j naming it', async (c) => {
    const e = await rejection(initBackend(c as never));
    expect(e).toBeInstanceOf(InvalidArgumentError);
    expect(e.message).toContain(`unknown backend '${c}'`);
    expect(e.message).toContain('auto, cpu, wasm');
  });

  test('cpu', async () => {
    const info = await initBackend('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(info).toMatchObject({ choice: 'cpu', name: 'cpu', runtime: 'node', threads: 1, tfjsVersion: V });
  });

  test('wasm: SIMD on, one thread in Node (and says why)', async () => {
    const info = await initBackend('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(info).toMatchObject({ name: 'wasm', simd: true, threads: 1, adapter: null });
    expect(info.notes.join()).toMatch(/threads: unavailable in Node/);
    expect(tf.sum(tf.tensor([1, 2, 3])).dataSync()[0]).toBe(6);
  });

  test("wasm: splitmask's GEMM is installed, and the wasmGemm option turns it off and on again", async () => {
    expect((await initBackend('wasm')).notes.join()).toMatch(/splitmask's wasm GEMM for linear layers/);
    expect(wasmGemmActive()).toBe(true);
    const off = await initBackend('wasm', { wasmGemm: false });
    expect(off.notes.join()).toMatch(/XNNPACK \(splitmask's wasm GEMM turned off/);
    expect(wasmGemmActive()).toBe(false);
    await initBackend('wasm');
    expect(wasmGemmActive()).toBe(true);
  });

  test.each([
    ['tensorflow', `npm install @tensorflow/tfjs-node@${V}`],
    ['tensorflow-gpu', `npm install @tensorflow/tfjs-node-gpu@${V}`],
  ] as const)('%s (not installed here) gives the typed error with the exact command', async (c, cmd) => {
    const e = (await rejection(initBackend(c))) as BackendUnavailableError;
    expect(e).toBeInstanceOf(BackendUnavailableError);
    expect(e.code).toBe('BACKEND_UNAVAILABLE');
    expect(e.choice).toBe(c);
    expect(e.installCommand).toBe(cmd);
    expect(e.message).toContain(cmd);
    expect(e.message).toMatch(/downloads libtensorflow/);
  });

  test('webgl in Node gives a clear error and no install command', async () => {
    const e = (await rejection(initBackend('webgl'))) as BackendUnavailableError;
    expect(e).toBeInstanceOf(BackendUnavailableError);
    expect(e.installCommand).toBeNull();
    expect(e.message).toMatch(/WebGL needs a browser.*in Node use 'wasm'/);
  });

  test.runIf(!webgpuExpected)('webgpu without a Vulkan driver says how to get one', async () => {
    const e = (await rejection(initBackend('webgpu'))) as BackendUnavailableError;
    expect(e).toBeInstanceOf(BackendUnavailableError);
    expect(e.message).toMatch(/no GPU adapter.*tools\/setup-webgpu\.sh/);
  });

  test.runIf(webgpuExpected)('webgpu through Dawn reports its adapter', async () => {
    const info = await initBackend('webgpu');
    expect(info.name).toBe('webgpu');
    expect(info.adapter).toMatch(/\w/);
    // webgpu in Node has no synchronous readback (OffscreenCanvas): read asynchronously.
    expect((await tf.sum(tf.tensor([1, 2, 3])).data())[0]).toBe(6);
  });

  test.runIf(webgpuExpected)(
    "webgpu: splitmask's WGSL kernels are installed; webgpuKernels: false turns them off",
    async () => {
      expect((await initBackend('webgpu')).notes.join()).toMatch(/splitmask's WGSL kernels for linear/);
      expect(webgpuKernelsActive()).toBe(true);
      const off = await initBackend('webgpu', { webgpuKernels: false });
      expect(off.notes.join()).toMatch(/WGSL kernels turned off by the webgpuKernels option/);
      expect(webgpuKernelsActive()).toBe(false);
      await initBackend('webgpu');
      expect(webgpuKernelsActive()).toBe(true);
    },
  );

  test.runIf(webgpuExpected)(
    'webgpu: webgpuKernels.exclude leaves the named families to tfjs, the others stay ours',
    async () => {
      const info = await initBackend('webgpu', { webgpuKernels: { exclude: ['attention'] } });
      expect(info.notes.join()).toMatch(/tfjs's own for attention \(webgpuKernels\.exclude\)/);
      expect(webgpuKernelsActive()).toBe(true);
      expect(webgpuKernelsActive('attention')).toBe(false);
      expect(webgpuKernelsActive('gemm')).toBe(true);
      const qkv = tf.ones([1, 4, 6]) as tf.Tensor3D;
      const a = tf.ones([2, 3]) as tf.Tensor2D;
      expect(webgpuSelfAttention(qkv, 1, 1)).toBeNull(); // the caller falls back to tfjs's ops
      const c = webgpuGemm(a, a, { transposeB: true });
      expect(c).not.toBeNull();
      expect(Array.from(await (c as tf.Tensor).data())).toEqual([3, 3, 3, 3]);
      tf.dispose([qkv, a, c as tf.Tensor]);
      // Re-initialising without the option brings every family back.
      await initBackend('webgpu');
      expect(webgpuKernelsActive('attention')).toBe(true);
      expect(() => excludeWebgpuKernels(['flash' as never])).toThrow(/unknown webgpu kernel family 'flash'/);
    },
  );

  test("'auto' picks wasm in Node here, after skipping the native bindings", async () => {
    const info = await initBackend('auto');
    expect(detectRuntime()).toBe('node');
    expect(info).toMatchObject({ choice: 'auto', name: 'wasm' });
    expect(info.skipped.map((s) => s.choice)).toEqual(['tensorflow-gpu', 'tensorflow']);
    expect(info.skipped[1].reason).toContain(installCommand('tensorflow', V));
    expect(backendInfo()).toMatchObject({ choice: 'auto', name: 'wasm', simd: true });
  });

  test('importers replace the dynamic import (bundlers)', async () => {
    let calls = 0;
    const info = await initBackend('cpu', {
      importers: {
        '@tensorflow/tfjs-backend-cpu': () => {
          calls++;
          return import('@tensorflow/tfjs-backend-cpu');
        },
      },
    });
    expect(calls).toBe(1);
    expect(info.name).toBe('cpu');
  });

  test('concurrent calls are serialised: the last one wins', async () => {
    const [a, b] = await Promise.all([initBackend('wasm'), initBackend('cpu')]);
    expect([a.name, b.name]).toEqual(['wasm', 'cpu']);
    expect(tf.getBackend()).toBe('cpu');
  });

  test('backendInfo notices a tf.setBackend behind its back', async () => {
    await initBackend('wasm');
    await tf.setBackend('cpu');
    const info = backendInfo();
    expect(info).toMatchObject({ name: 'cpu', simd: null, threads: null });
    expect(info?.notes.join()).toMatch(/tf\.setBackend\('cpu'\)/);
  });
});
