import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import * as api from './index';

// Snapshot of the public API: a change here is an API change (update README and the changeset).
test('public exports', () => {
  expect(Object.keys(api).sort()).toMatchInlineSnapshot(`
    [
      "CheckpointError",
      "CheckpointMismatchError",
      "ConfigError",
      "DEFAULT_CONFIG",
      "DINO_DEFAULT_CONFIG",
      "DINO_TINY_CONFIG",
      "DinoConfigError",
      "NonFiniteLossError",
      "WorkerError",
      "applyEma",
      "applyStep",
      "assignVariables",
      "beitEncode",
      "beitLoss",
      "buildTokenizer",
      "canShareMemory",
      "canonicalJson",
      "checkFinite",
      "computeNormalization",
      "computeStep",
      "configFingerprint",
      "createArraySource",
      "createDinoMethod",
      "createDinoTrainer",
      "createImage",
      "createMaskedMethod",
      "createMethod",
      "createMultiCrop",
      "createPretrainer",
      "createSession",
      "createTrainLoop",
      "createTrainMethod",
      "diffConfigs",
      "dinoArch",
      "dinoHead",
      "dinoMonitors",
      "dinoStep",
      "discardStep",
      "drawBeitMasks",
      "drawSplitIndices",
      "drawSplits",
      "emaUpdate",
      "encodeFeatures",
      "gatherCollective",
      "gatheredInfoNCE",
      "imagesOf",
      "initBeitParams",
      "initDinoState",
      "initSplitMaskParams",
      "loadTrainMethod",
      "localCollective",
      "localExecutor",
      "makeBeitInputs",
      "makeSplitMaskInputs",
      "mergeConfigInputs",
      "momentumSchedule",
      "plotSeries",
      "resolveDinoConfig",
      "resolvePretrainConfig",
      "restoreInto",
      "restoreOptimizer",
      "runDino",
      "serveWebWorker",
      "serveWorker",
      "shardOf",
      "snapshotOf",
      "splitMaskDecode",
      "splitMaskLoss",
      "threadPool",
      "toVitConfig",
      "tokenColor",
      "tokenizerSpec",
      "truncNormal",
      "webWorkers",
      "yieldToEventLoop",
    ]
  `);
});

// Browser safety: nothing statically reachable from the main entry imports a Node built-in (the DINO and
// SplitMask trainers load the checkpoint module with a dynamic `import()` only when a folder is given).
test('main entry is browser-safe: no static node: import reachable from src/index.ts', () => {
  const seen = new Set<string>();
  const offenders: string[] = [];
  const walk = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const src = readFileSync(file, 'utf8');
    for (const m of src.matchAll(/^(?:import|export)\s+(type\s+)?[^;]*?from\s+'([^']+)'/gms)) {
      const [, typeOnly, spec] = m;
      if (typeOnly) continue;
      if (spec.startsWith('.')) {
        const base = resolve(dirname(file), spec);
        walk(existsSync(`${base}.ts`) ? `${base}.ts` : join(base, 'index.ts'));
      } else if (spec.startsWith('node:') || ['pngjs', 'fs', 'path', 'os'].includes(spec))
        offenders.push(`${file} -> ${spec}`);
    }
  };
  walk(fileURLToPath(new URL('./index.ts', import.meta.url)));
  expect(seen.size).toBeGreaterThan(10);
  expect([...seen].some((f) => f.endsWith('dino/trainer.ts'))).toBe(true);
  expect(offenders).toEqual([]);
});
