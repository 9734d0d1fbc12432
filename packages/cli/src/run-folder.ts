/**
 * The run folder (`--out`) of `splitmask pretrain`: refused up front on special file systems, owned by one
 * run (a fresh run into a folder holding another run's log or checkpoints is refused, or with
 * `--overwrite` the old folder is moved aside, never deleted), and the list of skipped data files.
 */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { assertWritablePath, ensureFolder } from '@splitmask/core/node';
import { CheckpointError } from '@splitmask/splitmask';
import { moveAside } from '@splitmask/splitmask/node';
import type { SkippedFile } from './datasets';

/** What a previous run left in `out`: its log and checkpoint folders (empty when none). */
export function previousRun(out: string): string[] {
  const found: string[] = [];
  if (existsSync(join(out, 'log.jsonl'))) found.push('log.jsonl');
  const ckpt = join(out, 'checkpoints');
  if (existsSync(ckpt)) {
    const steps = readdirSync(ckpt).filter((n) => /^step-\d{8}/.test(n));
    if (steps.length) found.push(`checkpoints/ (${steps.length} step folder(s))`);
  }
  return found;
}

/**
 * Resolves and prepares `--out`: refuses /proc, /sys, /dev; for a fresh run (`resume` false) into a
 * folder holding a previous run, throws CHECKPOINT_FOLDER_IN_USE, or with `overwrite` moves it aside
 * (returned as `movedAside`). Does not create the folder (callers do once the data loaded): a failed start
 * leaves nothing behind.
 * @example const { out } = await prepareRunFolder('runs/a', { resume: false, overwrite: false });
 */
export async function prepareRunFolder(
  path: string,
  { resume, overwrite }: { resume: boolean; overwrite: boolean },
): Promise<{ out: string; movedAside?: string }> {
  assertWritablePath('--out', path);
  const out = resolve(path);
  let movedAside: string | undefined;
  const found = resume ? [] : previousRun(out);
  if (found.length) {
    if (!overwrite)
      throw new CheckpointError(
        'CHECKPOINT_FOLDER_IN_USE',
        out,
        `holds a previous run (${found.join(', ')}). Continue it with --resume, choose another --out, ` +
          `or pass --overwrite to move it aside (nothing is deleted)`,
      );
    movedAside = moveAside(out);
  }
  return { out, movedAside };
}

/**
 * Creates `out` and writes every skipped file with its reason to `<out>/skipped-files.txt` (tab-separated); returns its path,
 * or undefined when nothing was skipped.
 */
export async function writeSkippedList(
  out: string,
  skipped: readonly SkippedFile[],
): Promise<string | undefined> {
  await ensureFolder(out);
  if (skipped.length === 0) return undefined;
  const path = join(out, 'skipped-files.txt');
  writeFileSync(path, `${skipped.map((s) => `${s.file}\t${s.reason.replace(/\s+/g, ' ')}`).join('\n')}\n`);
  return path;
}
