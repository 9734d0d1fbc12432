import { ShapeError } from '@splitmask/core';
import { describeEachBackend, expectClose, expectNoLeak } from '@splitmask/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { expect, test } from 'vitest';
import { gatherRows, placeTokens, selectTokens } from './tokens';

/** Reference: one-hot [B, K, L] matmuls with tfjs's own gradients. */
const oneHotSelect = (x: tf.Tensor3D, idx: tf.Tensor2D) => tf.matMul(tf.oneHot(idx, x.shape[1]), x);
const oneHotPlace = (x: tf.Tensor3D, idx: tf.Tensor2D, l: number) =>
  tf.matMul(tf.oneHot(idx, l), x, true, false);

describeEachBackend('token selection', () => {
  const b = 3;
  const l = 6;
  const d = 4;
  const idxData = [
    [5, 0, 2],
    [1, 3, 4],
    [0, 1, 2],
  ];

  test('selectTokens / placeTokens equal one-hot matmuls, values and gradients', () => {
    const x = tf.randomNormal([b, l, d], 0, 1, 'float32', 1) as tf.Tensor3D;
    const y = tf.randomNormal([b, 3, d], 0, 1, 'float32', 2) as tf.Tensor3D;
    const w = tf.randomNormal([b, 3, d], 0, 1, 'float32', 3);
    const wl = tf.randomNormal([b, l, d], 0, 1, 'float32', 4);
    const idx = tf.tensor2d(idxData, [b, 3], 'int32');
    expectClose(selectTokens(x, idx), oneHotSelect(x, idx), { rtol: 0, atol: 0 });
    expectClose(placeTokens(y, idx, l), oneHotPlace(y, idx, l), { rtol: 0, atol: 0 });
    const [g1] = tf.grads((t: tf.Tensor) => tf.sum(tf.mul(selectTokens(t as tf.Tensor3D, idx), w)))([x]);
    const [g2] = tf.grads((t: tf.Tensor) => tf.sum(tf.mul(oneHotSelect(t as tf.Tensor3D, idx), w)))([x]);
    expectClose(g1, g2, { rtol: 0, atol: 1e-7, label: 'select grad' });
    const [g3] = tf.grads((t: tf.Tensor) => tf.sum(tf.mul(placeTokens(t as tf.Tensor3D, idx, l), wl)))([y]);
    const [g4] = tf.grads((t: tf.Tensor) => tf.sum(tf.mul(oneHotPlace(t as tf.Tensor3D, idx, l), wl)))([y]);
    expectClose(g3, g4, { rtol: 0, atol: 1e-7, label: 'place grad' });
    expectNoLeak(() => selectTokens(x, idx), 'selectTokens');
    expectNoLeak(() => placeTokens(y, idx, l), 'placeTokens');
    expectNoLeak(
      () => tf.grads((t: tf.Tensor) => tf.sum(selectTokens(t as tf.Tensor3D, idx)))([x]),
      'select grads',
    );
  });

  test('gatherRows accumulates gradients of repeated rows', () => {
    const table = tf.randomNormal([l, d], 0, 1, 'float32', 5) as tf.Tensor2D;
    const idx = tf.tensor2d(
      [
        [1, 1],
        [1, 4],
      ],
      [2, 2],
      'int32',
    );
    expectClose(gatherRows(table, idx), tf.matMul(tf.oneHot(idx, l), tf.stack([table, table])), {
      rtol: 0,
      atol: 0,
    });
    const [g] = tf.grads((t: tf.Tensor) => tf.sum(gatherRows(t as tf.Tensor2D, idx)))([table]);
    const rowSums = tf.sum(g, 1).arraySync() as number[];
    expect(rowSums).toEqual([0, 3 * d, 0, 0, d, 0]);
    expectNoLeak(() => gatherRows(table, idx), 'gatherRows');
  });

  test('shape errors name the shapes', () => {
    const x = tf.zeros([2, 6, 4]) as tf.Tensor3D;
    expect(() => selectTokens(x, tf.zeros([3, 2], 'int32') as tf.Tensor2D)).toThrow(ShapeError);
    expect(() => selectTokens(x, tf.zeros([3, 2], 'int32') as tf.Tensor2D)).toThrow(
      /got x \[2,6,4\] and idx \[3,2\] int32/,
    );
    expect(() => selectTokens(x, tf.zeros([2, 2]) as tf.Tensor2D)).toThrow(/float32/);
    expect(() => placeTokens(x, tf.zeros([2, 5], 'int32') as tf.Tensor2D, 6)).toThrow(
      /expected idx \[B, K=6\]/,
    );
  });
});
