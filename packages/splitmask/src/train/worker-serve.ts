/**
 * The worker side of data-parallel training, independent of the thread API (Node worker_threads or
 * Web Workers): builds the method replica from its spec, then answers step / snapshot / restore
 * requests one at a time. Every worker holds the full params and optimizer; each step it computes the
 * gradient of its shard, the exchange sums them, and every worker applies the same update.
 */
import { initBackend } from '@splitmask/core';
import * as tf from '@tensorflow/tfjs-core';
import { type HostTensor, loadTrainMethod, type MethodSpec } from '../methods/spec';
import { type Collective, gatherCollective, shardOf } from './collective';
import { applyStep, checkFinite, computeStep, type ShardShape } from './engine';
import { restoreInto, snapshotOf } from './executor';
import type { MicroBatch, TrainMethod } from './method';
import { type ExchangeSizes, sharedExchange } from './shared-exchange';

/** Requests from the pool. */
export type WorkerRequest =
  | {
      type: 'init';
      spec: MethodSpec;
      backend: string;
      index: number;
      count: number;
      batchSize: number;
      imageSize: number;
      channels: number;
      role: string;
    }
  | { type: 'attach'; sab: SharedArrayBuffer; sizes: ExchangeSizes }
  | { type: 'step'; step: number; micro: MicroBatch[] }
  | { type: 'snapshot' }
  | {
      type: 'restore';
      tensors: Record<string, HostTensor>;
      optimizer: { stepCount: number; paramSteps: Record<string, number> };
    }
  | { type: 'close' };

/** A serialised error (structured clone drops class identity). */
export interface WorkerErrorInfo {
  name: string;
  code?: string;
  message: string;
  stack?: string;
  fields?: Record<string, unknown>;
}

/** Replies, one per request. */
export type WorkerReply =
  | { type: 'ready'; paramFloats: number; fullBatchInputs: boolean }
  | { type: 'ok' }
  | {
      type: 'stepped';
      parts: number[];
      gradNorm: number;
      scalars: Record<string, number | boolean>;
      monitors?: Record<string, number>;
      /** This worker's backend heap in bytes (wasm: its linear memory, which only grows: the peak). */
      heapBytes?: number;
    }
  | {
      type: 'snapshot';
      tensors: Record<string, HostTensor>;
      optimizer: { stepCount: number; paramSteps: Record<string, number> };
    }
  | { type: 'error'; error: WorkerErrorInfo };

/** The backend's heap size where it has one (tfjs-wasm's linear memory), else undefined. */
function heapBytes(): number | undefined {
  const wasm = (tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } }).wasm;
  return wasm?.HEAPU8?.length;
}

/** What a worker script may customise. */
export interface WorkerSetup {
  /**
   * Initialises the tfjs backend named by the pool (default: core's `initBackend(name)`). Browser apps
   * pass their own, with the bundler's importers and wasm file URLs.
   */
  initBackend?: (backend: string) => Promise<unknown>;
}

/** Error → plain data (the fields the trainer's typed errors carry). */
export function serializeError(e: unknown): WorkerErrorInfo {
  const err = e instanceof Error ? e : new Error(String(e));
  const fields: Record<string, unknown> = {};
  for (const k of ['step', 'batch', 'part', 'value'] as const) {
    const v = (err as unknown as Record<string, unknown>)[k];
    if (v !== undefined) fields[k] = v;
  }
  return {
    name: err.name,
    code: (err as { code?: string }).code,
    message: err.message,
    stack: err.stack,
    fields,
  };
}

/**
 * Serves requests arriving through `onMessage`, replying with `post` (transfer lists for big arrays).
 * @example serveWorker((f) => parentPort.on('message', f), (m, t) => parentPort.postMessage(m, t));
 */
export function serveWorker(
  onMessage: (handler: (req: WorkerRequest) => void) => void,
  post: (reply: WorkerReply, transfer?: ArrayBuffer[]) => void,
  close: () => void,
  setup: WorkerSetup = {},
): void {
  let method: TrainMethod | undefined;
  let shape: ShardShape | undefined;
  let collective: Collective | undefined;
  let init: Extract<WorkerRequest, { type: 'init' }> | undefined;
  let queue = Promise.resolve();

  async function handle(req: WorkerRequest): Promise<void> {
    switch (req.type) {
      case 'init': {
        init = req;
        if (setup.initBackend) await setup.initBackend(req.backend);
        else await initBackend(req.backend as Parameters<typeof initBackend>[0]);
        method = await loadTrainMethod(req.spec, `${req.role}/w${req.index}`);
        const shard = shardOf(req.index, req.count, req.batchSize);
        shape = [shard.size, req.imageSize, req.imageSize, req.channels];
        const paramFloats = Object.values(method.params).reduce((n, v) => n + v.size, 0);
        post({ type: 'ready', paramFloats, fullBatchInputs: method.fullBatchInputs === true });
        return;
      }
      case 'attach': {
        if (!init) throw new Error('attach before init');
        const shard = shardOf(init.index, init.count, init.batchSize);
        collective = gatherCollective(shard, sharedExchange(req.sab, req.sizes, init.index));
        post({ type: 'ok' });
        return;
      }
      case 'step': {
        if (!method || !shape || !collective) throw new Error('step before init/attach');
        const c = await computeStep(method, req.micro, shape, req.step, collective);
        checkFinite(method, c, req.step, req.micro.length);
        applyStep(method, c, req.step);
        const scalars = method.scalars(req.step);
        const monitors = await method.monitors?.(req.step);
        post({
          type: 'stepped',
          parts: Array.from(c.parts),
          gradNorm: c.gradNorm,
          scalars,
          ...(monitors ? { monitors } : {}),
          heapBytes: heapBytes(),
        });
        return;
      }
      case 'snapshot': {
        if (!method) throw new Error('snapshot before init');
        const snap = snapshotOf(method);
        const tensors: Record<string, HostTensor> = {};
        const transfer: ArrayBuffer[] = [];
        for (const [k, t] of Object.entries(snap.tensors)) {
          const data = Float32Array.from(t.dataSync() as Float32Array);
          tensors[k] = { shape: t.shape.slice(), data };
          transfer.push(data.buffer);
        }
        tf.dispose(Object.values(snap.tensors));
        post({ type: 'snapshot', tensors, optimizer: snap.optimizer }, transfer);
        return;
      }
      case 'restore': {
        if (!method) throw new Error('restore before init');
        const all = Object.fromEntries(
          Object.entries(req.tensors).map(([k, t]) => [k, tf.tensor(t.data, t.shape)]),
        );
        try {
          restoreInto(method, all, req.optimizer);
        } finally {
          tf.dispose(Object.values(all));
        }
        post({ type: 'ok' });
        return;
      }
      case 'close': {
        method?.dispose();
        method = undefined;
        post({ type: 'ok' });
        close();
        return;
      }
    }
  }

  onMessage((req) => {
    queue = queue.then(() => handle(req)).catch((e) => post({ type: 'error', error: serializeError(e) }));
  });
}
