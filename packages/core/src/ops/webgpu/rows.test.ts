import { expectCloseAsync, expectNoLeak, useBackend, webgpuEnabled } from '@splitmask/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { layerNorm, layerNormNaive } from '../layer-norm';
import { crossEntropyPerRow, logSoftmax } from '../log-softmax';
import { maxRelErr, unfused } from './test-helpers';

test.skipIf(webgpuEnabled())(
  'WGSL LayerNorm / cross-entropy suite skipped: webgpu is off in this run (eval "$(tools/setup-webgpu.sh)" to run it)',
  () => {},
);

/** LayerNorm of rows [R, D] and the gradient of Σ y·cot, in float64. */
function hostLayerNorm(
  x: ArrayLike<number>,
  w: ArrayLike<number>,
  b: ArrayLike<number>,
  cot: ArrayLike<number>,
  r: number,
  d: number,
  eps: number,
) {
  const y = new Float64Array(r * d);
  const dx = new Float64Array(r * d);
  const dw = new Float64Array(d);
  const db = new Float64Array(d);
  for (let i = 0; i < r; i++) {
    let mean = 0;
    for (let c = 0; c < d; c++) mean += x[i * d + c] / d;
    let v = 0;
    for (let c = 0; c < d; c++) v += (x[i * d + c] - mean) ** 2 / d;
    const rstd = 1 / Math.sqrt(v + eps);
    const xh = Array.from({ length: d }, (_, c) => (x[i * d + c] - mean) * rstd);
    let mg = 0;
    let mgx = 0;
    for (let c = 0; c < d; c++) {
      y[i * d + c] = xh[c] * w[c] + b[c];
      const g = cot[i * d + c] * w[c];
      mg += g / d;
      mgx += (g * xh[c]) / d;
      dw[c] += cot[i * d + c] * xh[c];
      db[c] += cot[i * d + c];
    }
    for (let c = 0; c < d; c++) dx[i * d + c] = rstd * (cot[i * d + c] * w[c] - mg - xh[c] * mgx);
  }
  return { y, dx, dw, db };
}

