/**
 * What a training method gives the one trainer (SplitMask, BEiT, DINO, supervised): its Variables and
 * optimizer, how to turn a shard of raw pixels into step inputs, its loss, and its update.
 *
 * The trainer owns everything else — the loop, gradient accumulation, the all-reduce across workers,
 * the non-finite check before any update, checkpoints, resume, events, aborting — so a new method is
 * this interface plus the contract suite (`train/contract.test.ts`).
 *
 * Sharding contract: `loss` returns this shard's *share* of each part, i.e. the global micro-batch's
 * value is the sum of the shares over workers (a per-sample mean becomes `sum over my rows / total`).
 * Batch-coupled terms use `ctx.collective.allGather` so the share is exact, not an approximation.
 */
import type { AdamW } from '@splitmask/core';
import type * as tf from '@tensorflow/tfjs-core';
import type { Collective } from './collective';

/** Where a micro-batch sits in the run. */
export interface StepContext {
  /** Optimiser step, 0-based. */
  step: number;
  /** Micro-batch index over the run: step · accumSteps + micro (data position and randomness). */
  dataIndex: number;
  collective: Collective;
  /** The shard's raw pixels on the host (what `inputs` gets as a tensor), for host-side augmentation. */
  pixels: Float32Array;
  /** The rows' labels, when the source has them (supervised methods). */
  labels?: Int32Array;
}

/** One micro-batch on the host: raw pixels [B·S·S·C] and, for supervised sources, labels [B]. */
export interface MicroBatch {
  pixels: Float32Array;
  labels?: Int32Array;
}

/** The scheduled scalars of a step, reported in events (lr first). */
export interface StepScalars {
  lr: number;
  [name: string]: number | boolean;
}

/** A method instance: Variables, optimizer, inputs, loss, update. */
export interface TrainMethod {
  readonly name: string;
  /** Names of the reported loss parts, `total` first. */
  readonly parts: readonly string[];
  /** The trainable Variables as the model's nested tree (e.g. `{ encoder, decoder }`); same Variables as `params`. */
  readonly tree: object;
  /** Trainable Variables by flat name (optimised, all-reduced, checkpointed as `params.<name>`). */
  readonly params: Record<string, tf.Variable>;
  /** Non-trainable Variables checkpointed as `state.<name>` (DINO's teacher and center). */
  readonly buffers: Record<string, tf.Variable>;
  readonly optimizer: AdamW;
  /**
   * `inputs` receives the whole global micro-batch (pixels and labels) on every worker and returns only
   * this shard's rows: for augmentation that couples rows (mixup/cutmix pair row i with row B−1−i).
   */
  readonly fullBatchInputs?: boolean;
  /** Host tensors that define the method besides Variables (the tokenizer codebook), checkpointed as `<key>`. */
  readonly extraTensors: Record<string, tf.Tensor>;
  /** JSON that, with `extraTensors`, rebuilds the method (the tokenizer config). */
  readonly extraState: Record<string, unknown>;
  /** The step's scheduled scalars (identical in every worker). */
  scalars(step: number): StepScalars;
  /**
   * Step inputs of this shard. pixels: [size, H, W, C] raw in [0, 1] (rows shard.lo.. of micro-batch
   * ctx.dataIndex). Randomness must depend on (seed, dataIndex, global row) only, never on the shard.
   */
  inputs(pixels: tf.Tensor4D, ctx: StepContext): object;
  /** This shard's share of each part (see the sharding contract). Called inside the gradient tape. */
  loss(inputs: object, ctx: StepContext): Record<string, tf.Scalar>;
  /**
   * Applies the update from the global gradient (summed over micro-batches and workers; identical on
   * every worker) and any post-step state change (EMA teacher, center). `extras` are the method's
   * `takeAux` values summed the same way; `gradNorm` is the global gradient norm the trainer already read
   * (for global-norm clipping without computing it again on the device).
   */
  update(
    grads: Record<string, tf.Tensor>,
    step: number,
    extras: Float32Array | undefined,
    gradNorm: number,
  ): void;
  /**
   * Optional side values of a micro-batch kept by the last `loss` call (e.g. DINO's teacher-output column
   * sums for its center), as a 1-D tensor the trainer reads, frees, and sums over micro-batches and workers.
   */
  takeAux?(): tf.Tensor | undefined;
  /** Optional per-step monitors, read after the update (host numbers). */
  monitors?(step: number): Promise<Record<string, number> | undefined>;
  dispose(): void;
}
