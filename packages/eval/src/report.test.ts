import { expect, test } from 'vitest';
import { markdownTable, metricsMarkdown } from './report';

test('markdownTable: union of columns, numbers fixed, NaN as –, pipes escaped, missing cells empty', () => {
  const md = markdownTable([
    { a: 'x|y', b: 1.23456 },
    { b: Number.NaN, c: 3 },
  ]);
  expect(md).toBe('| a | b | c |\n|---|---|---|\n| x\\|y | 1.23 |  |\n|  | – | 3 |\n');
});

test('metricsMarkdown names classes in the per-class and confusion tables', () => {
  const md = metricsMarkdown(
    {
      numClasses: 2,
      count: 3,
      top1: 66.6667,
      top5: 100,
      perClass: [100, 50],
      confusion: [
        [1, 0],
        [1, 1],
      ],
    },
    ['cat', 'dog'],
  );
  expect(md).toContain('Top-1 **66.67%**, top-2 100.00% on 3 images.');
  expect(md).toContain('| dog | 50 |');
  expect(md).toContain('| true \\ predicted | cat | dog |');
  expect(md).toContain('| dog | 1 | 1 |');
});
