/**
 * Reports as data: a markdown table of result rows and a markdown rendering of classification metrics
 * (summary, per-class accuracy, confusion matrix). JSON is the objects themselves (`JSON.stringify`).
 */
import type { ClassificationMetrics } from './metrics';

/** One result row: column → value. */
export type ReportRow = Record<string, string | number | undefined>;

function cell(v: string | number | undefined, digits: number): string {
  if (v === undefined) return '';
  if (typeof v === 'number')
    return Number.isNaN(v) ? '–' : Number.isInteger(v) ? String(v) : v.toFixed(digits);
  return v.replaceAll('|', '\\|');
}

/**
 * Markdown table of `rows` (columns default to the union of keys, in first-seen order; numbers to `digits`).
 * @example markdownTable([{ method: 'splitmask', 'k-NN top-1': 81.234 }]) // | method | k-NN top-1 | ...
 */
export function markdownTable(rows: readonly ReportRow[], columns?: readonly string[], digits = 2): string {
  const cols = columns ?? [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const lines = [`| ${cols.join(' | ')} |`, `|${cols.map(() => '---').join('|')}|`];
  for (const r of rows) lines.push(`| ${cols.map((c) => cell(r[c], digits)).join(' | ')} |`);
  return `${lines.join('\n')}\n`;
}

/**
 * Markdown of one evaluation: top-1/top-5, per-class accuracy and the confusion matrix (rows = true class).
 * @example const md = metricsMarkdown(m, FASHION_MNIST_CLASS_NAMES);
 */
export function metricsMarkdown(m: ClassificationMetrics, classNames?: readonly string[]): string {
  const name = (i: number) => classNames?.[i] ?? String(i);
  const summary = `Top-1 **${m.top1.toFixed(2)}%**, top-${Math.min(5, m.numClasses)} ${m.top5.toFixed(2)}% on ${m.count} images.\n`;
  const perClass = markdownTable(m.perClass.map((a, i) => ({ class: name(i), 'accuracy %': a })));
  const header = ['true \\ predicted', ...m.confusion.map((_, i) => name(i))];
  const confusion = markdownTable(
    m.confusion.map((row, i) =>
      Object.fromEntries([
        [header[0] as string, name(i)],
        ...row.map((v, j) => [header[j + 1] as string, v]),
      ]),
    ),
    header,
  );
  return `${summary}\n${perClass}\n${confusion}`;
}
