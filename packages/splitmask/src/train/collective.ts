/**
 * Collectives between data-parallel workers: each worker holds `shard.size` rows of a global
 * micro-batch of `shard.total` rows, starting at row `shard.lo`.
 *
 * A batch-coupled loss (SplitMask's InfoNCE negatives, DINO's center) must see the whole batch, not the
 * shard: `allGather` returns every shard's rows in global order and its gradient is the all-reduced
 * (summed) incoming gradient sliced back to this shard's rows — PyTorch's `GatherLayer` / TPU
 * `cross_replica_concat`, so N workers compute the loss and gradients of one process on the whole batch.
 *
 * Calls are synchronous: inside a worker they block on the others (Atomics.wait on shared memory),
 * which is what lets them run in the middle of a `tf.variableGrads` tape. Every worker must make the
 * same sequence of calls with the same shapes (the method code is the same on each, so it does).
 */
import * as tf from '@tensorflow/tfjs-core';

/** Where a worker's rows sit in the global micro-batch. */
export interface Shard {
  /** This worker's index, 0-based. */
  index: number;
  /** Number of workers. */
  count: number;
  /** First global row of this shard. */
  lo: number;
  /** Rows in this shard. */
  size: number;
  /** Rows of the global micro-batch. */
  total: number;
}

/** Collective operations over the workers of one step. */
export interface Collective {
  readonly shard: Shard;
  /**
   * x: [size, D] (this shard's rows) → [total, D], every shard's rows in global order. With `grad`
   * (default) the gradient flows back to x as the sum over workers of the gradient of their copies.
   */
  allGather(x: tf.Tensor2D, opts?: { grad?: boolean }): tf.Tensor2D;
  /** Elementwise sum over workers of a host array (fixed order: worker 0 + 1 + …, so every worker gets the same bits). */
  allReduceHost(values: Float32Array): Float32Array;
}

/**
 * Splits `total` rows over `count` workers as evenly as possible (the first `total % count` get one more).
 * @example shardOf(1, 2, 10) // { index: 1, count: 2, lo: 5, size: 5, total: 10 }
 */
export function shardOf(index: number, count: number, total: number): Shard {
  const base = Math.floor(total / count);
  const extra = total % count;
  const size = base + (index < extra ? 1 : 0);
  const lo = index * base + Math.min(index, extra);
  return { index, count, lo, size, total };
}

/**
 * The collective of a single process holding the whole batch: gathers are identities.
 * @example const c = localCollective(64); c.allGather(z) // z itself (a clone)
 */
export function localCollective(total: number): Collective {
  return {
    shard: { index: 0, count: 1, lo: 0, size: total, total },
    allGather: (x) => tf.clone(x),
    allReduceHost: (v) => v,
  };
}

/** Host-side exchange used by `gatherCollective` (implemented over shared memory by the worker pool). */
export interface HostExchange {
  /** Writes this worker's `rows` floats at float offset `at` of a region of `length` floats, waits for all, returns the region (a copy). */
  gather(local: Float32Array, at: number, length: number): Float32Array;
  /** Sum over workers (fixed order). */
  sum(values: Float32Array): Float32Array;
}

/**
 * A collective for one shard over a host exchange.
 * @example const c = gatherCollective(shardOf(w, n, 64), exchange);
 */
export function gatherCollective(shard: Shard, exchange: HostExchange): Collective {
  const gatherRows = (x: tf.Tensor2D): tf.Tensor2D => {
    const d = x.shape[1];
    const all = exchange.gather(x.dataSync() as Float32Array, shard.lo * d, shard.total * d);
    return tf.tensor2d(all, [shard.total, d]);
  };
  return {
    shard,
    allReduceHost: (v) => exchange.sum(v),
    allGather(x, opts = {}) {
      if (x.shape[0] !== shard.size) {
        throw new RangeError(`allGather: x has ${x.shape[0]} rows, this shard has ${shard.size}`);
      }
      if (opts.grad === false) return gatherRows(x);
      const f = tf.customGrad(((xx: tf.Tensor2D, save: tf.GradSaveFunc) => {
        save([]);
        return {
          value: gatherRows(xx),
          gradFunc: (dy: tf.Tensor2D) => {
            const d = dy.shape[1];
            const summed = exchange.sum(dy.dataSync() as Float32Array);
            return tf.tensor2d(summed.subarray(shard.lo * d, (shard.lo + shard.size) * d), [shard.size, d]);
          },
        };
      }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor2D) => tf.Tensor2D;
      return f(x);
    },
  };
}
