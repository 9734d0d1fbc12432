import { expect, test } from 'vitest';
import {
  ConfigError,
  configFingerprint,
  DEFAULT_CONFIG,
  diffConfigs,
  mergeConfigInputs,
  resolvePretrainConfig,
} from './config';

test('defaults resolve and are frozen', () => {
  const cfg = resolvePretrainConfig({});
  expect(cfg).toEqual(DEFAULT_CONFIG);
  expect(Object.isFrozen(cfg)).toBe(true);
  expect(Object.isFrozen(cfg.model)).toBe(true);
});

test('partial sections merge over defaults', () => {
  const cfg = resolvePretrainConfig({ method: 'beit', train: { steps: 70 } });
  expect(cfg.method).toBe('beit');
  expect(cfg.train.steps).toBe(70);
  expect(cfg.train.batchSize).toBe(DEFAULT_CONFIG.train.batchSize);
});

test('reports every bad field at once, naming values', () => {
  let err: unknown;
  try {
    resolvePretrainConfig({
      method: 'mae',
      model: { embedDim: -3, patchSize: 2.5, colour: 1 },
      optim: { lr: 'high' },
      bogus: true,
    });
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ConfigError);
  const issues = (err as ConfigError).issues;
  expect(issues).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^bogus: unknown field/),
      expect.stringMatching(/^method: expected one of 'splitmask' \| 'beit', got "mae"/),
      expect.stringMatching(/^model\.embedDim: -3 is outside/),
      expect.stringMatching(/^model\.patchSize: expected an integer, got 2\.5/),
      expect.stringMatching(/^model\.colour: unknown field/),
      expect.stringMatching(/^optim\.lr: expected a finite number, got "high"/),
    ]),
  );
  expect(issues.length).toBe(6);
  expect((err as Error).message).toMatch(/6 problems/);
});

test.each([
  [{ model: { imageSize: 30, patchSize: 4 } }, /not divisible by model\.patchSize=4/],
  [{ model: { embedDim: 10, numHeads: 3 } }, /model\.embedDim: 10 is not divisible by model\.numHeads=3/],
  [{ optim: { lr: 1e-4, minLr: 1e-3 } }, /optim\.minLr/],
  [
    { optim: { warmupSteps: 500 }, train: { steps: 10 } },
    /optim\.warmupSteps: 500 is more than train\.steps=10/,
  ],
  ['not an object', /expected a JSON object/],
])('cross-field check %#', (input, re) => {
  expect(() => resolvePretrainConfig(input)).toThrow(re);
});

test('fingerprint ignores logging cadence but not the trajectory', () => {
  const a = resolvePretrainConfig({});
  const b = resolvePretrainConfig({ train: { logEvery: 3, checkpointEvery: 7, keepCheckpoints: 5 } });
  const c = resolvePretrainConfig({ model: { depth: 2 } });
  expect(configFingerprint(a)).toBe(configFingerprint(b));
  expect(configFingerprint(a)).not.toBe(configFingerprint(c));
  expect(configFingerprint(a)).toMatch(/^[0-9a-f]{16}$/);
  expect(diffConfigs(a, c)).toEqual(['model.depth: 4 → 2']);
});

test('mergeConfigInputs: later inputs win per field', () => {
  expect(mergeConfigInputs({ train: { steps: 1, batchSize: 8 } }, { train: { steps: 2 } })).toEqual({
    train: { steps: 2, batchSize: 8 },
  });
});
