import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeEachBackend, expectCloseAsync, expectNoLeak, loadJsonFixture } from '@splitmask/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { expect, test } from 'vitest';
import { clipByGlobalNorm, clipPerTensor } from './clip';

const pkg = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const fx = loadJsonFixture<{
  shapes: number[][];
  cases: {
    max_norm: number;
    grads: number[][];
    norm: number;
    clipped: number[][];
    per_tensor_norms: number[];
    per_tensor: number[][];
  }[];
}>(pkg, 'state_clip.json');

const gradsOf = (c: (typeof fx.cases)[number]) =>
  Object.fromEntries(c.grads.map((g, i) => [`g${i}`, tf.tensor(g, fx.shapes[i])]));

describeEachBackend(
  'gradient clipping',
  () => {
    test.each(fx.cases.map((c) => [c.max_norm, c.norm, c] as const))(
      'clipByGlobalNorm(maxNorm %d) matches torch clip_grad_norm_ (norm %d)',
      async (_, __, c) => {
        const grads = gradsOf(c);
        const out = clipByGlobalNorm(grads, c.max_norm);
        await expectCloseAsync(out.norm, c.norm, { rtol: 1e-6, label: 'norm' });
        for (const [i, want] of c.clipped.entries()) {
          await expectCloseAsync(out.grads[`g${i}`], want, { rtol: 1e-6, atol: 1e-9, label: `g${i}` });
        }
        expectNoLeak(() => clipByGlobalNorm(grads, c.max_norm), 'clipByGlobalNorm');
        tf.dispose([grads, out]);
      },
    );

    test.each(fx.cases.map((c) => [c.max_norm, c] as const))(
      'clipPerTensor(maxNorm %d) matches torch per tensor',
      async (_, c) => {
        const grads = gradsOf(c);
        const out = clipPerTensor(grads, c.max_norm);
        for (const [i, want] of c.per_tensor.entries()) {
          await expectCloseAsync(out.norms[`g${i}`], c.per_tensor_norms[i], {
            rtol: 1e-6,
            label: `norm g${i}`,
          });
          await expectCloseAsync(out.grads[`g${i}`], want, { rtol: 1e-6, atol: 1e-9, label: `g${i}` });
        }
        expectNoLeak(() => clipPerTensor(grads, c.max_norm), 'clipPerTensor');
        tf.dispose([grads, out]);
      },
    );

    test('empty input, inputs untouched, bad maxNorm named', async () => {
      const out = clipByGlobalNorm({}, 1);
      expect((await out.norm.data())[0]).toBe(0);
      out.norm.dispose();
      const g = tf.tensor1d([30, 40]);
      const r = clipByGlobalNorm({ g }, 5);
      await expectCloseAsync(g, [30, 40], { label: 'input' });
      await expectCloseAsync(r.grads.g, [3, 4], { rtol: 1e-6 });
      expect(() => clipByGlobalNorm({ g }, 0)).toThrow(/maxNorm must be > 0, got 0/);
      expect(() => clipPerTensor({ g }, Number.NaN)).toThrow(/maxNorm must be > 0, got NaN/);
      tf.dispose([g, r]);
    });
  },
  { webgpu: true },
);
