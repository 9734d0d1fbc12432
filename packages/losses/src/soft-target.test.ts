import { describeEachBackend, expectClose, expectNoLeak } from '@splitmask/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { expect, test } from 'vitest';
import {
  expectDirectionalGrads,
  expectFiniteNonZero,
  expectMatches,
  inputsOf,
  loadCases,
  read,
  scalarOf,
} from '../test/helpers';
import { labelSmoothingCrossEntropy } from './label-smoothing';
import { mixupTargets, softTargetCrossEntropy } from './soft-target';

const cases = loadCases('fine-tuning.json').filter((c) => 'targets' in c.inputs);

describeEachBackend(
  'softTargetCrossEntropy + mixupTargets',
  () => {
    test.each(cases.map((c) => [c.name, c] as const))(
      'matches timm SoftTargetCrossEntropy: %s',
      async (_, c) => {
        const { logits, targets, labels } = inputsOf(c) as Record<string, tf.Tensor2D>;
        const { lam, smoothing } = c.options as Record<string, number>;
        const mixed = mixupTargets(labels as unknown as tf.Tensor1D, logits.shape[1], { lam, smoothing });
        await expectMatches(mixed, c.outputs.mixupTargets, 'mixupTargets', 1e-6);
        const rowSums = tf.sum(mixed, 1);
        expectClose(await read(rowSums), new Array(logits.shape[0]).fill(1), {
          rtol: 1e-6,
          label: 'row sums',
        });
        const f = (x: tf.Tensor, t: tf.Tensor) => softTargetCrossEntropy(x as tf.Tensor2D, t as tf.Tensor2D);
        const loss = f(logits, targets);
        await expectMatches(loss, c.outputs.loss, 'loss');
        const [gx, gt] = tf.grads(f)([logits, targets]);
        await expectMatches(gx, c.grads.logits, 'dlogits');
        await expectMatches(gt, c.grads.targets, 'dtargets');
        await expectFiniteNonZero(gx, 'dlogits');
        expectNoLeak(() => f(logits, targets), 'softTargetCrossEntropy');
        expectNoLeak(() => tf.grads(f)([logits, targets]), 'softTargetCrossEntropy grads');
        expectNoLeak(() => mixupTargets(labels as unknown as tf.Tensor1D, 4, { lam }), 'mixupTargets');
        tf.dispose([logits, targets, labels, mixed, rowSums, loss, gx, gt]);
      },
    );

    test('finite differences agree with the gradient', async () => {
      const x = tf.randomNormal([3, 4], 0, 1, 'float32', 1);
      const t = tf.softmax(tf.randomNormal([3, 4], 0, 1, 'float32', 2));
      await expectDirectionalGrads(
        (a, b) => softTargetCrossEntropy(a as tf.Tensor2D, b as tf.Tensor2D),
        [x, t],
      );
      tf.dispose([x, t]);
    });

    test('λ = 1 mixup targets with smoothing s make it equal to label smoothing s', async () => {
      const x = tf.randomNormal([4, 5], 0, 2, 'float32', 3) as tf.Tensor2D;
      const y = tf.tensor1d([0, 4, 2, 2], 'int32');
      const t = mixupTargets(y, 5, { lam: 1, smoothing: 0.1 });
      const [a, b] = [softTargetCrossEntropy(x, t), labelSmoothingCrossEntropy(x, y, 0.1)];
      expectClose(await read(a), await read(b), { rtol: 1e-6 });
      tf.dispose([x, y, t, a, b]);
    });

    test('large logits (±1e4) stay finite; NaN logits propagate', async () => {
      const t = tf.tensor2d([[0.5, 0.5, 0]]);
      const big = tf.tensor2d([[1e4, -1e4, 0]]);
      const nan = tf.tensor2d([[Number.NaN, 0, 0]]);
      const [a, b] = [softTargetCrossEntropy(big, t), softTargetCrossEntropy(nan, t)];
      expectClose(await read(a), 1e4, { rtol: 1e-6 });
      expect(Number.isNaN(await scalarOf(b))).toBe(true);
      tf.dispose([t, big, nan, a, b]);
    });

    test('rejects mismatched targets and out-of-range λ / smoothing', () => {
      const x = tf.zeros([2, 3]) as tf.Tensor2D;
      const y = tf.tensor1d([0, 1], 'int32');
      const bad = [tf.zeros([2, 4]), tf.tensor1d([0, 1])];
      expect(() => softTargetCrossEntropy(x, bad[0] as tf.Tensor2D)).toThrow(/targets \[B, C\] = \[2, 3\]/);
      expect(() => mixupTargets(y, 3, { lam: 1.5 })).toThrow(/lam must be in \[0, 1\], got 1.5/);
      expect(() => mixupTargets(y, 3, { smoothing: -0.1 })).toThrow(/smoothing/);
      expect(() => mixupTargets(bad[1] as tf.Tensor1D, 3)).toThrow(/int32/);
      tf.dispose([x, y, ...bad]);
    });
  },
  { webgpu: true },
);
