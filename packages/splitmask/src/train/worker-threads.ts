/**
 * Data-parallel training on Node worker threads: `workerThreads(n)` runs each step on n threads, each
 * with its own tfjs backend instance (its own 4 GiB wasm heap) and a full replica of params and
 * optimizer, computing the gradient of its rows of the global batch. Gradients (and batch-coupled
 * features) are exchanged through one SharedArrayBuffer; every worker applies the same update.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Parallelism } from './executor';
import { type ThreadHandle, threadPool } from './pool';
import type { WorkerReply } from './worker-serve';

export { WorkerError } from './pool';

/** Options of `workerThreads`. */
export interface WorkerThreadsOptions {
  /** tfjs backend of the workers (default: the main thread's current backend). */
  backend?: string;
  /** The worker script (default: this package's `dist/train-worker.js`). */
  workerUrl?: URL | string;
}

/** A Node worker thread as the pool sees it. */
function nodeThread(url: URL | string): ThreadHandle {
  const t = new Worker(url);
  return {
    postMessage: (m, transfer) => t.postMessage(m, transfer),
    listen(onMessage, onFailure) {
      t.on('message', (r: WorkerReply) => onMessage(r));
      t.on('error', (e) => onFailure(`crashed: ${e.message}`));
      t.on('exit', (code) =>
        onFailure(`exited with code ${code}${code === 1 ? ' (out of memory or an uncaught error)' : ''}`),
      );
    },
    terminate: () => t.terminate(),
  };
}

/**
 * `n` worker threads (`'auto'`: the cores this machine has).
 * @example const trainer = await createPretrainer({ config, source, parallel: workerThreads('auto') });
 */
export function workerThreads(n: number | 'auto', options: WorkerThreadsOptions = {}): Parallelism {
  const workers = n === 'auto' ? availableParallelism() : n;
  const url = options.workerUrl ?? new URL('./train-worker.js', import.meta.url);
  return threadPool(workers, () => nodeThread(url), options.backend);
}
