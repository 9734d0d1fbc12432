import { SplitmaskError } from '@splitmask/core';
import { describeEachBackend } from '@splitmask/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { expect, test } from 'vitest';
import { assertFinite, assertFiniteAsync } from './assert-finite';
import { NonFiniteError } from './errors';

describeEachBackend('assertFinite', () => {
  test('passes finite numbers and tensors', async () => {
    const t = tf.tensor1d([1, -2, 3e38]);
    expect(() => assertFinite({ a: 1, b: t })).not.toThrow();
    await expect(assertFiniteAsync({ a: 0, b: t })).resolves.toBeUndefined();
    t.dispose();
  });

  test.each([
    ['NaN', Number.NaN],
    ['+Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
  ])('throws NonFiniteError naming key, element and value: %s', async (name, v) => {
    const t = tf.tensor1d([0, v, 1]);
    let err: unknown;
    try {
      assertFinite({ ok: 1, 'loss/mim': t }, 'at step 7');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NonFiniteError);
    expect(err).toBeInstanceOf(SplitmaskError);
    expect((err as NonFiniteError).code).toBe('NON_FINITE');
    expect((err as NonFiniteError).key).toBe('loss/mim');
    expect((err as Error).message).toBe(`Non-finite loss/mim[1] of 3 = ${name.replace('+', '')} at step 7`);
    expect(() => assertFinite({ loss: v })).toThrow(`Non-finite loss = ${name.replace('+', '')}`);
    await expect(assertFiniteAsync({ x: t })).rejects.toThrow(NonFiniteError);
    t.dispose();
  });
});
