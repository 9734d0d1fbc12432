import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { commandLine, mergeResults, partitionMethods, writeReport } from './fashion-mnist.mjs';

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

  test('merging two halves of a run gives back its results, in the requested order', () => {
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
    writeReport(out, { ...merged, name: 'merged' });
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
