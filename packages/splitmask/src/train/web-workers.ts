/**
 * Data-parallel training on Web Workers (browsers): the same pool, exchange and worker code as Node's
 * worker threads. The page must be cross-origin isolated (SharedArrayBuffer); `webWorkers` says so
 * instead of failing later. The app owns the worker script (bundlers need to see it): it calls
 * `serveWebWorker()` and `createWorker` returns `new Worker(new URL('./train-worker.ts', import.meta.url),
 * { type: 'module' })`.
 */
import { SplitmaskError } from '@splitmask/core';
import type { Parallelism } from './executor';
import { type ThreadHandle, threadPool } from './pool';
import { serveWorker, type WorkerReply, type WorkerSetup } from './worker-serve';

/** The browser Worker surface the pool uses (a structural subset, so this file needs no DOM typings). */
export interface WebWorkerLike {
  postMessage(message: unknown, transfer: ArrayBuffer[]): void;
  addEventListener(
    type: 'message' | 'error' | 'messageerror',
    listener: (ev: { data?: unknown; message?: string }) => void,
  ): void;
  terminate(): void;
}

/** Whether this context can share memory between workers (cross-origin isolated, SharedArrayBuffer). */
export function canShareMemory(): boolean {
  const g = globalThis as { crossOriginIsolated?: boolean };
  return typeof SharedArrayBuffer === 'function' && g.crossOriginIsolated !== false;
}

/**
 * `n` Web Workers made by `createWorker`, each running `serveWebWorker()`. Throws WORKERS_UNAVAILABLE when
 * the page is not cross-origin isolated (apps fall back to one thread and say so).
 * @example const parallel = webWorkers(navigator.hardwareConcurrency, () => new Worker(url, { type: 'module' }));
 */
export function webWorkers(
  n: number,
  createWorker: () => WebWorkerLike,
  options: { backend?: string } = {},
): Parallelism {
  if (!canShareMemory()) {
    throw new SplitmaskError(
      'WORKERS_UNAVAILABLE',
      'webWorkers: SharedArrayBuffer is unavailable (the page is not cross-origin isolated: serve it with ' +
        'Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp); train in one thread',
    );
  }
  const spawn = (): ThreadHandle => {
    const w = createWorker();
    return {
      postMessage: (m, transfer) => w.postMessage(m, transfer),
      listen(onMessage, onFailure) {
        w.addEventListener('message', (ev) => onMessage(ev.data as WorkerReply));
        w.addEventListener('error', (ev) => onFailure(`crashed: ${ev.message ?? 'error in the worker'}`));
        w.addEventListener('messageerror', () => onFailure('sent a message that could not be read'));
      },
      terminate: () => w.terminate(),
    };
  };
  return threadPool(n, spawn, options.backend);
}

/**
 * The body of a Web Worker script for `webWorkers`: serves training requests on `self`. `setup.initBackend`
 * lets the app initialise backends with its bundler's importers and wasm URLs.
 * @example // train-worker.ts
 * import { serveWebWorker } from '@splitmask/splitmask'; serveWebWorker({ initBackend: (name) => myInit(name) });
 */
export function serveWebWorker(setup: WorkerSetup = {}): void {
  const self_ = globalThis as unknown as {
    addEventListener(type: 'message', f: (ev: { data: unknown }) => void): void;
    postMessage(m: unknown, transfer: ArrayBuffer[]): void;
    close(): void;
  };
  serveWorker(
    (handler) => self_.addEventListener('message', (ev) => handler(ev.data as never)),
    (reply, transfer) => self_.postMessage(reply, transfer ?? []),
    () => self_.close(),
    setup,
  );
}
