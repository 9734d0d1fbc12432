/**
 * The one place this package imports sibling-package functionality from. While a sibling package has
 * not landed, the import points at a minimal internal version (src/internal/, each marked
 * TODO(integrate)); switching is a one-line change here.
 */
export { infoNCE, maskedCrossEntropy } from './internal/losses';
export type { Split } from './internal/masking';
export { blockMask, splitMask } from './internal/masking';
export type { AdamW } from './internal/optim';
export { clipByGlobalNorm, cosineSchedule, createAdamW, noWeightDecay } from './internal/optim';
export type { Normalization, Tokenizer } from './internal/tokenizer';
export { createRandomProjectionTokenizer, fitKMeansTokenizer } from './internal/tokenizer';
export type { BlockParams, LinearParams, VitConfig, VitParams } from './internal/vit';
export {
  initBlockParams,
  initVitParams,
  numPatches,
  patchify,
  placeTokens,
  selectTokens,
  transformerBlock,
  truncNormal,
  vitEncode,
} from './internal/vit';
