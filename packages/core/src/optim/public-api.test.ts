import { expect, test } from 'vitest';
import * as core from '../index';
import * as coreNode from '../node';

// The state/optimisation part of core's public API (io/, optim/, params/ additions): a removal or rename
// shows up here in review.
const STATE_EXPORTS = [
  'ADAMW_STATE_FORMAT',
  'CLIP_EPS',
  'NO_WEIGHT_DECAY_NAMES',
  'SAFETENSORS_DTYPES',
  'SAFETENSORS_MAX_HEADER_BYTES',
  'SafetensorsError',
  'clipByGlobalNorm',
  'clipPerTensor',
  'constantSchedule',
  'cosineSchedule',
  'createAdamW',
  'decodeAdamWState',
  'decodeSafetensors',
  'defaultNoWeightDecay',
  'encodeAdamWState',
  'encodeSafetensors',
  'fromTfTensors',
  'layerDecayScales',
  'layerIdForVit',
  'linearWarmup',
  'paramNamesWithoutDecay',
  'paramShapes',
  'parseSafetensorsHeader',
  'stripRole',
  'toTfTensors',
  'zerosLikeParams',
];

// Files: the Node-only entry `@splitmask/core/node`, never the browser-safe main entry.
const NODE_EXPORTS = [
  'loadAdamWState',
  'loadSafetensors',
  'openSafetensors',
  'readSafetensorsHeader',
  'saveAdamWState',
  'saveSafetensors',
  'writeFileAtomic',
];

test('core/node exports the file API, and the main entry does not', () => {
  expect(Object.keys(coreNode).sort()).toEqual(expect.arrayContaining(NODE_EXPORTS));
  const main = Object.keys(core);
  expect(NODE_EXPORTS.filter((n) => main.includes(n))).toEqual([]);
});

test('core exports the state and optimisation API', () => {
  const exported = Object.keys(core);
  expect(STATE_EXPORTS.filter((n) => !exported.includes(n))).toEqual([]);
  const values = new Map(Object.entries(core));
  for (const n of STATE_EXPORTS) expect(values.get(n), n).toBeDefined();
});
