import { InvalidArgumentError, ShapeError } from '@splitmask/core';
import { describeEachBackend, expectClose, expectNoLeak } from '@splitmask/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { expect, test } from 'vitest';
import {
  expectAllFinite,
  expectAllZero,
  expectDirectionalGrads,
  expectFiniteNonZero,
  expectMatches,
  inputsOf,
  loadCases,
  read,
  scalarOf,
} from '../test/helpers';
import { dinoLoss, nextCenter } from './dino';
import { teacherTempSchedule } from './teacher-temp-schedule';

const cases = loadCases('dino.json');

describeEachBackend(
  'dinoLoss',
  () => {
    test.each(cases.map((c) => [c.name, c] as const))(
      'matches DINOLoss.forward and update_center: %s',
      async (_, c) => {
        const x = inputsOf(c) as Record<string, tf.Tensor2D>;
        const o = c.options as Record<string, number>;
        const students = Array.from({ length: o.numCrops }, (_, i) => x[`student${i}`]);
        const teachers = [x.teacher0, x.teacher1];
        // The fixture's temperature comes from DINO's schedule: ours must pick the same one.
        const teacherTemp = teacherTempSchedule({
          warmupTemp: o.warmupTemp,
          temp: o.temp,
          warmupEpochs: o.warmupEpochs,
          epochs: o.epochs,
        })(o.epoch);
        expect(teacherTemp).toBe(o.teacherTemp);
        const opts = { studentTemp: o.studentTemp, teacherTemp };
        const n = students.length;
        const f = (...xs: tf.Tensor[]) =>
          dinoLoss(
            xs.slice(0, n) as tf.Tensor2D[],
            xs.slice(n, n + 2) as tf.Tensor2D[],
            xs[n + 2] as tf.Tensor2D,
            opts,
          );
        const all = [...students, ...teachers, x.center];
        const loss = f(...all);
        await expectMatches(loss, c.outputs.loss, 'loss');
        const grads = tf.grads(f)(all);
        for (let i = 0; i < n; i++) {
          await expectMatches(grads[i], c.grads[`student${i}`], `dstudent${i}`);
          await expectFiniteNonZero(grads[i], `dstudent${i}`);
        }
        // DINO detaches the teacher: no gradient reaches teacher outputs or the center.
        for (const [i, g] of grads.slice(n).entries()) await expectAllZero(g, `teacher-side grad ${i}`);
        const concat = tf.concat(teachers, 0) as tf.Tensor2D;
        const [c1, c2] = [
          nextCenter(x.center, teachers, o.momentum),
          nextCenter(x.center, concat, o.momentum),
        ];
        await expectMatches(c1, c.outputs.nextCenter, 'nextCenter');
        await expectMatches(c2, c.outputs.nextCenter, 'nextCenter of the concatenation');
        expectNoLeak(() => f(...all), 'dinoLoss');
        expectNoLeak(() => tf.grads(f)(all), 'dinoLoss grads');
        expectNoLeak(() => nextCenter(x.center, teachers, o.momentum), 'nextCenter');
        tf.dispose([all, loss, grads, concat, c1, c2]);
      },
    );

    test('finite differences agree with the gradient (2 global + 1 local crop)', async () => {
      const s = [0, 1, 2].map((i) => tf.randomNormal([2, 4], 0, 0.3, 'float32', 10 + i) as tf.Tensor2D);
      const t = [0, 1].map((i) => tf.randomNormal([2, 4], 0, 0.3, 'float32', 20 + i) as tf.Tensor2D);
      const center = tf.zeros([1, 4]) as tf.Tensor2D;
      await expectDirectionalGrads(
        (...xs) => dinoLoss(xs as tf.Tensor2D[], t, center, { studentTemp: 0.5, teacherTemp: 0.5 }),
        s,
      );
      tf.dispose([s, t, center]);
    });

    test('skips same-view pairs: equals the explicit mean over (iq, v ≠ iq)', async () => {
      const s = [0, 1, 2].map((i) => tf.randomNormal([2, 3], 0, 1, 'float32', 30 + i) as tf.Tensor2D);
      const t = [0, 1].map((i) => tf.randomNormal([2, 3], 0, 1, 'float32', 40 + i) as tf.Tensor2D);
      const center = tf.zeros([1, 3]) as tf.Tensor2D;
      const expected = tf.tidy(() => {
        const ce = (q: tf.Tensor2D, sv: tf.Tensor2D) =>
          tf.mean(tf.sum(tf.mul(tf.neg(tf.softmax(tf.div(q, 0.04))), tf.logSoftmax(tf.div(sv, 0.1))), 1));
        // pairs (0,1), (0,2), (1,0), (1,2): 4 terms.
        return tf.div(tf.addN([ce(t[0], s[1]), ce(t[0], s[2]), ce(t[1], s[0]), ce(t[1], s[2])]), 4);
      });
      const loss = dinoLoss(s, t, center, { teacherTemp: 0.04 });
      expectClose(await read(loss), await read(expected), { rtol: 1e-5 });
      tf.dispose([s, t, center, expected, loss]);
    });

    test('no hidden mutation: center and outputs unchanged, not disposed', async () => {
      const s = [tf.ones([2, 3]), tf.zeros([2, 3])] as tf.Tensor2D[];
      const center = tf.tensor2d([[0.1, 0.2, 0.3]]);
      const loss = dinoLoss(s, s, center, { teacherTemp: 0.04 });
      const next = nextCenter(center, s, 0.9);
      expect(await read(center)).toEqual(Array.from(Float32Array.of(0.1, 0.2, 0.3)));
      expect(s.every((x) => !x.isDisposed)).toBe(true);
      // batch mean of [ones; zeros] is 0.5 everywhere: 0.9·c + 0.1·0.5
      expectClose(await read(next), [0.14, 0.23, 0.32], { rtol: 1e-6 });
      tf.dispose([s, center, loss, next]);
    });

    test('temperature extremes: teacherTemp 0.01, studentTemp 0.01 with outputs ~100 stay finite', async () => {
      const s = [0, 1].map((i) => tf.randomNormal([2, 8], 0, 100, 'float32', 50 + i) as tf.Tensor2D);
      const center = tf.zeros([1, 8]) as tf.Tensor2D;
      const f = (a: tf.Tensor, b: tf.Tensor) =>
        dinoLoss([a, b] as tf.Tensor2D[], s, center, { studentTemp: 0.01, teacherTemp: 0.01 });
      const loss = f(s[0], s[1]);
      const g = tf.grads(f)(s);
      await expectAllFinite(loss, 'loss');
      for (const gi of g) await expectAllFinite(gi, 'dstudent');
      tf.dispose([s, center, loss, g]);
    });

    test('NaN in a teacher output propagates to a NaN loss', async () => {
      const s = [tf.ones([1, 3]), tf.zeros([1, 3])] as tf.Tensor2D[];
      const t = [tf.tensor2d([[0, Number.NaN, 1]]), tf.zeros([1, 3]) as tf.Tensor2D];
      const center = tf.zeros([1, 3]) as tf.Tensor2D;
      const loss = dinoLoss(s, t, center, { teacherTemp: 0.04 });
      expect(Number.isNaN(await scalarOf(loss))).toBe(true);
      tf.dispose([s, t, center, loss]);
    });

    test('rejects configurations without cross-view pairs, bad temperatures and shapes', () => {
      const a = tf.zeros([2, 3]) as tf.Tensor2D;
      const c = tf.zeros([1, 3]) as tf.Tensor2D;
      const bad = [tf.zeros([3, 3]), tf.zeros([3]), tf.zeros([2, 4])];
      expect(() => dinoLoss([a], [a], c, { teacherTemp: 0.04 })).toThrow(/no cross-view pairs/);
      expect(() => dinoLoss([], [a], c, { teacherTemp: 0.04 })).toThrow(InvalidArgumentError);
      expect(() => dinoLoss([a, a], [a], c, { teacherTemp: 0 })).toThrow(/teacherTemp must be/);
      expect(() => dinoLoss([a, bad[0] as tf.Tensor2D], [a], c, { teacherTemp: 0.04 })).toThrow(
        /studentOut\[1\] \[B, K\] = \[2, 3\], got \[3, 3\]/,
      );
      expect(() => dinoLoss([a, a], [a], bad[1] as unknown as tf.Tensor2D, { teacherTemp: 0.04 })).toThrow(
        ShapeError,
      );
      expect(() => nextCenter(c, [bad[2] as tf.Tensor2D])).toThrow(/teacherOut\[0\]/);
      expect(() => nextCenter(c, a, 1.5)).toThrow(/momentum must be in \[0, 1\]/);
      tf.dispose([a, c, ...bad]);
    });
  },
  { webgpu: true },
);
