import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createBatchLoader } from '../loader';
import { syntheticShapes } from '../sources/synthetic-shapes';
import { createEvalTransform, createTwoViewTransform } from '../transforms/pipeline';
import { createWorkerPool, type WorkerPool } from './worker-pool';

// Tests run on sources, so the worker script is bundled from src/ on the fly (dist has the built one).
let dir: string;
let workerUrl: URL;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'splitmask-worker-'));
  const outfile = join(dir, 'transform-worker.mjs');
  await build({
    entryPoints: [join(import.meta.dirname, 'transform-worker.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile,
    logLevel: 'error',
  });
  workerUrl = pathToFileURL(outfile);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('createWorkerPool', () => {
  const ds = syntheticShapes({ n: 40, size: 24, seed: 2 });
  const transform = createTwoViewTransform({
    size: 16,
    secondSize: 8,
    colorJitter: { brightness: 0.4, contrast: 0.4, saturation: 0.2, hue: 0.1, p: 0.8 },
    grayscale: 0.2,
    blur: { p: 0.5 },
    solarize: 0.2,
    mean: [0.5],
    std: [0.25],
  });

  test.each([1, 3])(
    'batches with %i workers equal the single-thread batches (and resume the same)',
    async (workers) => {
      const pool: WorkerPool = createWorkerPool({ workers, workerUrl });
      try {
        const opts = { batchSize: 8, seed: 5, transform };
        const ref = createBatchLoader(ds, opts);
        const par = createBatchLoader(ds, { ...opts, executor: pool });
        for (let k = 0; k < 6; k++) {
          const [a, b] = await Promise.all([ref.next(), par.next()]);
          expect([b.indices, b.labels, b.shape, b.tokenizerShape]).toEqual([
            a.indices,
            a.labels,
            a.shape,
            a.tokenizerShape,
          ]);
          expect(b.images).toEqual(a.images);
          expect(b.tokenizerImages).toEqual(a.tokenizerImages);
        }
      } finally {
        await pool.close();
      }
    },
  );

  test('streaming sources through the pool give the single-thread batches', async () => {
    const pool = createWorkerPool({ workers: 2, workerUrl });
    try {
      const stream = {
        async *[Symbol.asyncIterator]() {
          for (let i = 0; i < 20; i++) yield await ds.get(i);
        },
      };
      const opts = { batchSize: 6, seed: 9, transform, shuffleBuffer: 5 };
      const a = createBatchLoader(stream, opts);
      const b = createBatchLoader(stream, { ...opts, executor: pool });
      for (let k = 0; k < 4; k++) {
        const [x, y] = [await a.next(), await b.next()];
        expect([y.epoch, y.batch, y.indices, y.images]).toEqual([x.epoch, x.batch, x.indices, x.images]);
      }
    } finally {
      await pool.close();
    }
  });

  test('eval transform spec; worker errors surface as DatasetError', async () => {
    const pool = createWorkerPool({ workers: 1, workerUrl });
    try {
      const ev = createEvalTransform({ size: 64, cropPct: 1 });
      const b = await createBatchLoader(ds, { batchSize: 4, seed: 0, transform: ev, executor: pool }).next();
      expect(b.shape).toEqual([4, 64, 64, 3]);
      const bad = { ...ev.spec!, kind: 'nope' } as never;
      await expect(pool.run(bad, (await ds.get(0)).image, { seed: 0, s: [1, 2, 3, 4] })).rejects.toThrow(
        /transform worker: .*unknown kind 'nope'/,
      );
    } finally {
      await pool.close();
    }
  });

  test('a worker that cannot start fails its jobs and later ones instead of hanging', async () => {
    const broken = join(dir, 'broken.mjs');
    await import('node:fs/promises').then((fs) => fs.writeFile(broken, "import './does-not-exist.mjs';\n"));
    const pool = createWorkerPool({ workers: 1, workerUrl: pathToFileURL(broken) });
    const image = (await ds.get(0)).image;
    const state = { seed: 0, s: [1, 2, 3, 4] as [number, number, number, number] };
    await expect(pool.run(transform.spec!, image, state)).rejects.toThrow(
      /transform worker 0 (crashed|exited)/,
    );
    await expect(pool.run(transform.spec!, image, state)).rejects.toThrow(/every worker has crashed/);
    await pool.close();
    await expect(pool.run(transform.spec!, image, state)).rejects.toThrow(/pool is closed/);
  });

  test('an executor needs a transform with a spec', () => {
    const pool = { run: async () => ({}) as never };
    expect(() =>
      createBatchLoader(ds, { batchSize: 4, seed: 0, transform: (() => ({})) as never, executor: pool }),
    ).toThrow(/an executor needs a built-in transform/);
  });
});
