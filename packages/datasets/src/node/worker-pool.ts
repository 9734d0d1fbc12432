/**
 * A pool of worker_threads that runs the loader's per-sample transforms on several cores
 * (`createBatchLoader(ds, { ..., executor: createWorkerPool({ workers: 2 }) })`). Decoding already runs
 * on libuv's pool (sharp); this moves crops, resizes and photometric ops off the main thread too.
 * Each job carries its sample's Rng state, so batches are identical for any worker count.
 */
import { Worker } from 'node:worker_threads';
import type { RngState } from '@splitmask/core/rng';
import { checkArg, DatasetError } from '../errors';
import type { TransformExecutor } from '../loader';
import type { TransformSpec } from '../transforms/pipeline';
import type { RawImage, TransformedViews } from '../types';

/** Options of `createWorkerPool`. */
export interface WorkerPoolOptions {
  /** Number of worker threads (e.g. cores − 1). */
  workers: number;
  /** Worker script; defaults to this package's built `transform-worker` next to this file. */
  workerUrl?: URL;
}

/** A `TransformExecutor` backed by worker threads; call `close()` when done. */
export interface WorkerPool extends TransformExecutor {
  readonly workers: number;
  close(): Promise<void>;
}

interface Pending {
  resolve: (v: TransformedViews) => void;
  reject: (e: Error) => void;
}

function defaultWorkerUrl(): URL {
  const ext = import.meta.url.endsWith('.cjs') ? 'cjs' : 'js';
  return new URL(`./transform-worker.${ext}`, import.meta.url);
}

/**
 * Starts `workers` threads. Jobs go to the least-loaded worker; images are copied (sources may share
 * buffers) and results transferred back.
 * @example
 * const pool = createWorkerPool({ workers: 2 });
 * const loader = createBatchLoader(ds, { batchSize: 64, seed: 0, transform, executor: pool });
 * // … await pool.close();
 */
export function createWorkerPool(options: WorkerPoolOptions): WorkerPool {
  const count = options.workers;
  checkArg(
    Number.isInteger(count) && count > 0,
    `createWorkerPool: workers must be a positive integer, got ${count}`,
  );
  const url = options.workerUrl ?? defaultWorkerUrl();
  const pending = new Map<number, Pending>();
  const load = new Array(count).fill(0);
  const dead = new Array(count).fill(false);
  let closing = false;
  let nextId = 0;
  const workers = Array.from({ length: count }, (_, w) => {
    const worker = new Worker(url);
    worker.unref(); // an idle pool does not keep the process alive
    worker.on('message', (msg: { id: number; views?: TransformedViews; error?: string }) => {
      const p = pending.get(msg.id);
      if (!p) return;
      pending.delete(msg.id);
      if (--load[w] === 0) worker.unref();
      if (msg.views) p.resolve(msg.views);
      else p.reject(new DatasetError('INVALID_ARGUMENT', `transform worker: ${msg.error}`));
    });
    // A crashed worker fails every job in flight (their owners cannot tell which one it held) and is
    // never used again.
    const fail = (e: Error) => {
      dead[w] = true;
      for (const p of pending.values()) p.reject(e);
      pending.clear();
      load.fill(0);
    };
    worker.on('error', (e) =>
      fail(new DatasetError('INVALID_ARGUMENT', `transform worker ${w} crashed: ${e.message}`, { cause: e })),
    );
    worker.on('exit', (code) => {
      if (!closing)
        fail(new DatasetError('INVALID_ARGUMENT', `transform worker ${w} exited with code ${code}`));
    });
    return worker;
  });
  return {
    workers: count,
    run(spec: TransformSpec, image: RawImage, rngState: RngState): Promise<TransformedViews> {
      return new Promise((resolve, reject) => {
        const id = nextId++;
        let w = -1;
        for (let k = 0; k < count; k++) if (!dead[k] && (w < 0 || load[k] < load[w])) w = k;
        if (w < 0) {
          reject(
            new DatasetError(
              'INVALID_ARGUMENT',
              'createWorkerPool: every worker has crashed or the pool is closed',
            ),
          );
          return;
        }
        load[w]++;
        pending.set(id, { resolve, reject });
        const data = image.data.slice();
        workers[w].ref();
        workers[w].postMessage(
          {
            id,
            spec,
            image: { data, width: image.width, height: image.height, channels: image.channels },
            rngState,
          },
          [data.buffer],
        );
      });
    },
    async close() {
      closing = true;
      dead.fill(true);
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
