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
import { labelSmoothingCrossEntropy } from './label-smoothing';

const cases = loadCases('fine-tuning.json').filter((c) => !('targets' in c.inputs));

describeEachBackend('labelSmoothingCrossEntropy', () => {
  test.each(cases.map((c) => [c.name, c] as const))('matches timm LabelSmoothingCrossEntropy: %s', (_, c) => {
    const { logits, labels } = inputsOf(c);
    const smoothing = c.options.smoothing as number;
    const f = (x: tf.Tensor) =>
      labelSmoothingCrossEntropy(x as tf.Tensor2D, labels as tf.Tensor1D, smoothing);
    expectMatches(f(logits), c.outputs.loss, 'loss');
    const [g] = tf.grads(f)([logits]);
    expectMatches(g, c.grads.logits, 'dlogits');
    expectFiniteNonZero(g, 'dlogits');
    expectNoLeak(() => f(logits), 'labelSmoothingCrossEntropy');
    expectNoLeak(() => tf.grads(f)([logits]), 'labelSmoothingCrossEntropy grads');
    tf.dispose([logits, labels, g]);
  });

  test('finite differences agree with the gradient', () => {
    const x = tf.randomNormal([3, 5], 0, 1, 'float32', 9);
    const y = tf.tensor1d([4, 0, 2], 'int32');
    expectDirectionalGrads((a) => labelSmoothingCrossEntropy(a as tf.Tensor2D, y), [x]);
    tf.dispose([x, y]);
  });

  test('default smoothing is 0.1; uniform logits give log C for any smoothing', () => {
    const x = tf.zeros([2, 7]) as tf.Tensor2D;
    const y = tf.tensor1d([1, 6], 'int32');
    expectClose(labelSmoothingCrossEntropy(x, y), Math.log(7), { rtol: 1e-6 });
    expectClose(labelSmoothingCrossEntropy(x, y, 0.5), Math.log(7), { rtol: 1e-6 });
    tf.dispose([x, y]);
  });

  test('NaN logits propagate; out-of-range labels give +Infinity; bad smoothing throws', () => {
    const y = tf.tensor1d([0], 'int32');
    expect(Number.isNaN(labelSmoothingCrossEntropy(tf.tensor2d([[Number.NaN, 0]]), y).dataSync()[0])).toBe(
      true,
    );
    expect(
      labelSmoothingCrossEntropy(tf.zeros([1, 2]) as tf.Tensor2D, tf.tensor1d([2], 'int32')).dataSync()[0],
    ).toBe(Number.POSITIVE_INFINITY);
    expect(() => labelSmoothingCrossEntropy(tf.zeros([1, 2]) as tf.Tensor2D, y, 1)).toThrow(
      /smoothing must be in/,
    );
    expect(() => labelSmoothingCrossEntropy(tf.zeros([2, 2]) as tf.Tensor2D, y)).toThrow(
      /labels \[B\] = \[2\]/,
    );
    y.dispose();
  });
});
