/**
 * SplitMask and BEiT pretraining sessions on the one training loop (`train/trainer.ts`): builds the
 * tokenizer (or takes it from the checkpoint), the method, and the executor — this thread, or
 * `parallel: workerThreads(n)` for data-parallel worker threads — then hands them to the loop.
 */
import { SplitmaskError, toTfTensors } from '@splitmask/core';
import type { CodebookTokenizerConfig } from '@splitmask/tokenizers';
import type * as tf from '@tensorflow/tfjs-core';
import type { LoadedCheckpoint } from './checkpoint-read';
import type { PretrainConfig } from './config';
import {
  createCodebookTokenizer,
  createRandomProjectionTokenizer,
  fitKMeansTokenizer,
  type Tokenizer,
} from './deps';
import { createTrainMethod, tokenizerSpec } from './methods/spec';
import type { ImageSource } from './source';
import { type Parallelism, type StepExecutor, snapshotOf } from './train/executor';
import type { TrainMethod } from './train/method';
import { type CheckpointStore, createTrainLoop, inThread, type TrainEvent } from './train/trainer';

export { NonFiniteLossError } from './train/engine';
export type { TrainEvent };

/** Options of createPretrainer. */
export interface PretrainerOptions {
  config: PretrainConfig;
  source: ImageSource;
  /** Checkpoint folder; absent = no checkpoints (Node only). */
  checkpointDir?: string;
  /** Resume from the newest checkpoint in checkpointDir (or `resumeFrom`); an error if there is none. */
  resume?: boolean;
  /** Resume from this checkpoint folder instead of the newest. */
  resumeFrom?: string;
  /** A fresh run into a folder holding another run's checkpoints moves them aside instead of refusing. */
  overwrite?: boolean;
  /** A ready tokenizer (else built from config.tokenizer, fitting k-means on the source); stays the caller's. */
  tokenizer?: Tokenizer;
  /** Variable-name prefix (tfjs variable names are process-global). */
  role?: string;
  /** Data-parallel execution, e.g. `workerThreads('auto')` from `@splitmask/splitmask/node`. Default: this thread. */
  parallel?: Parallelism;
  /**
   * Where checkpoints go: an open folder manager (`createCheckpointManager` from `@splitmask/splitmask/node`,
   * `mode: 'resume'` to resume; the Node entry's `createPretrainer` builds it from `checkpointDir`/`resume`),
   * or any `CheckpointStore` (e.g. bytes for IndexedDB). Its `resumed` checkpoint is where the run continues.
   */
  checkpoints?: CheckpointStore;
}

let roleCounter = 0;

/**
 * The tokenizer of `cfg.tokenizer`: random projection, or k-means fitted on the first `fitImages` images
 * of `source` (seeded, so the same config and data give the same vocabulary).
 * @example const tok = await buildTokenizer(cfg, source);
 */
export async function buildTokenizer(cfg: PretrainConfig, source: ImageSource): Promise<Tokenizer> {
  const t = cfg.tokenizer;
  const common = {
    vocabSize: t.vocabSize,
    patchSize: cfg.model.patchSize,
    channels: source.channels,
    seed: t.seed,
    normalization: source.normalization,
  };
  if (t.kind === 'random-projection') return createRandomProjectionTokenizer(common);
  // k-means on the first fitImages images of the (seeded) stream, in batches of 256.
  const n = Math.min(t.fitImages, source.length);
  const s = source.imageSize;
  async function* batches() {
    for (let i = 0; i * 256 < n; i++) {
      const size = Math.min(256, n - i * 256);
      const all = await source.batch(i, 256);
      yield { images: all.subarray(0, size * s * s * source.channels), shape: [size, s, s, source.channels] };
    }
  }
  return fitKMeansTokenizer(batches(), { ...common, iterations: t.fitIterations, maxImages: n });
}

/**
 * The checkpoint manager of a session: given (`checkpoints`), or none. `checkpointDir` needs the file
 * system, so it is served by the Node entry's `createPretrainer`/`createDinoTrainer`/`runDino`, which open
 * the folder and pass the manager here; this browser-safe entry never imports node:fs.
 */
