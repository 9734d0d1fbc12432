// Snapshot of the public API: a change to the export list shows up in review.
import { expect, test } from 'vitest';
import * as api from './index';

test('public exports', () => {
  expect(Object.keys(api).sort()).toEqual([
    'DALLE_ENCODER_CONFIG',
    'LOGIT_LAPLACE_EPS',
    'TOKENIZER_FORMAT',
    'codewordPatches',
    'createCodebookTokenizer',
    'createDalleTokenizer',
    'createRandomProjectionTokenizer',
    'createRowStore',
    'dalleCellSize',
    'dalleEncoderLogits',
    'dalleParamsFromTensors',
    'decodeTokenizer',
    'defaultNormalization',
    'encodeTokenizer',
    'extractPatches',
    'extractPatchesHost',
    'fitKMeansTokenizer',
    'fitRandomPatchesTokenizer',
    'initDalleEncoderParams',
    'kmeansPlusPlus',
    'mapPixels',
    'nearestCodeword',
    'nearestCodewordWithScore',
    'randomProjectionVectors',
    'renderTokenColors',
    'renderTokenPatches',
    'resolveDalleEncoderConfig',
    'resolveNormalization',
    'samplePatches',
    'sphericalKMeans',
    'tokenColor',
    'tokenUsage',
    'tokenizerFromSafetensors',
  ]);
});
