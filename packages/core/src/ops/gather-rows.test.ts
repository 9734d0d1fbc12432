import { describeEachBackend, expectClose, expectNoLeak } from '@splitmask/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { expect, test } from 'vitest';
import { gatherRows2d, scatterAddRows2d } from './gather-rows';

// Host references: rows copied and summed in index order, in float32 (Math.fround after every add).
function refGather(x: Float32Array | Int32Array, d: number, idx: number[]): number[] {
  return idx.flatMap((i) => Array.from(x.subarray(i * d, (i + 1) * d)));
}
function refScatterAdd(x: Float32Array, d: number, idx: number[], rows: number): number[] {
  const out = new Float32Array(rows * d);
  idx.forEach((i, j) => {
    for (let c = 0; c < d; c++) out[i * d + c] = Math.fround(out[i * d + c] + x[j * d + c]);
  });
  return Array.from(out);
}

describeEachBackend(
  'gatherRows2d / scatterAddRows2d',
  (backend) => {
    test.each([
      [13, 5, [0, 12, 3, 3, 7]],
      [64 * 49, 64, Array.from({ length: 1600 }, (_, j) => (j * 7) % (64 * 49))],
      [4, 1, [3, 2, 1, 0, 0]],
    ])('gather R=%i D=%i: the host reference and tf.gather', async (r, d, ids) => {
      const x = tf.randomNormal([r, d], 0, 1, 'float32', 3) as tf.Tensor2D;
      const idx = tf.tensor1d(ids, 'int32');
      const y = gatherRows2d(x, idx);
      expect(y.shape).toEqual([ids.length, d]);
      expect(Array.from(await y.data())).toEqual(refGather((await x.data()) as Float32Array, d, ids));
      expect(Array.from(await y.data())).toEqual(Array.from(await tf.gather(x, idx, 0).data()));
      expectNoLeak(() => gatherRows2d(x, idx), 'gatherRows2d');
    });

    test('gather copies int32 rows and NaN/Inf bits unchanged', async () => {
      const xi = tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2], 'int32');
      const ids = tf.tensor1d([2, 0, 2], 'int32');
      expect(Array.from(await gatherRows2d(xi, ids).data())).toEqual([5, 6, 1, 2, 5, 6]);
      expect(gatherRows2d(xi, ids).dtype).toBe('int32');
      const xf = tf.tensor2d([Number.NaN, Number.POSITIVE_INFINITY, -0, 1], [2, 2]);
      const got = Array.from(await gatherRows2d(xf, tf.tensor1d([1, 0], 'int32')).data());
      expect(got.map((v) => (Object.is(v, -0) ? '-0' : String(v)))).toEqual(['-0', '1', 'NaN', 'Infinity']);
    });

    test.each([
      [6, 3, [5, 0, 5, 2, 5], 6],
      [64, 64, Array.from({ length: 1600 }, (_, j) => (j * 11) % 64), 64],
      [3, 2, [], 3],
    ])(
      'scatter-add K=%i D=%i: repeated rows accumulate in order, as the host reference and tf.scatterND',
      async (_k, d, ids, rows) => {
        const x = tf.randomNormal([ids.length, d], 0, 1, 'float32', 4) as tf.Tensor2D;
        const idx = tf.tensor1d(ids, 'int32');
        const y = scatterAddRows2d(x, idx, rows);
        expect(y.shape).toEqual([rows, d]);
        const want = refScatterAdd((await x.data()) as Float32Array, d, ids, rows);
        const got = Array.from(await y.data());
        expectClose(got, want, { rtol: 1e-6, atol: 1e-6 });
        if (ids.length) {
          const viaTf = await tf.scatterND(tf.expandDims(idx, 1), x, [rows, d]).data();
          expectClose(got, viaTf, { rtol: 1e-5, atol: 1e-5 });
        }
        expectNoLeak(() => scatterAddRows2d(x, idx, rows), 'scatterAddRows2d');
      },
    );

    test('scatter-add is the gradient of gather (adjoint: <gather(x), y> = <x, scatterAdd(y)>)', async () => {
      const x = tf.randomNormal([9, 4], 0, 1, 'float32', 5) as tf.Tensor2D;
      const ids = tf.tensor1d([8, 1, 1, 4, 0, 8], 'int32');
      const y = tf.randomNormal([6, 4], 0, 1, 'float32', 6) as tf.Tensor2D;
      const lhs = (await tf.sum(tf.mul(gatherRows2d(x, ids), y)).data())[0];
      const rhs = (await tf.sum(tf.mul(x, scatterAddRows2d(y, ids, 9))).data())[0];
      expect(lhs).toBeCloseTo(rhs, 4);
    });

    test('bad shapes, counts and rows are typed errors naming the values', () => {
      const x = tf.zeros([3, 2]) as tf.Tensor2D;
      expect(() => gatherRows2d(x, tf.tensor1d([0], 'float32') as tf.Tensor1D)).toThrow(
        /idx \[K\] int32.*float32/,
      );
      expect(() => gatherRows2d(tf.zeros([3]) as unknown as tf.Tensor2D, tf.tensor1d([0], 'int32'))).toThrow(
        /expected x \[R, D\]/,
      );
      expect(() => scatterAddRows2d(x, tf.tensor1d([0, 1], 'int32'), 4)).toThrow(/3 rows but idx has 2/);
      expect(() => scatterAddRows2d(x, tf.tensor1d([0, 1, 2], 'int32'), -1)).toThrow(
        /rows must be an integer ≥ 0, got -1/,
      );
    });

    // wasm reads the indices for free (they are on its heap), so it checks them; elsewhere tfjs decides.
    test.runIf(backend === 'wasm')(
      'wasm: an index outside [0, R) is an error naming it and its position',
      () => {
        const x = tf.zeros([3, 2]) as tf.Tensor2D;
        expect(() => gatherRows2d(x, tf.tensor1d([0, 3], 'int32'))).toThrow(
          /index 3 at position 1 is outside \[0, 3\)/,
        );
        expect(() => scatterAddRows2d(x, tf.tensor1d([0, -1, 1], 'int32'), 2)).toThrow(
          /index -1 at position 1 is outside \[0, 2\)/,
        );
      },
    );
  },
  { webgpu: true },
);
