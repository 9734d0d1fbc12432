/**
 * @splitmask/splitmask — SplitMask (arXiv 2112.10740) and BEiT pretraining on TensorFlow.js, the trainer
 * and the `splitmask` CLI. Library code here never selects a backend; the CLI does.
 */

export type { BeitInputs, BeitParams } from './beit';
export { beitEncode, beitLoss, drawBeitMasks, initBeitParams, makeBeitInputs } from './beit';
export type { CheckpointManager, CheckpointState, LoadedCheckpoint } from './checkpoint';
export { CheckpointMismatchError, createCheckpointManager, listCheckpoints } from './checkpoint';
export type {
  LossConfig,
  MaskingConfig,
  ModelConfig,
  OptimConfig,
  PretrainConfig,
  PretrainConfigInput,
  PretrainMethod,
  TokenizerConfig,
  TrainConfig,
} from './config';
export {
  ConfigError,
  canonicalJson,
  configFingerprint,
  DEFAULT_CONFIG,
  diffConfigs,
  mergeConfigInputs,
  resolvePretrainConfig,
} from './config';
export type { DemoOptions, DemoResult } from './demo';
export { DEMO_CONFIG, runDemo, TINY_DEMO_CONFIG } from './demo';
export { encodeFeatures } from './features';
export { truncNormal } from './init';
export type { JsonlLogger } from './jsonl';
export { createJsonlLogger, readJsonl } from './jsonl';
export type { PretrainMethodImpl } from './method';
export { createMethod } from './method';
export type { Series, SplitRow } from './pictures';
export { drawSplits, plotSeries, tokenColor } from './pictures';
export type { ProgressState } from './progress';
export { createProgressBar, formatDuration, formatProgress } from './progress';
export type { Color, RgbaImage } from './raster';
export { createImage, decodePng, encodePng } from './raster';
export type { ImageArray, ImageSource, Normalization } from './source';
export { computeNormalization, createArraySource, imagesOf } from './source';
export type {
  ForwardOptions,
  LossParts,
  SplitIndices,
  SplitMaskDecoderParams,
  SplitMaskInputs,
  SplitMaskParams,
} from './splitmask';
export {
  drawSplitIndices,
  initSplitMaskParams,
  makeSplitMaskInputs,
  splitMaskDecode,
  splitMaskLoss,
  toVitConfig,
} from './splitmask';
export type { Pretrainer, PretrainerOptions, TrainEvent } from './trainer';
export { buildTokenizer, createPretrainer, NonFiniteLossError } from './trainer';
