#!/usr/bin/env node
/**
 * Writes the images of an experiment preset's split — the same class-balanced train / validation / test
 * subsets and per-seed label fractions as fashion-mnist.mjs — as raw files, so an independent
 * implementation (sklearn-pixels.py: scikit-learn) can compute the raw-pixel baselines on exactly the
 * same images:
 *
 *   node packages/cli/experiments/export-split.mjs --preset standard --out /tmp/split [--seeds 0,1,2] [--data mnist]
 *   /usr/bin/python3 packages/cli/experiments/sklearn-pixels.py /tmp/split
 *
 * Files: {train,val,test}.u8 (N×S×S×C uint8), {train,val,test}.labels.i32, sub-<fraction>-<seed>.i32
 * (indices into train) and split.json (counts, fractions, seeds, Cs, knn).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { classBalancedSubset } from '@splitmask/eval';
import { loadSplitImages, PRESETS } from './fashion-mnist.mjs';

const argv = process.argv.slice(2);
const args = {};
for (let i = 0; i < argv.length; i += 2) args[argv[i].replace(/^--/, '')] = argv[i + 1];
const preset = PRESETS[args.preset ?? 'standard'];
if (!preset || !args.out)
  throw new Error('usage: export-split.mjs --preset <name> --out <folder> [--seeds 0,1,2] [--data ...]');
const seeds = (args.seeds ?? '0,1,2').split(',').map(Number);
const { train, val, test } = await loadSplitImages(args.data ?? 'fashion-mnist', preset);
mkdirSync(args.out, { recursive: true });
for (const [k, d] of Object.entries({ train, val, test })) {
  if (!d) continue;
  writeFileSync(join(args.out, `${k}.u8`), d.array.pixels);
  writeFileSync(join(args.out, `${k}.labels.i32`), Buffer.from(d.array.labels.buffer));
}
const fractions = preset.finetune.fractions.map(([f]) => f);
for (const s of seeds)
  for (const f of fractions)
    writeFileSync(
      join(args.out, `sub-${f}-${s}.i32`),
      Buffer.from(classBalancedSubset(train.array.labels, f, s).buffer),
    );
writeFileSync(
  join(args.out, 'split.json'),
  `${JSON.stringify({ pixelsPerImage: train.array.pixels.length / train.array.count, fractions, seeds, Cs: preset.pixels?.Cs ?? [1], knn: preset.knn, counts: { train: train.array.count, val: val?.array.count ?? 0, test: test.array.count } })}\n`,
);
console.log(
  `wrote ${args.out}: ${train.array.count} train, ${val?.array.count ?? 0} val, ${test.array.count} test`,
);
