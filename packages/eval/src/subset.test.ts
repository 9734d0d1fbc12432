import { expect, test } from 'vitest';
import { classBalancedSubset, selectImages } from './subset';

const labels = Array.from({ length: 1000 }, (_, i) => (i < 700 ? i % 2 : 2 + (i % 3))); // unbalanced: 350,350,100,100,100

test.each([
  [0.01, [4, 4, 1, 1, 1]],
  [0.1, [35, 35, 10, 10, 10]],
  [1, [350, 350, 100, 100, 100]],
])('fraction %f keeps round(f·n_c) per class (min 1)', (f, counts) => {
  const idx = classBalancedSubset(labels, f, 0);
  const got = [0, 0, 0, 0, 0];
  for (const i of idx) got[labels[i] as number] = (got[labels[i] as number] as number) + 1;
  expect(got).toEqual(counts);
  expect(new Set(idx).size).toBe(idx.length);
  expect([...idx]).toEqual([...idx].sort((a, b) => a - b));
});

test('seeded: same seed same subset, other seed other subset, smaller fraction nested in larger', () => {
  const a = classBalancedSubset(labels, 0.1, 3);
  expect(classBalancedSubset(labels, 0.1, 3)).toEqual(a);
  expect(classBalancedSubset(labels, 0.1, 4)).not.toEqual(a);
  const big = new Set(classBalancedSubset(labels, 0.5, 3));
  expect([...a].every((i) => big.has(i))).toBe(true);
});

test('bad fraction / label are named', () => {
  expect(() => classBalancedSubset(labels, 0, 0)).toThrow(/fraction must be in \(0, 1\], got 0/);
  expect(() => classBalancedSubset([0, -1], 0.5, 0)).toThrow(/label 1 is -1/);
});

test('selectImages copies the rows and labels of the indices; bad index named', () => {
  const data = { pixels: Float32Array.of(0, 0, 1, 1, 2, 2), labels: [5, 6, 7], count: 3 };
  const s = selectImages(data, [2, 0]);
  expect(Array.from(s.pixels)).toEqual([2, 2, 0, 0]);
  expect(Array.from(s.labels)).toEqual([7, 5]);
  expect(() => selectImages(data, [3])).toThrow(/index 0 is 3, outside \[0, 3\)/);
});
