/**
 * The in-tab pretraining session: the same SplitMask step as `@splitmask/splitmask`'s `createPretrainer`
 * (AdamW with BEiT's groups, warmup + cosine, global-norm clip, one `tidy` per step, masks a pure function
 * of (seed, step)), composed from the published APIs, with checkpoints as safetensors *bytes* (for
 * IndexedDB) instead of files. Runs unchanged in a Web Worker and in Node (cpu, wasm, webgpu via Dawn).
 */
import {
  type AdamW,
  clipByGlobalNorm,
  cosineSchedule,
  createAdamW,
  createRng,
  decodeSafetensors,
  encodeSafetensors,
  flattenParams,
  fromTfTensors,
  SplitmaskError,
  toTfTensors,
  toVariables,
} from '@splitmask/core';
import {
  assignVariables,
  buildTokenizer,
  configFingerprint,
  createArraySource,
  createMethod,
  type ImageArray,
  type ImageSource,
  NonFiniteLossError,
  type PretrainConfig,
  restoreOptimizer,
  type SplitMaskParams,
  toVitConfig,
} from '@splitmask/splitmask';
import { type CodebookTokenizerConfig, createCodebookTokenizer, type Tokenizer } from '@splitmask/tokenizers';
import { toTimmStateDict } from '@splitmask/vit';
import * as tf from '@tensorflow/tfjs-core';

/** Format tag written into a checkpoint's safetensors metadata. */
export const CHECKPOINT_FORMAT = 'splitmask-browser-checkpoint/1';

/** One optimiser step as the page shows it. */
export interface StepEvent {
  /** Steps completed (1-based). */
  step: number;
  totalSteps: number;
  /** `total`, `mim`, `nce`, `nceAcc`. */
  parts: Record<string, number>;
  lr: number;
  gradNorm: number;
  imgsPerSec: number;
  stepMs: number;
  numTensors: number;
  numBytes: number;
}

/** Options of {@link createSession}. */
export interface SessionOptions {
  config: PretrainConfig;
  /** Training images, [N·S·S·C] uint8 (S ≤ model.imageSize: smaller ones are centred and padded). */
  images: ImageArray;
  /** Checkpoint bytes from `session.checkpoint()`; its config must have the same fingerprint. */
  checkpoint?: Uint8Array;
  /** k-means progress while the tokenizer is fitted. */
  onStatus?: (message: string) => void;
}

/** A checkpoint's JSON state (safetensors metadata `state`). */
interface CheckpointState {
  step: number;
  fingerprint: string;
  optimizer: { stepCount: number; paramSteps: Record<string, number> };
  tokenizer: CodebookTokenizerConfig;
}

let roleCounter = 0;

/**
 * Reads a checkpoint's step and config fingerprint without loading tensors (for the page's resume offer).
 * @example const { step } = peekCheckpoint(bytes);
 */
export function peekCheckpoint(bytes: Uint8Array): { step: number; fingerprint: string } {
  const { metadata } = decodeSafetensors(bytes);
  if (metadata.format !== CHECKPOINT_FORMAT) {
    throw new SplitmaskError(
      'CHECKPOINT_MISMATCH',
      `not a ${CHECKPOINT_FORMAT} file (format '${metadata.format}')`,
    );
  }
  const state = JSON.parse(metadata.state) as CheckpointState;
  return { step: state.step, fingerprint: state.fingerprint };
}

/**
 * Creates a pretraining session over in-memory images: tokenizer (fitted on the images, or restored from
 * the checkpoint), params as Variables, AdamW, schedule.
 * @example
 * const s = await createSession({ config: demoConfig(choice), images });
 * const ev = await s.trainStep(); console.log(ev.parts.mim, ev.imgsPerSec);
 * const bytes = await s.checkpoint(); s.dispose();
 */
