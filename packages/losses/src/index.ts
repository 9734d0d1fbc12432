/**
 * @splitmask/losses — SplitMask's training losses and the baselines' (masked token prediction,
 * symmetric InfoNCE, DINO, fine-tuning), pure and numerically stable, float32, on every tfjs backend.
 */
export { assertFinite, assertFiniteAsync, type FiniteCheckValues } from './assert-finite';
export { type DinoLossOptions, dinoLoss, nextCenter } from './dino';
export { NoNegativesError, NonFiniteError } from './errors';
export { type InfoNCEOptions, type InfoNCEResult, infoNCE } from './info-nce';
export { labelSmoothingCrossEntropy } from './label-smoothing';
export { type MaskedTokenStats, maskedCrossEntropy, maskedTokenAccuracy } from './masked-cross-entropy';
export { type PatchMSEOptions, patchMSE } from './patch-mse';
export { type MixupTargetOptions, mixupTargets, softTargetCrossEntropy } from './soft-target';
export { type TeacherTempScheduleOptions, teacherTempSchedule } from './teacher-temp-schedule';
