/**
 * The main-thread side of data-parallel training, for any thread API: spawns the threads, sends each
 * its rows of every micro-batch, relays typed errors, and turns a thread that dies into a `WorkerError`
 * naming the worker and the step (waking the others blocked on the shared exchange).
 */
import { SplitmaskError } from '@splitmask/core';
import * as tf from '@tensorflow/tfjs-core';
import type { HostTensor } from '../methods/spec';
import { NonFiniteLossError } from './engine';
import type { Parallelism, StepExecutor } from './executor';
import { abortExchange, allocateExchange, type ExchangeSizes } from './shared-exchange';
import type { WorkerErrorInfo, WorkerReply, WorkerRequest } from './worker-serve';

/** A worker thread died or failed outside the method's own typed errors. */
export class WorkerError extends SplitmaskError {
  readonly worker: number;
  readonly step?: number;
  constructor(worker: number, step: number | undefined, message: string) {
    super('WORKER_FAILED', `worker ${worker}${step !== undefined ? ` at step ${step + 1}` : ''}: ${message}`);
    this.worker = worker;
    this.step = step;
  }
}

function rebuild(info: WorkerErrorInfo, worker: number, step: number | undefined): Error {
  if (info.name === 'NonFiniteLossError' && info.fields) {
    const f = info.fields as { step: number; batch: number; part: string; value: number };
    const e = new NonFiniteLossError(f.step, f.batch, f.part, f.value);
    e.message = info.message;
    return e;
  }
  // tfjs-wasm aborts without a message when its 4 GiB heap is exhausted.
  const hint = /Aborted\(\)/.test(info.message)
    ? ' (the wasm heap of this worker, 4 GiB, is probably exhausted: use more workers, a smaller train.batchSize' +
      ' with train.accumSteps, or a smaller model)'
    : '';
  const e = new WorkerError(worker, step, `${info.name}: ${info.message}${hint}`);
  if (info.stack) e.stack = `${e.name}: ${e.message}\n--- in the worker ---\n${info.stack}`;
  return e;
}

/** The few things the pool needs of a thread: Node's `Worker` and the browser's `Worker` both fit. */
export interface ThreadHandle {
  postMessage(message: unknown, transfer: ArrayBuffer[]): void;
  /** Calls `onMessage` with each reply, `onFailure` once if the thread dies (error or exit). */
  listen(onMessage: (reply: WorkerReply) => void, onFailure: (message: string) => void): void;
  terminate(): unknown;
}

/**
 * A pool of `workers` threads made by `spawn` (Node: worker_threads; browsers: Web Workers), as a
 * `Parallelism` for the training loop. `backend` is the tfjs backend each thread initialises.
 * @example const parallel = threadPool(4, () => nodeThread(url), 'wasm');
 */
