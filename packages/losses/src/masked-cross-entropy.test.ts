import { InvalidArgumentError, ShapeError } from '@splitmask/core';
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
import { assertFiniteAsync } from './assert-finite';
import { NonFiniteError } from './errors';
import { maskedCrossEntropy, maskedTokenAccuracy } from './masked-cross-entropy';

const cases = loadCases('masked-cross-entropy.json');

describeEachBackend(
  'maskedCrossEntropy',
  () => {
    test.each(cases.map((c) => [c.name, c] as const))('matches F.cross_entropy: %s', async (_, c) => {
      const { logits, targets, weights } = inputsOf(c) as Record<string, tf.Tensor>;
      const f = (x: tf.Tensor) =>
        maskedCrossEntropy(x as tf.Tensor3D, targets as tf.Tensor2D, weights as tf.Tensor2D | undefined);
      const loss = f(logits);
      await expectMatches(loss, c.outputs.loss, 'loss');
      const [g] = tf.grads(f)([logits]);
      await expectMatches(g, c.grads.logits, 'dlogits');
      await expectFiniteNonZero(g, 'dlogits');
      const stats = maskedTokenAccuracy(
        logits as tf.Tensor3D,
        targets as tf.Tensor2D,
        weights as tf.Tensor2D,
      );
      await expectMatches(stats.loss, c.outputs.loss, 'stats.loss');
      await expectMatches(stats.perPosition, c.outputs.perPosition, 'perPosition');
      await expectMatches(stats.correct, c.outputs.correct, 'correct');
      await expectMatches(stats.accuracy, c.outputs.accuracy, 'accuracy');
      expectNoLeak(() => f(logits), 'maskedCrossEntropy');
      expectNoLeak(() => tf.grads(f)([logits]), 'maskedCrossEntropy grads');
      expectNoLeak(
        () => maskedTokenAccuracy(logits as tf.Tensor3D, targets as tf.Tensor2D, weights as tf.Tensor2D),
        'maskedTokenAccuracy',
      );
      tf.dispose([logits, targets, weights, loss, g, stats]);
    });

    test('finite differences agree with the gradient (weighted and unweighted)', async () => {
      const logits = tf.randomNormal([2, 3, 4], 0, 2, 'float32', 3);
      const targets = tf.tensor2d(
        [
          [0, 3, 1],
          [2, 2, 0],
        ],
        undefined,
        'int32',
      );
      const weights = tf.tensor2d([
        [1, 0.5, 0],
        [2, 1, 1],
      ]);
      await expectDirectionalGrads((x) => maskedCrossEntropy(x as tf.Tensor3D, targets), [logits]);
      await expectDirectionalGrads((x) => maskedCrossEntropy(x as tf.Tensor3D, targets, weights), [logits]);
      tf.dispose([logits, targets, weights]);
    });

    test('fixed-length positions and float weights over all L positions give the same loss', async () => {
      // L = 5 positions, 2 of them masked per image: select them with a one-hot matmul, or weight them.
      const all = tf.randomNormal([2, 5, 6], 0, 1, 'float32', 11) as tf.Tensor3D;
      const idsAll = [
        [3, 0, 5, 1, 2],
        [4, 4, 2, 0, 1],
      ];
      const ids = tf.tensor2d(idsAll, undefined, 'int32');
      const mask = tf.tensor2d([
        [0, 1, 0, 1, 0],
        [1, 0, 0, 0, 1],
      ]);
      const pos = [
        [1, 3],
        [0, 4],
      ];
      const sel = tf.tensor3d(pos.map((r) => r.map((p) => [0, 1, 2, 3, 4].map((j) => (j === p ? 1 : 0))))); // [B, M, L]
      const picked = tf.matMul(sel, all) as tf.Tensor3D; // [B, M, V]
      const pickedIds = tf.tensor2d(
        pos.map((r, b) => r.map((p) => idsAll[b][p])),
        undefined,
        'int32',
      );
      const fixed = maskedCrossEntropy(picked, pickedIds);
      const weighted = maskedCrossEntropy(all, ids, mask);
      expectClose(await read(fixed), await read(weighted), { rtol: 1e-6 });
      tf.dispose([all, ids, mask, sel, picked, pickedIds, fixed, weighted]);
    });

    test('none masked: sum(w) = 0 gives loss 0 with zero, finite gradients', async () => {
      const logits = tf.randomNormal([2, 3, 4], 0, 1, 'float32', 5);
      const targets = tf.zeros([2, 3], 'int32') as tf.Tensor2D;
      const zeros = tf.zeros([2, 3]) as tf.Tensor2D;
      const loss = maskedCrossEntropy(logits as tf.Tensor3D, targets, zeros);
      expect(await scalarOf(loss)).toBe(0);
      const [g] = tf.grads((x: tf.Tensor) => maskedCrossEntropy(x as tf.Tensor3D, targets, zeros))([logits]);
      await expectAllZero(g, 'dlogits');
      const stats = maskedTokenAccuracy(logits as tf.Tensor3D, targets, zeros);
      expect(await scalarOf(stats.accuracy)).toBe(0);
      tf.dispose([logits, targets, zeros, loss, g, stats]);
    });

    test('extreme logits (±1e4) stay finite and exact: loss = max − target logit', async () => {
      const logits = tf.tensor3d([
        [
          [1e4, -1e4, 0],
          [0, 5e3, -1e4],
        ],
      ]);
      const targets = tf.tensor2d([[1, 1]], undefined, 'int32');
      // position 0: 1e4 − (−1e4) = 2e4; position 1: target is the max, loss ≈ 0; mean 1e4.
      const loss = maskedCrossEntropy(logits, targets);
      expectClose(await read(loss), 1e4, { rtol: 1e-6 });
      const [g] = tf.grads((x: tf.Tensor) => maskedCrossEntropy(x as tf.Tensor3D, targets))([logits]);
      expectClose(await read(g), [0.5, -0.5, 0, 0, 0, 0], { atol: 1e-6 });
      tf.dispose([logits, targets, loss, g]);
    });

    test('NaN logits propagate to a NaN loss that assertFinite rejects', async () => {
      const logits = tf.tensor3d([
        [
          [0, Number.NaN, 1],
          [0, 1, 2],
        ],
      ]);
      const targets = tf.tensor2d([[0, 2]], undefined, 'int32');
      const loss = maskedCrossEntropy(logits, targets);
      expect(Number.isNaN(await scalarOf(loss))).toBe(true);
      await expect(assertFiniteAsync({ 'loss/mim': loss })).rejects.toThrow(NonFiniteError);
      tf.dispose([logits, targets, loss]);
    });

    test('an out-of-range target id gives +Infinity, not a silent 0', async () => {
      const logits = tf.zeros([1, 2, 3]) as tf.Tensor3D;
      const over = tf.tensor2d([[0, 3]], undefined, 'int32');
      const neg = tf.tensor2d([[-1, 0]], undefined, 'int32');
      const [a, b] = [maskedCrossEntropy(logits, over), maskedCrossEntropy(logits, neg)];
      expect(await scalarOf(a)).toBe(Number.POSITIVE_INFINITY);
      expect(await scalarOf(b)).toBe(Number.POSITIVE_INFINITY);
      tf.dispose([logits, over, neg, a, b]);
    });

    test('rejects bad shapes and dtypes, naming them', () => {
      const logits = tf.zeros([2, 3, 4]) as tf.Tensor3D;
      const t = tf.zeros([2, 3], 'int32') as tf.Tensor2D;
      const bad = [tf.zeros([6, 4]), tf.zeros([2, 4], 'int32'), tf.zeros([2, 3]), tf.ones([3, 2])];
      expect(() => maskedCrossEntropy(bad[0] as unknown as tf.Tensor3D, t)).toThrow(ShapeError);
      expect(() => maskedCrossEntropy(logits, bad[1] as tf.Tensor2D)).toThrow(
        /expected targets \[B, M\] = \[2, 3\], got \[2, 4\]/,
      );
      expect(() => maskedCrossEntropy(logits, bad[2] as tf.Tensor2D)).toThrow(InvalidArgumentError);
      expect(() => maskedCrossEntropy(logits, t, bad[3] as tf.Tensor2D)).toThrow(/weights/);
      tf.dispose([logits, t, ...bad]);
    });
  },
  { webgpu: true },
);
