/**
 * The in-tab pretraining session: `@splitmask/splitmask`'s `createPretrainer` (the library's one training
 * loop: AdamW with BEiT's groups, warmup + cosine, global-norm clip, the non-finite check before each
 * update, masks a pure function of (seed, step)) with checkpoints as safetensors *bytes* (for IndexedDB)
 * instead of files, through a `CheckpointStore`. Runs unchanged in a Web Worker and in Node (cpu, wasm,
 * webgpu via Dawn).
 */
import { decodeSafetensors, encodeSafetensors, fromTfTensors, SplitmaskError } from '@splitmask/core';
import {
  buildTokenizer,
  type CheckpointStore,
  configFingerprint,
  createArraySource,
  createPretrainer,
  type ImageArray,
  type ImageSource,
  type LoadedCheckpoint,
  type Parallelism,
  type PretrainConfig,
  type SplitMaskParams,
  toVitConfig,
} from '@splitmask/splitmask';
import type { CodebookTokenizerConfig, Tokenizer } from '@splitmask/tokenizers';
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
  /** Data-parallel Web Workers (`webWorkers` from @splitmask/splitmask); absent = this worker alone. */
  parallel?: Parallelism;
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
 * Creates a pretraining session over in-memory images on the library's one training loop
 * (`createPretrainer`): tokenizer (fitted on the images, or restored from the checkpoint), params,
 * AdamW, schedule, the non-finite check before each update; checkpoints are safetensors bytes.
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
  const vit = toVitConfig(cfg.model);

  let resumed: LoadedCheckpoint | undefined;
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
    resumed = { path: 'checkpoint bytes', tensors, state: { ...state, config: cfg as never } };
  }

  // A fresh run's tokenizer is fitted here (with status); a resumed one comes from the checkpoint.
  let ownTokenizer: Tokenizer | undefined;
  if (!resumed) {
    opts.onStatus?.(
      cfg.tokenizer.kind === 'kmeans'
        ? `fitting k-means (V=${cfg.tokenizer.vocabSize}) on ${Math.min(cfg.tokenizer.fitImages, source.length)} images`
        : `random-projection tokenizer (V=${cfg.tokenizer.vocabSize})`,
    );
    ownTokenizer = await buildTokenizer(cfg, source);
  }

  // Checkpoints as bytes: the loop hands over tensors and JSON, this store encodes them for IndexedDB.
  let lastBytes: Uint8Array | undefined;
  const store: CheckpointStore = {
    resumed,
    async save(step, tensors, extra) {
      const json = { ...extra, step, fingerprint } as unknown as CheckpointState;
      lastBytes = encodeSafetensors(await fromTfTensors(tensors), {
        format: CHECKPOINT_FORMAT,
        state: JSON.stringify(json),
        config: JSON.stringify(cfg),
      });
      return `step ${step}`;
    },
  };
  const trainer = await createPretrainer({
    config: cfg,
    source,
    tokenizer: ownTokenizer,
    checkpoints: store,
    role: `browser${roleCounter++}`,
    parallel: opts.parallel,
  });
  const params = trainer.params as unknown as SplitMaskParams;

  let disposed = false;
  return {
    config: cfg,
    fingerprint,
    tokenizer: trainer.tokenizer,
    params,
    source,
    get step() {
      return trainer.step;
    },
    /** Worker threads computing the steps (1 = this worker). */
    workers: trainer.workers,
    /** With workers: makes `params` current (k-NN, export); a no-op in one thread. */
    syncParams: () => trainer.syncParams(),
    /** Runs one optimiser step; throws NonFiniteLossError (nothing updated) on NaN/Inf. */
    async trainStep(): Promise<StepEvent> {
      const start = performance.now();
      const ev = await trainer.trainStep();
      const stepMs = performance.now() - start;
      const mem = tf.memory();
      return {
        step: ev.step,
        totalSteps: ev.totalSteps,
        parts: ev.parts,
        lr: ev.lr,
        gradNorm: ev.gradNorm,
        imgsPerSec: cfg.train.batchSize / Math.max(1e-3, stepMs / 1000),
        stepMs,
        numTensors: mem.numTensors,
        numBytes: mem.numBytes,
      };
    },
    /** Params, AdamW moments, tokenizer and step as safetensors bytes (for IndexedDB). */
    async checkpoint(): Promise<Uint8Array> {
      await trainer.saveCheckpoint();
      return lastBytes as Uint8Array;
    },
    /** The encoder as a timm-named state dict (`blocks.0.attn.qkv.weight` [out, in], ...) in safetensors. */
    async exportTimm(): Promise<Uint8Array> {
      await trainer.syncParams();
      const dict = toTimmStateDict(params.encoder, vit);
      try {
        return encodeSafetensors(await fromTfTensors(dict), {
          format: 'pt',
          splitmask_config: JSON.stringify(cfg.model),
          splitmask_step: String(trainer.step),
        });
      } finally {
        tf.dispose(Object.values(dict));
      }
    },
    dispose(): void {
      if (disposed) return;
      disposed = true;
      void trainer.dispose(); // in one thread everything is freed before its first await
      ownTokenizer?.dispose();
    },
  };
}

/** A session from {@link createSession}. */
export type Session = Awaited<ReturnType<typeof createSession>>;