export function threadPool(workers: number, spawn: () => ThreadHandle, backend?: string): Parallelism {
  if (!(Number.isInteger(workers) && workers >= 1)) {
    throw new SplitmaskError('INVALID_ARGUMENT', `workers must be 'auto' or an integer ≥ 1, got ${workers}`);
  }
  return {
    workers,
    async createExecutor({
      spec,
      batchSize,
      imageSize,
      channels,
      role,
      parts,
      gatherFloats,
    }): Promise<StepExecutor> {
      if (workers > batchSize) {
        throw new SplitmaskError(
          'INVALID_ARGUMENT',
          `workers=${workers} is more than train.batchSize=${batchSize}: every worker needs at least one image`,
        );
      }
      const threadBackend = backend ?? tf.getBackend();
      const threads = Array.from({ length: workers }, spawn);
      const pending: ({ resolve: (r: WorkerReply) => void; reject: (e: Error) => void } | undefined)[] = [];
      let sab: SharedArrayBuffer | undefined;
      let currentStep: number | undefined;
      let failure: Error | undefined;
      let closing = false;
      let fullBatch = false;

      const fail = (w: number, message: string) => {
        if (closing) return;
        failure ??= new WorkerError(w, currentStep, message);
        if (sab) abortExchange(sab); // wake the others blocked on the exchange
        for (const p of pending) p?.reject(failure);
        pending.fill(undefined);
      };
      threads.forEach((t, w) => {
        t.listen(
          (r) => {
            const p = pending[w];
            pending[w] = undefined;
            if (!p) return;
            if (r.type === 'error') p.reject(rebuild(r.error, w, currentStep));
            else p.resolve(r);
          },
          (message) => fail(w, message),
        );
      });
      const call = (w: number, req: WorkerRequest, transfer: ArrayBuffer[] = []): Promise<WorkerReply> =>
        new Promise((resolve, reject) => {
          if (failure) return reject(failure);
          pending[w] = { resolve, reject };
          threads[w].postMessage(req, transfer);
        });
      const all = async (mk: (w: number) => [WorkerRequest, ArrayBuffer[]?]): Promise<WorkerReply[]> => {
        const settled = await Promise.allSettled(threads.map((_, w) => call(w, ...mk(w))));
        const bad = settled.find((s) => s.status === 'rejected') as PromiseRejectedResult | undefined;
        if (bad) throw failure ?? bad.reason;
        return settled.map((s) => (s as PromiseFulfilledResult<WorkerReply>).value);
      };
      const terminate = async () => {
        closing = true;
        await Promise.all(threads.map((t) => t.terminate()));
      };

      try {
        const ready = await all((index) => [
          {
            type: 'init',
            spec,
            backend: threadBackend,
            index,
            count: workers,
            batchSize,
            imageSize,
            channels,
            role,
          },
        ]);
        const first = ready[0] as Extract<WorkerReply, { type: 'ready' }>;
        const paramFloats = first.paramFloats;
        fullBatch = first.fullBatchInputs;
        // One slot holds [grads, parts, aux] or a gathered gradient; scratch holds a step's gathers.
        const sizes: ExchangeSizes = {
          workers,
          slotFloats: Math.max(paramFloats + parts.length + gatherFloats, 4 * gatherFloats),
          scratchFloats: Math.max(1 << 16, 8 * gatherFloats),
        };
        sab = allocateExchange(sizes);
        const buffer = sab;
        await all(() => [{ type: 'attach', sab: buffer, sizes }]);
      } catch (e) {
        await terminate();
        throw e;
      }

      const per = imageSize * imageSize * channels;
      return {
        workers,
        parts,
        async step(step, micro) {
          currentStep = step;
          const replies = await all((w) => {
            // Rows of worker w, copied so each can be transferred.
            const base = Math.floor(batchSize / workers);
            const extra = batchSize % workers;
            const lo = w * base + Math.min(w, extra);
            const size = base + (w < extra ? 1 : 0);
            // Rows of worker w (the whole micro-batch for fullBatchInputs methods), copied so each can be transferred.
            const rows = micro.map((m) =>
              fullBatch
                ? { pixels: m.pixels.slice(), labels: m.labels?.slice() }
                : {
                    pixels: m.pixels.slice(lo * per, (lo + size) * per),
                    labels: m.labels?.slice(lo, lo + size),
                  },
            );
            const transfer = rows.flatMap((r) => [r.pixels.buffer, ...(r.labels ? [r.labels.buffer] : [])]);
            return [{ type: 'step', step, micro: rows }, transfer as ArrayBuffer[]];
          });
          const r = replies[0] as Extract<WorkerReply, { type: 'stepped' }>;
          const heaps = replies.map((x) => (x as Extract<WorkerReply, { type: 'stepped' }>).heapBytes ?? 0);
          return {
            parts: r.parts,
            gradNorm: r.gradNorm,
            scalars: r.scalars as never,
            monitors: r.monitors,
            workerHeapBytes: Math.max(...heaps) || undefined,
          };
        },
        async snapshot() {
          const r = (await call(0, { type: 'snapshot' })) as Extract<WorkerReply, { type: 'snapshot' }>;
          const tensors: Record<string, tf.Tensor> = {};
          for (const [k, t] of Object.entries(r.tensors)) tensors[k] = tf.tensor(t.data, t.shape);
          return { tensors, optimizer: r.optimizer };
        },
        async restore(tensors, optimizer) {
          const host: Record<string, HostTensor> = {};
          for (const [k, t] of Object.entries(tensors)) {
            host[k] = { shape: t.shape.slice(), data: Float32Array.from((await t.data()) as Float32Array) };
          }
          await all(() => [{ type: 'restore', tensors: host, optimizer }]);
        },
        async dispose() {
          if (!failure) await Promise.allSettled(threads.map((_, w) => call(w, { type: 'close' })));
          await terminate();
        },
      };
    },
  };
}
