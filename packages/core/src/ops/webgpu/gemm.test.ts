import { expectCloseAsync, expectNoLeak, useBackend, webgpuEnabled } from '@splitmask/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { gelu } from '../gelu';
import { linear, linearGelu } from '../linear';
import { sumRows } from '../sum-rows';
import { disableWebgpuKernels, installWebgpuKernels, webgpuKernelsActive } from './context';
import { webgpuGemm, webgpuGemmGelu, webgpuSumRows } from './ops';
import { hostGelu, hostGemm, maxRelErr, unfused } from './test-helpers';

const SKIP =
  'webgpu is off in this run (SPLITMASK_WEBGPU unset): eval "$(tools/setup-webgpu.sh)" to run the WGSL kernel suites';
test.skipIf(webgpuEnabled())(`WGSL GEMM suite skipped: ${SKIP}`, () => {});

describe.runIf(webgpuEnabled())('WGSL GEMM [webgpu]', { timeout: 120_000 }, () => {
  beforeAll(async () => {
    await useBackend('webgpu');
  }, 60_000);
  afterAll(async () => {
    await useBackend('cpu');
  });

  test('installs itself on first use, off with disableWebgpuKernels, back with installWebgpuKernels; never on cpu', async () => {
    expect(webgpuKernelsActive()).toBe(true);
    disableWebgpuKernels();
    expect(webgpuKernelsActive()).toBe(false);
    expect(webgpuGemm(tf.ones([2, 2]), tf.ones([2, 2]))).toBeNull();
    expect(installWebgpuKernels()).toBe(true);
    expect(webgpuKernelsActive()).toBe(true);
    await useBackend('cpu');
    expect(webgpuKernelsActive()).toBe(false);
    expect(installWebgpuKernels()).toBe(false);
    await useBackend('webgpu');
    expect(webgpuKernelsActive()).toBe(true);
  });

  // Tile edges: 64×64 output tiles, K in steps of 16 (partial tiles, several K steps, K = 1, 17).
  const shapes: [number, number, number][] = [
    [1, 1, 1],
    [3, 5, 7],
    [64, 64, 16],
    [65, 63, 17],
    [130, 70, 33],
    [7, 129, 64],
  ];
  const flags: [boolean, boolean][] = [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ];
  test.each(shapes)(
    'op(a)·op(b) + bias matches float64 for [M, N, K] = [%i, %i, %i], all transposes',
    async (m, n, k) => {
      for (const [tA, tB] of flags) {
        const a = tf.randomNormal(tA ? [k, m] : [m, k], 0, 1, 'float32', m + k) as tf.Tensor2D;
        const b = tf.randomNormal(tB ? [n, k] : [k, n], 0, 1, 'float32', n + 2 * k) as tf.Tensor2D;
        const bias = tf.randomNormal([n], 0, 1, 'float32', 5) as tf.Tensor1D;
        const [ad, bd, biasd] = (await Promise.all([a.data(), b.data(), bias.data()])) as Float32Array[];
        const want = hostGemm(ad, bd, m, n, k, tA, tB);
        const got = webgpuGemm(a, b, { transposeA: tA, transposeB: tB }) as tf.Tensor2D;
        expect(got.shape).toEqual([m, n]);
        expect(maxRelErr((await got.data()) as Float32Array, want), `tA=${tA} tB=${tB}`).toBeLessThan(
          2e-6 * k + 1e-6,
        );
        const withBias = webgpuGemm(a, b, { transposeA: tA, transposeB: tB, bias }) as tf.Tensor2D;
        const wantBias = want.map((x, i) => x + biasd[i % n]);
        expect(maxRelErr((await withBias.data()) as Float32Array, wantBias)).toBeLessThan(2e-6 * k + 1e-6);
        tf.dispose([a, b, bias, got, withBias]);
      }
    },
  );

  test('GELU epilogue: both outputs match float64 (x·Φ(x) and the pre-activation)', async () => {
    const [m, n, k] = [67, 65, 19];
    const a = tf.randomNormal([m, k], 0, 1, 'float32', 1) as tf.Tensor2D;
    const b = tf.randomNormal([k, n], 0, 0.5, 'float32', 2) as tf.Tensor2D;
    const bias = tf.randomNormal([n], 0, 1, 'float32', 3) as tf.Tensor1D;
    const [ad, bd, biasd] = (await Promise.all([a.data(), b.data(), bias.data()])) as Float32Array[];
    const pre = hostGemm(ad, bd, m, n, k, false, false).map((x, i) => x + biasd[i % n]);
    const [y, h] = webgpuGemmGelu(a, b, { bias }) as tf.Tensor2D[];
    expect(maxRelErr((await h.data()) as Float32Array, pre)).toBeLessThan(1e-5);
    expect(maxRelErr((await y.data()) as Float32Array, pre.map(hostGelu))).toBeLessThan(1e-5);
    expectNoLeak(() => webgpuGemmGelu(a, b, { bias }), 'webgpuGemmGelu');
    tf.dispose([a, b, bias, y, h]);
  });

  test('K = 0: zeros, bias rows, GELU of the bias; no zero-size buffer is bound', async () => {
    const a = tf.zeros([3, 0]) as tf.Tensor2D;
    const b = tf.zeros([0, 4]) as tf.Tensor2D;
    const bias = tf.tensor1d([1, -2, 0.5, 0]);
    await expectCloseAsync(webgpuGemm(a, b) as tf.Tensor, tf.zeros([3, 4]));
    await expectCloseAsync(
      webgpuGemm(a, b, { bias }) as tf.Tensor,
      tf.tile(tf.reshape(bias, [1, 4]), [3, 1]),
    );
    const [y, h] = webgpuGemmGelu(a, b, { bias }) as tf.Tensor[];
    await expectCloseAsync(h, tf.tile(tf.reshape(bias, [1, 4]), [3, 1]));
    const g = Array.from(await bias.data(), hostGelu);
    await expectCloseAsync(y, tf.tensor2d([g, g, g]), { atol: 1e-6 });
    // linear with in = 0 and its gradients
    const f = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => tf.sum(linear(xx, ww, bb));
    const [dx, dw, db] = tf.grads(f)([a, b, bias]);
    expect(dx.shape).toEqual([3, 0]);
    expect(dw.shape).toEqual([0, 4]);
    await expectCloseAsync(db, tf.fill([4], 3));
  });

  test('sumRows matches float64 across the 64-column workgroups, odd row counts and row chunks', async () => {
    // 256 rows per chunk: 1000 rows take a partial-sum pass and a second pass over 4 chunks.
    for (const [r, d] of [
      [1, 1],
      [5, 63],
      [131, 129],
      [256, 3],
      [1000, 65],
    ]) {
      const x = tf.randomNormal([r, d], 0, 1, 'float32', r) as tf.Tensor2D;
      const xd = (await x.data()) as Float32Array;
      const want = new Float64Array(d);
      for (let i = 0; i < r; i++) for (let j = 0; j < d; j++) want[j] += xd[i * d + j];
      expect(maxRelErr((await (webgpuSumRows(x) as tf.Tensor).data()) as Float32Array, want)).toBeLessThan(
        1e-5,
      );
      await expectCloseAsync(sumRows(tf.reshape(x, [1, r, d])), Array.from(want), { rtol: 1e-5, atol: 1e-5 });
    }
  });

  test.each([
    [[2, 3, 5], 4],
    [[3, 33, 70], 65],
  ] as [number[], number][])(
    'linear and linearGelu x%j → %i: values and gradients equal the unfused tfjs ops',
    async (xs, out) => {
      const inDim = xs[xs.length - 1];
      const x = tf.randomNormal(xs, 0, 1, 'float32', 11);
      const w = tf.randomNormal([inDim, out], 0, 0.3, 'float32', 12);
      const b = tf.randomNormal([out], 0, 1, 'float32', 13);
      const cot = tf.randomNormal([...xs.slice(0, -1), out], 0, 1, 'float32', 14);
      const lin = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(linear(xx, ww, bb), cot));
      const linNoBias = (xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.mul(linear(xx, ww), cot));
      const lg = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(linearGelu(xx, ww, bb), cot));
      const ours = {
        y: linear(x, w, b),
        y0: linear(x, w),
        yg: linearGelu(x, w, b),
        g: tf.grads(lin)([x, w, b]),
        g0: tf.grads(linNoBias)([x, w]),
        gg: tf.grads(lg)([x, w, b]),
      };
      const ref = unfused(() => ({
        y: tf.add(tf.matMul(tf.reshape(x, [-1, inDim]), w), b),
        y0: tf.matMul(tf.reshape(x, [-1, inDim]), w),
        yg: gelu(linear(x, w, b)),
        g: tf.grads(lin)([x, w, b]),
        g0: tf.grads(linNoBias)([x, w]),
        gg: tf.grads((xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) =>
          tf.sum(tf.mul(gelu(linear(xx, ww, bb)), cot)),
        )([x, w, b]),
      }));
      const tol = { rtol: 1e-4, atol: 1e-4 };
      await expectCloseAsync(tf.reshape(ours.y, [-1, out]), ref.y, { ...tol, label: 'linear' });
      await expectCloseAsync(tf.reshape(ours.y0, [-1, out]), ref.y0, { ...tol, label: 'linear (no bias)' });
      await expectCloseAsync(ours.yg, ref.yg, { ...tol, label: 'linearGelu' });
      for (const k of ['g', 'g0', 'gg'] as const) {
        for (let i = 0; i < ref[k].length; i++)
          await expectCloseAsync(ours[k][i], ref[k][i], { ...tol, label: `${k}[${i}]` });
      }
      expectNoLeak(() => linear(x, w, b), 'linear');
      expectNoLeak(() => tf.grads(lin)([x, w, b]), 'linear grads');
      expectNoLeak(() => linearGelu(x, w, b), 'linearGelu');
      expectNoLeak(() => tf.grads(lg)([x, w, b]), 'linearGelu grads');
    },
  );

  test('GPU buffers go back to the pool: a repeated step leaves bytes in use unchanged', async () => {
    const x = tf.randomNormal([70, 33], 0, 1, 'float32', 1);
    const w = tf.randomNormal([33, 65], 0, 1, 'float32', 2);
    const b = tf.randomNormal([65], 0, 1, 'float32', 3);
    const step = () =>
      tf.grads((xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => tf.sum(linearGelu(xx, ww, bb)))([x, w, b]);
    const used = () => (tf.memory() as { numBytesInGPU?: number }).numBytesInGPU ?? 0;
    const seen: number[] = [];
    for (let i = 0; i < 4; i++) {
      const g = step();
      await g[0].data();
      tf.dispose(g);
      const probe = tf.add(x, 1); // one more submit releases the buffers whose disposal was deferred
      await probe.data();
      probe.dispose();
      seen.push(used());
    }
    expect(seen.slice(1), `bytes in use after each step: ${seen}`).toEqual([seen[1], seen[1], seen[1]]);
  });
});
