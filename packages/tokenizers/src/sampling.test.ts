import { describeEachBackend } from '@splitmask/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, test } from 'vitest';
import { syntheticBatches } from '../test/images';
import { defaultNormalization } from './normalization';
import { extractPatchesHost } from './patches';
import { type ImageBatch, samplePatches } from './sampling';

/** Patch i of a 1-px, 2-channel stream encodes i in its direction, so samples can be identified. */
function indexStream(n: number, perBatch: number): ImageBatch[] {
  const out: ImageBatch[] = [];
  for (let s = 0; s < n; s += perBatch) {
    const images: number[] = [];
    for (let i = s; i < s + perBatch; i++) {
      const t = ((i + 0.5) / n) * (Math.PI / 2);
      images.push(0.5 + 0.4 * Math.cos(t), 0.5 + 0.4 * Math.sin(t));
    }
    out.push({ images, shape: [perBatch, 1, 1, 2] });
  }
  return out;
}
const indexOf = (row: Float32Array, n: number) =>
  Math.round((Math.atan2(row[1], row[0]) / (Math.PI / 2)) * n - 0.5);

describe('samplePatches', () => {
  test('keeps every patch, in stream order, when the reservoir is large enough', async () => {
    const batches = [...syntheticBatches({ numBatches: 2, b: 2, size: 8 })];
    const s = await samplePatches(batches, { numPatches: 100, patchSize: 4, channels: 3, seed: 0 });
    expect(s.rows.count).toBe(16);
    expect(s.patchesSeen).toBe(16);
    expect(s.imagesSeen).toBe(4);
    const norm = defaultNormalization(3);
    const all = [...batches].flatMap((b) =>
      Array.from(
        extractPatchesHost((b as unknown as { images: Float32Array }).images, [2, 8, 8, 3], 4, norm, true),
      ),
    );
    expect(Array.from(s.rows.chunk(0))).toEqual(Array.from(Float32Array.from(all)));
  });
  test('samples every patch with equal probability (reservoir over 200 seeds)', async () => {
    const n = 20;
    const counts = new Array(n).fill(0);
    for (let seed = 0; seed < 200; seed++) {
      const s = await samplePatches(indexStream(n, 4), { numPatches: 5, patchSize: 1, channels: 2, seed });
      const picked = new Set<number>();
      for (let i = 0; i < 5; i++) picked.add(indexOf(s.rows.row(i), n));
      expect(picked.size).toBe(5);
      for (const i of picked) counts[i]++;
    }
    // Each index is kept with probability 1/4: 50 of 200 expected; a binomial sd of 6.1.
    for (const c of counts) expect(c).toBeGreaterThan(25);
    for (const c of counts) expect(c).toBeLessThan(75);
  });
  test('is deterministic under a seed and changes with it', async () => {
    const run = (seed: number) =>
      samplePatches(syntheticBatches({ numBatches: 3, b: 2, size: 8 }), {
        numPatches: 5,
        patchSize: 4,
        channels: 3,
        seed,
      });
    const [a, b, c] = await Promise.all([run(1), run(1), run(2)]);
    expect(Array.from(a.rows.chunk(0))).toEqual(Array.from(b.rows.chunk(0)));
    expect(Array.from(a.rows.chunk(0))).not.toEqual(Array.from(c.rows.chunk(0)));
  });
  test('skips flat patches at the mean, stops at maxImages, reports progress', async () => {
    const flat = { images: new Float32Array(2 * 4 * 4 * 3).fill(0.5), shape: [2, 4, 4, 3] };
    const seen: number[] = [];
    const s = await samplePatches([flat, ...syntheticBatches({ numBatches: 3, b: 2, size: 4 })], {
      numPatches: 50,
      patchSize: 4,
      channels: 3,
      seed: 0,
      maxImages: 5,
      onProgress: (p) => seen.push(p.imagesSeen),
    });
    expect(seen).toEqual([2, 4, 5]);
    expect(s.patchesSeen).toBe(3);
  });
  test('honours an aborted signal', async () => {
    const ctrl = new AbortController();
    ctrl.abort(new Error('cancelled'));
    await expect(
      samplePatches(syntheticBatches({ numBatches: 2, b: 1, size: 4 }), {
        numPatches: 2,
        patchSize: 4,
        channels: 3,
        seed: 0,
        signal: ctrl.signal,
      }),
    ).rejects.toThrow('cancelled');
  });
  test('rejects batches of the wrong shape, naming it', async () => {
    await expect(
      samplePatches([{ images: new Float32Array(36), shape: [1, 6, 6, 1] }], {
        numPatches: 2,
        patchSize: 4,
        channels: 1,
        seed: 0,
      }),
    ).rejects.toThrow(/multiples of patchSize=4, got \[1, 6, 6, 1\]/);
  });
});

describeEachBackend('samplePatches with tensor batches', () => {
  test('reads Tensor4D batches like host batches', async () => {
    const host = [...syntheticBatches({ numBatches: 2, b: 1, size: 8 })] as {
      images: Float32Array;
      shape: number[];
    }[];
    const tensors = host.map((b) => tf.tensor4d(b.images, b.shape as [number, number, number, number]));
    const a = await samplePatches(host, { numPatches: 6, patchSize: 4, channels: 3, seed: 4 });
    const b = await samplePatches(tensors, { numPatches: 6, patchSize: 4, channels: 3, seed: 4 });
    expect(Array.from(b.rows.chunk(0))).toEqual(Array.from(a.rows.chunk(0)));
    tf.dispose(tensors);
  });
});
