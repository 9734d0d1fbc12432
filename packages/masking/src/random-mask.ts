/**
 * MAE's random masking (`random_masking` in facebookresearch/mae `models_mae.py`) on the host: one
 * uniform noise value per patch, a stable argsort, keep the first L - numMasking. The count is exact.
 * With `createPyRandom(s)` it equals numpy's `argsort(noise, kind='stable')` over
 * `[random.random() for _ in range(L)]` after `random.seed(s)` (fixture in tools/fixtures_masking.py).
 */
import { toSampler } from './internal/sampler';
import { checkGrid, checkInt } from './internal/validate';
import type { MaskRng, RandomMaskOptions } from './types';

/**
 * A uniformly random mask with exactly `numMasking` ones: Uint8Array [L], 1 = masked.
 * @example const mask = randomMask({ height: 14, width: 14, numMasking: 147 }, createRng(0)); // MAE 75%
 */
export function randomMask(options: RandomMaskOptions, rng: MaskRng): Uint8Array {
  const numPatches = checkGrid('randomMask', options);
  checkInt('randomMask', 'numMasking', options.numMasking, 0, numPatches);
  const s = toSampler(rng);
  const noise = new Float64Array(numPatches);
  for (let i = 0; i < numPatches; i++) noise[i] = s.random();
  return keepSmallest(noise, numPatches - options.numMasking);
}

/**
 * 0/1 mask with 0 at the `keep` smallest noise values (ties broken by index, as a stable argsort),
 * 1 elsewhere. Same result as `argsort(noise, kind='stable')[:keep]`, in O(L): a quickselect finds
 * the threshold value, then ties at the threshold go to the lowest indices.
 */
export function keepSmallest(noise: Float64Array, keep: number): Uint8Array {
  const numPatches = noise.length;
  const mask = new Uint8Array(numPatches).fill(1);
  if (keep === 0) return mask;
  const threshold = kthSmallest(noise.slice(), keep - 1);
  let below = 0;
  for (let i = 0; i < numPatches; i++) if (noise[i] < threshold) below++;
  let ties = keep - below;
  for (let i = 0; i < numPatches; i++) {
    if (noise[i] < threshold) mask[i] = 0;
    else if (noise[i] === threshold && ties > 0) {
      mask[i] = 0;
      ties--;
    }
  }
  return mask;
}

/** The k-th smallest value (0-based) of `a`, reordering `a` in place (Hoare quickselect). */
export function kthSmallest(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >>> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k];
  }
  return a[k];
}
