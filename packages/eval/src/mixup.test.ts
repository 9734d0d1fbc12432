import { createRng } from '@splitmask/core';
import { describeEachBackend, expectClose, expectNoLeak } from '@splitmask/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { expect, test } from 'vitest';
import { applyMixup, sampleBeta, sampleGamma, sampleMixup } from './mixup';

test.each([
  [0.8, 0.8],
  [1, 1],
  [0.3, 2],
])('Beta(%f, %f) has the right mean and variance (20k draws)', (a, b) => {
  const rng = createRng(1);
  const n = 20000;
  const xs = Array.from({ length: n }, () => sampleBeta(rng, a, b));
  const mean = xs.reduce((s, x) => s + x, 0) / n;
  const v = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / n;
  expect(mean).toBeCloseTo(a / (a + b), 2);
  expect(v).toBeCloseTo((a * b) / ((a + b) ** 2 * (a + b + 1)), 2);
  expect(xs.every((x) => x > 0 && x < 1)).toBe(true);
});

test('Gamma(0.5) mean 0.5; bad shape named', () => {
  const rng = createRng(2);
  const xs = Array.from({ length: 20000 }, () => sampleGamma(rng, 0.5));
  expect(xs.reduce((s, x) => s + x, 0) / xs.length).toBeCloseTo(0.5, 1);
  expect(() => sampleGamma(rng, 0)).toThrow(/shape must be > 0, got 0/);
});

test('cutmix box: side floor(S*sqrt(1-lam0)), clipped, lam corrected to the pasted area', () => {
  for (let s = 0; s < 200; s++) {
    const r = sampleMixup(createRng(s), { mixupAlpha: 0, cutmixAlpha: 1 }, 28, 20);
    const { y0, y1, x0, x1 } = r.box as NonNullable<typeof r.box>;
    expect(0 <= y0 && y0 <= y1 && y1 <= 28 && 0 <= x0 && x0 <= x1 && x1 <= 20).toBe(true);
    expect(r.lam).toBeCloseTo(1 - ((y1 - y0) * (x1 - x0)) / (28 * 20), 12);
  }
});

test('switch prob, prob 0, both off, determinism', () => {
  const o = { mixupAlpha: 0.8, cutmixAlpha: 1 };
  const kinds = Array.from({ length: 400 }, (_, s) => (sampleMixup(createRng(s), o, 8, 8).box ? 1 : 0));
  const frac = kinds.reduce<number>((a, b) => a + b, 0) / kinds.length;
  expect(frac).toBeGreaterThan(0.4);
  expect(frac).toBeLessThan(0.6);
  expect(sampleMixup(createRng(0), { ...o, prob: 0 }, 8, 8)).toEqual({ lam: 1 });
  expect(sampleMixup(createRng(0), { mixupAlpha: 0, cutmixAlpha: 0 }, 8, 8)).toEqual({ lam: 1 });
  expect(sampleMixup(createRng(5), o, 8, 8)).toEqual(sampleMixup(createRng(5), o, 8, 8));
});

describeEachBackend('applyMixup', () => {
  const x = () => tf.tensor4d([1, 2, 3, 4, 10, 20, 30, 40], [2, 2, 2, 1]);
  const y = () => tf.tensor1d([0, 1], 'int32');

  test('mixup: lam·x + (1−lam)·x.flip(0), targets mixed with the same lam', () => {
    const [xs, ys] = [x(), y()];
    const { images, targets } = applyMixup(xs, ys, 2, { lam: 0.25 }, 0);
    expectClose(images, [7.75, 15.5, 23.25, 31, 3.25, 6.5, 9.75, 13], { atol: 1e-5 });
    expectClose(targets, [0.25, 0.75, 0.75, 0.25], { atol: 1e-6 });
    tf.dispose([xs, ys, images, targets]);
  });

  test('cutmix pastes the partner inside the box only', () => {
    const [xs, ys] = [x(), y()];
    const { images } = applyMixup(xs, ys, 2, { lam: 0.75, box: { y0: 0, y1: 1, x0: 1, x1: 2 } }, 0.1);
    expectClose(images, [1, 20, 3, 4, 10, 2, 30, 40], { atol: 0 });
    tf.dispose([xs, ys, images]);
  });

  test('no leaks', () => {
    const [xs, ys] = [x(), y()];
    expectNoLeak(() => applyMixup(xs, ys, 2, { lam: 0.5, box: { y0: 0, y1: 2, x0: 0, x1: 1 } }, 0.1));
    expectNoLeak(() => applyMixup(xs, ys, 2, { lam: 1 }, 0.1));
    tf.dispose([xs, ys]);
  });
});
