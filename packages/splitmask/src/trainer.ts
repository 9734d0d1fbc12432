/**
 * The pretraining loop: AdamW (BEiT parameter groups), warmup + cosine, global-norm clipping,
 * drop-path, gradient accumulation, atomic checkpoints with exact resume, NaN/Inf stop, AbortSignal.
 *
 * Every optimiser step runs inside one `tidy` (STYLE §4). Randomness is a pure function of
 * (seed, step): masks use `createRng(seed).split(step)`, drop-path seeds derive from the step, data
 * batches from (seed, micro-batch index); so resuming from a checkpoint replays the same trajectory.
 * The only sync point per step is reading the few loss parts (needed for the NaN check; free on
 * cpu/wasm, one small read on GPU backends).
 */
import {
  type AdamW,
  clipByGlobalNorm,
  cosineSchedule,
  createAdamW,
  createRng,
  flattenParams,
  SplitmaskError,
  toTfTensors,
  toVariables,
} from '@splitmask/core';
import type { CodebookTokenizerConfig } from '@splitmask/tokenizers';
import * as tf from '@tensorflow/tfjs-core';
import type { CheckpointManager } from './checkpoint';
import type { PretrainConfig } from './config';
import {
  createCodebookTokenizer,
  createRandomProjectionTokenizer,
  fitKMeansTokenizer,
  type Tokenizer,
} from './deps';
import { createMethod, type PretrainMethodImpl } from './method';
import { assignVariables, restoreOptimizer } from './restore';
import type { ImageSource } from './source';

/** A loss part became NaN or ±Inf: names the step, the micro-batch and the part. */
export class NonFiniteLossError extends SplitmaskError {
  readonly step: number;
  readonly batch: number;
  readonly part: string;
  readonly value: number;
  constructor(step: number, batch: number, part: string, value: number) {
    super(
      'NON_FINITE_LOSS',
      `Loss part '${part}' is ${value} at step ${step} (data batches ${batch}..${batch}+accumSteps-1); training stopped. ` +
        `Try a lower optim.lr, a smaller optim.clipGrad, or check the input images.`,
    );
    this.step = step;
    this.batch = batch;
    this.part = part;
    this.value = value;
  }
}

/** What the loop reports after each optimiser step. */
export interface TrainEvent {
  /** Optimiser steps completed (1-based). */
  step: number;
  totalSteps: number;
  loss: number;
  /** Loss parts by name (`total`, `mim`, and for SplitMask `nce`, `nceAcc`), averaged over micro-batches. */
  parts: Record<string, number>;
  lr: number;
  gradNorm: number;
  /** Images per second over this step (micro-batch · accumSteps / wall time). */
  imgsPerSec: number;
  numTensors: number;
  elapsedSec: number;
  /** Folder of the checkpoint written after this step, if any. */
  checkpoint?: string;
}

/** Options of createPretrainer. */
export interface PretrainerOptions {
  config: PretrainConfig;
  source: ImageSource;
  /** Checkpoint folder; absent = no checkpoints. */
  checkpointDir?: string;
  /** Resume from the newest checkpoint in checkpointDir (refused if its config differs). */
  resume?: boolean;
  /** A ready tokenizer (else built from config.tokenizer, fitting k-means on the source); stays the caller's. */
  tokenizer?: Tokenizer;
  /** Variable-name prefix (tfjs variable names are process-global). */
  role?: string;
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
 * Creates a pretraining session: params as Variables, AdamW, tokenizer, optional checkpoints/resume.
 * @example
 * const trainer = await createPretrainer({ config, source, checkpointDir: 'out/ckpt' });
 * for await (const ev of trainer.run({ signal })) console.log(ev.step, ev.loss);
 * trainer.dispose();
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
  const method: PretrainMethodImpl = createMethod(cfg);
  // Loaded only when used: checkpoints need node:fs, the rest of the trainer runs in browsers too.
  const ckpt: CheckpointManager | undefined = opts.checkpointDir
    ? (await import('./checkpoint')).createCheckpointManager({
        dir: opts.checkpointDir,
        keep: cfg.train.keepCheckpoints,
        config: cfg,
      })
    : undefined;
  const resumeFrom = opts.resume ? ckpt?.latest() : undefined;
  const loaded = resumeFrom ? ckpt?.load(resumeFrom) : undefined;

