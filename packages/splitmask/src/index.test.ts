import { expect, test } from 'vitest';
import * as api from './index';

// Snapshot of the public API: a change here is an API change (update README and the changeset).
test('public exports', () => {
  expect(Object.keys(api).sort()).toMatchInlineSnapshot(`
    [
      "CheckpointMismatchError",
      "ConfigError",
      "DEFAULT_CONFIG",
      "DEMO_CONFIG",
      "NonFiniteLossError",
      "TINY_DEMO_CONFIG",
      "beitEncode",
      "beitLoss",
      "buildTokenizer",
      "canonicalJson",
      "computeNormalization",
      "configFingerprint",
      "createArraySource",
      "createCheckpointManager",
      "createImage",
      "createJsonlLogger",
      "createMethod",
      "createPretrainer",
      "createProgressBar",
      "decodePng",
      "diffConfigs",
      "drawBeitMasks",
      "drawSplitIndices",
      "drawSplits",
      "encodeFeatures",
      "encodePng",
      "formatDuration",
      "formatProgress",
      "imagesOf",
      "initBeitParams",
      "initSplitMaskParams",
      "listCheckpoints",
      "makeBeitInputs",
      "makeSplitMaskInputs",
      "mergeConfigInputs",
      "plotSeries",
      "readJsonl",
      "resolvePretrainConfig",
      "runDemo",
      "splitMaskDecode",
      "splitMaskLoss",
      "toVitConfig",
      "tokenColor",
      "truncNormal",
    ]
  `);
});
