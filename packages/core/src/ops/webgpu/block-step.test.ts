import { expectCloseAsync, useBackend, webgpuEnabled } from '@splitmask/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createAdamW } from '../../optim/adamw';
import { layerNorm } from '../layer-norm';
import { linear, linearGelu } from '../linear';
import { crossEntropyPerRow } from '../log-softmax';
import { fusedSelfAttention } from '../wasm-gemm/wasm-gemm';
import { disableWebgpuKernels, installWebgpuKernels } from './context';

test.skipIf(webgpuEnabled())(
  'WGSL train-step suite skipped: webgpu is off in this run (eval "$(tools/setup-webgpu.sh)" to run it)',
  () => {},
);

const [B, N, D, H, V] = [2, 17, 24, 3, 11];

/** A pre-norm ViT block + head + cross-entropy, from core's ops only. x: [B, N, D] → scalar. */
function blockLoss(p: Record<string, tf.Variable>, x: tf.Tensor3D, targets: tf.Tensor1D): tf.Scalar {
  const dh = D / H;
  const unfusedAttention = (qkv: tf.Tensor3D) => {
    const t = tf.transpose(tf.reshape(qkv, [B, N, 3, H, dh]), [2, 0, 3, 1, 4]);
    const [q, k, v] = tf.unstack(t) as tf.Tensor4D[];
    const attn = tf.softmax(tf.mul(tf.matMul(q, k, false, true), dh ** -0.5));
    return tf.reshape(tf.transpose(tf.matMul(attn, v), [0, 2, 1, 3]), [B, N, D]) as tf.Tensor3D;
  };
  const qkv = linear(layerNorm(x, { weight: p.ln1w, bias: p.ln1b } as never), p.qkvw, p.qkvb) as tf.Tensor3D;
  const y = tf.add(x, linear(fusedSelfAttention(qkv, H) ?? unfusedAttention(qkv), p.projw, p.projb));
  const h = linearGelu(layerNorm(y, { weight: p.ln2w, bias: p.ln2b } as never), p.fc1w, p.fc1b);
  const z = tf.add(y, linear(h, p.fc2w));
  const logits = linear(tf.reshape(z, [B * N, D]), p.headw, p.headb) as tf.Tensor2D;
  return tf.mean(crossEntropyPerRow(logits, targets));
}

function initParams(role: string): Record<string, tf.Variable> {
  const shapes: Record<string, number[]> = {
    ln1w: [D],
    ln1b: [D],
    qkvw: [D, 3 * D],
    qkvb: [3 * D],
    projw: [D, D],
    projb: [D],
    ln2w: [D],
    ln2b: [D],
    fc1w: [D, 4 * D],
    fc1b: [4 * D],
    fc2w: [4 * D, D],
    headw: [D, V],
    headb: [V],
  };
  return Object.fromEntries(
    Object.entries(shapes).map(([k, s], i) => {
      const init =
        k.startsWith('ln') && k.endsWith('w')
          ? tf.add(1, tf.randomNormal(s, 0, 0.1, 'float32', i + 1))
          : tf.randomNormal(s, 0, 0.3, 'float32', i + 1);
      return [k, tf.variable(init, true, `${role}/${k}`)]; // (seeds from 1: seed 0 means unseeded)
    }),
  );
}

describe.runIf(webgpuEnabled())('a train step on core WGSL kernels [webgpu]', { timeout: 120_000 }, () => {
  beforeAll(async () => {
    await useBackend('webgpu');
  }, 60_000);
  afterAll(async () => {
    await useBackend('cpu');
  });

  test('block + head + CE + AdamW: loss, every gradient and the updated params equal tfjs kernels; no leaks', async () => {
    const x = tf.randomNormal([B, N, D], 0, 1, 'float32', 99) as tf.Tensor3D;
    const targets = tf.tensor1d(
      Array.from({ length: B * N }, (_, i) => (i * 5) % V),
      'int32',
    );
    const run = (role: string) => {
      const p = initParams(role);
      const opt = createAdamW(p, { weightDecay: 0.05 });
      const before = tf.memory().numTensors;
      const { value, grads } = tf.variableGrads(() => blockLoss(p, x, targets), Object.values(p));
      opt.step(grads, { lr: 1e-2 });
      const g = Object.fromEntries(Object.entries(grads).map(([k, t]) => [k.split('/')[1], t]));
      const leaked = tf.memory().numTensors - before - 1 - Object.keys(grads).length;
      return { p, opt, value, g, leaked };
    };
    const ours = run('wgsl-step-a');
    disableWebgpuKernels();
    const ref = run('wgsl-step-b');
    installWebgpuKernels();
    expect(ours.leaked, 'tensors left by one step besides loss and grads').toBe(0);
    await expectCloseAsync(ours.value, ref.value, { rtol: 1e-5, atol: 1e-6, label: 'loss' });
    for (const k of Object.keys(ref.g)) {
      const scale = Math.max(...(await tf.abs(ref.g[k]).data()));
      expect(scale, `gradient of ${k} is non-zero`).toBeGreaterThan(0);
      await expectCloseAsync(ours.g[k], ref.g[k], { rtol: 1e-3, atol: 1e-4 * scale, label: `d${k}` });
      // AdamW's first step moves each element by ~lr·sign(g): where g is rounding noise (e.g. the key
      // bias, whose exact gradient is 0 as softmax ignores a per-row shift), the sign is noise too.
      const [gr, po, pr] = await Promise.all([ref.g[k].data(), ours.p[k].data(), ref.p[k].data()]);
      for (let i = 0; i < gr.length; i++) {
        const tol = Math.abs(gr[i]) > 1e-3 * scale ? 1e-5 + 1e-4 * Math.abs(pr[i]) : 2.1e-2;
        if (Math.abs(po[i] - pr[i]) > tol)
          expect.fail(`updated ${k}[${i}]: ${po[i]} vs ${pr[i]} (grad ${gr[i]})`);
      }
    }
    for (const r of [ours, ref]) {
      r.opt.dispose();
      tf.dispose([r.value, ...Object.values(r.g), ...Object.values(r.p)]);
    }
  });
});
