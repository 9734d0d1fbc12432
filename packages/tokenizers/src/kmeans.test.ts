import { describeEachBackend, expectClose } from '@splitmask/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { expect, test } from 'vitest';
import { fixture, type KMeansFixture } from '../test/fixtures';
import { createRowStore, type RowStore } from './internal/row-store';
import { kmeansPlusPlus, sphericalKMeans } from './kmeans';

const fx = fixture<KMeansFixture>('kmeans.json');

function store(data: ArrayLike<number>, dim: number, chunkRows: number): RowStore {
  const n = data.length / dim;
  const rows = createRowStore(n, dim, chunkRows);
  for (let i = 0; i < n; i++) rows.push(data, i * dim);
  return rows;
}

describeEachBackend('sphericalKMeans', () => {
  test.each([1000, 7])('matches the numpy Lloyd iterations (chunks of %i rows)', async (chunkRows) => {
    const rows = store(fx.points.data, fx.dim, chunkRows);
    const seen: number[] = [];
    const before = tf.memory().numTensors;
    const res = await sphericalKMeans(rows, Float32Array.from(fx.init.data), {
      iterations: fx.iterations,
      maxScoreElements: 20,
      onProgress: (p) => seen.push(p.inertia),
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(res.iterationsRun).toBe(fx.iterationsRun);
    expect(res.emptyClustersReseeded).toBe(fx.emptyClustersReseeded);
    expectClose(res.inertia, fx.inertia, { rtol: 1e-4, atol: 0, label: 'inertia' });
    expect(seen).toEqual(res.inertia);
    expectClose(res.centroids, fx.centroids.data, { rtol: 0, atol: 1e-5, label: 'centroids' });
    expect(Array.from(res.assignments)).toEqual(fx.assignments);
  });
  test('inertia never increases', async () => {
    const rows = store(fx.points.data, fx.dim, 64);
    const { inertia } = await sphericalKMeans(rows, Float32Array.from(fx.init.data), { iterations: 8 });
    for (let i = 2; i < inertia.length; i++)
      expect(inertia[i]).toBeLessThanOrEqual(inertia[i - 1] * (1 + 1e-6));
  });
  test('an aborted signal stops the fit', async () => {
    const rows = store(fx.points.data, fx.dim, 64);
    const ctrl = new AbortController();
    const before = tf.memory().numTensors;
    const run = sphericalKMeans(rows, Float32Array.from(fx.init.data), {
      iterations: 8,
      signal: ctrl.signal,
      onProgress: (p) => p.iteration === 1 && ctrl.abort(new Error('stop here')),
    });
    await expect(run).rejects.toThrow('stop here');
    expect(tf.memory().numTensors).toBe(before);
  });
  test('rejects fewer points than clusters, naming both', async () => {
    const rows = store(fx.points.data.slice(0, 3 * fx.dim), fx.dim, 64);
    await expect(sphericalKMeans(rows, Float32Array.from(fx.init.data), { iterations: 1 })).rejects.toThrow(
      /need at least V=6 points, got 3/,
    );
  });
});

describeEachBackend('kmeansPlusPlus', () => {
  test('picks one point per well-separated cluster, deterministically', async () => {
    const dim = 8;
    const data: number[] = [];
    for (let i = 0; i < 80; i++) {
      const row = new Array(dim).fill(0.01 * ((i * 7) % 5));
      row[i % 4] = 1;
      data.push(...row);
    }
    const rows = store(data, dim, 16);
    const a = await kmeansPlusPlus(rows, 4, { seed: 3 });
    const b = await kmeansPlusPlus(rows, 4, { seed: 3 });
    expect(Array.from(a)).toEqual(Array.from(b));
    const clusters = new Set<number>();
    for (let c = 0; c < 4; c++) {
      const row = Array.from(a.subarray(c * dim, (c + 1) * dim));
      clusters.add(row.indexOf(Math.max(...row)));
    }
    expect(clusters.size).toBe(4);
  });
  test('several centres per round: distinct data points, deterministic', async () => {
    const rows = store(fx.points.data, fx.dim, 50);
    const a = await kmeansPlusPlus(rows, 30, { seed: 1, perRound: 4, sampleSize: 120 });
    const b = await kmeansPlusPlus(rows, 30, { seed: 1, perRound: 4, sampleSize: 120 });
    expect(Array.from(a)).toEqual(Array.from(b));
    const index = new Map<string, number>();
    for (let i = 0; i < rows.count; i++) index.set(Array.from(rows.row(i)).join(), i);
    const picked = new Set<number>();
    for (let c = 0; c < 30; c++) {
      const i = index.get(Array.from(a.subarray(c * fx.dim, (c + 1) * fx.dim)).join());
      expect(i).toBeDefined();
      picked.add(i!);
    }
    expect(picked.size).toBe(30);
  });
  test('k = N picks every point once even when all distances reach zero', async () => {
    const rows = store(new Float32Array(5 * 4).fill(0.5), 4, 8);
    const c = await kmeansPlusPlus(rows, 5, { seed: 0, perRound: 2 });
    expect(Array.from(c)).toEqual(new Array(20).fill(0.5));
  });
  test('rejects k larger than the number of points', async () => {
    const rows = store(new Float32Array(3 * 4).fill(1), 4, 8);
    await expect(kmeansPlusPlus(rows, 5, { seed: 0 })).rejects.toThrow(
      /k must be an integer in \[1, N=3\], got 5/,
    );
  });
});
