/**
 * @splitmask/masking — BEiT block masks, MAE random masks and SplitMask's A/B split over a patch grid.
 * Pure TypeScript with no tfjs dependency (imports only `@splitmask/core/rng`), so it runs in data
 * workers. Masks are row-major Uint8Array [L], 1 = masked.
 */

export type { BlockMaskConfig, BlockTrace } from './block-mask';
export { blockMask, createBlockMasker, resolveBlockMaskConfig, traceBlockMask } from './block-mask';
export { MaskSpecError } from './errors';
export type {
  BlockMaskSpec,
  MaskGenerator,
  MaskGeneratorSpec,
  RandomMaskSpec,
  SplitBatchBranch,
  SplitGenerator,
  SplitMaskSpec,
} from './generator';
export { createMaskGenerator, parseMaskSpec } from './generator';
export { indicesToMask, maskToIndices, stackIndices, stackMasks } from './indices';
export { randomMask } from './random-mask';
export type { ImageLike, RenderOptions, RgbaImage } from './render';
export { maskToAscii, renderMask, renderSplit, splitToAscii } from './render';
export { createSplitter, scaledBlockLimits, splitMask, splitToMasks } from './split-mask';
export { countMasked, topUpMask } from './top-up';
export type {
  BlockMaskOptions,
  Grid,
  MaskIndices,
  MaskRng,
  RandomMaskOptions,
  Split,
  SplitMaskOptions,
  SplitPair,
} from './types';
