/**
 * BEiT's block-wise masking (BEiT §2.5, Algorithm 1), ported line for line from
 * `microsoft/unilm/beit/masking_generator.py` (`MaskingGenerator._mask` / `__call__`). SplitMask reuses it at 50% with blocks of 16..75 patches.
 *
 * Parity: with `createPyRandom(s)` and the same seed, `blockMask` returns the masks that BEiT returns
 * after `random.seed(s)` (pinned by fixtures from tools/fixtures_masking.py). The port keeps BEiT's
 * numerics: `random.uniform`, `math.exp`/`math.log` of the aspect range, Python's ties-to-even
 * `round`, the strict `w < width`/`h < height` check, ≤ 10 attempts per block, acceptance when a block
 * adds 1..max new patches, and the stop when a round of 10 attempts adds nothing — so the result can
 * fall short of `numMasking` (`topUpMask` makes the count exact).
 */
import { InvalidArgumentError } from '@splitmask/core/rng';
import { pyRound, type Sampler, toSampler } from './internal/sampler';
import { checkGrid, checkInt } from './internal/validate';
import type { BlockMaskOptions, MaskRng } from './types';

/** A fully resolved, validated `BlockMaskOptions` (every default filled in). */
export interface BlockMaskConfig {
  readonly height: number;
  readonly width: number;
  readonly numMasking: number;
  readonly minNumPatches: number;
  readonly maxNumPatches: number;
  readonly minAspect: number;
  readonly maxAspect: number;
}

/** One accepted block: its rectangle and how many new patches it masked. */
export interface BlockTrace {
  readonly top: number;
  readonly left: number;
  readonly h: number;
  readonly w: number;
  readonly added: number;
}

function checkPositive(name: string, value: number): void {
  if (!(Number.isFinite(value) && value > 0)) {
    throw new InvalidArgumentError(`blockMask: ${name} must be a finite number > 0, got ${value}`);
  }
}

/**
 * Fills BEiT's defaults and validates (typed errors naming the bad field).
 * @example resolveBlockMaskConfig({ height: 14, width: 14, numMasking: 98, minNumPatches: 16, maxNumPatches: 75 })
 */
export function resolveBlockMaskConfig(options: BlockMaskOptions): BlockMaskConfig {
  const numPatches = checkGrid('blockMask', options);
  checkInt('blockMask', 'numMasking', options.numMasking, 0, numPatches);
  const minNumPatches = options.minNumPatches ?? 4;
  const maxNumPatches = options.maxNumPatches ?? options.numMasking;
  const minAspect = options.minAspect ?? 0.3;
  checkPositive('minNumPatches', minNumPatches);
  checkPositive('maxNumPatches', maxNumPatches);
  checkPositive('minAspect', minAspect);
  const maxAspect = options.maxAspect || 1 / minAspect; // BEiT: `max_aspect or 1 / min_aspect`
  checkPositive('maxAspect', maxAspect);
  if (maxAspect < minAspect) {
    throw new InvalidArgumentError(`blockMask: maxAspect (${maxAspect}) must be >= minAspect (${minAspect})`);
  }
  const { height, width, numMasking } = options;
  return Object.freeze({ height, width, numMasking, minNumPatches, maxNumPatches, minAspect, maxAspect });
}

type OnBlock = (block: BlockTrace) => void;

/** BEiT `_mask`: up to 10 attempts to place one block adding 1..maxMaskPatches new patches. */
function placeBlock(
  mask: Uint8Array,
  cfg: BlockMaskConfig,
  logAspect: readonly [number, number],
  s: Sampler,
  maxMaskPatches: number,
  onBlock?: OnBlock,
): number {
  const { height, width } = cfg;
  let delta = 0;
  for (let attempt = 0; attempt < 10; attempt++) {
    const targetArea = s.uniform(cfg.minNumPatches, maxMaskPatches);
    const aspectRatio = Math.exp(s.uniform(logAspect[0], logAspect[1]));
    const h = pyRound(Math.sqrt(targetArea * aspectRatio));
    const w = pyRound(Math.sqrt(targetArea / aspectRatio));
    if (w < width && h < height) {
      const top = s.randint(0, height - h);
      const left = s.randint(0, width - w);
      let numMasked = 0;
      for (let i = top; i < top + h; i++)
        for (let j = left; j < left + w; j++) numMasked += mask[i * width + j];
      const fresh = h * w - numMasked;
      if (fresh > 0 && fresh <= maxMaskPatches) {
        for (let i = top; i < top + h; i++) for (let j = left; j < left + w; j++) mask[i * width + j] = 1;
        delta += fresh;
        onBlock?.({ top, left, h, w, added: fresh });
      }
      if (delta > 0) break;
    }
  }
  return delta;
}

/** BEiT `__call__` into a zeroed `mask`; returns the number of masked patches. */
export function fillBlockMask(mask: Uint8Array, cfg: BlockMaskConfig, s: Sampler, onBlock?: OnBlock): number {
  const logAspect = [Math.log(cfg.minAspect), Math.log(cfg.maxAspect)] as const;
  let count = 0;
  while (count < cfg.numMasking) {
    const maxMaskPatches = Math.min(cfg.numMasking - count, cfg.maxNumPatches);
    const delta = placeBlock(mask, cfg, logAspect, s, maxMaskPatches, onBlock);
    if (delta === 0) break;
    count += delta;
  }
  return count;
}

/**
 * Returns a reusable BEiT block-mask sampler for one config (validates once; fastest for pipelines).
 * Each call returns a fresh Uint8Array [L] (1 = masked) with at most `numMasking` ones.
 * @example
 * const sample = createBlockMasker({ height: 14, width: 14, numMasking: 98, minNumPatches: 16, maxNumPatches: 75 });
 * const mask = sample(createRng(0)); // Uint8Array [196]
 */
export function createBlockMasker(options: BlockMaskOptions): (rng: MaskRng) => Uint8Array {
  const cfg = resolveBlockMaskConfig(options);
  const numPatches = cfg.height * cfg.width;
  return (rng) => {
    const mask = new Uint8Array(numPatches);
    fillBlockMask(mask, cfg, toSampler(rng));
    return mask;
  };
}

/**
 * BEiT's `MaskingGenerator()(…)`: a block mask over the grid, Uint8Array [L], 1 = masked, with at most
 * `numMasking` ones (it can stop short; see `topUpMask`). Bit-exact with BEiT under `createPyRandom`.
 * @example
 * // Python: random.seed(1); MaskingGenerator((14, 14), 98, 16, 75)()
 * const mask = blockMask({ height: 14, width: 14, numMasking: 98, minNumPatches: 16, maxNumPatches: 75 }, createPyRandom(1));
 */
export function blockMask(options: BlockMaskOptions, rng: MaskRng): Uint8Array {
  return createBlockMasker(options)(rng);
}

/**
 * `blockMask` plus the list of accepted blocks in order (for statistics, debugging and rendering).
 * Draws exactly the same random numbers as `blockMask`.
 * @example const { mask, blocks } = traceBlockMask({ height: 8, width: 8, numMasking: 32 }, createRng(0));
 */
export function traceBlockMask(
  options: BlockMaskOptions,
  rng: MaskRng,
): { mask: Uint8Array; count: number; blocks: BlockTrace[] } {
  const cfg = resolveBlockMaskConfig(options);
  const mask = new Uint8Array(cfg.height * cfg.width);
  const blocks: BlockTrace[] = [];
  const count = fillBlockMask(mask, cfg, toSampler(rng), (b) => blocks.push(b));
  return { mask, count, blocks };
}
