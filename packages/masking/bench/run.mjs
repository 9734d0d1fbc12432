#!/usr/bin/env node
// Masks per second for 14×14 grids (ViT at 224 px, patch 16), from the built package (dist/).
// Writes bench-results/masking.json. If /usr/bin/python3 exists, times BEiT's reference
// MaskingGenerator (tools/fixtures_masking.py --bench) on the same machine and reports the ratio.
// Usage: pnpm --filter @splitmask/masking bench   (after `pnpm build`)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPyRandom, createRng } from '@splitmask/core/rng';
import { createBlockMasker, createMaskGenerator, createSplitter, randomMask } from '../dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const GRID = { height: 14, width: 14 };
const BLOCK = { ...GRID, numMasking: 98, minNumPatches: 16, maxNumPatches: 75 };

/** Runs `fn` repeatedly for ~`seconds` after a warm-up; returns calls per second (best of 3). */
function rate(fn, seconds = 0.7) {
  for (let i = 0; i < 2000; i++) fn();
  let best = 0;
  for (let r = 0; r < 3; r++) {
    let n = 0;
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < seconds * 1000) {
      for (let i = 0; i < 200; i++) fn();
      n += 200;
      t = performance.now();
    }
    best = Math.max(best, n / ((t - t0) / 1000));
  }
  return best;
}

const fast = createRng(0);
const py = createPyRandom(0);
const blockFast = createBlockMasker(BLOCK);
const splitBlock = createSplitter(GRID);
const splitRandom = createSplitter(GRID, { mode: 'random' });
const splitGen = createMaskGenerator({ kind: 'split', height: 14, width: 14 });

const results = {
  blockMask14x14_98_rng: rate(() => blockFast(fast)),
  blockMask14x14_98_pyRandom: rate(() => blockFast(py)),
  randomMask14x14_147_rng: rate(() => randomMask({ ...GRID, numMasking: 147 }, fast)),
  splitBlock14x14_rng: rate(() => splitBlock(fast)),
  splitRandom14x14_rng: rate(() => splitRandom(fast)),
  splitBatch256_perSec: rate(() => splitGen.sampleBatch(fast, 256), 1.5),
};

let python = null;
const script = join(here, '..', '..', '..', 'tools', 'fixtures_masking.py');
if (existsSync('/usr/bin/python3') && existsSync(script)) {
  try {
    // best of 3 runs, like the JS timings
    for (let r = 0; r < 3; r++) {
      const run = JSON.parse(
        execFileSync('/usr/bin/python3', [script, '--bench', '10000'], { encoding: 'utf8' }),
      );
      if (!python || run.masksPerSec > python.masksPerSec) python = run;
    }
  } catch (e) {
    console.warn(`python reference benchmark failed: ${e.message}`);
  }
}

// Step times measured in docs/backends.md (wasm, Node, 2 vCPU): the tiny 32px config at batch 64
// trains at 17.3 imgs/s; ViT-S/16 at 224px at ~0.4 imgs/s. Mask time per image (batched split, the
// training path) divided by step time per image:
const perImageMaskSec = 1 / (results.splitBatch256_perSec * 256);
const out = {
  date: new Date().toISOString(),
  node: process.version,
  cpu: cpus()[0]?.model,
  unit: 'masks per second (single thread); splitBatch256_perSec is batches of 256 splits per second',
  results,
  pythonReference: python && {
    ...python,
    what: 'BEiT MaskingGenerator((14,14), 98, 16, 75)() under CPython random + numpy',
    ratioTsFastRng: results.blockMask14x14_98_rng / python.masksPerSec,
    ratioTsPyRandom: results.blockMask14x14_98_pyRandom / python.masksPerSec,
  },
  fractionOfStepTime: {
    vitS16_224_wasm_0_4imgs: perImageMaskSec * 0.4,
    tiny32_wasm_17_3imgs: perImageMaskSec * 17.3,
  },
};
mkdirSync(join(here, '..', 'bench-results'), { recursive: true });
writeFileSync(join(here, '..', 'bench-results', 'masking.json'), `${JSON.stringify(out, null, 2)}\n`);
console.log(JSON.stringify(out, null, 2));
