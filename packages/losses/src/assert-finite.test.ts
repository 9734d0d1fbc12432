import { SplitmaskError } from '@splitmask/core';
import { describeEachBackend } from '@splitmask/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { expect, test } from 'vitest';
import { assertFinite, assertFiniteAsync } from './assert-finite';
import { NonFiniteError } from './errors';

test('assertFinite passes finite numbers, throws NonFiniteError on non-finite ones', () => {
  expect(() => assertFinite({ a: 1, b: -3e38 })).not.toThrow();
  expect(() => assertFinite({ loss: Number.NaN }, 'at step 3')).toThrow('Non-finite loss = NaN at step 3');
  expect(() => assertFinite({ ok: 0, nce: Number.NEGATIVE_INFINITY })).toThrow('Non-finite nce = -Infinity');
});

describeEachBackend(
  'assertFiniteAsync (tensors)',
  () => {
    test('passes finite tensors', async () => {
      const t = tf.tensor1d([1, -2, 3e38]);
      await expect(assertFiniteAsync({ a: 0, b: t })).resolves.toBeUndefined();
      t.dispose();
    });

    test.each([
      ['NaN', Number.NaN],
      ['Infinity', Number.POSITIVE_INFINITY],
      ['-Infinity', Number.NEGATIVE_INFINITY],
    ])('throws NonFiniteError naming key, element and value: %s', async (name, v) => {
      const t = tf.tensor1d([0, v, 1]);
      const err = await assertFiniteAsync({ ok: 1, 'loss/mim': t }, 'at step 7').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NonFiniteError);
      expect(err).toBeInstanceOf(SplitmaskError);
      expect((err as NonFiniteError).code).toBe('NON_FINITE');
      expect((err as NonFiniteError).key).toBe('loss/mim');
      expect(Object.is((err as NonFiniteError).value, v)).toBe(true);
      expect((err as Error).message).toBe(`Non-finite loss/mim[1] of 3 = ${name} at step 7`);
      t.dispose();
    });
  },
  { webgpu: true },
);

describeEachBackend('assertFinite (tensors, synchronous read)', () => {
  test('reads tensors with dataSync', () => {
    const t = tf.tensor1d([0, Number.NaN]);
    expect(() => assertFinite({ x: t })).toThrow('Non-finite x[1] of 2 = NaN');
    t.dispose();
  });
});
