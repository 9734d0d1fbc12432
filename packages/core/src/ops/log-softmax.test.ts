import { describeEachBackend, expectCloseAsync, expectNoLeak } from '@splitmask/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { expect, test } from 'vitest';
import { opsCase } from '../../test/ops-fixture';
import { crossEntropyPerRow, logSoftmax } from './log-softmax';

describeEachBackend(
  'logSoftmax / crossEntropyPerRow',
  (backend) => {
    const tol = backend === 'webgpu' ? { rtol: 1e-4, atol: 1e-3 } : { rtol: 1e-5, atol: 1e-4 };

    test('logSoftmax matches torch on logits of scale 30 (no overflow)', async () => {
      const c = opsCase('logSoftmax');
      const { x } = c.inputs;
      await expectCloseAsync(logSoftmax(x), c.out, tol);
      const f = (xx: tf.Tensor) => tf.sum(tf.mul(logSoftmax(xx), c.cot));
      await expectCloseAsync(tf.grad(f)(x), c.grads.x, { ...tol, label: 'dx' });
      expectNoLeak(() => logSoftmax(x), 'logSoftmax');
      expectNoLeak(() => tf.grad(f)(x), 'logSoftmax grad');
    });

    test.each([
      [[3, 5], [4], /got logits \[3,5\] and targets \[4\]/],
      [[3, 5], [3, 1], /targets \[3,1\]/],
    ])('crossEntropyPerRow rejects logits %j with targets %j', (ls, ts, msg) => {
      const logits: tf.Tensor = tf.zeros(ls);
      const targets: tf.Tensor = tf.zeros(ts, 'int32');
      expect(() => crossEntropyPerRow(logits as tf.Tensor2D, targets as tf.Tensor1D)).toThrow(msg);
    });

    test('stays finite where exp overflows float32', async () => {
      const y = logSoftmax(tf.tensor2d([[1000, 0, -1000]]));
      await expectCloseAsync(y, [0, -1000, -2000], { rtol: 1e-6, atol: 1e-3 });
    });

    test('crossEntropyPerRow matches torch F.cross_entropy(reduction=none): value and dlogits', async () => {
      const c = opsCase('crossEntropyPerRow');
      const logits = c.inputs.logits as tf.Tensor2D;
      const targets = c.targets as tf.Tensor1D;
      await expectCloseAsync(crossEntropyPerRow(logits, targets), c.out, tol);
      const f = (l: tf.Tensor) => tf.sum(tf.mul(crossEntropyPerRow(l as tf.Tensor2D, targets), c.cot));
      const g = tf.grad(f)(logits);
      await expectCloseAsync(g, c.grads.logits, { ...tol, label: 'dlogits' });
      expect((await tf.all(tf.isFinite(g)).data())[0]).toBe(1);
      expectNoLeak(() => crossEntropyPerRow(logits, targets), 'crossEntropyPerRow');
      expectNoLeak(() => tf.grad(f)(logits), 'crossEntropyPerRow grad');
    });
  },
  { webgpu: true },
);
