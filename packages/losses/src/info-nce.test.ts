import { InvalidArgumentError } from '@splitmask/core';
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
import { NoNegativesError } from './errors';
import { infoNCE } from './info-nce';

const cases = loadCases('info-nce.json');

describeEachBackend('infoNCE', () => {
  test.each(cases.map((c) => [c.name, c] as const))('matches symmetric MoCo v3 ctr_loss: %s', (_, c) => {
    const { za, zb } = inputsOf(c) as Record<string, tf.Tensor2D>;
    const temperature = c.options.temperature as number;
    const f = (a: tf.Tensor, b: tf.Tensor) =>
      infoNCE(a as tf.Tensor2D, b as tf.Tensor2D, { temperature }).loss;
    const { loss, accuracy } = infoNCE(za, zb, { temperature });
    expectMatches(loss, c.outputs.loss, 'loss');
    expectMatches(accuracy, c.outputs.accuracy, 'accuracy');
    const [ga, gb] = tf.grads(f)([za, zb]);
    expectMatches(ga, c.grads.za, 'dza');
    expectMatches(gb, c.grads.zb, 'dzb');
    expectFiniteNonZero(ga, 'dza');
    expectFiniteNonZero(gb, 'dzb');
    expectNoLeak(() => infoNCE(za, zb, { temperature }), 'infoNCE');
    expectNoLeak(() => tf.grads(f)([za, zb]), 'infoNCE grads');
    tf.dispose([za, zb, loss, accuracy, ga, gb]);
  });

  test('finite differences agree with the gradient', () => {
    const za = tf.randomNormal([3, 4], 0, 1, 'float32', 1);
    const zb = tf.randomNormal([3, 4], 0, 1, 'float32', 2);
    expectDirectionalGrads((a, b) => infoNCE(a as tf.Tensor2D, b as tf.Tensor2D).loss, [za, zb]);
    tf.dispose([za, zb]);
  });

  test('batch of 1 throws NoNegativesError (an InvalidArgumentError) naming the shape', () => {
    const z = tf.ones([1, 8]) as tf.Tensor2D;
    expect(() => infoNCE(z, z)).toThrow(NoNegativesError);
    expect(() => infoNCE(z, z)).toThrow(InvalidArgumentError);
    expect(() => infoNCE(z, z)).toThrow(/at least 2.*got za \[1, 8\]/);
    z.dispose();
  });

  test('temperature extremes: τ = 0.01 and 1e-4 with feature norms ~1e3 stay finite; τ = 100 → log B', () => {
    const za = tf.mul(tf.randomNormal([4, 6], 0, 1, 'float32', 3), 1e3) as tf.Tensor2D;
    const zb = tf.mul(tf.randomNormal([4, 6], 0, 1, 'float32', 4), 1e3) as tf.Tensor2D;
    for (const temperature of [0.01, 1e-4]) {
      const [ga] = tf.grads((a: tf.Tensor) => infoNCE(a as tf.Tensor2D, zb, { temperature }).loss)([za]);
      expect(Number.isFinite(infoNCE(za, zb, { temperature }).loss.dataSync()[0])).toBe(true);
      expect(Array.from(ga.dataSync()).every(Number.isFinite)).toBe(true);
    }
    // τ → ∞: every logit → 0, the softmax is uniform, loss → log B.
    expectClose(infoNCE(za, zb, { temperature: 100 }).loss, Math.log(4), { rtol: 1e-2 });
    tf.dispose([za, zb]);
  });

  test('identical, well-separated views: accuracy 1 and loss → 0 at small τ', () => {
    const z = tf.tensor2d([
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ]);
    const { loss, accuracy } = infoNCE(z, z, { temperature: 0.01 });
    expect(accuracy.dataSync()[0]).toBe(1);
    expect(loss.dataSync()[0]).toBeLessThan(1e-30);
    // a swap of two rows of zb: those rows retrieve the wrong image in both directions.
    const zs = tf.tensor2d([
      [0, 1, 0],
      [1, 0, 0],
      [0, 0, 1],
    ]);
    expectClose(infoNCE(z, zs).accuracy, 1 / 3, { rtol: 1e-6 });
    tf.dispose([z, zs]);
  });

  test('invariant to the feature norm (ℓ2-normalised inside)', () => {
    const za = tf.randomNormal([3, 5], 0, 1, 'float32', 5) as tf.Tensor2D;
    const zb = tf.randomNormal([3, 5], 0, 1, 'float32', 6) as tf.Tensor2D;
    const scaled = tf.mul(za, tf.tensor2d([[3], [0.01], [50]])) as tf.Tensor2D;
    expectClose(infoNCE(scaled, zb).loss, infoNCE(za, zb).loss, { rtol: 1e-5 });
    tf.dispose([za, zb, scaled]);
  });

  test('an all-zero feature row gives a finite loss and finite gradients (F.normalize eps)', () => {
    const za = tf.tensor2d([
      [0, 0, 0],
      [1, 2, 3],
    ]);
    const zb = tf.tensor2d([
      [1, 0, 0],
      [0, 1, 1],
    ]);
    const [ga] = tf.grads((a: tf.Tensor) => infoNCE(a as tf.Tensor2D, zb).loss)([za]);
    expect(Number.isFinite(infoNCE(za, zb).loss.dataSync()[0])).toBe(true);
    expect(Array.from(ga.dataSync()).every(Number.isFinite)).toBe(true);
    tf.dispose([za, zb, ga]);
  });

  test('NaN features propagate to a NaN loss', () => {
    const za = tf.tensor2d([
      [Number.NaN, 0],
      [1, 2],
    ]);
    const zb = tf.tensor2d([
      [1, 0],
      [0, 1],
    ]);
    expect(Number.isNaN(infoNCE(za, zb).loss.dataSync()[0])).toBe(true);
    tf.dispose([za, zb]);
  });

  test('rejects bad temperatures and mismatched shapes', () => {
    const z = tf.ones([2, 3]) as tf.Tensor2D;
    expect(() => infoNCE(z, z, { temperature: 0 })).toThrow(/temperature must be a finite number > 0, got 0/);
    expect(() => infoNCE(z, z, { temperature: Number.NaN })).toThrow(InvalidArgumentError);
    expect(() => infoNCE(z, tf.ones([3, 3]) as tf.Tensor2D)).toThrow(/zb \[B, D\] = \[2, 3\], got \[3, 3\]/);
    z.dispose();
  });
});
