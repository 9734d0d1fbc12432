/**
 * Top-up to an exact count: SplitMask needs |A| = |B| = L/2 for fixed-shape batches, but BEiT's block
 * generator can stop short (about 30% of 14×14 masks at 98 do). This project's reading (docs/method.md,
 * "exact 50/50 split"): add uniformly random not-yet-masked patches until the count is reached.
 */
import { InvalidArgumentError } from '@splitmask/core/rng';
import { type Sampler, toSampler } from './internal/sampler';
import { checkInt } from './internal/validate';
import type { MaskRng } from './types';

/**
 * In place: masks `need` uniformly random unmasked positions (partial Fisher-Yates over them).
 * `scratch` (Int32Array of at least L) avoids an allocation on hot paths.
 */
export function topUpInPlace(mask: Uint8Array, need: number, s: Sampler, scratch?: Int32Array): void {
  if (need <= 0) return;
  const free = scratch ?? new Int32Array(mask.length);
  let n = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] === 0) free[n++] = i;
  for (let i = 0; i < need; i++) {
    const j = i + s.below(n - i);
    const pick = free[j];
    free[j] = free[i];
    free[i] = pick;
    mask[pick] = 1;
  }
}

/**
 * Number of ones (masked patches) in a 0/1 mask [L].
 * @example countMasked(blockMask(opts, rng)) // ≤ opts.numMasking
 */
export function countMasked(mask: ArrayLike<number>): number {
  let c = 0;
  for (let i = 0; i < mask.length; i++) c += mask[i];
  return c;
}

/**
 * Returns a copy of `mask` (Uint8Array [L], 1 = masked) with exactly `count` ones: the existing ones
 * plus uniformly random unmasked patches. Throws if the mask already has more than `count`.
 * @example const exact = topUpMask(blockMask(opts, rng), 98, rng); // countMasked(exact) === 98
 */
export function topUpMask(mask: Uint8Array, count: number, rng: MaskRng): Uint8Array {
  checkInt('topUpMask', 'count', count, 0, mask.length);
  const have = countMasked(mask);
  if (have > count) {
    throw new InvalidArgumentError(
      `topUpMask: mask already has ${have} masked patches, more than count=${count}`,
    );
  }
  for (let i = 0; i < mask.length; i++) {
    if (mask[i] !== 0 && mask[i] !== 1) {
      throw new InvalidArgumentError(`topUpMask: mask must be 0/1, got ${mask[i]} at index ${i}`);
    }
  }
  const out = mask.slice();
  topUpInPlace(out, count - have, toSampler(rng));
  return out;
}
