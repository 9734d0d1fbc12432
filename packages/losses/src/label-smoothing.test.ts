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

const cases = loadCases('fine-tuning.json').filter((c) => !('targets' in c.inputs));

describeEachBackend(
  'labelSmoothingCrossEntropy',
  () => {
    test.each(cases.map((c) => [c.name, c] as const))(
      'matches timm LabelSmoothingCrossEntropy: %s',
      async (_, c) => {
        const { logits, labels } = inputsOf(c);
        const smoothing = c.options.smoothing as number;
        const f = (x: tf.Tensor) =>
          labelSmoothingCrossEntropy(x as tf.Tensor2D, labels as tf.Tensor1D, smoothing);
        const loss = f(logits);
        await expectMatches(loss, c.outputs.loss, 'loss');
        const [g] = tf.grads(f)([logits]);
        await expectMatches(g, c.grads.logits, 'dlogits');
        await expectFiniteNonZero(g, 'dlogits');
        expectNoLeak(() => f(logits), 'labelSmoothingCrossEntropy');
        expectNoLeak(() => tf.grads(f)([logits]), 'labelSmoothingCrossEntropy grads');
        tf.dispose([logits, labels, loss, g]);
      },
    );

    test('finite differences agree with the gradient', async () => {
      const x = tf.randomNormal([3, 5], 0, 1, 'float32', 9);
      const y = tf.tensor1d([4, 0, 2], 'int32');
      await expectDirectionalGrads((a) => labelSmoothingCrossEntropy(a as tf.Tensor2D, y), [x]);
      tf.dispose([x, y]);
    });

    test('default smoothing is 0.1; uniform logits give log C for any smoothing', async () => {
      const x = tf.zeros([2, 7]) as tf.Tensor2D;
      const y = tf.tensor1d([1, 6], 'int32');
      const [a, b] = [labelSmoothingCrossEntropy(x, y), labelSmoothingCrossEntropy(x, y, 0.5)];
      expectClose(await read(a), Math.log(7), { rtol: 1e-6 });
      expectClose(await read(b), Math.log(7), { rtol: 1e-6 });
      tf.dispose([x, y, a, b]);
    });

    test('NaN logits propagate; out-of-range labels give +Infinity; bad smoothing throws', async () => {
      const y = tf.tensor1d([0], 'int32');
      const nanLogits = tf.tensor2d([[Number.NaN, 0]]);
      const zeros = tf.zeros([1, 2]) as tf.Tensor2D;
      const over = tf.tensor1d([2], 'int32');
      const [a, b] = [labelSmoothingCrossEntropy(nanLogits, y), labelSmoothingCrossEntropy(zeros, over)];
      expect(Number.isNaN(await scalarOf(a))).toBe(true);
      expect(await scalarOf(b)).toBe(Number.POSITIVE_INFINITY);
      expect(() => labelSmoothingCrossEntropy(zeros, y, 1)).toThrow(/smoothing must be in/);
      const two = tf.zeros([2, 2]) as tf.Tensor2D;
      expect(() => labelSmoothingCrossEntropy(two, y)).toThrow(/labels \[B\] = \[2\]/);
      tf.dispose([y, nanLogits, zeros, over, a, b, two]);
    });
  },
  { webgpu: true },
);
