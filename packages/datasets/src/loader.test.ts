import { createRng } from '@splitmask/core/rng';
import { describe, expect, test } from 'vitest';
import { DatasetError } from './errors';
import { type Batch, createBatchLoader } from './loader';
import { syntheticShapes } from './sources/synthetic-shapes';
import { createTwoViewTransform } from './transforms/pipeline';
import type { ImageDataset, Sample, StreamingImageDataset } from './types';

const ds = syntheticShapes({ n: 23, size: 12, seed: 1 });
const transform = createTwoViewTransform({ size: 8, secondSize: 4, mean: [0.5], std: [0.5] });
const opts = { batchSize: 5, seed: 7, transform };

async function take(loader: { next(): Promise<Batch> }, k: number): Promise<Batch[]> {
  const out: Batch[] = [];
  for (let i = 0; i < k; i++) out.push(await loader.next());
  return out;
}

describe('createBatchLoader (random access)', () => {
  test('shapes, labels mapped from the dataset, tokenizer view', async () => {
    const [b] = await take(createBatchLoader(ds, opts), 1);
    expect(b.shape).toEqual([5, 8, 8, 3]);
    expect(b.images.length).toBe(5 * 8 * 8 * 3);
    expect(b.tokenizerShape).toEqual([5, 4, 4, 3]);
    expect(b.tokenizerImages?.length).toBe(5 * 4 * 4 * 3);
    for (let j = 0; j < 5; j++) expect(b.labels?.[j]).toBe((await ds.get(b.indices[j])).label);
    expect(Math.min(...b.images)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...b.images)).toBeLessThanOrEqual(1);
  });

  test('deterministic under a seed, independent of prefetch; seed-sensitive', async () => {
    const a = await take(createBatchLoader(ds, { ...opts, prefetch: 0 }), 6);
    const b = await take(createBatchLoader(ds, { ...opts, prefetch: 3 }), 6);
    const c = await take(createBatchLoader(ds, { ...opts, seed: 8 }), 6);
    expect(b.map((x) => [x.indices, x.images, x.tokenizerImages])).toEqual(
      a.map((x) => [x.indices, x.images, x.tokenizerImages]),
    );
    expect(c[0].images).not.toEqual(a[0].images);
  });

  test('each epoch visits a permutation; dropLast drops the remainder; epochs differ', async () => {
    const loader = createBatchLoader(ds, opts);
    expect(loader.batchesPerEpoch).toBe(4);
    const batches = await take(loader, 8);
    expect(batches.map((b) => [b.epoch, b.batch])).toEqual([
      [0, 0],
      [0, 1],
      [0, 2],
      [0, 3],
      [1, 0],
      [1, 1],
      [1, 2],
      [1, 3],
    ]);
    const e0 = batches.slice(0, 4).flatMap((b) => Array.from(b.indices));
    const e1 = batches.slice(4).flatMap((b) => Array.from(b.indices));
    expect(new Set(e0).size).toBe(20);
    expect(e0).not.toEqual(e1);
  });

  test('resume: state after k batches gives the same next batches', async () => {
    const full = await take(createBatchLoader(ds, opts), 7);
    const first = createBatchLoader(ds, opts);
    await take(first, 3);
    const state = JSON.parse(JSON.stringify(first.getState()));
    expect(state).toEqual({ seed: 7, epoch: 0, batch: 3 });
    const resumed = createBatchLoader(ds, opts);
    resumed.setState(state);
    const rest = await take(resumed, 4);
    expect(rest.map((b) => [b.epoch, b.batch, b.indices, b.images])).toEqual(
      full.slice(3).map((b) => [b.epoch, b.batch, b.indices, b.images]),
    );
  });

  test('no shuffle, keep last: sequential order and a short final batch; async iteration stops after epochs', async () => {
    const loader = createBatchLoader(ds, { ...opts, shuffle: false, dropLast: false, epochs: 1 });
    const seen: number[][] = [];
    for await (const b of loader) seen.push(Array.from(b.indices));
    expect(seen.flat()).toEqual(Array.from({ length: 23 }, (_, i) => i));
    expect(seen.at(-1)?.length).toBe(3);
  });

  test("onError 'skip' substitutes the next sample and counts it; 'raise' rejects naming the index", async () => {
    const flaky: ImageDataset = {
      length: ds.length,
      numClasses: 10,
      get: (i) =>
        i === 4
          ? Promise.reject(new DatasetError('CORRUPT_IMAGE', 'img4.jpg: bad', { path: 'img4.jpg', index: 4 }))
          : ds.get(i),
    };
    const skips: string[] = [];
    const loader = createBatchLoader(flaky, {
      ...opts,
      shuffle: false,
      onError: 'skip',
      onSkip: (e) => skips.push(e.path as string),
    });
    const [b] = await take(loader, 1);
    expect(Array.from(b.indices)).toEqual([0, 1, 2, 3, 5]);
    expect([loader.skipped, skips]).toEqual([1, ['img4.jpg']]);
    await expect(take(createBatchLoader(flaky, { ...opts, shuffle: false }), 1)).rejects.toThrow(
      /img4\.jpg: bad/,
    );
  });

  test("onError 'skip' with nothing readable fails instead of spinning", async () => {
    const broken: ImageDataset = {
      length: 10,
      get: (i) => Promise.reject(new DatasetError('CORRUPT_IMAGE', `img${i}: bad`, { index: i })),
    };
    const loader = createBatchLoader(broken, { ...opts, onError: 'skip' });
    await expect(loader.next()).rejects.toThrow(/no readable sample among 64 tried/);
    expect(loader.skipped).toBe(10);
  });

  test.each([
    [{ batchSize: 0 }, /batchSize must be a positive integer, got 0/],
    [{ batchSize: 24 }, /23 samples cannot fill one batch of 24/],
    [{ prefetch: -1 }, /prefetch must be an integer >= 0, got -1/],
  ])('bad options %j', (o, msg) => expect(() => createBatchLoader(ds, { ...opts, ...o })).toThrow(msg));

  test('setState rejects another seed', () => {
    expect(() => createBatchLoader(ds, opts).setState({ seed: 1, epoch: 0, batch: 0 })).toThrow(
      /state has seed 1, loader has 7/,
    );
  });
});

