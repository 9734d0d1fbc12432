import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  aggregateSeeds,
  combineResults,
  commandLine,
  mergeResults,
  partitionMethods,
  writeReport,
} from './fashion-mnist.mjs';

const smoke = JSON.parse(
  readFileSync(new URL('../../../docs/results/fashion-mnist-smoke.json', import.meta.url), 'utf8'),
);

describe('--jobs: partition and merge', () => {
  test('methods go to groups of similar cost, dearest first; every method exactly once', () => {
    const all = ['random', 'beit', 'splitmask', 'dino'];
    expect(partitionMethods(all, 2)).toEqual([
      ['dino', 'random'],
      ['splitmask', 'beit'],
    ]);
    expect(partitionMethods(all, 1)).toEqual([['dino', 'splitmask', 'beit', 'random']]);
    expect(partitionMethods(all, 8).flat().sort()).toEqual([...all].sort());
    expect(partitionMethods(['beit'], 3)).toEqual([['beit']]);
  });

  test('merging two halves of a run gives back its results, in the requested order', async () => {
    const part = (methods, seconds) => ({
      ...smoke,
      seconds,
      command: `x --methods ${methods.join(',')}`,
      results: Object.fromEntries(methods.map((m) => [m, smoke.results[m]])),
    });
    const order = Object.keys(smoke.results);
    const merged = mergeResults([part(['dino', 'random'], 30), part(['splitmask', 'beit'], 20)], {
      order,
      command: 'x --jobs 2',
      wallSeconds: 31,
    });
    expect(Object.keys(merged.results)).toEqual(order);
    expect(merged.results).toEqual(smoke.results);
    expect(merged).toMatchObject({
      command: 'x --jobs 2',
      seconds: 31,
      seed: smoke.seed,
      preset: smoke.preset,
    });
    expect(merged.parts.map((p) => p.methods)).toEqual([
      ['dino', 'random'],
      ['splitmask', 'beit'],
    ]);
    const out = join(mkdtempSync(join(tmpdir(), 'merge-')), 'not-yet'); // writeReport creates it
    await writeReport(out, { ...merged, name: 'merged' });
    const md = readFileSync(join(out, 'merged.md'), 'utf8');
    expect(md).toContain('x --jobs 2');
    for (const m of order) expect(md).toContain(`| ${m} |`);
  });

  test('results of different seeds or configs are refused, naming the field', () => {
    expect(() => mergeResults([smoke, { ...smoke, seed: 1 }])).toThrow(/different seed: 0 vs 1/);
    expect(() => mergeResults([smoke, { ...smoke, config: { ...smoke.config, trainImages: 5 } }])).toThrow(
      /different configs/,
    );
  });
});

test('commandLine records temp-folder paths as <tmp>, other arguments as given', () => {
  const argv = [
    '--preset',
    'quick',
    '--encoders',
    join(tmpdir(), 'enc'),
    '--out',
    join(tmpdir(), 'splitmask-jobs-Ab12'),
  ];
  expect(commandLine(argv)).toBe(
    'node packages/cli/experiments/fashion-mnist.mjs --preset quick --encoders <tmp>/enc --out <tmp>/x',
  );
  expect(commandLine(['--out', 'docs/results'])).toBe(
    'node packages/cli/experiments/fashion-mnist.mjs --out docs/results',
  );
});

