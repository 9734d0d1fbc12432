/**
 * The sibling-package functionality this package builds on, gathered in one place so the model code
 * reads as the paper's steps. Everything here comes from the workspace packages' public exports.
 */

export { infoNCE, maskedCrossEntropy } from '@splitmask/losses';
export { blockMask, scaledBlockLimits, splitMask, topUpMask } from '@splitmask/masking';
export type { Tokenizer } from '@splitmask/tokenizers';
export {
  createCodebookTokenizer,
  createRandomProjectionTokenizer,
  fitKMeansTokenizer,
} from '@splitmask/tokenizers';
export type { BlockParams, DropPathRows, LinearParams, VitConfig, VitParams } from '@splitmask/vit';
export {
  initBlockParams,
  initVitParams,
  patchify,
  placeTokens,
  resolveVitConfig,
  selectTokens,
  transformerBlock,
  vitDims,
  vitEncode,
  vitPosEmbed,
} from '@splitmask/vit';