describe('createBatchLoader (streaming)', () => {
  const stream: StreamingImageDataset = {
    numClasses: 10,
    async *[Symbol.asyncIterator]() {
      for (let i = 0; i < 23; i++) yield (await ds.get(i)) as Sample;
    },
  };
  const sopts = { ...opts, shuffleBuffer: 6 };

  test('shuffle buffer: deterministic, each epoch covers the stream, resume is exact', async () => {
    const full = await take(createBatchLoader(stream, sopts), 8);
    expect(full.map((b) => [b.epoch, b.batch])).toEqual([
      [0, 0],
      [0, 1],
      [0, 2],
      [0, 3],
      [1, 0],
      [1, 1],
      [1, 2],
      [1, 3],
    ]);
    const e0 = full.slice(0, 4).flatMap((b) => Array.from(b.indices));
    expect(new Set(e0).size).toBe(20);
    expect(e0).not.toEqual([...e0].sort((a, b) => a - b));
    const again = await take(createBatchLoader(stream, sopts), 8);
    expect(again.map((b) => b.images)).toEqual(full.map((b) => b.images));
    const resumed = createBatchLoader(stream, sopts);
    resumed.setState({ seed: 7, epoch: 1, batch: 1 });
    const rest = await take(resumed, 3);
    expect(rest.map((b) => [b.indices, b.images])).toEqual(full.slice(5).map((b) => [b.indices, b.images]));
  });

  test('a stream shorter than one batch is an error', async () => {
    const tiny: StreamingImageDataset = {
      async *[Symbol.asyncIterator]() {
        yield (await ds.get(0)) as Sample;
      },
    };
    await expect(createBatchLoader(tiny, opts).next()).rejects.toThrow(/fewer than 5 samples/);
  });
});

test('per-sample randomness comes from core Rng streams (same augmentation for the same seed/epoch/position)', () => {
  const img = {
    data: new Uint8Array(12 * 12 * 3).map((_, i) => i % 251),
    width: 12,
    height: 12,
    channels: 3,
  };
  const a = transform(img, createRng(1).split(2));
  const b = transform(img, createRng(1).split(2));
  expect(a.image.data).toEqual(b.image.data);
});
