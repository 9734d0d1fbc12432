/**
 * JSONL metrics log: one JSON object per line, appended synchronously (a crash loses at most the line
 * being written), readable with `jq` or `readJsonl`.
 */
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Appends records to `path` (created with its folder). */
export interface JsonlLogger {
  readonly path: string;
  log(record: Record<string, unknown>): void;
}

/**
 * Opens a JSONL log for appending.
 * @example const log = createJsonlLogger('out/log.jsonl'); log.log({ step: 1, loss: 5.2 });
 */
export function createJsonlLogger(path: string): JsonlLogger {
  mkdirSync(dirname(path), { recursive: true });
  return {
    path,
    log(record) {
      appendFileSync(path, `${JSON.stringify(record)}\n`);
    },
  };
}

/**
 * Reads every record of a JSONL file. Blank lines and lines that are not JSON (a line torn by a
 * `kill -9` mid-append) are skipped, so a crashed run's log still reads.
 */
export function readJsonl<T = Record<string, unknown>>(path: string): T[] {
  const out: T[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      // torn line: skipped
    }
  }
  return out;
}
