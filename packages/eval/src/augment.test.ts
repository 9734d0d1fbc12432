/**
 * gatherAugmented equals torchvision's RandomCrop(S, padding=p) + horizontal flip written independently
 * with tfjs ops (zero pad, slice the window at offset p + d, reverse the width axis).
 */
import { createRng } from '@splitmask/core';
import { useBackend } from '@splitmask/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, test } from 'vitest';
import { gatherAugmented } from './augment';

function reference(
  img: Float32Array,
  s: number,
  c: number,
  p: number,
  dy: number,
  dx: number,
  flip: boolean,
) {
  return tf.tidy(() => {
    const x = tf.tensor3d(img, [s, s, c]);
    const padded = tf.pad(x, [
      [p, p],
      [p, p],
      [0, 0],
    ]);
    const crop = tf.slice(padded, [p + dy, p + dx, 0], [s, s, c]);
    return (flip ? tf.reverse(crop, 1) : crop).dataSync() as Float32Array;
  });
}

describe('gatherAugmented', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  test('crop offsets and flips match pad → slice → reverse, per row, for every offset in [-p, p]', () => {
    const s = 6;
    const c = 3;
    const p = 2;
    const rng = createRng(1);
    const n = 5;
    const pixels = Float32Array.from({ length: n * s * s * c }, () => rng.random());
    const before = tf.memory().numTensors;
    for (let dy = -p; dy <= p; dy++)
      for (let dx = -p; dx <= p; dx++)
        for (const flip of [false, true]) {
          const idx = [3, 0];
          const out = gatherAugmented(pixels, idx, s, c, [{ flip, dy, dx }, { flip: !flip }]);
          const per = s * s * c;
          const want0 = reference(pixels.subarray(3 * per, 4 * per), s, c, p, dy, dx, flip);
          const want1 = reference(pixels.subarray(0, per), s, c, p, 0, 0, !flip);
          expect(Array.from(out.subarray(0, per))).toEqual(Array.from(want0));
          expect(Array.from(out.subarray(per))).toEqual(Array.from(want1));
        }
    expect(tf.memory().numTensors).toBe(before);
  });

  test('no augmentation copies the rows; a shift of the full size leaves zeros', () => {
    const pixels = Float32Array.from({ length: 3 * 4 }, (_, i) => i + 1);
    expect(Array.from(gatherAugmented(pixels, [2, 0], 2, 1))).toEqual([9, 10, 11, 12, 1, 2, 3, 4]);
    expect(Array.from(gatherAugmented(pixels, [1], 2, 1, [{ dy: 2 }]))).toEqual([0, 0, 0, 0]);
  });
});