export function checkpointsOf(opts: { checkpointDir?: string; checkpoints?: CheckpointStore }, what: string) {
  if (opts.checkpointDir !== undefined && !opts.checkpoints) {
    throw new SplitmaskError(
      'INVALID_ARGUMENT',
      `${what}: checkpointDir needs Node's file system: import ${what} from '@splitmask/splitmask/node' (same ` +
        `options), or pass checkpoints: createCheckpointManager({ dir, keep, config, mode }) from that entry`,
    );
  }
  return { manager: opts.checkpoints, loaded: opts.checkpoints?.resumed };
}

/** The shape every checkpointed session exposes to apps. */
export interface TrainingSession {
  /** Optimiser steps completed. */
  readonly step: number;
  /** The run id of the checkpoints (put it in log lines), when checkpointing. */
  readonly runId?: string;
  /** What resuming changed (e.g. `train.steps: 300 → 600`), if anything. */
  readonly extension?: CheckpointStore['extension'];
  readonly workers: number;
  /** Path of the checkpoint this session resumed from. */
  readonly resumedFrom?: string;
  /** Runs one optimiser step and reports it; throws NonFiniteLossError (nothing updated) on NaN/Inf. */
  trainStep(): Promise<TrainEvent>;
  /** Steps until train.steps (or the signal aborts), yielding an event per step; syncs `params` at the end. */
  run(opts?: { signal?: AbortSignal }): AsyncGenerator<TrainEvent>;
  /** Saves a checkpoint now (if a folder was given). */
  saveCheckpoint(): Promise<string | undefined>;
  /** With workers: copies the trained weights (and buffers) into this thread's copy; in-thread they are always current. */
  syncParams(): Promise<void>;
  dispose(): Promise<void>;
}

/**
 * Runs a method through the loop, in this thread or on `parallel` workers, keeping `method` in this
 * thread as the app's view of the weights (the trained replica itself when in-thread).
 */
export async function createSession(o: {
  method: TrainMethod;
  spec: Parameters<Parallelism['createExecutor']>[0]['spec'];
  train: { steps: number; batchSize: number; accumSteps?: number; checkpointEvery: number };
  source: ImageSource;
  role: string;
  parallel?: Parallelism;
  gatherFloats: number;
  manager?: CheckpointStore;
  loaded?: LoadedCheckpoint;
  onDispose?: () => void;
}): Promise<TrainingSession> {
  const { method, source } = o;
  const workers = o.parallel?.workers ?? 1;
  const executor: StepExecutor =
    workers > 1 && o.parallel
      ? await o.parallel.createExecutor({
          spec: o.spec,
          batchSize: o.train.batchSize,
          imageSize: source.imageSize,
          channels: source.channels,
          role: o.role,
          parts: method.parts,
          gatherFloats: o.gatherFloats,
        })
      : inThread(method, source, o.train.batchSize);
  if (executor.workers > 1 && !o.loaded) {
    // Workers start from this thread's weights (a fine-tuning start, or any method's own init).
    const snap = snapshotOf(method);
    try {
      await executor.restore(snap.tensors, snap.optimizer);
    } catch (e) {
      await executor.dispose();
      throw e;
    } finally {
      for (const t of Object.values(snap.tensors)) t.dispose();
    }
  }
  let loop: Awaited<ReturnType<typeof createTrainLoop>>;
  try {
    loop = await createTrainLoop({
      train: o.train,
      source,
      executor,
      checkpoints: o.manager,
      resumeFrom: o.loaded,
      extraState: { ...method.extraState, method: method.name },
    });
  } catch (e) {
    await executor.dispose();
    throw e;
  }
  const inProcess = executor.workers === 1;
  let disposed = false;
  async function syncParams(): Promise<void> {
    if (inProcess) return;
    const snap = await executor.snapshot();
    try {
      for (const [n, v] of Object.entries(method.params)) v.assign(snap.tensors[`params.${n}`]);
      for (const [n, v] of Object.entries(method.buffers)) v.assign(snap.tensors[`state.${n}`]);
    } finally {
      for (const t of Object.values(snap.tensors)) t.dispose();
    }
  }
  if (o.loaded && !inProcess) await syncParams();
  return {
    get step() {
      return loop.step;
    },
    workers: executor.workers,
    resumedFrom: loop.resumedFrom,
    runId: o.manager?.runId,
    extension: o.manager?.extension,
    trainStep: loop.trainStep,
    async *run(opts = {}) {
      try {
        yield* loop.run(opts);
      } finally {
        await syncParams();
      }
    },
    saveCheckpoint: async () => (o.manager ? loop.saveCheckpoint() : undefined),
    syncParams,
    async dispose() {
      if (disposed) return;
      disposed = true;
      // In-thread everything is freed synchronously (before the first await), so callers that do not
      // await still see no leak; worker threads are joined after.
      o.onDispose?.();
      if (!inProcess) method.dispose();
      await loop.dispose(); // in-thread: disposes `method` too
    },
  };
}

