import { describeEachBackend, expectClose, expectNoLeak } from '@splitmask/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { expect, test } from 'vitest';
import {
  expectAllZero,
  expectDirectionalGrads,
  expectFiniteNonZero,
  expectMatches,
  inputsOf,
  loadCases,
  read,
  scalarOf,
} from '../test/helpers';
import { patchMSE } from './patch-mse';

const cases = loadCases('patch-mse.json');

describeEachBackend(
  'patchMSE',
  () => {
    test.each(cases.map((c) => [c.name, c] as const))('matches MAE forward_loss: %s', async (_, c) => {
      const { pred, target, weights } = inputsOf(c) as Record<string, tf.Tensor>;
      const normPixLoss = c.options.normPixLoss as boolean;
      const f = (p: tf.Tensor, t: tf.Tensor) =>
        patchMSE(p as tf.Tensor3D, t as tf.Tensor3D, weights as tf.Tensor2D | undefined, { normPixLoss });
      const loss = f(pred, target);
      await expectMatches(loss, c.outputs.loss, 'loss');
      const [gp, gt] = tf.grads(f)([pred, target]);
      await expectMatches(gp, c.grads.pred, 'dpred');
      await expectMatches(gt, c.grads.target, 'dtarget');
      await expectFiniteNonZero(gp, 'dpred');
      expectNoLeak(() => f(pred, target), 'patchMSE');
      expectNoLeak(() => tf.grads(f)([pred, target]), 'patchMSE grads');
      tf.dispose([pred, target, weights, loss, gp, gt]);
    });

    test('finite differences agree with the gradient (normPixLoss, weighted)', async () => {
      const p = tf.randomNormal([2, 3, 4], 0, 1, 'float32', 1);
      const t = tf.randomNormal([2, 3, 4], 0, 1, 'float32', 2);
      const w = tf.tensor2d([
        [1, 0, 1],
        [0, 1, 1],
      ]);
      await expectDirectionalGrads(
        (a, b) => patchMSE(a as tf.Tensor3D, b as tf.Tensor3D, w as tf.Tensor2D, { normPixLoss: true }),
        [p, t],
      );
      tf.dispose([p, t, w]);
    });

    test('none masked gives 0 with zero gradients; all masked equals the unweighted mean', async () => {
      const p = tf.randomNormal([2, 3, 4], 0, 1, 'float32', 3) as tf.Tensor3D;
      const t = tf.randomNormal([2, 3, 4], 0, 1, 'float32', 4) as tf.Tensor3D;
      const zeros = tf.zeros([2, 3]) as tf.Tensor2D;
      const ones = tf.ones([2, 3]) as tf.Tensor2D;
      const none = patchMSE(p, t, zeros);
      expect(await scalarOf(none)).toBe(0);
      const [g] = tf.grads((a: tf.Tensor) => patchMSE(a as tf.Tensor3D, t, zeros))([p]);
      await expectAllZero(g, 'dpred');
      const [all, plain] = [patchMSE(p, t, ones), patchMSE(p, t)];
      expectClose(await read(all), await read(plain), { rtol: 1e-6 });
      tf.dispose([p, t, zeros, ones, none, g, all, plain]);
    });

    test('normPixLoss on a constant patch stays finite (var + 1e-6); NaN pixels propagate', async () => {
      const p = tf.zeros([1, 1, 4]) as tf.Tensor3D;
      const flat = tf.fill([1, 1, 4], 0.7) as tf.Tensor3D;
      const nan = tf.tensor3d([[[0, Number.NaN, 1, 2]]]);
      const [a, b] = [patchMSE(p, flat, undefined, { normPixLoss: true }), patchMSE(p, nan)];
      expect(await scalarOf(a)).toBeLessThan(1e-6);
      expect(Number.isNaN(await scalarOf(b))).toBe(true);
      tf.dispose([p, flat, nan, a, b]);
    });

    test('rejects normPixLoss with one value per patch and mismatched shapes', () => {
      const one = tf.zeros([1, 2, 1]) as tf.Tensor3D;
      const bad = [tf.zeros([1, 2, 2]), tf.zeros([2, 1])];
      expect(() => patchMSE(one, one, undefined, { normPixLoss: true })).toThrow(/needs P >= 2.*got P=1/);
      expect(() => patchMSE(one, bad[0] as tf.Tensor3D)).toThrow(/target \[B, L, P\]/);
      expect(() => patchMSE(one, one, bad[1] as tf.Tensor2D)).toThrow(/weights \[B, L\] = \[1, 2\]/);
      tf.dispose([one, ...bad]);
    });
  },
  { webgpu: true },
);
