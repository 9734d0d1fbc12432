import { expect, test } from 'vitest';
import * as main from './index';
import * as node from './node';

// The public API: a change here is an API change and shows in review.
test('main entry exports', () => {
  expect(Object.keys(main).sort()).toEqual([
    'PLOT_COLORS',
    'applyMixup',
    'arraySource',
    'classBalancedSubset',
    'createFinetuneOptimizer',
    'createSupervisedMethod',
    'datasetSource',
    'encodeFeatures',
    'evaluateClassifier',
    'extractFeatures',
    'finetune',
    'finetuneLoss',
    'fitLogisticRegression',
    'initClassifierParams',
    'knnClassify',
    'knnScores',
    'l2Normalize',
    'loadLabeledImages',
    'markdownTable',
    'metricsFromLogits',
    'metricsFromRanked',
    'metricsMarkdown',
    'pixelNormalization',
    'plotConfusion',
    'plotCurves',
    'sampleBeta',
    'sampleGamma',
    'sampleMixup',
    'selectImages',
    'supervisedMethodFactory',
    'trainLinearProbe',
  ]);
});

test('node entry exports', () => {
  expect(Object.keys(node).sort()).toEqual([
    'EVAL_FLAGS',
    'EVAL_USAGE',
    'EvalCheckpointError',
    'encodePng',
    'evalArgsFromFlags',
    'loadEncoderCheckpoint',
    'parseEvalArgs',
    'runEval',
    'runEvalCli',
    'saveEncoderTimm',
    'validateEvalConfig',
    'writePng',
  ]);
});
