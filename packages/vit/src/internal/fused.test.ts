import { gelu as geluCore, layerNorm as layerNormCore } from '@splitmask/core';
import { describeEachBackend, expectClose, expectNoLeak } from '@splitmask/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { test } from 'vitest';
import { gelu, layerNorm } from './fused';

describeEachBackend('fused gelu / layerNorm', () => {
  test('same values as core, same gradients as core autodiff', () => {
    const x = tf.mul(tf.randomNormal([2, 5, 8], 0, 1, 'float32', 1), 3);
    const w = tf.randomNormal([8], 1, 0.3, 'float32', 2);
    const b = tf.randomNormal([8], 0, 0.3, 'float32', 3);
    const r = tf.randomNormal([2, 5, 8], 0, 1, 'float32', 4);
    expectClose(gelu(x), geluCore(x), { rtol: 0, atol: 0 });
    expectClose(
      layerNorm(x, { weight: w, bias: b } as never, 1e-6),
      layerNormCore(x, { weight: w, bias: b } as never),
      { rtol: 0, atol: 0 },
    );
    const loss = (ln: typeof layerNorm, g: typeof gelu) => (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) =>
      tf.sum(tf.mul(g(ln(xx, { weight: ww, bias: bb } as never, 1e-6)), r));
    const ours = tf.grads(loss(layerNorm, gelu))([x, w, b]);
    const ref = tf.grads(loss((xx, p, eps) => layerNormCore(xx, p, eps), geluCore))([x, w, b]);
    ['x', 'weight', 'bias'].forEach((n, i) => {
      expectClose(ours[i], ref[i], { rtol: 1e-4, atol: 1e-5, label: `grad ${n}` });
    });
    expectNoLeak(() => tf.grads(loss(layerNorm, gelu))([x, w, b]), 'fused grads');
    expectNoLeak(() => gelu(x), 'gelu');
  });
});
