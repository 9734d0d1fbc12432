/**
 * Index views of masks for fixed-shape tensor code (no data-dependent shapes on the hot path; MAE's `ids_keep` / `ids_restore`), and
 * batch stacking into flat Int32Arrays for `tf.tensor2d(x, [B, K], 'int32')`.
 */
import { InvalidArgumentError } from '@splitmask/core/rng';
import type { MaskIndices } from './types';

/**
 * Visible (0), masked (1) and restore indices of one mask.
 * mask: [L] 0/1 → { visible [K], masked [L-K], restore [L] }, indices ascending.
 * @example const { visible, masked, restore } = maskToIndices(randomMask(opts, rng));
 */
export function maskToIndices(mask: ArrayLike<number>): MaskIndices {
  const numPatches = mask.length;
  let numMasked = 0;
  for (let i = 0; i < numPatches; i++) {
    const v = mask[i];
    if (v !== 0 && v !== 1) {
      throw new InvalidArgumentError(`maskToIndices: mask must be 0/1, got ${v} at index ${i}`);
    }
    numMasked += v;
  }
  const visible = new Int32Array(numPatches - numMasked);
  const masked = new Int32Array(numMasked);
  const restore = new Int32Array(numPatches);
  writeIndices(mask, visible, masked, restore, 0, 0, 0);
  return { visible, masked, restore };
}

/**
 * Writes the index views of a 0/1 mask (unchecked) into flat arrays at the given offsets: the batch
 * path fills [B·K] / [B·(L-K)] / [B·L] arrays without per-image allocations.
 */
export function writeIndices(
  mask: ArrayLike<number>,
  visible: Int32Array,
  masked: Int32Array,
  restore: Int32Array,
  visibleOffset: number,
  maskedOffset: number,
  restoreOffset: number,
): void {
  const numPatches = mask.length;
  let numVisible = 0;
  for (let i = 0; i < numPatches; i++) if (mask[i] === 0) numVisible++;
  let k = 0;
  let m = 0;
  for (let i = 0; i < numPatches; i++) {
    if (mask[i] === 0) {
      restore[restoreOffset + i] = k;
      visible[visibleOffset + k++] = i;
    } else {
      restore[restoreOffset + i] = numVisible + m;
      masked[maskedOffset + m++] = i;
    }
  }
}

/**
 * The 0/1 mask (Uint8Array [L], 1 = masked) whose masked set is `masked` indices.
 * @example indicesToMask(split.a.masked, 196)
 */
export function indicesToMask(masked: ArrayLike<number>, numPatches: number): Uint8Array {
  const mask = new Uint8Array(numPatches);
  for (let i = 0; i < masked.length; i++) {
    const p = masked[i];
    if (!Number.isInteger(p) || p < 0 || p >= numPatches) {
      throw new InvalidArgumentError(
        `indicesToMask: index ${p} at position ${i} is outside [0, ${numPatches})`,
      );
    }
    if (mask[p]) throw new InvalidArgumentError(`indicesToMask: index ${p} appears twice`);
    mask[p] = 1;
  }
  return mask;
}

/**
 * Concatenates B equal-length index arrays into Int32Array [B·K], row-major, ready for
 * `tf.tensor2d(x, [B, K], 'int32')`. Throws if the lengths differ (fixed shapes are required).
 * @example const visible = stackIndices(pairs.map((p) => p.a.visible)); // [B*K]
 */
export function stackIndices(rows: readonly ArrayLike<number>[]): Int32Array {
  if (rows.length === 0) return new Int32Array(0);
  const k = rows[0].length;
  const out = new Int32Array(rows.length * k);
  rows.forEach((row, b) => {
    if (row.length !== k) {
      throw new InvalidArgumentError(
        `stackIndices: every row must have length K=${k} (fixed shapes), row ${b} has ${row.length}`,
      );
    }
    out.set(row, b * k);
  });
  return out;
}

/**
 * Concatenates B masks of length L into Float32Array [B·L] (1 = masked) — float weights for
 * `(loss·w).sum() / w.sum()` style losses.
 * @example const w = stackMasks(masks); // tf.tensor2d(w, [B, L])
 */
export function stackMasks(masks: readonly ArrayLike<number>[]): Float32Array {
  if (masks.length === 0) return new Float32Array(0);
  const numPatches = masks[0].length;
  const out = new Float32Array(masks.length * numPatches);
  masks.forEach((mask, b) => {
    if (mask.length !== numPatches) {
      throw new InvalidArgumentError(
        `stackMasks: every mask must have length L=${numPatches}, mask ${b} has ${mask.length}`,
      );
    }
    out.set(mask, b * numPatches);
  });
  return out;
}
