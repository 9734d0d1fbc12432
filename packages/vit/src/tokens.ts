/**
 * Token selection by per-image index lists, differentiable on every backend.
 *
 * tfjs's `gather` gradient needs `UnsortedSegmentSum`, which wasm lacks (BACKENDS.md), so these are
 * custom gradients over core's row ops: selection is a row gather forward and a row scatter-add backward,
 * placement the reverse. Both directions are O(B·K·D) copies — cheaper than the one-hot formulation's
 * O(B·K·L·D) batched matmul — and exact (the test suite checks them against one-hot matmuls on every
 * backend). On wasm core's row ops are heap copies that check their indices (tfjs-wasm's GatherV2 took
 * ~8 % of a SplitMask step); elsewhere they are tfjs's gather/scatterND, which do not: callers pass
 * indices in [0, L), distinct within a row for `placeTokens`.
 */
import { gatherRows2d, ShapeError, scatterAddRows2d } from '@splitmask/core';
import * as tf from '@tensorflow/tfjs-core';

type Fn1 = (x: tf.Tensor) => tf.Tensor;

function checkIdx(fn: string, x: tf.Tensor, idx: tf.Tensor, what: string): void {
  if (x.rank !== 3 || idx.rank !== 2 || idx.dtype !== 'int32' || idx.shape[0] !== x.shape[0]) {
    throw new ShapeError(
      `${fn}: expected ${what} and idx [B, K] int32 with the same B, got x [${x.shape}] and idx [${idx.shape}] ${idx.dtype}`,
    );
  }
}

/** [B, K] per-image indices → [B·K] row indices into the flattened [B·L, D] tokens. */
function flatIndices(idx: tf.Tensor2D, numTokens: number): tf.Tensor1D {
  const [b, k] = idx.shape;
  const offsets = tf.mul(tf.range(0, b, 1, 'int32'), tf.scalar(numTokens, 'int32'));
  return tf.reshape(tf.add(idx, tf.reshape(offsets, [b, 1])), [b * k]) as tf.Tensor1D;
}

// Flattened 2-D gather/scatter rather than `gather(..., batchDims=1)`, which gives wrong rows for
// batch > 0 on wasm (tfjs 4.22).
function gatherFlat(x: tf.Tensor, idx: tf.Tensor2D, numTokens: number): tf.Tensor {
  const [b, k] = idx.shape;
  const d = x.shape[2] as number;
  const rows = gatherRows2d(tf.reshape(x, [b * numTokens, d]) as tf.Tensor2D, flatIndices(idx, numTokens));
  return tf.reshape(rows, [b, k, d]);
}

function scatterFlat(x: tf.Tensor, idx: tf.Tensor2D, numTokens: number): tf.Tensor {
  const [b, k] = idx.shape;
  const d = x.shape[2] as number;
  const rows = scatterAddRows2d(
    tf.reshape(x, [b * k, d]) as tf.Tensor2D,
    flatIndices(idx, numTokens),
    b * numTokens,
  );
  return tf.reshape(rows, [b, numTokens, d]);
}

/**
 * Rows `idx[b]` of each image's tokens. x: [B, L, D], idx: [B, K] int32 → [B, K, D].
 * @example const visible = selectTokens(patchTokens, idsKeep); // MAE's gather of kept tokens
 */
export function selectTokens(x: tf.Tensor3D, idx: tf.Tensor2D): tf.Tensor3D {
  checkIdx('selectTokens', x, idx, 'x [B, L, D]');
  const l = x.shape[1];
  const f = tf.customGrad(((xx: tf.Tensor) => ({
    value: gatherFlat(xx, idx, l),
    gradFunc: (dy: tf.Tensor) => scatterFlat(dy, idx, l),
  })) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as Fn1;
  return tf.tidy(() => f(x) as tf.Tensor3D);
}

/**
 * Inverse placement: writes x[b, k] at row idx[b, k] of a zero [B, L, D] (rows not listed stay 0).
 * x: [B, K, D], idx: [B, K] int32 → [B, L, D].
 * @example const full = placeTokens(encoded, visibleIdx, 196).add(placeTokens(maskEmb, maskedIdx, 196));
 */
export function placeTokens(x: tf.Tensor3D, idx: tf.Tensor2D, numTokens: number): tf.Tensor3D {
  checkIdx('placeTokens', x, idx, 'x [B, K, D]');
  if (idx.shape[1] !== x.shape[1] || idx.shape[1] > numTokens) {
    throw new ShapeError(
      `placeTokens: expected idx [B, K=${x.shape[1]}] with K <= L=${numTokens}, got [${idx.shape}]`,
    );
  }
  const f = tf.customGrad(((xx: tf.Tensor) => ({
    value: scatterFlat(xx, idx, numTokens),
    gradFunc: (dy: tf.Tensor) => gatherFlat(dy, idx, numTokens),
  })) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as Fn1;
  return tf.tidy(() => f(x) as tf.Tensor3D);
}

/**
 * Rows of a shared table per image (e.g. position embeddings of the visible patches); the gradient
 * accumulates repeated rows. table: [L, D], idx: [B, K] int32 → [B, K, D].
 * @example const pos = gatherRows(posEmbedPatches, visibleIdx);
 */
export function gatherRows(table: tf.Tensor2D, idx: tf.Tensor2D): tf.Tensor3D {
  if (table.rank !== 2 || idx.rank !== 2 || idx.dtype !== 'int32') {
    throw new ShapeError(
      `gatherRows: expected table [L, D] and idx [B, K] int32, got [${table.shape}] and [${idx.shape}] ${idx.dtype}`,
    );
  }
  const [l, d] = table.shape;
  const [b, k] = idx.shape;
  const flat = () => tf.reshape(idx, [b * k]) as tf.Tensor1D;
  const f = tf.customGrad(((t: tf.Tensor) => ({
    value: tf.reshape(gatherRows2d(t as tf.Tensor2D, flat()), [b, k, d]),
    gradFunc: (dy: tf.Tensor) => scatterAddRows2d(tf.reshape(dy, [b * k, d]) as tf.Tensor2D, flat(), l),
  })) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as Fn1;
  return tf.tidy(() => f(table) as tf.Tensor3D);
}
