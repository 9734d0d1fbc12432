import { expect, test } from 'vitest';
import { createRowStore } from './row-store';

test('rows cross chunk boundaries; chunks are allocated lazily and sized to the capacity', () => {
  const s = createRowStore(5, 2, 2);
  expect(s.numChunks).toBe(0);
  for (let i = 0; i < 5; i++) s.push([i, -i], 0);
  expect(s.numChunks).toBe(3);
  expect(Array.from(s.row(3))).toEqual([3, -3]);
  expect(Array.from(s.chunk(2))).toEqual([4, -4]);
  s.set(1, [0, 9, 9], 1);
  expect(Array.from(s.chunk(0))).toEqual([0, -0, 9, 9]);
  expect(() => s.push([1, 1], 0)).toThrow(/capacity 5 exceeded/);
});

test('3M × 192 rows would use 2.3 GB in 46 chunks of 50 MB, never one allocation', () => {
  const s = createRowStore(3_000_000, 192);
  expect(s.chunkRows * 192 * 4).toBe(50_331_648);
  expect(Math.ceil(3_000_000 / s.chunkRows)).toBe(46);
});
