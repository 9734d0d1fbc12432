/**
 * Where the steps of a run execute: in this thread (`localExecutor`), or in N worker threads holding a
 * replica each (`train/worker-pool`). The trainer loop talks to both through this interface.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { MethodSpec } from '../methods/spec';
import { assignVariables, restoreOptimizer } from '../restore';
import { localCollective } from './collective';
import { applyStep, checkFinite, computeStep, type ShardShape } from './engine';
import type { MicroBatch, StepScalars, TrainMethod } from './method';

/** What one executed step reports (global values, identical on every worker). */
export interface StepReport {
  parts: number[];
  gradNorm: number;
  scalars: StepScalars;
  monitors?: Record<string, number>;
  /** Largest backend heap of the workers (bytes), where known (wasm). */
  workerHeapBytes?: number;
}

/** A checkpointable snapshot: host tensors by checkpoint key, and the optimizer counters. */
export interface Snapshot {
  tensors: Record<string, tf.Tensor>;
  optimizer: { stepCount: number; paramSteps: Record<string, number> };
}

/** Runs steps of one method, somewhere. */
export interface StepExecutor {
  readonly workers: number;
  readonly parts: readonly string[];
  /** Runs optimiser step `step` on the global micro-batches (pixels [B·S·S·C], labels [B]); throws NonFiniteLossError before any update. */
  step(step: number, micro: MicroBatch[]): Promise<StepReport>;
  /** Current params, buffers, optimizer moments and extra tensors under their checkpoint keys (caller disposes). */
  snapshot(): Promise<Snapshot>;
  /** Assigns a checkpoint's tensors (keys as in `snapshot`) and optimizer counters. */
  restore(tensors: Record<string, tf.Tensor>, optimizer: Snapshot['optimizer']): Promise<void>;
  dispose(): Promise<void>;
}

/** How to run steps on several threads (Node: `workerThreads(n)` from `@splitmask/splitmask/node`). */
export interface Parallelism {
  readonly workers: number;
  createExecutor(o: {
    spec: MethodSpec;
    /** Global micro-batch rows. */
    batchSize: number;
    /** Raw pixel batches: [batchSize, imageSize, imageSize, channels]. */
    imageSize: number;
    channels: number;
    role: string;
    parts: readonly string[];
    /** Floats of the largest gathered feature matrix of a step ([batch, dim] × views), for buffer sizes. */
    gatherFloats: number;
  }): Promise<StepExecutor>;
}

/** Checkpoint keys of a method's state: `params.*`, `state.*`, `optim.*`, plus its extra tensors. */
export function snapshotOf(method: TrainMethod): Snapshot {
  const opt = method.optimizer.getState(); // copies
  const tensors: Record<string, tf.Tensor> = {};
  for (const [n, v] of Object.entries(method.params)) tensors[`params.${n}`] = tf.clone(v);
  for (const [n, v] of Object.entries(method.buffers)) tensors[`state.${n}`] = tf.clone(v);
  for (const [n, t] of Object.entries(opt.tensors)) tensors[`optim.${n}`] = t;
  for (const [n, t] of Object.entries(method.extraTensors)) tensors[n] = tf.clone(t);
  return { tensors, optimizer: { stepCount: opt.stepCount, paramSteps: opt.paramSteps } };
}

/** Assigns `params.*`, `state.*` and `optim.*` of a checkpoint; throws naming the first missing or misshapen key. */
export function restoreInto(
  method: TrainMethod,
  tensors: Record<string, tf.Tensor>,
  optimizer: Snapshot['optimizer'],
  where = 'checkpoint',
): void {
  assignVariables(method.params, tensors, 'params', where);
  assignVariables(method.buffers, tensors, 'state', where);
  restoreOptimizer(method.optimizer, tensors, optimizer);
}

/**
 * Runs every step in this thread on the whole batch.
 * @example const ex = localExecutor(method, [64, 28, 28, 1]);
 */
export function localExecutor(method: TrainMethod, shape: ShardShape): StepExecutor {
  const collective = localCollective(shape[0]);
  return {
    workers: 1,
    parts: method.parts,
    async step(step, micro) {
      const c = await computeStep(method, micro, shape, step, collective);
      checkFinite(method, c, step, micro.length);
      applyStep(method, c, step);
      return {
        parts: Array.from(c.parts),
        gradNorm: c.gradNorm,
        scalars: method.scalars(step),
        monitors: await method.monitors?.(step),
      };
    },
    snapshot: async () => snapshotOf(method),
    async restore(tensors, optimizer) {
      restoreInto(method, tensors, optimizer);
    },
    async dispose() {
      method.dispose();
    },
  };
}
