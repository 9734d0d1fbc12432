/**
 * SplitMask's split (paper §4.1–4.2, §5.5; docs/method.md, "Decisions where the paper is silent"): the patches of each
 * image are divided into two disjoint subsets A and B, each encoded by its own branch.
 *
 * - `'block'` (default): BEiT block mask at 50% of the grid with blocks of 16..75 patches at 14×14
 *   (scaled by L/196 on other grids), aspect ratio log-uniform in [0.3, 1/0.3]; topped up with random
 *   patches so |A| = L/2 exactly; B = complement. For odd L, |A| = |B| = ⌊L/2⌋ and one random patch
 *   belongs to neither branch (both predict it) so the two encoder sequences keep one fixed length.
 * - `'random'`: the small-dataset variant ("uniform masking of 75%", §8 row 2): each branch sees a
 *   disjoint uniformly random `visibleFraction` (default 0.25) of the patches and predicts the rest.
 */
import { InvalidArgumentError } from '@splitmask/core/rng';
import { fillBlockMask, resolveBlockMaskConfig } from './block-mask';
import { indicesToMask, maskToIndices } from './indices';
import { pyRound, toSampler } from './internal/sampler';
import { checkGrid } from './internal/validate';
import { topUpInPlace } from './top-up';
import type { Grid, MaskRng, SplitMaskOptions, SplitPair } from './types';

/**
 * Block-size bounds scaled from the paper's 16 and 75 at L = 196 (14×14): ties-to-even rounding of
 * 16·L/196 and 75·L/196, at least 1 and max ≥ min.
 * @example scaledBlockLimits(64) // { minNumPatches: 5, maxNumPatches: 24 } for an 8×8 grid
 */
export function scaledBlockLimits(numPatches: number): { minNumPatches: number; maxNumPatches: number } {
  const minNumPatches = Math.max(1, pyRound((16 * numPatches) / 196));
  const maxNumPatches = Math.max(minNumPatches, pyRound((75 * numPatches) / 196));
  return { minNumPatches, maxNumPatches };
}

/** Number of visible patches per branch in `'random'` mode: ⌊visibleFraction·L⌋ (with an fp guard). */
export function randomSplitVisible(numPatches: number, visibleFraction: number): number {
  return Math.floor(visibleFraction * numPatches + 1e-9);
}

/**
 * The allocation-free heart of a splitter: `fill` writes each branch's 0/1 mask (1 = the branch
 * predicts that patch) into caller buffers, reusing internal scratch between calls.
 */
export interface SplitCore {
  readonly numPatches: number;
  /** K, visible patches per branch. */
  readonly numVisible: number;
  fill(rng: MaskRng, maskA: Uint8Array, maskB: Uint8Array): void;
}

function createBlockSplitCore(grid: Grid, numPatches: number, options: SplitMaskOptions): SplitCore {
  const limits = scaledBlockLimits(numPatches);
  const half = Math.floor(numPatches / 2);
  const cfg = resolveBlockMaskConfig({
    height: grid.height,
    width: grid.width,
    numMasking: half,
    minNumPatches: options.minNumPatches ?? limits.minNumPatches,
    maxNumPatches: options.maxNumPatches ?? limits.maxNumPatches,
    minAspect: options.minAspect ?? 0.3,
    maxAspect: options.maxAspect,
  });
  const scratch = new Int32Array(numPatches);
  return {
    numPatches,
    numVisible: half,
    fill: (rng, maskA, maskB) => {
      const s = toSampler(rng);
      maskB.fill(0);
      const count = fillBlockMask(maskB, cfg, s); // block mask = A's patches = what B predicts
      topUpInPlace(maskB, half - count, s, scratch);
      for (let i = 0; i < numPatches; i++) maskA[i] = 1 - maskB[i];
      if (numPatches % 2 === 1) topUpInPlace(maskB, 1, s, scratch); // odd L: one patch in neither branch
    },
  };
}

function createRandomSplitCore(numPatches: number, visibleFraction: number): SplitCore {
  if (!(Number.isFinite(visibleFraction) && visibleFraction > 0 && visibleFraction <= 0.5)) {
    throw new InvalidArgumentError(`splitMask: visibleFraction must be in (0, 0.5], got ${visibleFraction}`);
  }
  const k = randomSplitVisible(numPatches, visibleFraction);
  if (k < 1) {
    throw new InvalidArgumentError(
      `splitMask: visibleFraction=${visibleFraction} of L=${numPatches} leaves no visible patch per branch`,
    );
  }
  const perm = new Int32Array(numPatches);
  return {
    numPatches,
    numVisible: k,
    fill: (rng, maskA, maskB) => {
      const s = toSampler(rng);
      for (let i = 0; i < numPatches; i++) perm[i] = i;
      for (let i = 0; i < 2 * k; i++) {
        const j = i + s.below(numPatches - i);
        const t = perm[j];
        perm[j] = perm[i];
        perm[i] = t;
      }
      maskA.fill(1);
      maskB.fill(1);
      for (let i = 0; i < k; i++) {
        maskA[perm[i]] = 0;
        maskB[perm[k + i]] = 0;
      }
    },
  };
}

/** Validates a grid and split options once and returns the allocation-free split core. */
export function createSplitCore(grid: Grid, options: SplitMaskOptions = {}): SplitCore {
  const numPatches = checkGrid('splitMask', grid);
  const mode = options.mode ?? 'block';
  if (mode === 'block') {
    if (numPatches < 2) throw new InvalidArgumentError(`splitMask: need L >= 2 patches, got L=${numPatches}`);
    return createBlockSplitCore(grid, numPatches, options);
  }
  if (mode === 'random') return createRandomSplitCore(numPatches, options.visibleFraction ?? 0.25);
  throw new InvalidArgumentError(`splitMask: mode must be 'block' or 'random', got ${JSON.stringify(mode)}`);
}

/**
 * Returns a reusable splitter for one grid and options (validates once).
 * @example const split = createSplitter({ height: 14, width: 14 }); const { a, b } = split(rng);
 */
export function createSplitter(grid: Grid, options: SplitMaskOptions = {}): (rng: MaskRng) => SplitPair {
  const core = createSplitCore(grid, options);
  const maskA = new Uint8Array(core.numPatches);
  const maskB = new Uint8Array(core.numPatches);
  return (rng) => {
    core.fill(rng, maskA, maskB);
    return { a: maskToIndices(maskA), b: maskToIndices(maskB) };
  };
}

/**
 * SplitMask's two disjoint subsets for one image. Each `Split` lists the branch's visible patches
 * (Int32Array [K], ascending), its masked patches ([L-K]) and MAE-style restore indices ([L]).
 * 'block': K = ⌊L/2⌋ (A = topped-up BEiT block mask, B = complement); 'random': K = ⌊f·L⌋.
 * @example
 * const { a, b } = splitMask({ height: 14, width: 14 }, createRng(0)); // a.visible.length === 98
 * const r = splitMask({ height: 14, width: 14 }, rng, { mode: 'random' }); // 49 visible per branch
 */
export function splitMask(grid: Grid, rng: MaskRng, options: SplitMaskOptions = {}): SplitPair {
  return createSplitter(grid, options)(rng);
}

/**
 * A pair's two branches as 0/1 masks over the grid (1 = the branch predicts that patch).
 * @example const { maskA, maskB } = splitToMasks(pair);
 */
export function splitToMasks(pair: SplitPair): { maskA: Uint8Array; maskB: Uint8Array } {
  const numPatches = pair.a.restore.length;
  return { maskA: indicesToMask(pair.a.masked, numPatches), maskB: indicesToMask(pair.b.masked, numPatches) };
}
