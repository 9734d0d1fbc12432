import { InvalidArgumentError, ShapeError } from '@splitmask/core';
import { describeEachBackend, expectClose, expectNoLeak } from '@splitmask/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, test } from 'vitest';
import { fixture, type TokenizeFixture } from '../test/fixtures';
import { defaultNormalization, l2NormalizeRows, resolveNormalization } from './normalization';
import { checkFiniteImages, checkImageShape, extractPatches, extractPatchesHost } from './patches';

const fx = fixture<TokenizeFixture>('tokenize.json');
const norm = { mean: fx.mean, std: fx.std };
const shape = fx.images.shape as [number, number, number, number];

describeEachBackend('extractPatches', () => {
  test('matches numpy patches (row, column, channel order; per-channel normalisation)', () => {
    const images = tf.tensor4d(fx.images.data, shape);
    expectClose(
      extractPatches(images, fx.patchSize, norm),
      tf.tensor2d(fx.patches.data, fx.patches.shape as [number, number]),
      {
        rtol: 1e-5,
        atol: 1e-5,
      },
    );
    expectNoLeak(() => extractPatches(images, fx.patchSize, norm), 'extractPatches');
    images.dispose();
  });
  test('non-finite pixels are reported with their position', () => {
    const data = new Float32Array(2 * 8 * 8 * 3).fill(0.5);
    data[((1 * 8 + 2) * 8 + 3) * 3 + 1] = Number.NaN;
    const images = tf.tensor4d(data, [2, 8, 8, 3]);
    expect(() => checkFiniteImages(images)).toThrow(InvalidArgumentError);
    expect(() => checkFiniteImages(images)).toThrow(/got NaN at \[b, y, x, c\] = \[1, 2, 3, 1\]/);
    images.dispose();
  });
});

describe('extractPatchesHost', () => {
  test('matches numpy patches', () => {
    expectClose(extractPatchesHost(fx.images.data, shape, fx.patchSize, norm, false), fx.patches.data, {
      rtol: 1e-5,
      atol: 1e-5,
    });
  });
  test('l2 option normalises every patch to unit length', () => {
    const rows = extractPatchesHost(fx.images.data, shape, fx.patchSize, norm, true);
    const expected = l2NormalizeRows(Float32Array.from(fx.patches.data), 192);
    expectClose(rows, expected, { rtol: 1e-5, atol: 1e-6 });
  });
  test('rejects a data length that does not match the shape', () => {
    expect(() =>
      extractPatchesHost(new Float32Array(10), [1, 8, 8, 3], 8, defaultNormalization(3), false),
    ).toThrow(/has 10 values, expected 192/);
  });
});

describe('checkImageShape', () => {
  test.each([
    { name: 'wrong channels', shape: [2, 16, 16, 1], msg: /C = channels=3, got \[2, 16, 16, 1\]/ },
    {
      name: 'height not divisible',
      shape: [2, 17, 16, 3],
      msg: /multiples of patchSize=8, got \[2, 17, 16, 3\]/,
    },
    {
      name: 'width not divisible',
      shape: [2, 16, 12, 3],
      msg: /multiples of patchSize=8, got \[2, 16, 12, 3\]/,
    },
    { name: 'rank 3', shape: [16, 16, 3], msg: /got rank 3 shape \[16, 16, 3\]/ },
    { name: 'empty batch', shape: [0, 16, 16, 3], msg: /got \[0, 16, 16, 3\]/ },
  ])('$name', ({ shape: s, msg }) => {
    expect(() => checkImageShape(s, 8, 3)).toThrow(ShapeError);
    expect(() => checkImageShape(s, 8, 3)).toThrow(msg);
  });
});

describe('resolveNormalization', () => {
  test('defaults to (x - 0.5) / 0.5 per channel', () => {
    expect(resolveNormalization(3)).toEqual({ mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] });
  });
  test.each([
    { name: 'length mismatch', n: { mean: [0.5], std: [0.5] }, msg: /length channels=3, got mean \[0.5\]/ },
    {
      name: 'zero std',
      n: { mean: [0, 0, 0], std: [1, 0, 1] },
      msg: /std\[1\] must be a positive finite number, got 0/,
    },
    {
      name: 'NaN mean',
      n: { mean: [0, Number.NaN, 0], std: [1, 1, 1] },
      msg: /mean\[1\] must be finite, got NaN/,
    },
  ])('rejects $name', ({ n, msg }) => {
    expect(() => resolveNormalization(3, n)).toThrow(msg);
  });
});
