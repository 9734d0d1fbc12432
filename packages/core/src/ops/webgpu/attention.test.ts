import { expectCloseAsync, expectNoLeak, useBackend, webgpuEnabled } from '@splitmask/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { fusedSelfAttention } from '../wasm-gemm/wasm-gemm';
import { webgpuSelfAttention } from './ops';
import { hostSelfAttention, maxRelErr, unfused } from './test-helpers';

test.skipIf(webgpuEnabled())(
  'WGSL attention suite skipped: webgpu is off in this run (eval "$(tools/setup-webgpu.sh)" to run it)',
  () => {},
);

/** The unfused formulation with tfjs ops: split heads, softmax(scale·q·kᵀ)·v, merge heads. */
function unfusedAttention(qkv: tf.Tensor3D, h: number): tf.Tensor3D {
  return tf.tidy(() => {
    const [b, n, d3] = qkv.shape;
    const dh = d3 / 3 / h;
    const t = tf.transpose(tf.reshape(qkv, [b, n, 3, h, dh]), [2, 0, 3, 1, 4]); // [3, B, H, N, Dh]
    const [q, k, v] = tf.unstack(t) as tf.Tensor4D[];
    const attn = tf.softmax(tf.mul(tf.matMul(q, k, false, true), dh ** -0.5));
    return tf.reshape(tf.transpose(tf.matMul(attn, v), [0, 2, 1, 3]), [b, n, h * dh]) as tf.Tensor3D;
  });
}

describe.runIf(webgpuEnabled())('WGSL fused self-attention [webgpu]', { timeout: 120_000 }, () => {
  beforeAll(async () => {
    await useBackend('webgpu');
  }, 60_000);
  afterAll(async () => {
    await useBackend('cpu');
  });

  // N and Dh across the 64-thread strides of a row; N = 1 (softmax of one logit); several heads.
  const cases: [number, number, number, number][] = [
    [2, 65, 3, 16],
    [1, 5, 2, 3],
    [2, 17, 1, 8],
    [1, 1, 2, 4],
    [1, 130, 1, 70],
    // Column sums spread over the 64 threads: dv = Dh/4 = 16 (4 groups), 12 (5 groups, 4 threads idle),
    // and 64 (one group: the plain column loop).
    [1, 40, 2, 64],
    [1, 9, 1, 48],
    [1, 6, 1, 256],
    // The 4-row block shaders' limits: N = 300 runs the block forward and dQ pass with the per-key dK/dV
    // pass; N = 400 the block forward with both per-row backward passes; N = 520 the per-row shaders
    // throughout (N = 1, 5, 9, 17, 65 above end in partial blocks).
    [1, 220, 1, 8],
    [1, 300, 1, 8],
    [1, 400, 1, 8],
    [1, 520, 1, 4],
  ];
  test.each(cases)(
    'B=%i N=%i H=%i Dh=%i: out and d(qkv) match float64 and the unfused tfjs ops',
    async (b, n, h, dh) => {
      const x = tf.randomNormal([b, n, 3 * h * dh], 0, 1, 'float32', n + h) as tf.Tensor3D;
      const cot = tf.randomNormal([b, n, h * dh], 0, 1, 'float32', 7);
      const loss = (f: (q: tf.Tensor3D) => tf.Tensor3D) => (xx: tf.Tensor) =>
        tf.sum(tf.mul(f(xx as tf.Tensor3D), cot));
      const fused = (q: tf.Tensor3D) => fusedSelfAttention(q, h) as tf.Tensor3D;
      const out = fused(x);
      const [dqkv] = tf.grads(loss(fused))([x]);
      const host = hostSelfAttention(await x.data(), await cot.data(), [b, n, h, dh]);
      expect(maxRelErr(await out.data(), host.out), 'out vs float64').toBeLessThan(2e-5);
      expect(maxRelErr(await dqkv.data(), host.dqkv), 'dqkv vs float64').toBeLessThan(2e-5);
      const ref = unfused(() => ({
        out: unfusedAttention(x, h),
        g: tf.grads(loss((q) => unfusedAttention(q, h)))([x]),
      }));
      await expectCloseAsync(out, ref.out, { rtol: 1e-4, atol: 1e-5, label: 'out vs tfjs' });
      await expectCloseAsync(dqkv, ref.g[0], { rtol: 1e-4, atol: 1e-5, label: 'dqkv vs tfjs' });
      expectNoLeak(() => fusedSelfAttention(x, h), 'fusedSelfAttention');
      expectNoLeak(() => tf.grads(loss(fused))([x]), 'fusedSelfAttention grads');
    },
  );

  test('keeps lse [B, H, N] for the backward, not the [B, H, N, N] probabilities', () => {
    const x = tf.randomNormal([2, 40, 3 * 2 * 8], 0, 1, 'float32', 1) as tf.Tensor3D;
    const before = tf.memory().numBytes;
    let held = 0;
    tf.grads((xx: tf.Tensor) => {
      const y = fusedSelfAttention(xx as tf.Tensor3D, 2) as tf.Tensor3D;
      held = tf.memory().numBytes - before; // qkv copy + lse saved, plus the output
      return tf.sum(y);
    })([x]);
    const qkvBytes = x.size * 4;
    const outBytes = (x.size / 3) * 4;
    const lseBytes = 2 * 2 * 40 * 4; // B·H·N floats (P would be B·H·N·N: 25600 bytes)
    expect(held).toBe(qkvBytes + lseBytes + outBytes);
  });

  test('null beyond its limits (N > 1024) or off; the caller keeps its path', () => {
    expect(webgpuSelfAttention(tf.zeros([1, 1025, 6]) as tf.Tensor3D, 1, 1)).toBeNull();
    expect(unfused(() => fusedSelfAttention(tf.zeros([1, 4, 6]) as tf.Tensor3D, 1) ?? [])).toEqual([]);
  });
});
