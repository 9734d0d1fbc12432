/**
 * @splitmask/splitmask — SplitMask (arXiv 2112.10740), BEiT and DINO pretraining on TensorFlow.js and
 * the trainers. This entry is browser-safe (no Node built-ins at load); checkpoint files and PNG encoding
 * are in `@splitmask/splitmask/node`; the CLI and the demo are the application package `splitmask`. Library code never
 * selects a backend; the CLI does.
 */

export type { BeitInputs, BeitParams } from './beit';
export { beitEncode, beitLoss, drawBeitMasks, initBeitParams, makeBeitInputs } from './beit';
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
export type {
  DinoArch,
  DinoConfig,
  DinoConfigInput,
  DinoEvent,
  DinoHeadConfig,
  DinoHeadParams,
  DinoMonitors,
  DinoParams,
  DinoState,
  DinoTrainer,
  DinoTrainerOptions,
  RunDinoOptions,
  RunDinoResult,
} from './dino';
export {
  applyEma,
  createDinoTrainer,
  createMultiCrop,
  DINO_DEFAULT_CONFIG,
  DINO_TINY_CONFIG,
  DinoConfigError,
  dinoArch,
  dinoHead,
  dinoMonitors,
  dinoStep,
  emaUpdate,
  initDinoState,
  momentumSchedule,
  resolveDinoConfig,
  runDino,
} from './dino';
export { CheckpointMismatchError } from './errors';
export { encodeFeatures } from './features';
export { truncNormal } from './init';
export type { PretrainMethodImpl } from './method';
export { createMethod } from './method';
export type { Series, SplitRow } from './pictures';
export { drawSplits, plotSeries, tokenColor } from './pictures';
export type { Color, RgbaImage } from './raster';
export { createImage } from './raster';
export { assignVariables, restoreOptimizer } from './restore';
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
