/**
 * Shared types of @splitmask/masking. Masks are row-major over a patch grid of `height × width`
 * patches (L = height·width), 1 = masked, as in BEiT and MAE.
 */

/** A patch grid: `height` rows and `width` columns of patches (L = height·width). */
export interface Grid {
  readonly height: number;
  readonly width: number;
}

/**
 * The randomness a mask generator needs. Both core generators fit: `createPyRandom` (CPython-exact,
 * for parity with BEiT; supplies `uniform` and `randint`) and `createRng` (fast; supplies `uniform` and
 * `int`). Only `random` is required; the others, when present, are used so that each generator draws
 * exactly the numbers the reference does.
 */
export interface MaskRng {
  /** Uniform float in [0, 1). */
  random(): number;
  /** Uniform float `low + (high - low) * random()`. */
  uniform?(low: number, high: number): number;
  /** Uniform integer in [low, high], both inclusive (Python's `random.randint`). */
  randint?(low: number, high: number): number;
  /** Uniform integer in [0, n). */
  int?(n: number): number;
}

/** Index views of one mask: MAE's `ids_keep` (sorted), the masked positions, and `ids_restore`. */
export interface MaskIndices {
  /** Visible (kept) patch indices, ascending. Int32Array [K]. */
  readonly visible: Int32Array;
  /** Masked (predicted) patch indices, ascending. Int32Array [L-K]. */
  readonly masked: Int32Array;
  /**
   * Int32Array [L]: position of patch p in the sequence `[...visible, ...masked]`, so that gathering
   * `concat(visibleTokens, maskTokens)` with it restores spatial order (MAE's `ids_restore`).
   */
  readonly restore: Int32Array;
}

/** One branch of a split: the patches it encodes (`visible`) and the ones it predicts (`masked`). */
export type Split = MaskIndices;

/** SplitMask's two disjoint subsets: `a.visible ∩ b.visible = ∅`, both of size K. */
export interface SplitPair {
  readonly a: Split;
  readonly b: Split;
}

/** Options of BEiT's `MaskingGenerator` (defaults as in BEiT). */
export interface BlockMaskOptions extends Grid {
  /** Target number of masked patches (`num_masking_patches`). */
  readonly numMasking: number;
  /** Smallest block area drawn (`min_num_patches`). Default 4. */
  readonly minNumPatches?: number;
  /** Largest number of new patches one block may add (`max_num_patches`). Default numMasking. */
  readonly maxNumPatches?: number;
  /** Smallest aspect ratio h/w (`min_aspect`). Default 0.3. */
  readonly minAspect?: number;
  /** Largest aspect ratio; default (and when 0) `1 / minAspect`, as BEiT's `max_aspect or 1/min_aspect`. */
  readonly maxAspect?: number;
}

/** Options of a random (MAE) mask. */
export interface RandomMaskOptions extends Grid {
  /** Exact number of masked patches. */
  readonly numMasking: number;
}

/** How `splitMask` divides the grid. */
export interface SplitMaskOptions {
  /** `'block'` (default): BEiT block mask at 50% + top-up, B = complement. `'random'`: disjoint random sets. */
  readonly mode?: 'block' | 'random';
  /** `'random'` mode: fraction of patches each branch sees (default 0.25, the paper's "75% masking"). */
  readonly visibleFraction?: number;
  /** `'block'` mode: block area bounds; default 16 and 75 scaled by L/196 (`scaledBlockLimits`). */
  readonly minNumPatches?: number;
  readonly maxNumPatches?: number;
  /** `'block'` mode: aspect ratio range; default [0.3, 1/0.3]. */
  readonly minAspect?: number;
  readonly maxAspect?: number;
}
