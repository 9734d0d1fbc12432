/**
 * @splitmask/tokenizers — the visual tokenizers of SplitMask's Table 2: random projection, random
 * patches, k-means and the DALL-E dVAE encoder, behind one `Tokenizer` interface.
 */
export { nearestCodeword, nearestCodewordWithScore } from './codebook';
export { createCodebookTokenizer } from './codebook-tokenizer';
export type { ConvParams, DalleBlockParams, DalleEncoderParams } from './dalle';
export {
  createDalleTokenizer,
  DALLE_ENCODER_CONFIG,
  dalleCellSize,
  dalleEncoderLogits,
  dalleParamsFromTensors,
  initDalleEncoderParams,
  LOGIT_LAPLACE_EPS,
  mapPixels,
  resolveDalleEncoderConfig,
} from './dalle';
export type { RowStore } from './internal/row-store';
export { createRowStore } from './internal/row-store';
export type { KMeansPlusPlusOptions, KMeansProgress, KMeansResult, SphericalKMeansOptions } from './kmeans';
export { kmeansPlusPlus, sphericalKMeans } from './kmeans';
export type { KMeansFitProgress, KMeansTokenizerOptions } from './kmeans-tokenizer';
export { fitKMeansTokenizer } from './kmeans-tokenizer';
export { defaultNormalization, resolveNormalization } from './normalization';
export type { ImageShape } from './patches';
export { extractPatches, extractPatchesHost } from './patches';
export type { RandomPatchesOptions } from './random-patches';
export { fitRandomPatchesTokenizer } from './random-patches';
export type { RandomProjectionOptions } from './random-projection';
export { createRandomProjectionTokenizer, randomProjectionVectors } from './random-projection';
export type { RgbaImage } from './render';
export { codewordPatches, renderTokenColors, renderTokenPatches, tokenColor } from './render';
export type { ImageBatch, ImageBatchSource, PatchSample, SamplePatchesOptions } from './sampling';
export { samplePatches } from './sampling';
export {
  decodeTokenizer,
  encodeTokenizer,
  TOKENIZER_FORMAT,
  tokenizerFromSafetensors,
} from './serialize';
export type {
  CodebookTokenizerConfig,
  DalleEncoderConfig,
  DalleTokenizerConfig,
  KMeansFitInfo,
  PatchNormalization,
  TokenizeOptions,
  Tokenizer,
  TokenizerConfig,
  TokenizerKind,
} from './types';
export type { TokenUsage } from './usage';
export { tokenUsage } from './usage';