export async function createSession(opts: SessionOptions) {
  const cfg = opts.config;
  const fingerprint = configFingerprint(cfg);
  const source: ImageSource = createArraySource(opts.images, {
    imageSize: cfg.model.imageSize,
    seed: cfg.seed,
  });
  const method = createMethod(cfg);
  const vit = toVitConfig(cfg.model);

  let loaded: { tensors: Record<string, tf.Tensor>; state: CheckpointState } | undefined;
  if (opts.checkpoint) {
    const { tensors, metadata } = decodeSafetensors(opts.checkpoint);
    if (metadata.format !== CHECKPOINT_FORMAT) {
      throw new SplitmaskError(
        'CHECKPOINT_MISMATCH',
        `not a ${CHECKPOINT_FORMAT} file (format '${metadata.format}')`,
      );
    }
    const state = JSON.parse(metadata.state) as CheckpointState;
    if (state.fingerprint !== fingerprint) {
      throw new SplitmaskError(
        'CHECKPOINT_MISMATCH',
        `checkpoint config fingerprint ${state.fingerprint} differs from this run's ${fingerprint}`,
      );
    }
    loaded = { tensors: toTfTensors(tensors), state };
  }

  let tokenizer: Tokenizer;
  if (loaded) {
    tokenizer = createCodebookTokenizer(
      loaded.state.tokenizer,
      tf.clone(loaded.tensors['tokenizer.codebook']) as tf.Tensor2D,
    );
  } else {
    opts.onStatus?.(
      cfg.tokenizer.kind === 'kmeans'
        ? `fitting k-means (V=${cfg.tokenizer.vocabSize}) on ${Math.min(cfg.tokenizer.fitImages, source.length)} images`
        : `random-projection tokenizer (V=${cfg.tokenizer.vocabSize})`,
    );
    tokenizer = await buildTokenizer(cfg, source);
  }

  const params = toVariables(
    method.init(tokenizer.vocabSize, createRng(cfg.seed)),
    `browser${roleCounter++}`,
  );
  const vars = flattenParams<tf.Variable>(params);
  const byVarName = new Map(Object.entries(vars).map(([n, v]) => [v.name, n]));
  const optimizer: AdamW = createAdamW(vars, {
    beta1: cfg.optim.beta1,
    beta2: cfg.optim.beta2,
    eps: cfg.optim.eps,
    weightDecay: cfg.optim.weightDecay,
  });
  let step = 0;
  if (loaded) {
    const all = loaded.tensors;
    try {
      assignVariables(vars, all, 'params');
      restoreOptimizer(optimizer, all, loaded.state.optimizer);
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
  const { batchSize } = cfg.train;
  const s = cfg.model.imageSize;
  const c = cfg.model.inChans;
  const norm = source.normalization;

  /** One optimiser step (one tidy): returns [[parts..., gradNorm], parts]. */
  function stepTensors(pixels: Float32Array, stepIndex: number): [tf.Tensor1D, tf.Tensor] {
    return tf.tidy(() => {
      const raw = tf.tensor4d(pixels, [batchSize, s, s, c]);
      const tokens = tokenizer.tokenize(raw, { checkFinite: false });
      const images = tf.div(tf.sub(raw, norm.mean), norm.std) as tf.Tensor4D;
      const { tensors } = method.inputs(images, tokens, createRng(cfg.seed).split(1 + stepIndex));
      const seed = (cfg.seed * 7919 + stepIndex) % 2147483647;
      let parts: tf.Tensor | undefined;
      const { grads } = tf.variableGrads(() => {
        const p = method.loss(params, tensors, { training: true, seed });
        parts = tf.keep(tf.stack(method.parts.map((k) => p[k])));
        return p.total as tf.Scalar;
      }, Object.values(vars));
      const named: Record<string, tf.Tensor> = {};
      for (const [vn, g] of Object.entries(grads)) named[byVarName.get(vn) ?? vn] = g;
      const clipped = clipByGlobalNorm(named, cfg.optim.clipGrad);
      optimizer.step(clipped.grads, { lr: schedule(stepIndex) });
      // `parts` (kept out of the taped scope) is freed by the caller after the read: see parity.ts.
      return [
        tf.concat([parts as tf.Tensor1D, tf.reshape(clipped.norm, [1])]) as tf.Tensor1D,
        parts as tf.Tensor,
      ];
    });
  }

  let disposed = false;
  return {
    config: cfg,
    fingerprint,
    tokenizer,
    params: params as unknown as SplitMaskParams,
    source,
    get step() {
      return step;
    },
    /** Runs one optimiser step; throws NonFiniteLossError on NaN/Inf. */
    async trainStep(): Promise<StepEvent> {
      const start = performance.now();
      const pixels = await source.batch(step, batchSize);
      const lr = schedule(step);
      const out = stepTensors(pixels, step);
      const values = Array.from(await out[0].data());
      tf.dispose(out);
      const parts: Record<string, number> = {};
      method.parts.forEach((k, i) => {
        parts[k] = values[i];
      });
      for (const k of method.parts) {
        if (!Number.isFinite(parts[k])) throw new NonFiniteLossError(step + 1, step, k, parts[k]);
      }
      step++;
      const stepMs = performance.now() - start;
      const mem = tf.memory();
      return {
        step,
        totalSteps: cfg.train.steps,
        parts,
        lr,
        gradNorm: values[values.length - 1],
        imgsPerSec: batchSize / Math.max(1e-3, stepMs / 1000),
        stepMs,
        numTensors: mem.numTensors,
        numBytes: mem.numBytes,
      };
    },
    /** Params, AdamW moments, tokenizer and step as safetensors bytes (for IndexedDB). */
    async checkpoint(): Promise<Uint8Array> {
      const state = optimizer.getState();
      try {
        const tensors: Record<string, tf.Tensor> = {};
        for (const [n, v] of Object.entries(vars)) tensors[`params.${n}`] = v;
        for (const [n, t] of Object.entries(state.tensors)) tensors[`optim.${n}`] = t;
        for (const [n, t] of Object.entries(tokenizer.toTensors())) tensors[`tokenizer.${n}`] = t;
        const json: CheckpointState = {
          step,
          fingerprint,
          optimizer: { stepCount: state.stepCount, paramSteps: state.paramSteps },
          tokenizer: tokenizer.config as CodebookTokenizerConfig,
        };
        return encodeSafetensors(await fromTfTensors(tensors), {
          format: CHECKPOINT_FORMAT,
          state: JSON.stringify(json),
          config: JSON.stringify(cfg),
        });
      } finally {
        tf.dispose(Object.values(state.tensors));
      }
    },
    /** The encoder as a timm-named state dict (`blocks.0.attn.qkv.weight` [out, in], ...) in safetensors. */
    async exportTimm(): Promise<Uint8Array> {
      const dict = toTimmStateDict((params as unknown as SplitMaskParams).encoder, vit);
      try {
        return encodeSafetensors(await fromTfTensors(dict), {
          format: 'pt',
          splitmask_config: JSON.stringify(cfg.model),
          splitmask_step: String(step),
        });
      } finally {
        tf.dispose(Object.values(dict));
      }
    },
    dispose(): void {
      if (disposed) return;
      disposed = true;
      for (const v of Object.values(vars)) v.dispose();
      optimizer.dispose();
      tokenizer.dispose();
    },
  };
}

/** A session from {@link createSession}. */
export type Session = Awaited<ReturnType<typeof createSession>>;
