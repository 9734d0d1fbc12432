/**
 * MAE's random masking (`random_masking` in facebookresearch/mae `models_mae.py`) on the host: one
 * uniform noise value per patch, a stable argsort, keep the first L - numMasking. The count is exact.
 * With `createPyRandom(s)` it equals numpy's `argsort(noise, kind='stable')` over
 * `[random.random() for _ in range(L)]` after `random.seed(s)` (fixture in tools/fixtures_masking.py).
 */
import { toSampler } from './internal/sampler';
import { checkGrid, checkInt } from './internal/validate';
import type { MaskRng, RandomMaskOptions } from './types';

/** Stable argsort of `noise` into `out` (ties keep index order, like numpy's `kind='stable'`). */
export function argsortInto(noise: Float64Array, out: Int32Array): Int32Array {
  for (let i = 0; i < out.length; i++) out[i] = i;
  out.sort((x, y) => noise[x] - noise[y] || x - y);
  return out;
}

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
  const idsShuffle = argsortInto(noise, new Int32Array(numPatches));
  const mask = new Uint8Array(numPatches);
  for (let i = numPatches - options.numMasking; i < numPatches; i++) mask[idsShuffle[i]] = 1;
  return mask;
}
