/**
 * The checkpoint folder as a whole: which `step-XXXXXXXX` folders it holds (complete or not), which run
 * each belongs to, stale `step-…tmp-PID` folders left by processes that died mid-write, and moving an old
 * run aside (never deleting it) when a fresh run is told to `overwrite`.
 */
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

const STEP = /^step-(\d{8})$/;
const TEMP = /^step-(\d{8})\.tmp-(\d+)(?:-.*)?$/;

/** One `step-XXXXXXXX` folder (maybe incomplete or corrupt). */
export interface StepFolder {
  path: string;
  step: number;
}

/** Every `step-XXXXXXXX` folder of `dir`, oldest first (complete or not). */
export function listStepFolders(dir: string): StepFolder[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => STEP.test(n))
    .sort()
    .map((n) => ({ path: join(dir, n), step: Number((STEP.exec(n) as RegExpExecArray)[1]) }));
}

/** Lists checkpoint folders of `dir` that hold a `state.json`, oldest first. */
export function listCheckpoints(dir: string): string[] {
  return listStepFolders(dir)
    .filter((f) => existsSync(join(f.path, 'state.json')))
    .map((f) => f.path);
}

/** Whether process `pid` is alive (EPERM: alive, owned by someone else). */
export function processAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM';
  }
}

/**
 * Removes `step-N.tmp-PID` folders whose process is dead (a crash mid-write). A temp folder that is
 * complete (`state.json` written last, and `tensors.safetensors`) while its final name is free was killed
 * between the two renames of a re-save: it is promoted to its final name instead of deleted.
 * Returns what was removed and promoted.
 * @example removeStaleTemps('runs/a/checkpoints') // { removed: ['…/step-00000200.tmp-4242'], promoted: [] }
 */
export function removeStaleTemps(dir: string): { removed: string[]; promoted: string[] } {
  const removed: string[] = [];
  const promoted: string[] = [];
  if (!existsSync(dir)) return { removed, promoted };
  for (const name of readdirSync(dir).sort()) {
    const m = TEMP.exec(name);
    if (!m) continue;
    const pid = Number(m[2]);
    if (pid === process.pid || processAlive(pid)) continue;
    const path = join(dir, name);
    const final = join(dir, `step-${m[1]}`);
    const complete = existsSync(join(path, 'state.json')) && existsSync(join(path, 'tensors.safetensors'));
    if (complete && !existsSync(final)) {
      renameSync(path, final);
      promoted.push(final);
    } else {
      rmSync(path, { recursive: true, force: true });
      removed.push(path);
    }
  }
  return { removed, promoted };
}

/**
 * Renames `path` to a free sibling `<path>.old-<stamp>[-k]` and returns the new name (nothing deleted).
 * @example moveAside('runs/a') // 'runs/a.old-20261204T155300'
 */
export function moveAside(path: string, now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
  let target = `${path.replace(/[\\/]+$/, '')}.old-${stamp}`;
  for (let k = 2; existsSync(target); k++) target = `${path.replace(/[\\/]+$/, '')}.old-${stamp}-${k}`;
  renameSync(path, target);
  return target;
}

/** Whether `path` exists and is a folder. */
export function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
