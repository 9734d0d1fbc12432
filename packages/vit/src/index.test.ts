import { expect, test } from 'vitest';
import * as api from './index';

// Snapshot of the public value exports: a change here is an API change and shows in review.
test('public exports', () => {
  expect(Object.keys(api).sort()).toEqual([
    'CheckpointMismatchError',
    'VIT_VARIANTS',
    'VitConfigError',
    'bicubicAntialiasMatrix',
    'bicubicMatrix',
    'fromTimmStateDict',
    'gatherRows',
    'initBlockParams',
    'initVitParams',
    'interpolatePosEmbed',
    'patchify',
    'placeTokens',
    'poolFeatures',
    'resolveVitConfig',
    'selectTokens',
    'sincosPosEmbed2d',
    'timmShapes',
    'toTimmStateDict',
    'transformerBlock',
    'transformerBlockCheckpointed',
    'transformerBlockWithAttention',
    'unpatchify',
    'vitClassify',
    'vitDims',
    'vitEmbed',
    'vitEncode',
    'vitEncodeWithIntermediates',
    'vitFeatures',
    'vitPosEmbed',
  ]);
});
