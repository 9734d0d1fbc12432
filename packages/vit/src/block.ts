/**
 * Pre-norm transformer block as timm's `Block` / BEiT's (`modeling_finetune.py`):
 *   x = x + drop_path(ls1 · attn(norm1(x)));  x = x + drop_path(ls2 · mlp(norm2(x)))
 * Multi-head self-attention with a fused qkv Linear (optional bias), scale Dh^-0.5 applied to q (timm),
 * exact GELU MLP, LayerNorm eps 1e-6. Drop-path is timm's per-sample `drop_path` (Bernoulli keep mask,
 * scaled by 1/keep) with the mask drawn host-side from a seed, so it is identical on every backend.
 * No relative position bias (Decision 2). GELU and LayerNorm are core's, with hand-written gradients
 * that keep only their input for the backward pass (training memory).
 */
import {
  createRng,
  flattenParams,
  fusedSelfAttention,
  gelu,
  InvalidArgumentError,
  layerNorm,
  linear,
  linearGelu,
  ShapeError,
} from '@splitmask/core';
import * as tf from '@tensorflow/tfjs-core';
import { bmm } from './internal/bmm';
import type { BlockParams, LinearParams } from './types';

/** What a block needs from the model config. */
export interface BlockConfig {
  numHeads: number;
  layerNormEps: number;
}

/** Per-call options of a block. */
export interface BlockOptions {
  /** Drop-path probability of this block's two residual branches (only when `training`). */
  dropPath?: number;
  /** Training mode: enables drop-path. */
  training?: boolean;
  /** Seed of the drop-path masks (required when training with dropPath > 0). */
  seed?: number;
  /**
   * Rows of this batch as rows of a larger batch the masks are drawn for: row i of x takes the mask of
   * row `rows[i]` of a batch of `total`. A data-parallel shard passes its global rows, so every worker
   * count draws the same per-sample masks as one process on the whole batch. Default: rows 0..B-1.
   */
  dropPathRows?: DropPathRows;
}

/** Global row ids of a shard for drop-path masks (see BlockOptions.dropPathRows). */
export interface DropPathRows {
  total: number;
  rows: Int32Array;
}

function lin(p: LinearParams, x: tf.Tensor3D): tf.Tensor3D {
  return linear(x, p.weight, p.bias);
}

/**
 * Multi-head self-attention. x: [B, N, D] → { out: [B, N, D], attn?: [B, H, N, N] }.
 * One fused qkv matmul. Without `withAttn`, core's `fusedSelfAttention` does the rest where it exists
 * (wasm: one kernel each way, no head split/merge). Otherwise heads are split with a rank-4 transpose
 * ([B, N, 3H, Dh] → [B, 3H, N, Dh]) and `split`: tfjs-wasm's rank-5 transpose (timm's
 * `reshape(B, N, 3, H, Dh).permute(2, 0, 3, 1, 4)`) measured 50× slower than rank-4 and took a quarter
 * of a Ti/4 training step.
 */
function attention(p: BlockParams['attn'], x: tf.Tensor3D, numHeads: number, withAttn: boolean) {
  const [b, n, d] = x.shape;
  const dh = d / numHeads;
  const qkv3 = lin(p.qkv, x); // [B, N, 3D]
  const fused = withAttn ? null : fusedSelfAttention(qkv3, numHeads);
  if (fused) return { out: lin(p.proj, fused), attn: undefined };
  const qkv = tf.reshape(qkv3, [b, n, 3 * numHeads, dh]);
  const [q, k, v] = tf.split(tf.transpose(qkv, [0, 2, 1, 3]), 3, 1) as tf.Tensor4D[]; // [B, H, N, Dh] each
  const kT = tf.transpose(k, [0, 1, 3, 2]) as tf.Tensor4D; // [B, H, Dh, N]
  const attn = tf.softmax(bmm(tf.mul(q, dh ** -0.5) as tf.Tensor4D, kT)) as tf.Tensor4D; // [B, H, N, N]
  const o = tf.reshape(tf.transpose(bmm(attn, v), [0, 2, 1, 3]), [b, n, d]) as tf.Tensor3D;
  return { out: lin(p.proj, o), attn };
}

/** timm `drop_path`: y · Bernoulli(keep)/keep per sample, mask drawn from `seed`. y: [B, N, D]. */
function dropPath(y: tf.Tensor3D, rate: number, seed: number, rows?: DropPathRows): tf.Tensor3D {
  const keep = 1 - rate;
  const rng = createRng(seed);
  const b = y.shape[0];
  if (rows && rows.rows.length !== b) {
    throw new ShapeError(`dropPath: dropPathRows has ${rows.rows.length} rows, x has ${b}`);
  }
  const all = new Float32Array(rows?.total ?? b);
  for (let i = 0; i < all.length; i++) all[i] = rng.random() < keep ? 1 / keep : 0;
  const mask = rows ? Float32Array.from(rows.rows, (r) => all[r]) : all;
  return tf.mul(y, tf.tensor3d(mask, [b, 1, 1])) as tf.Tensor3D;
}

function residual(
  x: tf.Tensor3D,
  y: tf.Tensor3D,
  gamma: tf.Tensor1D | undefined,
  rate: number,
  seed: number,
  rows?: DropPathRows,
) {
  const scaled = gamma ? (tf.mul(y, gamma) as tf.Tensor3D) : y;
  return tf.add(x, rate > 0 ? dropPath(scaled, rate, seed, rows) : scaled) as tf.Tensor3D;
}

