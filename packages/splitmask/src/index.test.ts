import { expect, test } from 'vitest';
import * as api from './index';

// Snapshot of the public API: a change here is an API change (update README and the changeset).
test('public exports', () => {
  expect(Object.keys(api).sort()).toMatchInlineSnapshot(`
    [
      "CheckpointMismatchError",
      "ConfigError",
      "DEFAULT_CONFIG",
      "NonFiniteLossError",
      "beitEncode",
      "beitLoss",
      "buildTokenizer",
      "canonicalJson",
      "computeNormalization",
      "configFingerprint",
      "createArraySource",
      "createImage",
      "createMethod",
      "createPretrainer",
      "createProgressBar",
      "diffConfigs",
      "drawBeitMasks",
      "drawSplitIndices",
      "drawSplits",
      "encodeFeatures",
      "formatDuration",
      "formatProgress",
      "imagesOf",
      "initBeitParams",
      "initSplitMaskParams",
      "makeBeitInputs",
      "makeSplitMaskInputs",
      "mergeConfigInputs",
      "plotSeries",
      "resolvePretrainConfig",
      "splitMaskDecode",
      "splitMaskLoss",
      "toVitConfig",
      "tokenColor",
      "truncNormal",
    ]
  `);
});
