import { describeEachBackend, expectClose, expectCloseAsync, expectNoLeak } from '@splitmask/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { expect, test } from 'vitest';
import { opsCase } from '../../test/ops-fixture';
import { crossEntropyPerRow, logSoftmax } from './log-softmax';

/** The textbook composite: −Σ log_softmax(x)·onehot(t) (the formulation the fused op replaced). */
function compositeCE(x: tf.Tensor2D, t: tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(() => {
    const onehot = tf.cast(tf.oneHot(t, x.shape[1]), 'float32');
    return tf.neg(tf.sum(tf.mul(logSoftmax(x), onehot), 1)) as tf.Tensor1D;
  });
}

const read = async (t: tf.Tensor) => Array.from(await t.data());

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

    test('fused crossEntropyPerRow equals the composite in value and vector-Jacobian product', async () => {
      const x = tf.randomNormal([6, 5], 0, 3, 'float32', 1) as tf.Tensor2D;
      const t = tf.tensor1d([0, 4, 2, 2, 1, 3], 'int32');
      const cot = tf.randomNormal([6], 0, 1, 'float32', 2);
      const f = (fn: typeof compositeCE) => (a: tf.Tensor) => tf.sum(tf.mul(fn(a as tf.Tensor2D, t), cot));
      const [a, b] = [crossEntropyPerRow(x, t), compositeCE(x, t)];
      expectClose(await read(a), await read(b), { rtol: 1e-6, atol: 1e-6 });
      const [ga] = tf.grads(f(crossEntropyPerRow))([x]);
      const [gb] = tf.grads(f(compositeCE))([x]);
      expectClose(await read(ga), await read(gb), { rtol: 1e-5, atol: 1e-6 });
      expectNoLeak(() => tf.grads(f(crossEntropyPerRow))([x]), 'crossEntropyPerRow grads');
      tf.dispose([x, t, cot, a, b, ga, gb]);
    });

    test('invalid ids: +Infinity values, gradient rows with no target term', async () => {
      const x = tf.zeros([3, 4]) as tf.Tensor2D;
      const t = tf.tensor1d([4, -1, 1], 'int32');
      const ce = crossEntropyPerRow(x, t);
      expect(await read(ce)).toEqual([
        Number.POSITIVE_INFINITY,
        Number.POSITIVE_INFINITY,
        Math.fround(Math.log(4)),
      ]);
      const [g] = tf.grads((a: tf.Tensor) => tf.sum(crossEntropyPerRow(a as tf.Tensor2D, t)))([x]);
      expectClose(await read(g), [0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25, -0.75, 0.25, 0.25], {
        atol: 1e-7,
      });
      tf.dispose([x, t, ce, g]);
    });

    test('memory: forward + backward peaks at < 5 logits-sized buffers (the composite needs ~20)', async () => {
      const [r, v] = [256, 128];
      const x = tf.randomNormal([r, v], 0, 1, 'float32', 3) as tf.Tensor2D;
      const t = tf.randomUniform([r], 0, v, 'int32', 4) as tf.Tensor1D;
      const logitsBytes = r * v * 4;
      const peak = async (fn: typeof compositeCE) => {
        const start = tf.memory().numBytes;
        const info = await tf.profile(() =>
          tf.grads((a: tf.Tensor) => tf.mean(fn(a as tf.Tensor2D, t)))([x]),
        );
        tf.dispose(info.result as tf.Tensor[]);
        return (info.peakBytes - start) / logitsBytes;
      };
      const fused = await peak(crossEntropyPerRow);
      const composite = await peak(compositeCE);
      expect(fused).toBeLessThan(5);
      expect(fused).toBeLessThan(composite / 3);
      tf.dispose([x, t]);
    });
  },
  { webgpu: true },
);
