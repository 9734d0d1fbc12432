// One preset's report assembled from runs made in pieces: arms and label fractions of several results
// JSONs (single-seed or aggregated reports), each checked against the preset in the settings that arm
// reads, so the report is what one `--preset <name>` run would have written (every arm is seeded by the
// seed and the label fraction only). Used for docs/results/fashion-mnist-long.md: SplitMask and BEiT
// pretrained under `--config long…`, the from-scratch arm's 100 % run at 75 epochs, and the pixel and
// from-scratch 1 % / 10 % runs of the standard preset, whose settings `long` shares.
//   node packages/cli/experiments/merge-arms.mjs <preset> <name> <out> <notes.json> <results.json>[:arm,arm]...
// A part's arms default to all of them; a label fraction that a later part also ran is taken from the later.
import { readFileSync } from 'node:fs';
import { canonicalJson as canon } from '@splitmask/splitmask';
import { combineResults, writeReport } from './fashion-mnist.mjs';
import { PRESETS } from './presets.mjs';

/** The preset fields each arm's numbers depend on (besides the data split). */
const READS = {
  pixels: ['knn', 'pixels'],
  scratch: ['pretrain.model', 'scratch'],
  random: ['pretrain.model', 'knn', 'linear', 'pixels', 'finetune'],
  splitmask: ['pretrain', 'knn', 'linear', 'pixels', 'finetune', 'pretrainMonitorEvery'],
  beit: ['pretrain', 'knn', 'linear', 'pixels', 'finetune', 'pretrainMonitorEvery'],
  dino: ['pretrain', 'dino', 'knn', 'linear', 'pixels', 'finetune', 'pretrainMonitorEvery'],
};
const SPLIT = ['trainImages', 'testImages', 'valImages'];

const withoutFractions = ({ fractions: _, ...rest } = {}) => rest;
const pick = (o, path) => path.split('.').reduce((x, k) => x?.[k], o);

/**
 * Throws unless `config` agrees with `preset` in what `arm` reads; for the fine-tuning recipes only the
 * label fractions this part actually ran must carry the preset's epochs.
 */
export function checkArm(arm, config, preset, fractionsRun, where) {
  for (const path of [...SPLIT, ...READS[arm]]) {
    let a = pick(config, path);
    let b = pick(preset, path);
    if (path === 'scratch' || path === 'finetune') {
      const epochsOf = (r) => Object.fromEntries((r?.fractions ?? []).map(([f, e]) => [String(f), e]));
      const ea = epochsOf(a);
      const eb = epochsOf(b);
      for (const f of fractionsRun)
        if (ea[f] !== eb[f])
          throw new Error(`${where}: ${arm} ran ${f} at ${ea[f]} epochs, the preset says ${eb[f]}`);
      a = withoutFractions(a);
      b = withoutFractions(b);
    }
    if (canon(a) !== canon(b))
      throw new Error(`${where}: ${arm} ran with ${path} ${canon(a)}, the preset has ${canon(b)}`);
  }
}

/**
 * Per seed, per arm: the arm's result, fine-tuning fractions merged across parts. parts: [{ doc, arms? }];
 * a fraction that a later part also ran is taken from the later part (and not checked in the earlier).
 */
export function mergeArms(parts, presetName) {
  const preset = PRESETS[presetName];
  const seeds = new Map();
  const taken = new Set(); // `${seed}/${arm}/${fraction}` already supplied by a later part
  for (let i = parts.length - 1; i >= 0; i--) {
    const { doc: d, arms } = parts[i];
    const bySeed = d.seedResults ?? { [d.seed]: d.results };
    for (const [seed, results] of Object.entries(bySeed)) {
      const merged = seeds.get(Number(seed)) ?? {};
      for (const [arm, r] of Object.entries(results)) {
        if (arms && !arms.includes(arm)) continue;
        const finetunes = Object.fromEntries(
          Object.entries(r.finetunes ?? {}).filter(([f]) => !taken.has(`${seed}/${arm}/${f}`)),
        );
        // pixel logistic regressions are not fine-tuning runs: only the split and C grid matter
        const ran = arm === 'pixels' ? [] : Object.keys(finetunes);
        checkArm(arm, d.config, preset, ran, `part ${i} seed ${seed}`);
        for (const f of Object.keys(finetunes)) taken.add(`${seed}/${arm}/${f}`);
        const later = merged[arm];
        merged[arm] = later
          ? { ...r, ...later, finetunes: { ...finetunes, ...later.finetunes } }
          : { ...r, finetunes };
      }
      seeds.set(Number(seed), merged);
    }
  }
  return seeds;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [presetName, name, out, notesFile, ...files] = process.argv.slice(2);
  const parts = files.map((spec) => {
    const [file, arms] = spec.split(':');
    return { doc: JSON.parse(readFileSync(file, 'utf8')), arms: arms?.split(',') };
  });
  const docs = parts.map((p) => p.doc);
  const seeds = mergeArms(parts, presetName);
  const first = docs[0];
  const config = { ...PRESETS[presetName], note: undefined };
  const perSeed = [...seeds.entries()].map(([seed, results]) => ({
    ...first,
    seeds: undefined,
    seedResults: undefined,
    parts: undefined,
    notes: undefined,
    preset: presetName,
    note: PRESETS[presetName].note,
    config,
    seed,
    results,
    seconds: 0,
  }));
  const doc = combineResults(perSeed, {
    name,
    order: ['pixels', 'scratch', 'random', 'beit', 'splitmask', 'dino'],
    partial: true,
  });
  doc.command = docs.map((d) => d.command).join('  +  ');
  // core time of the arms' timed pieces (pretraining, fine-tuning, logistic regressions) over all seeds;
  // the parts ran as separate processes, often side by side, so their wall times do not add up
  const timed = (r) =>
    (r.pretrainSeconds ?? 0) +
    [...Object.values(r.finetunes ?? {}), ...Object.values(r.logreg ?? {})].reduce(
      (a, x) => a + (x.seconds ?? 0),
      0,
    );
  doc.seconds = [...seeds.values()].reduce(
    (a, results) => a + Object.values(results).reduce((b, r) => b + timed(r), 0),
    0,
  );
  doc.parts = undefined;
  doc.notes = JSON.parse(readFileSync(notesFile, 'utf8'));
  await writeReport(out, doc);
  for (const [arm, r] of Object.entries(doc.results))
    console.log(
      arm,
      r.knn?.top1,
      Object.fromEntries(Object.entries(r.finetunes ?? {}).map(([f, v]) => [f, v.top1])),
    );
}
