import { expect, test } from 'vitest';
import { createProgressBar, formatDuration, formatProgress } from './progress';

test.each([
  [5, '5s'],
  [65, '1m05s'],
  [3725, '1h02m'],
  [Number.NaN, '--'],
])('formatDuration(%s)', (s, want) => {
  expect(formatDuration(s)).toBe(want);
});

test('ETA extrapolates the mean step time', () => {
  const line = formatProgress({ step: 5, total: 10, elapsedSec: 5, imgsPerSec: 12.34, loss: 1.5 }, 10);
  expect(line).toBe('[#####.....]  5/10  50% ETA 5s 12.3 img/s loss 1.5000');
});

test('non-TTY sinks get a line every printEvery steps and at the end', () => {
  const lines: string[] = [];
  const bar = createProgressBar(5, { write: (s: string) => lines.push(s) }, 2);
  for (let s = 1; s <= 5; s++) bar.update({ step: s, elapsedSec: s });
  bar.done();
  expect(lines.length).toBe(3);
  expect(lines[2]).toMatch(/5\/5 100%/);
});
