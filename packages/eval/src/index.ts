/**
 * @splitmask/eval — evaluation of ViT encoders with the field's protocols: DINO's weighted k-NN, BEiT's
 * linear probe on frozen features, and BEiT-style fine-tuning; metrics and reports. Library code never
 * selects a backend.
 */
export type { FeatureOptions, FeatureSource, FitOptions, Normalization } from './features';
export { arraySource, datasetSource, encodeFeatures, extractFeatures, loadLabeledImages } from './features';
export type { FinetuneEpoch, FinetuneOptions, FinetuneResult, LabeledImages } from './finetune';
export {
  createFinetuneOptimizer,
  evaluateClassifier,
  finetune,
  finetuneLoss,
  initClassifierParams,
} from './finetune';
export type { KnnOptions, KnnResult } from './knn';
export { knnClassify, knnScores, l2Normalize } from './knn';
export type { LinearProbe, LinearProbeOptions } from './linear-probe';
export { trainLinearProbe } from './linear-probe';
export type { LogisticRegression, LogisticRegressionOptions } from './logistic-regression';
export { fitLogisticRegression } from './logistic-regression';
export type { ClassificationMetrics } from './metrics';
export { metricsFromLogits, metricsFromRanked } from './metrics';
export type { MixupOptions, MixupSample } from './mixup';
export { applyMixup, sampleBeta, sampleGamma, sampleMixup } from './mixup';
export { pixelNormalization } from './normalization';
export type { RgbaImage, Series } from './plot';
export { PLOT_COLORS, plotConfusion, plotCurves } from './plot';
export type { ReportRow } from './report';
export { markdownTable, metricsMarkdown } from './report';
export { classBalancedSubset, selectImages } from './subset';
export type { SupervisedMethodOptions } from './supervised';
export { createSupervisedMethod, supervisedMethodFactory } from './supervised';
