import { expect, test } from 'vitest';
import { tokenUsage } from './usage';

test.each([
  { name: 'uniform over 4 of 8', ids: [0, 1, 2, 3, 0, 1, 2, 3], used: 4, perplexity: 4 },
  { name: 'a single id', ids: [5, 5, 5], used: 1, perplexity: 1 },
  {
    name: 'skewed',
    ids: [0, 0, 0, 1],
    used: 2,
    perplexity: Math.exp(-(0.75 * Math.log(0.75) + 0.25 * Math.log(0.25))),
  },
])('$name', ({ ids, used, perplexity }) => {
  const u = tokenUsage(ids, 8);
  expect(u.used).toBe(used);
  expect(u.perplexity).toBeCloseTo(perplexity, 12);
  expect(u.total).toBe(ids.length);
  expect(Array.from(u.counts).reduce((a, b) => a + b, 0)).toBe(ids.length);
});

test('rejects ids outside the vocabulary, naming them', () => {
  expect(() => tokenUsage([1, 8], 8)).toThrow(/id 8 at index 1 is outside \[0, 8\)/);
});
