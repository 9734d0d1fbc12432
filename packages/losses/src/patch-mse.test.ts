import { describeEachBackend, expectClose, expectNoLeak } from '@splitmask/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { expect, test } from 'vitest';
import {
  expectDirectionalGrads,
  expectFiniteNonZero,
  expectMatches,
  inputsOf,
  loadCases,
} from '../test/helpers';
import { patchMSE } from './patch-mse';

const cases = loadCases('patch-mse.json');

describeEachBackend('patchMSE', () => {
  test.each(cases.map((c) => [c.name, c] as const))('matches MAE forward_loss: %s', (_, c) => {
    const { pred, target, weights } = inputsOf(c) as Record<string, tf.Tensor>;
    const normPixLoss = c.options.normPixLoss as boolean;
    const f = (p: tf.Tensor, t: tf.Tensor) =>
      patchMSE(p as tf.Tensor3D, t as tf.Tensor3D, weights as tf.Tensor2D | undefined, { normPixLoss });
    expectMatches(f(pred, target), c.outputs.loss, 'loss');
    const [gp, gt] = tf.grads(f)([pred, target]);
    expectMatches(gp, c.grads.pred, 'dpred');
    expectMatches(gt, c.grads.target, 'dtarget');
    expectFiniteNonZero(gp, 'dpred');
    expectNoLeak(() => f(pred, target), 'patchMSE');
    expectNoLeak(() => tf.grads(f)([pred, target]), 'patchMSE grads');
    tf.dispose([pred, target, weights, gp, gt]);
  });

  test('finite differences agree with the gradient (normPixLoss, weighted)', () => {
    const p = tf.randomNormal([2, 3, 4], 0, 1, 'float32', 1);
    const t = tf.randomNormal([2, 3, 4], 0, 1, 'float32', 2);
    const w = tf.tensor2d([
      [1, 0, 1],
      [0, 1, 1],
    ]);
    expectDirectionalGrads(
      (a, b) => patchMSE(a as tf.Tensor3D, b as tf.Tensor3D, w as tf.Tensor2D, { normPixLoss: true }),
      [p, t],
    );
    tf.dispose([p, t, w]);
  });

  test('none masked gives 0 with zero gradients; all masked equals the unweighted mean', () => {
    const p = tf.randomNormal([2, 3, 4], 0, 1, 'float32', 3) as tf.Tensor3D;
    const t = tf.randomNormal([2, 3, 4], 0, 1, 'float32', 4) as tf.Tensor3D;
    const zeros = tf.zeros([2, 3]) as tf.Tensor2D;
    expect(patchMSE(p, t, zeros).dataSync()[0]).toBe(0);
    const [g] = tf.grads((a: tf.Tensor) => patchMSE(a as tf.Tensor3D, t, zeros))([p]);
    expect(Array.from(g.dataSync()).every((v) => v === 0)).toBe(true);
    expectClose(patchMSE(p, t, tf.ones([2, 3]) as tf.Tensor2D), patchMSE(p, t), { rtol: 1e-6 });
    tf.dispose([p, t, zeros, g]);
  });

  test('normPixLoss on a constant patch stays finite (var + 1e-6); NaN pixels propagate', () => {
    const p = tf.zeros([1, 1, 4]) as tf.Tensor3D;
    const flat = tf.fill([1, 1, 4], 0.7) as tf.Tensor3D;
    expect(patchMSE(p, flat, undefined, { normPixLoss: true }).dataSync()[0]).toBe(0);
    const nan = tf.tensor3d([[[0, Number.NaN, 1, 2]]]);
    expect(Number.isNaN(patchMSE(p, nan).dataSync()[0])).toBe(true);
    tf.dispose([p, flat, nan]);
  });

  test('rejects normPixLoss with one value per patch and mismatched shapes', () => {
    const one = tf.zeros([1, 2, 1]) as tf.Tensor3D;
    expect(() => patchMSE(one, one, undefined, { normPixLoss: true })).toThrow(/needs P >= 2.*got P=1/);
    expect(() => patchMSE(one, tf.zeros([1, 2, 2]) as tf.Tensor3D)).toThrow(/target \[B, L, P\]/);
    expect(() => patchMSE(one, one, tf.zeros([2, 1]) as tf.Tensor2D)).toThrow(/weights \[B, L\] = \[1, 2\]/);
    one.dispose();
  });
});
