import { expect, test } from 'vitest';
import * as api from './index';

// Snapshot of the public API: a change here is an API change (update README and the changeset).
test('public exports', () => {
  expect(Object.keys(api).sort()).toEqual([
    'NoNegativesError',
    'NonFiniteError',
    'assertFinite',
    'assertFiniteAsync',
    'dinoLoss',
    'infoNCE',
    'labelSmoothingCrossEntropy',
    'maskedCrossEntropy',
    'maskedTokenAccuracy',
    'mixupTargets',
    'nextCenter',
    'patchMSE',
    'softTargetCrossEntropy',
    'teacherTempSchedule',
  ]);
});