function blockForward(
  p: BlockParams,
  x: tf.Tensor3D,
  cfg: BlockConfig,
  opts: BlockOptions,
  withAttn: boolean,
) {
  if (x.rank !== 3 || x.shape[2] !== p.norm1.weight.shape[0] || x.shape[2] % cfg.numHeads !== 0) {
    throw new ShapeError(
      `transformerBlock: expected x [B, N, D=${p.norm1.weight.shape[0]}] with D divisible by numHeads=${cfg.numHeads}, got [${x.shape}]`,
    );
  }
  const rate = opts.training ? (opts.dropPath ?? 0) : 0;
  if (rate > 0 && opts.seed === undefined) {
    throw new InvalidArgumentError(`transformerBlock: training with dropPath=${rate} needs a seed`);
  }
  const seeds =
    rate > 0
      ? [createRng(opts.seed!).split(1).nextUint32(), createRng(opts.seed!).split(2).nextUint32()]
      : [0, 0];
  const a = attention(p.attn, layerNorm(x, p.norm1, cfg.layerNormEps), cfg.numHeads, withAttn);
  const x1 = residual(x, a.out, p.ls1?.gamma, rate, seeds[0], opts.dropPathRows);
  const n2 = layerNorm(x1, p.norm2, cfg.layerNormEps);
  // linearGelu: on webgpu the bias and GELU run in the GEMM's epilogue; elsewhere gelu(linear(...)).
  const fc1 = p.mlp.fc1;
  const h = fc1.bias ? linearGelu(n2, fc1.weight, fc1.bias) : gelu(lin(fc1, n2));
  const x2 = residual(x1, lin(p.mlp.fc2, h), p.ls2?.gamma, rate, seeds[1], opts.dropPathRows);
  return { x: x2, attn: a.attn };
}

/**
 * One pre-norm block. x: [B, N, D] → [B, N, D]. Reused by the SplitMask decoder.
 * @example const y = transformerBlock(params.blocks[0], x, cfg, { training: true, dropPath: 0.1, seed: 7 });
 */
export function transformerBlock(
  p: BlockParams,
  x: tf.Tensor3D,
  cfg: BlockConfig,
  opts: BlockOptions = {},
): tf.Tensor3D {
  return tf.tidy(() => blockForward(p, x, cfg, opts, false).x);
}

/**
 * One block that also returns its attention probabilities (after softmax).
 * x: [B, N, D] → { x: [B, N, D], attn: [B, H, N, N] }.
 * @example const { attn } = transformerBlockWithAttention(params.blocks[11], x, cfg);
 */
export function transformerBlockWithAttention(
  p: BlockParams,
  x: tf.Tensor3D,
  cfg: BlockConfig,
  opts: BlockOptions = {},
): { x: tf.Tensor3D; attn: tf.Tensor4D } {
  return tf.tidy(() => {
    const r = blockForward(p, x, cfg, opts, true);
    return { x: r.x, attn: r.attn as tf.Tensor4D };
  });
}

/** Same tree as `p` with leaves `names[i]` replaced by `leaves[i]`. */
function withLeaves(p: BlockParams, names: string[], leaves: tf.Tensor[]): BlockParams {
  const copy = (node: unknown): unknown =>
    node instanceof tf.Tensor
      ? node
      : Array.isArray(node)
        ? node.map(copy)
        : node && typeof node === 'object'
          ? Object.fromEntries(Object.entries(node).map(([k, v]) => [k, copy(v)]))
          : node;
  const out = copy(p) as Record<string, unknown>;
  names.forEach((name, i) => {
    const parts = name.split('.');
    let node = out;
    for (const key of parts.slice(0, -1)) node = node[key] as Record<string, unknown>;
    node[parts[parts.length - 1]] = leaves[i];
  });
  return out as unknown as BlockParams;
}

/**
 * Runs `fn` (which calls tf.grads) during an outer backward pass. tfjs keeps one global active tape:
 * a nested top-level `grads` would replace it and then null it, and the outer backward would crash
 * when it frees its tape; we put the outer one back.
 */
function withOuterTape<T>(fn: () => T): T {
  const state = (tf.engine() as unknown as { state: { activeTape: unknown } }).state;
  const outer = state.activeTape;
  try {
    return fn();
  } finally {
    state.activeTape = outer;
  }
}

/**
 * A block with activation checkpointing (rematerialisation): the forward keeps only the block input;
 * the backward recomputes the block (same drop-path seeds, so the same values) and differentiates it
 * inside one `tidy`, so at most one block's intermediates are alive at a time. Costs one extra forward
 * per block; cuts training memory from O(depth · block activations) to O(depth · [B, N, D]).
 * x: [B, N, D] → [B, N, D]; gradients flow to x and to every leaf of `p`.
 * @example const y = transformerBlockCheckpointed(params.blocks[i], x, cfg, { training: true, seed });
 */
export function transformerBlockCheckpointed(
  p: BlockParams,
  x: tf.Tensor3D,
  cfg: BlockConfig,
  opts: BlockOptions = {},
): tf.Tensor3D {
  const flat = flattenParams(p);
  const names = Object.keys(flat);
  const leaves = names.map((n) => flat[n]);
  const run = (xx: tf.Tensor, ls: tf.Tensor[]) =>
    blockForward(withLeaves(p, names, ls), xx as tf.Tensor3D, cfg, opts, false).x;
  const f = tf.customGrad(((...args: unknown[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    const [xx] = args as tf.Tensor[];
    save([xx]);
    return {
      value: tf.tidy(() => run(xx, leaves)),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        withOuterTape(() =>
          tf.tidy(() =>
            tf.grads((...ins: tf.Tensor[]) => run(ins[0], ins.slice(1)))([saved[0], ...leaves], dy),
          ),
        ),
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (...xs: tf.Tensor[]) => tf.Tensor3D;
  return tf.tidy(() => f(x, ...leaves));
}
