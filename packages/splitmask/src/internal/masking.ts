/**
 * BEiT block masking and the SplitMask A/B split.
 * TODO(integrate): replace with @splitmask/masking blockMask / splitMask when it lands.
 */
import type { Rng } from '@splitmask/core';

/** One branch: visible and masked patch indices, sorted. */
export interface Split {
  visible: Int32Array;
  masked: Int32Array;
}

/** Options of the BEiT MaskingGenerator (paper.md §6.1). */
export interface BlockMaskOptions {
  height: number;
  width: number;
  numMasking: number;
  minNumPatches?: number;
  maxNumPatches?: number;
  minAspect?: number;
}

/** BEiT block mask topped up to exactly `numMasking` (1 = masked), [h·w]. */
export function blockMask(o: BlockMaskOptions, rng: Rng): Uint8Array {
  const { height, width, numMasking } = o;
  const minN = o.minNumPatches ?? 4;
  const maxN = o.maxNumPatches ?? numMasking;
  const minA = o.minAspect ?? 0.3;
  const logA = [Math.log(minA), Math.log(1 / minA)];
  const mask = new Uint8Array(height * width);
  let count = 0;
  while (count < numMasking) {
    const maxPatches = Math.min(numMasking - count, maxN);
    let delta = 0;
    for (let attempt = 0; attempt < 10 && delta === 0; attempt++) {
      const area = rng.uniform(minN, Math.max(minN, maxPatches));
      const aspect = Math.exp(rng.uniform(logA[0], logA[1]));
      const h = Math.round(Math.sqrt(area * aspect));
      const w = Math.round(Math.sqrt(area / aspect));
      if (w < width && h < height) {
        const top = rng.int(height - h + 1);
        const left = rng.int(width - w + 1);
        let masked = 0;
        for (let i = top; i < top + h; i++)
          for (let j = left; j < left + w; j++) masked += mask[i * width + j];
        if (h * w - masked > 0 && h * w - masked <= maxPatches) {
          for (let i = top; i < top + h; i++) {
            for (let j = left; j < left + w; j++) {
              if (mask[i * width + j] === 0) {
                mask[i * width + j] = 1;
                delta++;
              }
            }
          }
        }
      }
    }
    if (delta === 0) break;
    count += delta;
  }
  // Top up with random unmasked patches so the count is exact (fixed shapes).
  if (count < numMasking) {
    const free: number[] = [];
    mask.forEach((v, i) => {
      if (v === 0) free.push(i);
    });
    rng.shuffle(free);
    for (let i = 0; i < numMasking - count; i++) mask[free[i]] = 1;
  }
  return mask;
}

function indicesWhere(mask: Uint8Array, value: number): Int32Array {
  const out: number[] = [];
  mask.forEach((v, i) => {
    if (v === value) out.push(i);
  });
  return Int32Array.from(out);
}

/**
 * SplitMask split of an h×w grid: 'block' = A is a 50% block mask, B its complement; 'random' = each
 * branch sees a disjoint random `visibleFraction`.
 */
export function splitMask(
  { height, width }: { height: number; width: number },
  rng: Rng,
  { mode = 'block', visibleFraction = 0.25 }: { mode?: 'block' | 'random'; visibleFraction?: number } = {},
): { a: Split; b: Split } {
  const L = height * width;
  if (mode === 'block') {
    const scale = L / 196;
    const m = blockMask(
      {
        height,
        width,
        numMasking: L / 2,
        minNumPatches: Math.max(1, Math.round(16 * scale)),
        maxNumPatches: Math.max(2, Math.round(75 * scale)),
      },
      rng,
    );
    return {
      a: { visible: indicesWhere(m, 1), masked: indicesWhere(m, 0) },
      b: { visible: indicesWhere(m, 0), masked: indicesWhere(m, 1) },
    };
  }
  const k = Math.max(1, Math.floor(L * visibleFraction));
  const perm = rng.permutation(L);
  const branch = (start: number): Split => {
    const m = new Uint8Array(L);
    for (let i = start; i < start + k; i++) m[perm[i]] = 1;
    return { visible: indicesWhere(m, 1), masked: indicesWhere(m, 0) };
  };
  return { a: branch(0), b: branch(k) };
}
