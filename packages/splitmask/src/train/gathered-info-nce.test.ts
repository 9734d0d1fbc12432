/**
 * gatheredInfoNCE on one shard is @splitmask/losses' infoNCE (itself checked against PyTorch/MoCo v3):
 * same loss, accuracy and gradients; no tensor leaks.
 */
import { infoNCE } from '@splitmask/losses';
import { describeEachBackend, expectNoLeak } from '@splitmask/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { expect, test } from 'vitest';
import { localCollective } from './collective';
import { gatheredInfoNCE } from './gathered-info-nce';

describeEachBackend('gatheredInfoNCE', () => {
  const za = () => tf.randomNormal([6, 5], 0, 1, 'float32', 1) as tf.Tensor2D;
  const zb = () => tf.randomNormal([6, 5], 0, 1, 'float32', 2) as tf.Tensor2D;

  test('one shard: loss, accuracy and gradients equal infoNCE', async () => {
    const [a, b] = [za(), zb()];
    const ours = gatheredInfoNCE(a, b, localCollective(6), 0.2);
    const ref = infoNCE(a, b, { temperature: 0.2 });
    expect((await ours.loss.data())[0]).toBeCloseTo((await ref.loss.data())[0], 5);
    expect((await ours.accuracy.data())[0]).toBeCloseTo((await ref.accuracy.data())[0], 6);
    const g = tf.grads(
      (x: tf.Tensor, y: tf.Tensor) =>
        gatheredInfoNCE(x as tf.Tensor2D, y as tf.Tensor2D, localCollective(6), 0.2).loss,
    )([a, b]);
    const gr = tf.grads(
      (x: tf.Tensor, y: tf.Tensor) => infoNCE(x as tf.Tensor2D, y as tf.Tensor2D, { temperature: 0.2 }).loss,
    )([a, b]);
    for (let i = 0; i < 2; i++) {
      const [u, v] = [await g[i].data(), await gr[i].data()];
      let norm = 0;
      for (let j = 0; j < u.length; j++) {
        expect(Math.abs(u[j] - v[j])).toBeLessThan(1e-5);
        norm += u[j] * u[j];
      }
      expect(norm).toBeGreaterThan(0); // gradient coverage: both branches get a gradient
    }
    tf.dispose([a, b, ours, ref, g, gr]);
  });

  test('no tensor leaks; a batch of one has no negatives', () => {
    const [a, b] = [za(), zb()];
    expectNoLeak(() => gatheredInfoNCE(a, b, localCollective(6), 0.2), 'gatheredInfoNCE');
    const one = tf.ones([1, 5]) as tf.Tensor2D;
    expect(() => gatheredInfoNCE(one, one, localCollective(1), 0.2)).toThrow(/at least 2/);
    tf.dispose([a, b, one]);
  });
});