describe.runIf(webgpuEnabled())('WGSL LayerNorm and cross-entropy [webgpu]', { timeout: 120_000 }, () => {
  beforeAll(async () => {
    await useBackend('webgpu');
  }, 60_000);
  afterAll(async () => {
    await useBackend('cpu');
  });

  // D across the 64-thread stride and the 64-column workgroups of the parameter gradient.
  test.each([
    [[3, 1], 1e-6],
    [[2, 5, 63], 1e-6],
    [[131, 65], 1e-6],
    [[4, 200], 1e-5],
    [[3, 200, 33], 1e-6], // 600 rows: dγ, dβ in three row chunks and a second pass
  ] as [number[], number][])(
    'layerNorm %j (eps %f): y, dx, dγ, dβ match float64 and the unfused ops',
    async (shape, eps) => {
      const d = shape[shape.length - 1];
      const r = shape.reduce((a, s) => a * s, 1) / d;
      const x = tf.add(tf.randomNormal(shape, 0, 2, 'float32', d), 3);
      const p = {
        weight: tf.randomNormal([d], 1, 0.5, 'float32', 2) as tf.Tensor1D,
        bias: tf.randomNormal([d], 0, 1, 'float32', 3) as tf.Tensor1D,
      };
      const cot = tf.randomNormal(shape, 0, 1, 'float32', 4);
      const loss = (f: typeof layerNorm) => (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) =>
        tf.sum(tf.mul(f(xx, { weight: ww as tf.Tensor1D, bias: bb as tf.Tensor1D }, eps), cot));
      const y = layerNorm(x, p, eps);
      const g = tf.grads(loss(layerNorm))([x, p.weight, p.bias]);
      const [xd, wd, bd, cd] = await Promise.all([x.data(), p.weight.data(), p.bias.data(), cot.data()]);
      const host = hostLayerNorm(xd, wd, bd, cd, r, d, eps);
      expect(maxRelErr(await y.data(), host.y), 'y').toBeLessThan(2e-5);
      for (const [i, k] of (['dx', 'dw', 'db'] as const).entries()) {
        expect(maxRelErr(await g[i].data(), host[k]), k).toBeLessThan(5e-5);
      }
      const ref = unfused(() => ({
        y: layerNormNaive(x, p, eps),
        g: tf.grads(loss(layerNormNaive))([x, p.weight, p.bias]),
      }));
      await expectCloseAsync(y, ref.y, { rtol: 1e-4, atol: 1e-4, label: 'y vs tfjs' });
      for (let i = 0; i < 3; i++)
        await expectCloseAsync(g[i], ref.g[i], { rtol: 1e-3, atol: 1e-3, label: `grad ${i} vs tfjs` });
      expectNoLeak(() => layerNorm(x, p, eps), 'layerNorm');
      expectNoLeak(() => tf.grads(loss(layerNorm))([x, p.weight, p.bias]), 'layerNorm grads');
    },
  );

  test.each([
    [1, 2],
    [5, 63],
    [33, 130],
  ])('crossEntropyPerRow [%i, %i]: loss and dlogits match float64 and the log-softmax ops', async (r, v) => {
    const logits = tf.mul(tf.randomNormal([r, v], 0, 1, 'float32', v), 4) as tf.Tensor2D;
    const targets = tf.tensor1d(
      Array.from({ length: r }, (_, i) => (i * 7 + 3) % v),
      'int32',
    );
    const cot = tf.randomNormal([r], 0, 1, 'float32', 5);
    const loss = (xx: tf.Tensor) => tf.sum(tf.mul(crossEntropyPerRow(xx as tf.Tensor2D, targets), cot));
    const ce = crossEntropyPerRow(logits, targets);
    const [dl] = tf.grads(loss)([logits]);
    const [xd, td, cd] = await Promise.all([logits.data(), targets.data(), cot.data()]);
    const wantLoss = new Float64Array(r);
    const wantGrad = new Float64Array(r * v);
    for (let i = 0; i < r; i++) {
      let mx = -Infinity;
      for (let c = 0; c < v; c++) mx = Math.max(mx, xd[i * v + c]);
      let s = 0;
      for (let c = 0; c < v; c++) s += Math.exp(xd[i * v + c] - mx);
      const lse = Math.log(s) + mx;
      wantLoss[i] = lse - xd[i * v + td[i]];
      for (let c = 0; c < v; c++)
        wantGrad[i * v + c] = (Math.exp(xd[i * v + c] - lse) - (c === td[i] ? 1 : 0)) * cd[i];
    }
    expect(maxRelErr(await ce.data(), wantLoss), 'loss').toBeLessThan(2e-6);
    expect(maxRelErr(await dl.data(), wantGrad), 'dlogits').toBeLessThan(2e-6);
    const ref = unfused(() => {
      const oneHot = tf.cast(tf.oneHot(targets, v), 'float32');
      const f = (xx: tf.Tensor) => tf.sum(tf.mul(tf.neg(tf.sum(tf.mul(logSoftmax(xx), oneHot), 1)), cot));
      return { g: tf.grads(f)([logits]) };
    });
    await expectCloseAsync(dl, ref.g[0], { rtol: 1e-4, atol: 1e-6, label: 'dlogits vs tfjs' });
    expectNoLeak(() => crossEntropyPerRow(logits, targets), 'crossEntropyPerRow');
    expectNoLeak(() => tf.grads(loss)([logits]), 'crossEntropyPerRow grads');
  });

  test('cross-entropy: a target outside [0, V) gives +Infinity, as on the other backends', async () => {
    const logits = tf.tensor2d([
      [1, 2, 3],
      [0, 0, 0],
      [1, 1, 1],
    ]);
    const out = await crossEntropyPerRow(logits, tf.tensor1d([3, -1, 2], 'int32')).data();
    expect([out[0], out[1]]).toEqual([Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY]);
    expect(out[2]).toBeCloseTo(Math.log(3), 6);
  });
});
