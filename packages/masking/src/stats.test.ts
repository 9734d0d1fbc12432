// Distribution of 10,000 BEiT masks at 14×14 (98 patches, blocks of 16..75: the SplitMask setting)
// against the reference algorithm's (fixture: tools/fixtures_masking.py, 10,000 masks under CPython).
import { createPyRandom, createRng } from '@splitmask/core/rng';
import { describe, expect, test } from 'vitest';
import { type BlockMaskOptions, traceBlockMask } from './index';
import { loadFixture } from './internal/test-fixtures';
import type { MaskRng } from './types';

interface Stats {
  n: number;
  seed: number;
  countHistogram: number[];
  blockAreaHistogram: number[];
  blocksPerMaskHistogram: number[];
  numBlocks: number;
  rowCoverage: number[];
  colCoverage: number[];
  aspectLogRange: [number, number];
}

const ref = loadFixture<Stats>('block-stats-14x14.json');
const OPTS: BlockMaskOptions = {
  height: 14,
  width: 14,
  numMasking: 98,
  minNumPatches: 16,
  maxNumPatches: 75,
};

function collect(rng: MaskRng, n: number, opts: BlockMaskOptions = OPTS): Stats {
  const counts = new Array(99).fill(0);
  const areas = new Array(197).fill(0);
  const perMask = new Array(20).fill(0);
  const rows = new Array(14).fill(0);
  const cols = new Array(14).fill(0);
  let numBlocks = 0;
  let lo = Infinity;
  let hi = -Infinity;
  for (let k = 0; k < n; k++) {
    const { mask, count, blocks } = traceBlockMask(opts, rng);
    counts[count]++;
    perMask[Math.min(blocks.length, 19)]++;
    numBlocks += blocks.length;
    for (const b of blocks) {
      areas[b.h * b.w]++;
      lo = Math.min(lo, Math.log(b.h / b.w));
      hi = Math.max(hi, Math.log(b.h / b.w));
    }
    for (let i = 0; i < 196; i++) {
      rows[Math.floor(i / 14)] += mask[i] / (n * 14);
      cols[i % 14] += mask[i] / (n * 14);
    }
  }
  return {
    n,
    seed: -1,
    countHistogram: counts,
    blockAreaHistogram: areas,
    blocksPerMaskHistogram: perMask,
    numBlocks,
    rowCoverage: rows,
    colCoverage: cols,
    aspectLogRange: [lo, hi],
  };
}

/** Total-variation distance between two histograms (normalised). */
function tv(a: number[], b: number[]): number {
  const sa = a.reduce((s, v) => s + v, 0);
  const sb = b.reduce((s, v) => s + v, 0);
  let d = 0;
  for (let i = 0; i < Math.max(a.length, b.length); i++) d += Math.abs((a[i] ?? 0) / sa - (b[i] ?? 0) / sb);
  return d / 2;
}

const maxAbs = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i])));

describe('block mask statistics over 10,000 masks at 14x14', () => {
  test('under createPyRandom(seed) the histograms equal the reference exactly', () => {
    const got = collect(createPyRandom(ref.seed), ref.n);
    expect(got.countHistogram).toEqual(ref.countHistogram);
    expect(got.blockAreaHistogram).toEqual(ref.blockAreaHistogram.slice(0, 197));
    expect(got.blocksPerMaskHistogram).toEqual(ref.blocksPerMaskHistogram);
    expect(got.numBlocks).toBe(ref.numBlocks);
    expect(maxAbs(got.rowCoverage, ref.rowCoverage)).toBeLessThan(1e-12);
    expect(got.aspectLogRange).toEqual(ref.aspectLogRange);
  });

  // Independent stream (core's xoshiro Rng): same algorithm, so same distribution up to sampling noise.
  // Tolerances are ~4σ for n = 10,000 (per-row coverage σ ≈ 0.005; TV of the histograms 0.003–0.021 over seeds 1–3).
  const fast = collect(createRng(7), ref.n);

  test('with the fast Rng: block-area, count and blocks-per-mask distributions match', () => {
    expect(tv(fast.blockAreaHistogram, ref.blockAreaHistogram)).toBeLessThan(0.04);
    expect(tv(fast.countHistogram, ref.countHistogram)).toBeLessThan(0.045);
    expect(tv(fast.blocksPerMaskHistogram, ref.blocksPerMaskHistogram)).toBeLessThan(0.045);
  });

  test('with the fast Rng: mean masked fraction matches (≈ 0.498: 30% of masks stop short of 98)', () => {
    const mean = (h: number[]) => h.reduce((s, c, i) => s + c * i, 0) / h.reduce((s, c) => s + c, 0) / 196;
    expect(mean(ref.countHistogram)).toBeGreaterThan(0.49);
    expect(mean(ref.countHistogram)).toBeLessThan(0.5);
    expect(Math.abs(mean(fast.countHistogram) - mean(ref.countHistogram))).toBeLessThan(0.002); // σ ≈ 0.0001
  });

  test('with the fast Rng: masked-area coverage per row and per column matches', () => {
    expect(maxAbs(fast.rowCoverage, ref.rowCoverage)).toBeLessThan(0.02);
    expect(maxAbs(fast.colCoverage, ref.colCoverage)).toBeLessThan(0.02);
  });

  test('block aspect ratios h/w stay within the rounded [0.3, 1/0.3] range, and span it', () => {
    expect(fast.aspectLogRange[0]).toBeGreaterThanOrEqual(ref.aspectLogRange[0]);
    expect(fast.aspectLogRange[1]).toBeLessThanOrEqual(ref.aspectLogRange[1]);
    expect(fast.aspectLogRange[1] - fast.aspectLogRange[0]).toBeGreaterThan(2.5);
  });

  test('the comparison detects a changed algorithm (aspect range [0.5, 2], max block 50)', () => {
    const other = collect(createRng(7), 3000, { ...OPTS, minAspect: 0.5, maxNumPatches: 50 });
    expect(tv(other.blockAreaHistogram, ref.blockAreaHistogram)).toBeGreaterThan(0.1);
  });
});
