/**
 * Transforms in Web Workers (browser-safe; also works over any MessagePort-like channel): the worker
 * script calls `serveTransforms(self)`, the page builds `createPortExecutor([new Worker(url), …])` and
 * passes it as the loader's `executor`. Jobs carry the sample's Rng state, so batches are identical to
 * the single-thread ones. (Node: `createWorkerPool` from `@splitmask/datasets/node`.)
 */
import { createRng, type RngState } from '@splitmask/core/rng';
import { DatasetError } from './errors';
import type { TransformExecutor } from './loader';
import { type ImageTransform, type TransformSpec, transformFromSpec } from './transforms/pipeline';
import type { RawImage, TransformedViews } from './types';

/** The part of `Worker` / `MessagePort` / `DedicatedWorkerGlobalScope` used here. */
export interface TransformPort {
  postMessage(message: unknown, transfer?: ArrayBuffer[]): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
}

interface Job {
  id: number;
  spec: TransformSpec;
  image: RawImage;
  rngState: RngState;
}
interface Reply {
  id: number;
  views?: TransformedViews;
  error?: string;
}

/**
 * Worker side: answers transform jobs arriving on `port` (call once in the worker script).
 * @example // transform-worker.js: import { serveTransforms } from '@splitmask/datasets'; serveTransforms(self);
 */
export function serveTransforms(port: TransformPort): void {
  const cache = new Map<string, ImageTransform>();
  port.addEventListener('message', (event) => {
    const job = event.data as Job;
    try {
      const key = JSON.stringify(job.spec);
      let t = cache.get(key);
      if (!t) {
        t = transformFromSpec(job.spec);
        cache.set(key, t);
      }
      const rng = createRng(job.rngState.seed);
      rng.setState(job.rngState);
      const views = t(job.image, rng);
      const transfer = [views.image.data.buffer, ...(views.tokenizer ? [views.tokenizer.data.buffer] : [])];
      port.postMessage({ id: job.id, views } satisfies Reply, transfer as ArrayBuffer[]);
    } catch (e) {
      port.postMessage({
        id: job.id,
        error: e instanceof Error ? `${e.name}: ${e.message}` : String(e),
      } satisfies Reply);
    }
  });
}

/**
 * Page side: a `TransformExecutor` over worker ports; jobs go to the least-loaded port.
 * @example
 * const workers = [0, 1].map(() => new Worker(new URL('./transform-worker.js', import.meta.url), { type: 'module' }));
 * const loader = createBatchLoader(ds, { batchSize: 64, seed: 0, transform, executor: createPortExecutor(workers) });
 */
export function createPortExecutor(ports: readonly TransformPort[]): TransformExecutor {
  if (ports.length === 0) throw new DatasetError('INVALID_ARGUMENT', 'createPortExecutor: no ports given');
  const pending = new Map<
    number,
    { resolve: (v: TransformedViews) => void; reject: (e: Error) => void; port: number }
  >();
  const load = new Array(ports.length).fill(0);
  let nextId = 0;
  ports.forEach((port) => {
    port.addEventListener('message', (event) => {
      const reply = event.data as Reply;
      const p = pending.get(reply.id);
      if (!p) return;
      pending.delete(reply.id);
      load[p.port]--;
      if (reply.views) p.resolve(reply.views);
      else p.reject(new DatasetError('INVALID_ARGUMENT', `transform worker: ${reply.error}`));
    });
  });
  return {
    run(spec, image, rngState) {
      return new Promise((resolve, reject) => {
        let w = 0;
        for (let k = 1; k < ports.length; k++) if (load[k] < load[w]) w = k;
        const id = nextId++;
        load[w]++;
        pending.set(id, { resolve, reject, port: w });
        const data = image.data.slice(); // sources may share buffers: send a copy
        const job: Job = {
          id,
          spec,
          image: { data, width: image.width, height: image.height, channels: image.channels },
          rngState,
        };
        ports[w].postMessage(job, [data.buffer]);
      });
    },
  };
}
