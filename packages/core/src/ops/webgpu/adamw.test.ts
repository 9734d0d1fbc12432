import { expectCloseAsync, useBackend, webgpuEnabled } from '@splitmask/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createAdamW } from '../../optim/adamw';
import { webgpuAdamW } from './ops';
import { maxRelErr, unfused } from './test-helpers';

test.skipIf(webgpuEnabled())(
  'WGSL AdamW suite skipped: webgpu is off in this run (eval "$(tools/setup-webgpu.sh)" to run it)',
  () => {},
);

describe.runIf(webgpuEnabled())('WGSL AdamW [webgpu]', { timeout: 120_000 }, () => {
  beforeAll(async () => {
    await useBackend('webgpu');
  }, 60_000);
  afterAll(async () => {
    await useBackend('cpu');
  });

  test('one update matches torch AdamW in float64 (decay, moments, bias corrections)', async () => {
    const n = 1000; // crosses the 256-element workgroups
    const [p, m, g] = [1, 2, 3].map((s) => tf.randomNormal([n], 0, 1, 'float32', s));
    const v = tf.abs(tf.randomNormal([n], 0, 0.1, 'float32', 4));
    const [lr, wd, b1, b2, eps, t] = [1e-3, 0.05, 0.9, 0.999, 1e-8, 3];
    const bc1 = 1 - b1 ** t;
    const bc2Sqrt = Math.sqrt(1 - b2 ** t);
    const out = webgpuAdamW(p, m, v, g, { decay: 1 - lr * wd, b1, b2, eps, bc2Sqrt, stepScale: -lr / bc1 });
    expect(out).not.toBeNull();
    const [pd, md, vd, gd] = await Promise.all([p.data(), m.data(), v.data(), g.data()]);
    const want = { p: new Float64Array(n), m: new Float64Array(n), v: new Float64Array(n) };
    for (let i = 0; i < n; i++) {
      want.m[i] = b1 * md[i] + (1 - b1) * gd[i];
      want.v[i] = b2 * vd[i] + (1 - b2) * gd[i] ** 2;
      want.p[i] = pd[i] * (1 - lr * wd) - (lr / bc1) * (want.m[i] / (Math.sqrt(want.v[i]) / bc2Sqrt + eps));
    }
    const [po, mo, vo] = out as tf.Tensor[];
    expect(maxRelErr(await po.data(), want.p), 'p').toBeLessThan(1e-6);
    expect(maxRelErr(await mo.data(), want.m), 'm').toBeLessThan(1e-6);
    expect(maxRelErr(await vo.data(), want.v), 'v').toBeLessThan(1e-6);
  });

  test('createAdamW over 5 steps equals the composed update (kernels off), params and moments', async () => {
    const make = (role: string) => {
      const params = {
        w: tf.variable(tf.randomNormal([33, 17], 0, 1, 'float32', 1), true, `${role}/w`),
        bias: tf.variable(tf.randomNormal([17], 0, 1, 'float32', 2), true, `${role}/bias`),
      };
      return { params, opt: createAdamW(params, { weightDecay: 0.05, lrScale: { w: 0.5 } }) };
    };
    const fused = make('adamw-wgsl-a');
    const composed = make('adamw-wgsl-b');
    for (let step = 0; step < 5; step++) {
      const grads = {
        w: tf.randomNormal([33, 17], 0, 1, 'float32', 10 + step),
        bias: tf.randomNormal([17], 0, 1, 'float32', 20 + step),
      };
      const before = tf.memory().numTensors;
      fused.opt.step(grads, { lr: 1e-2 });
      expect(tf.memory().numTensors, 'tensors after a fused step').toBe(before);
      unfused(() => composed.opt.step(grads, { lr: 1e-2 }));
      tf.dispose(Object.values(grads));
    }
    for (const k of ['w', 'bias'] as const) {
      await expectCloseAsync(fused.params[k], composed.params[k], { rtol: 1e-6, atol: 1e-7, label: k });
    }
    const [a, b] = [fused.opt.getState(), composed.opt.getState()];
    for (const k of Object.keys(b.tensors))
      await expectCloseAsync(a.tensors[k], b.tensors[k], { rtol: 1e-6, atol: 1e-9, label: k });
    tf.dispose([...Object.values(a.tensors), ...Object.values(b.tensors)]);
    for (const { params, opt } of [fused, composed]) {
      opt.dispose();
      tf.dispose(Object.values(params));
    }
  });
});
