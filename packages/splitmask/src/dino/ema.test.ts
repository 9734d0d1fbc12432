import { InvalidArgumentError, toVariables } from '@splitmask/core';
import { describeEachBackend, expectClose, expectNoLeak } from '@splitmask/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { expect, test } from 'vitest';
import { applyEma, emaUpdate, momentumSchedule } from './ema';

describeEachBackend('teacher EMA', () => {
  test('emaUpdate is m·teacher + (1 − m)·student, leaf by leaf, and pure', async () => {
    const teacher = { a: tf.tensor1d([1, 2, 3]), b: { w: tf.tensor2d([[4, -4]]) } };
    const student = { a: tf.tensor1d([3, 2, 1]), b: { w: tf.tensor2d([[0, 8]]) } };
    const next = emaUpdate(teacher, student, 0.75);
    expectClose(next.a, tf.tensor1d([1.5, 2, 2.5]), { label: 'a' });
    expectClose(next['b.w'], tf.tensor2d([[3, -1]]), { label: 'b.w' });
    expect(await teacher.a.data()).toEqual(new Float32Array([1, 2, 3])); // inputs untouched
    expectNoLeak(() => emaUpdate(teacher, student, 0.5), 'emaUpdate');
    tf.dispose([Object.values(next), teacher.a, teacher.b.w, student.a, student.b.w]);
  });

  test.each([
    [0, 'copies the student'],
    [1, 'keeps the teacher'],
  ])('m = %d %s', async (m) => {
    const t = { x: tf.tensor1d([5, 6]) };
    const s = { x: tf.tensor1d([-1, 0]) };
    const next = emaUpdate(t, s, m);
    expect(await next.x.data()).toEqual(await (m === 0 ? s.x : t.x).data());
    tf.dispose([next.x, t.x, s.x]);
  });

  test('applyEma assigns into the teacher Variables without leaking; student unchanged', async () => {
    const teacher = toVariables({ w: tf.tensor2d([[1, 1]]) }, 'ema-test/teacher', false);
    const student = toVariables({ w: tf.tensor2d([[3, -1]]) }, 'ema-test/student');
    const before = tf.memory().numTensors;
    applyEma(teacher, student, 0.9);
    expect(tf.memory().numTensors).toBe(before);
    const got = await teacher.w.data();
    expect(got[0]).toBeCloseTo(0.9 + 0.3, 6);
    expect(got[1]).toBeCloseTo(0.9 - 0.1, 6);
    expect(Array.from(await student.w.data())).toEqual([3, -1]);
    tf.dispose([teacher.w, student.w]);
  });

  test('mismatched trees and bad momenta are named', () => {
    const t = { a: tf.zeros([2]), c: tf.zeros([1]) };
    const s = { a: tf.zeros([3]), b: tf.zeros([1]) };
    expect(() => emaUpdate(t, s, 0.5)).toThrow(/only in teacher: \[c\], only in student: \[b\]/);
    expect(() => emaUpdate({ a: t.a }, { a: s.a }, 0.5)).toThrow(
      /a has shape \[2\] in teacher, \[3\] in student/,
    );
    expect(() => emaUpdate({ a: t.a }, { a: t.a }, 1.5)).toThrow(InvalidArgumentError);
    tf.dispose([t.a, t.c, s.a, s.b]);
  });
});

test('momentumSchedule is DINO cosine_scheduler(0.996, 1): endpoints and midpoint', () => {
  // numpy: final + 0.5*(base - final)*(1 + cos(pi*i/T)), i in [0, T)
  const m = momentumSchedule({ totalSteps: 100 });
  expect(m(0)).toBeCloseTo(0.996, 12);
  expect(m(50)).toBeCloseTo(0.998, 12);
  expect(m(99)).toBeCloseTo(1 - 0.002 * (1 + Math.cos((Math.PI * 99) / 100)), 12);
  expect(m(99)).toBeGreaterThan(0.99999);
  for (let i = 1; i < 100; i++) expect(m(i)).toBeGreaterThanOrEqual(m(i - 1));
  expect(() => momentumSchedule({ totalSteps: 0 })).toThrow(/totalSteps must be a positive integer, got 0/);
  expect(() => m(-1)).toThrow(/got -1/);
});