describe('--seeds: mean ± std over seeds', () => {
  /** The smoke results with every top-1 shifted by `d` points (a stand-in for another seed's run). */
  const shifted = (seed, d) => {
    const move = (e) => ({ ...e, top1: e.top1 + d });
    const results = Object.fromEntries(
      Object.entries(smoke.results).map(([m, r]) => [
        m,
        {
          ...r,
          ...(r.knn && { knn: move(r.knn) }),
          ...(r.linear && { linear: move(r.linear) }),
          finetunes: Object.fromEntries(
            Object.entries(r.finetunes).map(([f, ft]) => [
              f,
              { ...move(ft), ...(ft.curve && { curve: ft.curve.map((v) => v + d) }) },
            ]),
          ),
        },
      ]),
    );
    return { ...smoke, seed, results };
  };

  test('means and sample standard deviations per arm and protocol; raw results kept per seed', () => {
    const agg = aggregateSeeds([shifted(0, 0), shifted(1, 2), shifted(2, 4)]);
    expect(agg.seeds).toEqual([0, 1, 2]);
    for (const [m, r] of Object.entries(smoke.results)) {
      const a = agg.results[m];
      if (r.knn) {
        expect(a.knn.top1).toBeCloseTo(r.knn.top1 + 2, 10);
        expect(a.knn.top1Std).toBeCloseTo(2, 10); // sample std of (x, x+2, x+4)
        expect(a.knn.n).toBe(3);
      }
      for (const [f, ft] of Object.entries(r.finetunes)) {
        expect(a.finetunes[f].top1).toBeCloseTo(ft.top1 + 2, 10);
        expect(a.finetunes[f].top1Std).toBeCloseTo(2, 10);
        if (ft.curve) expect(a.finetunes[f].curve[0]).toBeCloseTo(ft.curve[0] + 2, 10);
      }
    }
    expect(agg.seedResults[1]).toEqual(shifted(1, 2).results);
  });

  test('refuses repeated seeds, other configs and arms missing from a seed', () => {
    expect(() => aggregateSeeds([shifted(0, 0), shifted(0, 1)])).toThrow(/repeated seeds/);
    expect(() =>
      aggregateSeeds([shifted(0, 0), { ...shifted(1, 0), config: { ...smoke.config, trainImages: 5 } }]),
    ).toThrow(/different configs/);
    const [first] = Object.keys(smoke.results);
    const { [first]: _gone, ...rest } = smoke.results;
    expect(() => aggregateSeeds([shifted(0, 0), { ...shifted(1, 0), results: rest }])).toThrow(
      new RegExp(`arm '${first}' is missing`),
    );
  });

  test('partial: an arm run under fewer seeds is aggregated over those, its n says so', async () => {
    const [first] = Object.keys(smoke.results);
    const { [first]: _gone, ...rest } = shifted(1, 2).results;
    const agg = aggregateSeeds([shifted(0, 0), { ...shifted(1, 2), results: rest }], { partial: true });
    const [f] = Object.keys(smoke.results[first].finetunes);
    expect(agg.results[first].finetunes[f]).toMatchObject({
      n: 1,
      top1: smoke.results[first].finetunes[f].top1,
    });
    const other = Object.keys(rest)[0];
    expect(agg.results[other].finetunes[f].n).toBe(2);
    const out = mkdtempSync(join(tmpdir(), 'partial-'));
    await writeReport(out, { ...agg, name: 'partial' });
    expect(readFileSync(join(out, 'partial.md'), 'utf8')).toContain('(n=1)');
  });

  test('partial results of several seeds and arm groups combine into one report with ± cells', async () => {
    const order = Object.keys(smoke.results);
    const half = (doc, methods) => ({
      ...doc,
      results: Object.fromEntries(methods.map((m) => [m, doc.results[m]])),
    });
    const [a, b] = [order.slice(0, 2), order.slice(2)];
    const parts = [
      half(shifted(0, 0), a),
      half(shifted(1, 1), b),
      half(shifted(1, 1), a),
      half(shifted(0, 0), b),
    ];
    const doc = combineResults(parts, { name: 'seeds', order });
    expect(doc.seeds.sort()).toEqual([0, 1]);
    expect(Object.keys(doc.results)).toEqual(order);
    const out = mkdtempSync(join(tmpdir(), 'seeds-'));
    await writeReport(out, doc);
    const md = readFileSync(join(out, 'seeds.md'), 'utf8');
    expect(md).toContain('mean ± sample std over 2');
    expect(md).toMatch(/\d+\.\d\d ± 0\.71/); // two seeds one point apart: std 1/sqrt(2)
  });
});

describe('merge-arms: one preset report from runs made in pieces', async () => {
  const { checkArm, mergeArms } = await import('./merge-arms.mjs');
  const { PRESETS } = await import('./presets.mjs');
  const long = PRESETS.long;
  const standard = PRESETS.standard;
  const arm = (finetunes) => ({
    knn: { top1: 1 },
    finetunes: Object.fromEntries(Object.entries(finetunes).map(([f, top1]) => [f, { top1 }])),
  });

  test('an arm is checked in the settings it reads, and only in the fractions it ran', () => {
    // standard's scratch 1 % / 10 % runs are long's (same recipe, same epochs); its 100 % run is not
    expect(() => checkArm('scratch', standard, long, ['0.01', '0.1'], 'p')).not.toThrow();
    expect(() => checkArm('scratch', standard, long, ['1'], 'p')).toThrow(
      /scratch ran 1 at 30 epochs, the preset says 75/,
    );
    // SplitMask reads the pretraining schedule: a standard-preset encoder is not a long one
    expect(() => checkArm('splitmask', standard, long, [], 'p')).toThrow(/pretrain/);
    // pixels do not read it
    expect(() => checkArm('pixels', standard, long, [], 'p')).not.toThrow();
  });

  test('a fraction a later part also ran comes from the later part; arms can be picked per part', () => {
    const stdDoc = {
      config: standard,
      seed: 0,
      results: { scratch: arm({ 0.01: 40, 0.1: 70, 1: 85 }), beit: arm({}) },
    };
    const longScratch = { ...standard.scratch, fractions: [[1, 75]] };
    const s75 = {
      config: { ...standard, scratch: longScratch },
      seed: 0,
      results: { scratch: arm({ 1: 88 }) },
    };
    const merged = mergeArms([{ doc: stdDoc, arms: ['scratch'] }, { doc: s75 }], 'long').get(0);
    expect(Object.keys(merged)).toEqual(['scratch']);
    expect(Object.fromEntries(Object.entries(merged.scratch.finetunes).map(([f, v]) => [f, v.top1]))).toEqual(
      {
        1: 88,
        0.01: 40,
        0.1: 70,
      },
    );
    // without the later part, the 30-epoch 100 % run is refused
    expect(() => mergeArms([{ doc: stdDoc, arms: ['scratch'] }], 'long')).toThrow(/30 epochs/);
  });
});
