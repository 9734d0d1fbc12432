/**
 * A one-line progress bar with ETA, images/s and loss, redrawn in place on a TTY and printed every
 * `logEvery` steps otherwise (CI logs stay readable).
 */

/** What the bar shows. */
export interface ProgressState {
  step: number;
  total: number;
  elapsedSec: number;
  imgsPerSec?: number;
  loss?: number;
  extra?: string;
}

/** Formats seconds as `1h02m`, `3m05s` or `12s`. */
export function formatDuration(sec: number): string {
  if (!Number.isFinite(sec) || sec < 0) return '--';
  const s = Math.round(sec);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

/**
 * Renders one progress line (pure).
 * @example formatProgress({ step: 5, total: 10, elapsedSec: 5 }) // '[#####.....]   5/10  50% ETA 5s'
 */
export function formatProgress(p: ProgressState, width = 20): string {
  const frac = p.total > 0 ? Math.min(1, p.step / p.total) : 0;
  const filled = Math.round(frac * width);
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
  const eta = p.step > 0 ? (p.elapsedSec / p.step) * (p.total - p.step) : Number.NaN;
  const pad = String(p.total).length;
  const parts = [
    bar,
    `${String(p.step).padStart(pad)}/${p.total}`,
    `${String(Math.round(frac * 100)).padStart(3)}%`,
    `ETA ${formatDuration(eta)}`,
  ];
  if (p.imgsPerSec !== undefined) parts.push(`${p.imgsPerSec.toFixed(1)} img/s`);
  if (p.loss !== undefined) parts.push(`loss ${p.loss.toFixed(4)}`);
  if (p.extra) parts.push(p.extra);
  return parts.join(' ');
}

/** Minimal writable stream (process.stderr fits). */
export interface LineSink {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

/**
 * Creates a progress reporter writing to `sink` (default process.stderr).
 * @example const bar = createProgressBar(100); bar.update({ step: 1, total: 100, elapsedSec: 0.5 }); bar.done();
 */
export function createProgressBar(total: number, sink: LineSink = process.stderr, printEvery = 10) {
  let last = '';
  return {
    update(p: Omit<ProgressState, 'total'>): void {
      last = formatProgress({ ...p, total });
      if (sink.isTTY) sink.write(`\r${last}\x1b[K`);
      else if (p.step % printEvery === 0 || p.step === total) sink.write(`${last}\n`);
    },
    done(): void {
      if (sink.isTTY && last) sink.write('\n');
    },
  };
}
