/**
 * DINO baseline (self-distillation with multi-crop; paper.md §7, facebookresearch/dino @ 7c446df) for
 * `splitmask pretrain --method dino`: head, EMA teacher, multi-crop, schedules, collapse monitors and
 * its own training loop with checkpoints and exact resume.
 */
export type { DinoConfig, DinoConfigInput } from './config';
export { DINO_DEFAULT_CONFIG, DINO_TINY_CONFIG, DinoConfigError, resolveDinoConfig } from './config';
export { applyEma, emaUpdate, momentumSchedule } from './ema';
export type { DinoHeadConfig, DinoHeadParams, DinoLinearParams } from './head';
export {
  DINO_HEAD_DEFAULTS,
  dinoHead,
  dinoMlpIndices,
  initDinoHeadParams,
  resolveDinoHeadConfig,
  weightNormWeight,
} from './head';
export type { DinoArch, DinoForwardOptions, DinoParams } from './model';
export { dinoArch, dinoForward, initDinoParams } from './model';
export type { DinoMonitors } from './monitors';
export { dinoMonitors, dinoMonitorTensor } from './monitors';
export type { MultiCropBatch, MultiCropOptions } from './multi-crop';
export { createDinoTransforms, createMultiCrop, cropRng } from './multi-crop';
export type { DinoState, DinoStepOptions, DinoStepScalars } from './step';
export { dinoNoWeightDecay, dinoStep, disposeDinoState, initDinoState } from './step';
export type {
  DinoEvent,
  DinoSchedules,
  DinoTrainer,
  DinoTrainerOptions,
  RunDinoOptions,
  RunDinoResult,
} from './trainer';
export { createDinoTrainer, dinoSchedules, runDino } from './trainer';
