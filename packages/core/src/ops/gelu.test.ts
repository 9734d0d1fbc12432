import { describeEachBackend, expectCloseAsync, expectNoLeak } from '@splitmask/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { test } from 'vitest';
import { opsCase } from '../../test/ops-fixture';
import { gelu, geluNaive, geluTanh } from './gelu';

describeEachBackend(
  'gelu',
  (backend) => {
    const tol = backend === 'webgpu' ? { rtol: 1e-3, atol: 1e-4 } : { rtol: 1e-5, atol: 1e-6 };
    test.each([
      ['gelu', 'gelu', gelu],
      ['geluNaive', 'gelu', geluNaive],
      ['geluTanh', 'geluTanh', geluTanh],
    ] as const)('%s matches torch %s (value and gradient over [-9, 9])', async (name, fixture, fn) => {
      const c = opsCase(fixture);
      const { x } = c.inputs;
      await expectCloseAsync(fn(x), c.out, tol);
      const f = (xx: tf.Tensor) => tf.sum(tf.mul(fn(xx), c.cot));
      await expectCloseAsync(tf.grad(f)(x), c.grads.x, { ...tol, label: 'dx' });
      expectNoLeak(() => fn(x), name);
      expectNoLeak(() => tf.grad(f)(x), `${name} grad`);
    });
  },
  { webgpu: true },
);
