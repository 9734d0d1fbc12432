import { describeEachBackend, expectCloseAsync, expectNoLeak } from '@splitmask/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { test } from 'vitest';
import { erfFast, erfRational } from './erf';

// math.erf (CPython) at these points.
const XS = [-10, -3, -1, -0.5, 0, 1e-3, 0.5, 1, 2, 3.3159, 5];
const ERF = [
  -1, -0.9999779095030014, -0.8427007929497149, -0.5204998778130465, 0, 0.0011283787909692365,
  0.5204998778130465, 0.8427007929497149, 0.9953222650189527, 0.9999972598031673, 0.9999999999984626,
];

describeEachBackend(
  'erfRational / erfFast',
  () => {
    test.each([
      ['erfRational', erfRational],
      ['erfFast', erfFast],
    ] as const)('%s matches math.erf within 1e-6', async (name, fn) => {
      const x = tf.tensor1d(XS);
      await expectCloseAsync(fn(x), ERF, { rtol: 0, atol: 1e-6 });
      expectNoLeak(() => fn(x), name);
    });

    test('erfRational equals tf.erf over [-6, 6] within 1e-6', async () => {
      const x = tf.linspace(-6, 6, 1201);
      await expectCloseAsync(erfRational(x), tf.erf(x), { rtol: 0, atol: 1e-6 });
    });
  },
  { webgpu: true },
);
