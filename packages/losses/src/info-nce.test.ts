import { InvalidArgumentError } from '@splitmask/core';
import { describeEachBackend, expectClose, expectNoLeak } from '@splitmask/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { expect, test } from 'vitest';
import {
  expectAllFinite,
  expectDirectionalGrads,
  expectFiniteNonZero,
  expectMatches,
  inputsOf,
  loadCases,
  read,
  scalarOf,
} from '../test/helpers';
import { NoNegativesError } from './errors';
import { infoNCE } from './info-nce';

const cases = loadCases('info-nce.json');

describeEachBackend(
  'infoNCE',
  () => {
    test.each(cases.map((c) => [c.name, c] as const))(
      'matches symmetric MoCo v3 ctr_loss: %s',
      async (_, c) => {
        const { za, zb } = inputsOf(c) as Record<string, tf.Tensor2D>;
        const temperature = c.options.temperature as number;
        const f = (a: tf.Tensor, b: tf.Tensor) =>
          infoNCE(a as tf.Tensor2D, b as tf.Tensor2D, { temperature }).loss;
        const { loss, accuracy } = infoNCE(za, zb, { temperature });
        await expectMatches(loss, c.outputs.loss, 'loss');
        await expectMatches(accuracy, c.outputs.accuracy, 'accuracy');
        // The released MoCo v3 loss sums both directions and scales by 2τ: ours is exactly that / 4τ.
        const moco = tf.mul(loss, 4 * temperature);
        await expectMatches(moco, c.outputs.mocoV3Loss, 'loss·4τ vs MoCo v3');
        moco.dispose();
        const [ga, gb] = tf.grads(f)([za, zb]);
        await expectMatches(ga, c.grads.za, 'dza');
        await expectMatches(gb, c.grads.zb, 'dzb');
        await expectFiniteNonZero(ga, 'dza');
        await expectFiniteNonZero(gb, 'dzb');
        expectNoLeak(() => infoNCE(za, zb, { temperature }), 'infoNCE');
        expectNoLeak(() => tf.grads(f)([za, zb]), 'infoNCE grads');
        tf.dispose([za, zb, loss, accuracy, ga, gb]);
      },
    );

    test('finite differences agree with the gradient', async () => {
      const za = tf.randomNormal([3, 4], 0, 1, 'float32', 1);
      const zb = tf.randomNormal([3, 4], 0, 1, 'float32', 2);
      await expectDirectionalGrads((a, b) => infoNCE(a as tf.Tensor2D, b as tf.Tensor2D).loss, [za, zb]);
      tf.dispose([za, zb]);
    });

    test('batch of 1 throws NoNegativesError (an InvalidArgumentError) naming the shape', () => {
      const z = tf.ones([1, 8]) as tf.Tensor2D;
      expect(() => infoNCE(z, z)).toThrow(NoNegativesError);
      expect(() => infoNCE(z, z)).toThrow(InvalidArgumentError);
      expect(() => infoNCE(z, z)).toThrow(/at least 2.*got za \[1, 8\]/);
      z.dispose();
    });

    test('temperature extremes: τ = 0.01 and 1e-4 with feature norms ~1e3 stay finite; τ = 100 → log B', async () => {
      const za = tf.mul(tf.randomNormal([4, 6], 0, 1, 'float32', 3), 1e3) as tf.Tensor2D;
      const zb = tf.mul(tf.randomNormal([4, 6], 0, 1, 'float32', 4), 1e3) as tf.Tensor2D;
      for (const temperature of [0.01, 1e-4]) {
        const { loss, accuracy } = infoNCE(za, zb, { temperature });
        const [ga] = tf.grads((a: tf.Tensor) => infoNCE(a as tf.Tensor2D, zb, { temperature }).loss)([za]);
        await expectAllFinite(loss, `loss at τ=${temperature}`);
        await expectAllFinite(ga, `dza at τ=${temperature}`);
        tf.dispose([loss, accuracy, ga]);
      }
      // τ → ∞: every logit → 0, the softmax is uniform, loss → log B.
      const { loss, accuracy } = infoNCE(za, zb, { temperature: 100 });
      expectClose(await read(loss), Math.log(4), { rtol: 1e-2 });
      tf.dispose([za, zb, loss, accuracy]);
    });

    test('identical, well-separated views: accuracy 1 and loss → 0 at small τ', async () => {
      const z = tf.eye(3) as tf.Tensor2D;
      const r = infoNCE(z, z, { temperature: 0.01 });
      expect(await scalarOf(r.accuracy)).toBe(1);
      expect(await scalarOf(r.loss)).toBeLessThan(1e-30);
      // rows 0 and 1 of zb swapped: those two retrieve the wrong image in both directions.
      const zs = tf.tensor2d([
        [0, 1, 0],
        [1, 0, 0],
        [0, 0, 1],
      ]);
      const s = infoNCE(z, zs);
      expectClose(await read(s.accuracy), 1 / 3, { rtol: 1e-6 });
      tf.dispose([z, zs, r, s]);
    });

    test('invariant to the feature norm (ℓ2-normalised inside)', async () => {
      const za = tf.randomNormal([3, 5], 0, 1, 'float32', 5) as tf.Tensor2D;
      const zb = tf.randomNormal([3, 5], 0, 1, 'float32', 6) as tf.Tensor2D;
      const scaled = tf.mul(za, tf.tensor2d([[3], [0.01], [50]])) as tf.Tensor2D;
      const [a, b] = [infoNCE(scaled, zb), infoNCE(za, zb)];
      expectClose(await read(a.loss), await read(b.loss), { rtol: 1e-5 });
      tf.dispose([za, zb, scaled, a, b]);
    });

    test('an all-zero feature row gives a finite loss and finite gradients (F.normalize eps)', async () => {
      const za = tf.tensor2d([
        [0, 0, 0],
        [1, 2, 3],
      ]);
      const zb = tf.tensor2d([
        [1, 0, 0],
        [0, 1, 1],
      ]);
      const r = infoNCE(za, zb);
      const [ga] = tf.grads((a: tf.Tensor) => infoNCE(a as tf.Tensor2D, zb).loss)([za]);
      await expectAllFinite(r.loss, 'loss');
      await expectAllFinite(ga, 'dza');
      tf.dispose([za, zb, r, ga]);
    });

    test('NaN features propagate to a NaN loss', async () => {
      const za = tf.tensor2d([
        [Number.NaN, 0],
        [1, 2],
      ]);
      const zb = tf.eye(2) as tf.Tensor2D;
      const r = infoNCE(za, zb);
      expect(Number.isNaN(await scalarOf(r.loss))).toBe(true);
      tf.dispose([za, zb, r]);
    });

    test('rejects bad temperatures and mismatched shapes', () => {
      const z = tf.ones([2, 3]) as tf.Tensor2D;
      const z3 = tf.ones([3, 3]) as tf.Tensor2D;
      expect(() => infoNCE(z, z, { temperature: 0 })).toThrow(
        /temperature must be a finite number > 0, got 0/,
      );
      expect(() => infoNCE(z, z, { temperature: Number.NaN })).toThrow(InvalidArgumentError);
      expect(() => infoNCE(z, z3)).toThrow(/zb \[B, D\] = \[2, 3\], got \[3, 3\]/);
      tf.dispose([z, z3]);
    });
  },
  { webgpu: true },
);