  let tokenizer: Tokenizer;
  const savedCodebook = loaded?.tensors['tokenizer.codebook'];
  if (loaded && savedCodebook) {
    const { codebook } = toTfTensors({ codebook: savedCodebook });
    tokenizer = createCodebookTokenizer(
      loaded.state.tokenizer as CodebookTokenizerConfig,
      codebook as tf.Tensor2D,
    );
  } else tokenizer = opts.tokenizer ?? (await buildTokenizer(cfg, source));

  const role = opts.role ?? `${cfg.method}${roleCounter++}`;
  const params = toVariables(method.init(tokenizer.vocabSize, createRng(cfg.seed)), role);
  const vars = flattenParams<tf.Variable>(params);
  const byVarName = new Map(Object.entries(vars).map(([n, v]) => [v.name, n]));
  // BEiT parameter groups: core's default no-decay rule (1-D, biases, norms, pos_embed, cls/mask tokens).
  const optimizer: AdamW = createAdamW(vars, {
    beta1: cfg.optim.beta1,
    beta2: cfg.optim.beta2,
    eps: cfg.optim.eps,
    weightDecay: cfg.optim.weightDecay,
  });
  let step = 0;
  if (loaded) {
    const all = toTfTensors(loaded.tensors);
    try {
      assignVariables(vars, all, 'params', `checkpoint ${loaded.path}`);
      restoreOptimizer(
        optimizer,
        all,
        loaded.state.optimizer as { stepCount: number; paramSteps: Record<string, number> },
      );
    } finally {
      tf.dispose(Object.values(all));
    }
    step = loaded.state.step;
  }

  const schedule = cosineSchedule({
    base: cfg.optim.lr,
    final: cfg.optim.minLr,
    warmupSteps: cfg.optim.warmupSteps,
    totalSteps: cfg.train.steps,
  });
  const { batchSize, accumSteps } = cfg.train;
  const s = cfg.model.imageSize;
  const c = cfg.model.inChans;
  const norm = source.normalization;

  /** One optimiser step from host batches (sync, one tidy); returns [parts..., gradNorm]. */
  function stepTensors(hostBatches: Float32Array[], stepIndex: number): tf.Tensor1D {
    return tf.tidy(() => {
      const kept: tf.Tensor[] = [];
      let sum: Record<string, tf.Tensor> | undefined;
      hostBatches.forEach((pixels, a) => {
        const raw = tf.tensor4d(pixels, [batchSize, s, s, c]);
        const tokens = tokenizer.tokenize(raw, { checkFinite: false }); // no host read inside the step
        const images = tf.div(tf.sub(raw, norm.mean), norm.std) as tf.Tensor4D;
        const rng = createRng(cfg.seed).split(1 + stepIndex * accumSteps + a);
        const { tensors } = method.inputs(images, tokens, rng);
        const seed = (cfg.seed * 7919 + stepIndex * accumSteps + a) % 2147483647;
        const { grads } = tf.variableGrads(() => {
          const p = method.loss(params, tensors, { training: true, seed });
          kept.push(tf.keep(tf.stack(method.parts.map((k) => p[k]))));
          return tf.div(p.total, accumSteps) as tf.Scalar;
        }, Object.values(vars));
        const named: Record<string, tf.Tensor> = {};
        for (const [vn, g] of Object.entries(grads)) named[byVarName.get(vn) ?? vn] = g;
        sum = sum ? Object.fromEntries(Object.entries(sum).map(([k, g]) => [k, tf.add(g, named[k])])) : named;
      });
      const clipped = clipByGlobalNorm(sum as Record<string, tf.Tensor>, cfg.optim.clipGrad);
      optimizer.step(clipped.grads, { lr: schedule(stepIndex) });
      const parts = tf.div(tf.addN(kept), kept.length);
      const out = tf.concat([parts, tf.reshape(clipped.norm, [1])]) as tf.Tensor1D;
      for (const t of kept) t.dispose();
      return out;
    });
  }

