/**
 * DINO sessions on the one training loop (`train/trainer.ts`) with the DINO method
 * (`methods/dino.ts`): the same checkpoints, resume, non-finite check, workers and events as SplitMask
 * and BEiT; this file only maps the loop's events to DINO's (epoch, momentum, teacher temperature,
 * collapse monitors) and keeps DINO's entry points.
 */
import { type AdamW, flattenParams, type VariableTree } from '@splitmask/core';
import type * as tf from '@tensorflow/tfjs-core';
import { createDinoMethod } from '../methods/dino';
import type { ImageSource } from '../source';
import type { Parallelism } from '../train/executor';
import { type CheckpointStore, type TrainEvent, yieldToEventLoop } from '../train/trainer';
import { checkpointsOf, createSession, type TrainingSession } from '../trainer';
import { type DinoConfig, DinoConfigError } from './config';
import { type DinoArch, type DinoParams, dinoArch } from './model';
import type { DinoMonitors } from './monitors';

export { type DinoSchedules, dinoSchedules } from './schedules';

/** What every step reports. `monitors` is present every `train.logEvery` steps. */
export interface DinoEvent {
  /** Steps completed (1-based). */
  step: number;
  totalSteps: number;
  epoch: number;
  loss: number;
  lr: number;
  weightDecay: number;
  momentum: number;
  teacherTemp: number;
  /** Whether the last layer's gradients were dropped this step. */
  lastLayerFrozen: boolean;
  gradNorm: number;
  imgsPerSec: number;
  workers: number;
  /** With workers: the largest worker heap so far in MiB (wasm). */
  workerHeapMb?: number;
  numTensors: number;
  elapsedSec: number;
  monitors?: DinoMonitors;
  checkpoint?: string;
}

/** Options of `createDinoTrainer`. */
export interface DinoTrainerOptions {
  config: DinoConfig;
  source: ImageSource;
  checkpointDir?: string;
  /** Resume from the newest checkpoint in `checkpointDir` (or `resumeFrom`); an error if there is none. */
  resume?: boolean;
  resumeFrom?: string;
  /** A fresh run into a folder holding another run moves it aside instead of refusing. */
  overwrite?: boolean;
  /** Variable-name prefix (tfjs variable names are process-global). Default 'dino'. */
  role?: string;
  /** Data-parallel execution, e.g. `workerThreads('auto')` from `@splitmask/splitmask/node`. */
  parallel?: Parallelism;
  /** An open checkpoint manager (the Node entry's `createDinoTrainer` builds it from `checkpointDir`). */
  checkpoints?: CheckpointStore;
}

/** A DINO run in progress. With workers, `student`/`teacher`/`center` are current after `syncParams()`. */
export interface DinoTrainer {
  readonly config: DinoConfig;
  readonly arch: DinoArch;
  readonly student: VariableTree<DinoParams>;
  readonly teacher: VariableTree<DinoParams>;
  /** [1, K] */
  readonly center: tf.Variable;
  readonly optimizer: AdamW;
  /** Steps completed. */
  readonly step: number;
  readonly totalSteps: number;
  readonly stepsPerEpoch: number;
  readonly workers: number;
  /** Checkpoint folder this run resumed from, if any. */
  readonly resumedFrom?: string;
  /** The run id of the checkpoints, when checkpointing. */
  readonly runId?: string;
  /** What resuming changed (e.g. `train.steps: 300 → 600`), if anything. */
  readonly extension?: TrainingSession['extension'];
  trainStep(): Promise<DinoEvent>;
  /** Writes a checkpoint now (needs `checkpointDir`); returns its folder. */
  save(): Promise<string>;
  syncParams(): Promise<void>;
  dispose(): Promise<void>;
}

function toDinoEvent(ev: TrainEvent): DinoEvent {
  const s = ev.scalars;
  return {
    step: ev.step,
    totalSteps: ev.totalSteps,
    epoch: s.epoch as number,
    loss: ev.loss,
    lr: ev.lr,
    weightDecay: s.weightDecay as number,
    momentum: s.momentum as number,
    teacherTemp: s.teacherTemp as number,
    lastLayerFrozen: s.lastLayerFrozen as boolean,
    gradNorm: ev.gradNorm,
    imgsPerSec: ev.imgsPerSec,
    workers: ev.workers,
    ...(ev.workerHeapMb ? { workerHeapMb: ev.workerHeapMb } : {}),
    numTensors: ev.numTensors,
    elapsedSec: ev.elapsedSec,
    ...(ev.monitors ? { monitors: ev.monitors as unknown as DinoMonitors } : {}),
    ...(ev.checkpoint ? { checkpoint: ev.checkpoint } : {}),
  };
}

/**
 * Builds a DINO trainer (student, EMA teacher, center, AdamW), resuming from a checkpoint if asked.
 * @example
 * const t = await createDinoTrainer({ config: resolveDinoConfig({}, DINO_TINY_CONFIG), source });
 * for (let i = 0; i < t.totalSteps; i++) console.log((await t.trainStep()).loss);
 * await t.dispose();
 */
