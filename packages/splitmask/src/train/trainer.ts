/**
 * The one training loop of every method (SplitMask, BEiT, DINO): data positions, gradient accumulation,
 * steps in this thread or across worker threads, the non-finite check before any update, checkpoints
 * with exact resume for any worker count, events, and stopping within one step on an AbortSignal.
 *
 * Randomness is a pure function of (seed, micro-batch index, global row): data batches come from
 * `source.batch(step · accumSteps + micro, batchSize)`, masks/crops/drop-path from the method's rules.
 * So a run resumed from a checkpoint replays the same trajectory, and N workers compute what one does
 * (up to float summation order in the gradient all-reduce).
 */
import { toTfTensors } from '@splitmask/core';
import * as tf from '@tensorflow/tfjs-core';
import type { CheckpointExtension, LoadedCheckpoint } from '../checkpoint-read';
import type { ImageSource } from '../source';
import type { ShardShape } from './engine';
import { localExecutor, type StepExecutor, type StepReport } from './executor';
import type { MicroBatch, StepScalars, TrainMethod } from './method';

/** What the loop reports after each optimiser step. */
export interface TrainEvent {
  /** Optimiser steps completed (1-based). */
  step: number;
  totalSteps: number;
  loss: number;
  /** Loss parts by name (`total` first), averaged over micro-batches. */
  parts: Record<string, number>;
  lr: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  /** The method's scheduled scalars of this step (lr, and e.g. DINO's momentum, teacherTemp). */
  scalars: StepScalars;
  /** Method monitors on steps that compute them (DINO's collapse monitors). */
  monitors?: Record<string, number>;
  /** Images per second over this step (batchSize · accumSteps / wall time). */
  imgsPerSec: number;
  /** Worker threads that computed the step (1 = this thread). */
  workers: number;
  /** With workers: the largest worker heap so far in MiB (wasm; each worker has up to 4 GiB). */
  workerHeapMb?: number;
  numTensors: number;
  elapsedSec: number;
  /** Folder of the checkpoint written after this step, if any. */
  checkpoint?: string;
}

/**
 * Where a session's checkpoints go: the Node folder manager (`createCheckpointManager` from
 * `@splitmask/splitmask/node` satisfies it), or any store (e.g. safetensors bytes in IndexedDB).
 */
export interface CheckpointStore {
  /** The checkpoint to resume from, if any (its config already checked against this run's). */
  readonly resumed?: LoadedCheckpoint;
  /** The run these checkpoints belong to, for log lines. */
  readonly runId?: string;
  /** What resuming changed (e.g. `train.steps: 300 → 600`), if anything. */
  readonly extension?: CheckpointExtension;
  /** Writes checkpoint `step`: `tensors` (read them before resolving) and `extra` JSON; returns where it went. */
  save(step: number, tensors: Record<string, tf.Tensor>, extra: Record<string, unknown>): Promise<string>;
}

/** The loop settings (every method's config has them under `train`). */
export interface LoopSettings {
  steps: number;
  batchSize: number;
  accumSteps?: number;
  checkpointEvery: number;
}

/** Options of `createTrainLoop`. */
export interface TrainLoopOptions {
  train: LoopSettings;
  source: ImageSource;
  /** The executor (this thread or workers) that owns the method's replicas. */
  executor: StepExecutor;
  /** Checkpoints (Node only). */
  checkpoints?: CheckpointStore;
  /** A checkpoint to resume from (already loaded by the caller, who built the method from it). */
  resumeFrom?: LoadedCheckpoint;
  /** JSON stored with every checkpoint besides the loop's own (tokenizer config, …). */
  extraState?: Record<string, unknown>;
}

/** Lets the event loop run (timers, signals, I/O) between steps: setImmediate in Node, a macrotask elsewhere. */
export function yieldToEventLoop(): Promise<void> {
  const g = globalThis as { setImmediate?: (f: () => void) => void };
  return new Promise((resolve) => (g.setImmediate ? g.setImmediate(resolve) : setTimeout(resolve, 0)));
}

/**
 * The loop over an executor.
 * @example
 * const loop = await createTrainLoop({ train: cfg.train, source, executor: localExecutor(method, shape) });
 * for await (const ev of loop.run({ signal })) console.log(ev.step, ev.loss);
 */
