// Snapshot of the public API: a change to the export list shows up in review.
import { expect, test } from 'vitest';
import * as api from './index';

test('public exports', () => {
  expect(Object.keys(api).sort()).toEqual([
    'MaskSpecError',
    'blockMask',
    'countMasked',
    'createBlockMasker',
    'createMaskGenerator',
    'createSplitter',
    'indicesToMask',
    'maskToAscii',
    'maskToIndices',
    'parseMaskSpec',
    'randomMask',
    'renderMask',
    'renderSplit',
    'resolveBlockMaskConfig',
    'scaledBlockLimits',
    'splitMask',
    'splitToAscii',
    'splitToMasks',
    'stackIndices',
    'stackMasks',
    'topUpMask',
    'traceBlockMask',
  ]);
});