/**
 * Creates a pretraining session: params as Variables, AdamW, tokenizer, optional checkpoints/resume,
 * optional worker threads.
 * @example
 * const trainer = await createPretrainer({ config, source, checkpointDir: 'out/ckpt' });
 * for await (const ev of trainer.run({ signal })) console.log(ev.step, ev.loss);
 * await trainer.dispose();
 */
export async function createPretrainer(opts: PretrainerOptions) {
  const cfg = opts.config;
  const { source } = opts;
  if (source.imageSize !== cfg.model.imageSize || source.channels !== cfg.model.inChans) {
    throw new SplitmaskError(
      'INVALID_ARGUMENT',
      `createPretrainer: the source gives ${source.imageSize}px x ${source.channels} channels, the model expects ` +
        `model.imageSize=${cfg.model.imageSize}, model.inChans=${cfg.model.inChans}`,
    );
  }
  const { manager, loaded } = checkpointsOf(opts, 'createPretrainer');
  let tokenizer: Tokenizer;
  const savedCodebook = loaded?.tensors['tokenizer.codebook'];
  if (loaded && savedCodebook) {
    const { codebook } = toTfTensors({ codebook: savedCodebook });
    tokenizer = createCodebookTokenizer(
      loaded.state.tokenizer as CodebookTokenizerConfig,
      codebook as tf.Tensor2D,
    );
  } else tokenizer = opts.tokenizer ?? (await buildTokenizer(cfg, source));
  const ownsTokenizer = tokenizer !== opts.tokenizer; // a tokenizer passed in stays the caller's

  const role = opts.role ?? `${cfg.method}${roleCounter++}`;
  const spec = {
    config: cfg,
    normalization: source.normalization,
    tokenizer: await tokenizerSpec(tokenizer),
  };
  const { method } = createTrainMethod(spec, role, tokenizer);
  let session: TrainingSession;
  try {
    session = await createSession({
      method,
      spec,
      train: cfg.train,
      source,
      role,
      parallel: opts.parallel,
      gatherFloats: 2 * cfg.train.batchSize * cfg.model.embedDim,
      manager,
      loaded,
      onDispose: () => {
        if (ownsTokenizer) tokenizer.dispose();
      },
    });
  } catch (e) {
    method.dispose();
    if (ownsTokenizer) tokenizer.dispose();
    throw e;
  }
  return Object.assign(session, {
    config: cfg,
    /** The method's name and reported loss parts. */
    method: { name: method.name, parts: method.parts },
    /** The model's Variables as a tree (`{ encoder, decoder }` / `{ encoder, mask_token, lm_head }`). */
    params: method.tree,
    tokenizer,
  });
}

/** The session returned by createPretrainer. */
export type Pretrainer = Awaited<ReturnType<typeof createPretrainer>>;

/** A copy of a session's method state under checkpoint keys (for apps that store bytes elsewhere). */
export { snapshotOf };