export async function createTrainLoop(o: TrainLoopOptions) {
  const { source, executor } = o;
  const { batchSize, steps } = o.train;
  const accumSteps = o.train.accumSteps ?? 1;
  let step = 0;
  if (o.resumeFrom) {
    const all = toTfTensors(o.resumeFrom.tensors);
    try {
      const saved = (o.resumeFrom.state.optimizer ?? o.resumeFrom.state.optim) as {
        stepCount: number;
        paramSteps: Record<string, number>;
      };
      await executor.restore(all, saved);
    } finally {
      tf.dispose(Object.values(all));
    }
    step = o.resumeFrom.state.step;
  }
  const t0 = Date.now();
  // The next step's batches load while the current step computes (worker executors only; in this thread
  // the step is synchronous and loading overlaps nothing).
  let prefetch: { step: number; batches: Promise<MicroBatch[]> } | undefined;
  const loadOne = async (index: number): Promise<MicroBatch> => {
    const pixels = await source.batch(index, batchSize);
    return source.labels ? { pixels, labels: await source.labels(index, batchSize) } : { pixels };
  };
  const load = (s: number) =>
    Promise.all(Array.from({ length: accumSteps }, (_, a) => loadOne(s * accumSteps + a)));

  async function save(): Promise<string> {
    if (!o.checkpoints) throw new RangeError('saveCheckpoint: no checkpoint folder was given');
    const snap = await executor.snapshot();
    try {
      return await o.checkpoints.save(step, snap.tensors, {
        ...o.extraState,
        optimizer: snap.optimizer,
        dataPosition: step * accumSteps,
        workers: executor.workers,
        rng: {
          derivation:
            'data: source.batch(step·accumSteps + micro); masks/crops/drop-path: (seed, micro-batch, global row)',
        },
      });
    } finally {
      tf.dispose(Object.values(snap.tensors));
    }
  }

  async function trainStep(): Promise<TrainEvent> {
    if (step >= steps) throw new RangeError(`trainStep: all train.steps=${steps} steps are done`);
    const started = Date.now();
    const batches = prefetch?.step === step ? await prefetch.batches : await load(step);
    prefetch =
      executor.workers > 1 && step + 1 < steps ? { step: step + 1, batches: load(step + 1) } : undefined;
    let r: StepReport;
    try {
      r = await executor.step(step, batches);
    } catch (e) {
      prefetch = undefined;
      throw e;
    }
    step++;
    const parts: Record<string, number> = {};
    executor.parts.forEach((k, i) => {
      parts[k] = r.parts[i];
    });
    const ev: TrainEvent = {
      step,
      totalSteps: steps,
      loss: parts.total,
      parts,
      lr: r.scalars.lr,
      gradNorm: r.gradNorm,
      scalars: r.scalars,
      ...(r.monitors ? { monitors: r.monitors } : {}),
      imgsPerSec: (batchSize * accumSteps) / Math.max(1e-3, (Date.now() - started) / 1000),
      workers: executor.workers,
      ...(r.workerHeapBytes ? { workerHeapMb: r.workerHeapBytes / 2 ** 20 } : {}),
      numTensors: tf.memory().numTensors,
      elapsedSec: (Date.now() - t0) / 1000,
    };
    if (
      o.checkpoints &&
      o.train.checkpointEvery > 0 &&
      (step % o.train.checkpointEvery === 0 || step === steps)
    ) {
      ev.checkpoint = await save();
    }
    return ev;
  }

  return {
    get step() {
      return step;
    },
    totalSteps: steps,
    workers: executor.workers,
    /** Checkpoint folder this run resumed from, if any. */
    resumedFrom: o.resumeFrom?.path,
    /** Runs one optimiser step; throws NonFiniteLossError (before any update) on NaN/Inf. */
    trainStep,
    /**
     * Steps until train.steps or until `signal` aborts, yielding an event per step. Between steps the event
     * loop runs, so a signal (Ctrl-C) stops the run within one step.
     */
    async *run({ signal }: { signal?: AbortSignal } = {}): AsyncGenerator<TrainEvent> {
      while (step < steps && !signal?.aborted) {
        yield await trainStep();
        await yieldToEventLoop();
      }
    },
    /** Writes a checkpoint of the current step now (needs a checkpoint folder); returns its path. */
    saveCheckpoint: save,
    async dispose(): Promise<void> {
      prefetch = undefined;
      await executor.dispose();
    },
  };
}

/** A loop in progress. */
export type TrainLoop = Awaited<ReturnType<typeof createTrainLoop>>;

/** The in-thread executor of a method for batches of `batchSize` images of `source`. */
export function inThread(method: TrainMethod, source: ImageSource, batchSize: number): StepExecutor {
  const shape: ShardShape = [batchSize, source.imageSize, source.imageSize, source.channels];
  return localExecutor(method, shape);
}