export async function createDinoTrainer(options: DinoTrainerOptions): Promise<DinoTrainer> {
  const { config: cfg, source } = options;
  if (source.channels !== cfg.model.inChans) {
    throw new DinoConfigError(
      `createDinoTrainer: the source gives ${source.channels} channels, model.inChans=${cfg.model.inChans}`,
    );
  }
  const role = options.role ?? 'dino';
  const stepsPerEpoch =
    cfg.train.stepsPerEpoch || Math.max(1, Math.ceil(source.length / cfg.train.batchSize));
  // The workers rebuild the method from this spec, so it carries the resolved epoch length.
  const specConfig: DinoConfig = { ...cfg, train: { ...cfg.train, stepsPerEpoch } };
  const { manager, loaded } = checkpointsOf(options, 'createDinoTrainer');
  const method = createDinoMethod({ config: specConfig, normalization: source.normalization, role });
  let session: TrainingSession;
  try {
    session = await createSession({
      method,
      spec: { config: specConfig, normalization: source.normalization },
      train: cfg.train,
      source,
      role,
      parallel: options.parallel,
      // Monitors gather the teacher outputs of both global views: [2·B, K].
      gatherFloats: 2 * cfg.train.batchSize * Math.max(cfg.head.outDim, cfg.model.embedDim),
      manager,
      loaded,
    });
  } catch (e) {
    method.dispose();
    throw e;
  }
  const student = method.tree as VariableTree<DinoParams>;
  const teacherFlat: Record<string, tf.Variable> = {};
  for (const [k, v] of Object.entries(method.buffers))
    if (k.startsWith('teacher.')) teacherFlat[k.slice(8)] = v;
  const teacher = rebuildTree(student, teacherFlat);
  return {
    config: cfg,
    arch: dinoArch(cfg),
    student,
    teacher,
    center: method.buffers.center,
    optimizer: method.optimizer,
    get step() {
      return session.step;
    },
    totalSteps: cfg.train.steps,
    stepsPerEpoch,
    workers: session.workers,
    resumedFrom: session.resumedFrom,
    runId: session.runId,
    extension: session.extension,
    trainStep: async () => toDinoEvent(await session.trainStep()),
    async save() {
      const path = await session.saveCheckpoint();
      if (!path) throw new DinoConfigError('DinoTrainer.save: no checkpointDir was given');
      return path;
    },
    syncParams: () => session.syncParams(),
    dispose: () => session.dispose(),
  };
}

/** The teacher's Variables in the student's tree shape. */
function rebuildTree(shape: unknown, flat: Record<string, tf.Variable>): VariableTree<DinoParams> {
  const names = Object.keys(flattenParams(shape));
  const out: Record<string, unknown> = {};
  for (const name of names) {
    const parts = name.split('.');
    let node = out;
    for (const [i, key] of parts.slice(0, -1).entries()) {
      const nextIsIndex = /^\d+$/.test(parts[i + 1]);
      node[key] ??= nextIsIndex ? [] : {};
      node = node[key] as Record<string, unknown>;
    }
    node[parts[parts.length - 1]] = flat[name];
  }
  return out as unknown as VariableTree<DinoParams>;
}

/** Options of `runDino`. */
export interface RunDinoOptions extends DinoTrainerOptions {
  /** Called once the trainer exists (before the first step): e.g. to log `trainer.runId` / `resumedFrom`. */
  onStart?: (trainer: DinoTrainer) => void;
  /** Called after every step. */
  onEvent?: (event: DinoEvent) => void;
  signal?: AbortSignal;
}

/** What `runDino` returns. */
export interface RunDinoResult {
  last?: DinoEvent;
  /** Steps completed (all of `train.steps` unless aborted). */
  steps: number;
  resumedFrom?: string;
  /** Checkpoint written because the run was aborted (with a `checkpointDir`). */
  abortCheckpoint?: string;
  /** The run id of the checkpoints (for log lines), when checkpointing. */
  runId?: string;
}

/**
 * Runs (or resumes) a DINO pretraining to `train.steps` and disposes the trainer. Between steps the
 * event loop runs, so `signal` stops the run within one step; with a `checkpointDir` the current step
 * is checkpointed first, so `resume` continues exactly.
 * @example const { last } = await runDino({ config, source, checkpointDir: 'out/ckpt', onEvent: console.log });
 */
export async function runDino(
  options: RunDinoOptions,
  create: (o: DinoTrainerOptions) => Promise<DinoTrainer> = createDinoTrainer,
): Promise<RunDinoResult> {
  const trainer = await create(options);
  options.onStart?.(trainer);
  let last: DinoEvent | undefined;
  try {
    while (trainer.step < trainer.totalSteps && !options.signal?.aborted) {
      last = await trainer.trainStep();
      options.onEvent?.(last);
      await yieldToEventLoop();
    }
    const aborted =
      trainer.step < trainer.totalSteps &&
      (options.checkpointDir !== undefined || options.checkpoints !== undefined);
    const abortCheckpoint = aborted ? await trainer.save() : undefined;
    return {
      last,
      steps: trainer.step,
      resumedFrom: trainer.resumedFrom,
      abortCheckpoint,
      runId: trainer.runId,
    };
  } finally {
    await trainer.dispose();
  }
}