  /** Writes params, AdamW moments and the tokenizer codebook, plus the JSON state, atomically. */
  async function writeCheckpoint(manager: CheckpointManager): Promise<string> {
    const state = optimizer.getState(); // copies: disposed below
    const tensors: Record<string, tf.Tensor> = {};
    for (const [n, v] of Object.entries(vars)) tensors[`params.${n}`] = v;
    for (const [n, t] of Object.entries(state.tensors)) tensors[`optim.${n}`] = t;
    for (const [n, t] of Object.entries(tokenizer.toTensors())) tensors[`tokenizer.${n}`] = t;
    try {
      return await manager.save(step, tensors, {
        optimizer: { stepCount: state.stepCount, paramSteps: state.paramSteps },
        tokenizer: tokenizer.config,
        dataPosition: step * accumSteps,
        rng: {
          seed: cfg.seed,
          derivation: 'masks: createRng(seed).split(1 + microBatch); data: (seed, microBatch)',
        },
      });
    } finally {
      tf.dispose(Object.values(state.tensors));
    }
  }

  const t0 = Date.now();
  return {
    config: cfg,
    method,
    params,
    tokenizer,
    /** Path of the checkpoint this session resumed from. */
    resumedFrom: loaded?.path,
    get step() {
      return step;
    },
    /** Runs one optimiser step and reports it; throws NonFiniteLossError on NaN/Inf. */
    async trainStep(): Promise<TrainEvent> {
      const start = Date.now();
      const hostBatches: Float32Array[] = [];
      for (let a = 0; a < accumSteps; a++)
        hostBatches.push(await source.batch(step * accumSteps + a, batchSize));
      const lr = schedule(step);
      const out = stepTensors(hostBatches, step);
      const values = Array.from(await out.data());
      out.dispose();
      const parts: Record<string, number> = {};
      method.parts.forEach((k, i) => {
        parts[k] = values[i];
      });
      for (const k of method.parts) {
        if (!Number.isFinite(parts[k]))
          throw new NonFiniteLossError(
            step + 1,
            step * accumSteps,
            k === 'total'
              ? (method.parts.find((q) => !Number.isFinite(parts[q]) && q !== 'total') ?? 'total')
              : k,
            parts[k],
          );
      }
      step++;
      const ev: TrainEvent = {
        step,
        totalSteps: cfg.train.steps,
        loss: parts.total,
        parts,
        lr,
        gradNorm: values[values.length - 1],
        imgsPerSec: (batchSize * accumSteps) / Math.max(1e-3, (Date.now() - start) / 1000),
        numTensors: tf.memory().numTensors,
        elapsedSec: (Date.now() - t0) / 1000,
      };
      if (
        ckpt &&
        cfg.train.checkpointEvery > 0 &&
        (step % cfg.train.checkpointEvery === 0 || step === cfg.train.steps)
      ) {
        ev.checkpoint = await writeCheckpoint(ckpt);
      }
      return ev;
    },
    /** Steps until train.steps (or the signal aborts), yielding an event per step. */
    async *run({ signal }: { signal?: AbortSignal } = {}): AsyncGenerator<TrainEvent> {
      while (step < cfg.train.steps && !signal?.aborted) yield await this.trainStep();
    },
    /** Saves a checkpoint now (if a folder was given). */
    async saveCheckpoint(): Promise<string | undefined> {
      return ckpt ? writeCheckpoint(ckpt) : undefined;
    },
    dispose(): void {
      for (const v of Object.values(vars)) v.dispose();
      optimizer.dispose();
      if (tokenizer !== opts.tokenizer) tokenizer.dispose(); // a tokenizer passed in stays the caller's
    },
  };
}

/** The session returned by createPretrainer. */
export type Pretrainer = Awaited<ReturnType<typeof createPretrainer>>;
