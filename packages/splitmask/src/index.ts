/**
 * @splitmask/splitmask — SplitMask (arXiv 2112.10740), BEiT and DINO pretraining on TensorFlow.js and
 * the trainers. This entry is browser-safe (no Node built-ins at load); checkpoint files and PNG encoding
 * are in `@splitmask/splitmask/node`; the CLI and the demo are the application package `splitmask`. Library code never
 * selects a backend; the CLI does.
 */

export type { Color, RgbaImage } from '@splitmask/core';
export { createImage } from '@splitmask/core';
export type { BeitInputs, BeitParams } from './beit';
export { beitEncode, beitLoss, drawBeitMasks, initBeitParams, makeBeitInputs } from './beit';
export type { CheckpointExtension, CheckpointState, LoadedCheckpoint } from './checkpoint-read';
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
export type { CheckpointErrorCode } from './errors';
export { CheckpointError, CheckpointMismatchError } from './errors';
export { encodeFeatures } from './features';
export { truncNormal } from './init';
export type { PretrainMethodImpl } from './method';
export { createMethod } from './method';
export type { DinoMethodOptions } from './methods/dino';
export { createDinoMethod } from './methods/dino';
export type { MaskedMethodOptions } from './methods/masked';
export { createMaskedMethod } from './methods/masked';
export type { HostTensor, MethodSpec } from './methods/spec';
export { createTrainMethod, loadTrainMethod, tokenizerSpec } from './methods/spec';
export type { Series, SplitRow } from './pictures';
export { drawSplits, plotSeries, tokenColor } from './pictures';
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
// The one training loop and its method interface (for new methods and custom executors).
export type { Collective, HostExchange, Shard } from './train/collective';
export { gatherCollective, localCollective, shardOf } from './train/collective';
export type { ComputedStep, ShardShape } from './train/engine';
export { applyStep, checkFinite, computeStep, discardStep } from './train/engine';
export type { Parallelism, Snapshot, StepExecutor, StepReport } from './train/executor';
export { localExecutor, restoreInto, snapshotOf } from './train/executor';
export { gatheredInfoNCE } from './train/gathered-info-nce';
export type { StepContext, StepScalars, TrainMethod } from './train/method';
export type { ThreadHandle } from './train/pool';
export { threadPool, WorkerError } from './train/pool';
export type { CheckpointStore, LoopSettings, TrainLoop, TrainLoopOptions } from './train/trainer';
export { createTrainLoop, yieldToEventLoop } from './train/trainer';
export type { WebWorkerLike } from './train/web-workers';
export { canShareMemory, serveWebWorker, webWorkers } from './train/web-workers';
export type { WorkerErrorInfo, WorkerReply, WorkerRequest, WorkerSetup } from './train/worker-serve';
export { serveWorker } from './train/worker-serve';
export type { Pretrainer, PretrainerOptions, TrainEvent, TrainingSession } from './trainer';
export { buildTokenizer, createPretrainer, createSession, NonFiniteLossError } from './trainer';
