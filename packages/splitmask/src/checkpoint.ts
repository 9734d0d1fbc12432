/**
 * Checkpoints: `<dir>/step-00000123/{tensors.safetensors, state.json}`, owned by one run.
 *
 * - Atomic and durable: a checkpoint is written into `step-N.tmp-PID`, every file fsynced, then the
 *   folder renamed into place and the parent fsynced. A crash never leaves a half-written checkpoint under
 *   a final name, and the temp folders of dead processes are removed on the next start.
 * - Never poisoned: float tensors holding NaN/Inf are refused (`CHECKPOINT_NON_FINITE`) before anything
 *   is replaced, so the last good checkpoint stays.
 * - Owned by a run: every checkpoint records the `runId` of the run that wrote it. A fresh run (`mode:
 *   'new'`) into a folder holding another run's checkpoints is refused, or with `overwrite` the old folder
 *   is moved aside (never deleted). Pruning to the last `keep` only ever touches this run's checkpoints.
 * - Resume (`mode: 'resume'`) takes the newest checkpoint, or `resumeFrom`. Nothing readable is an error
 *   naming what was found; a corrupt newest checkpoint is reported, not silently skipped. A config that
 *   differs only in `train.steps` extends the run (recorded in `state.extensions`); any other difference is
 *   a `CheckpointMismatchError` naming the keys.
 * - Every corrupt or partial checkpoint is a typed `CheckpointError` with its path and the reason.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fromTfTensors, SafetensorsError } from '@splitmask/core';
import { ensureFolder, saveSafetensors, syncFolder, writeFileAtomic } from '@splitmask/core/node';
import type * as tf from '@tensorflow/tfjs-core';
import {
  isFolder,
  listCheckpoints,
  listStepFolders,
  moveAside,
  removeStaleTemps,
  type StepFolder,
} from './checkpoint-folder';
import {
  type CheckpointExtension,
  type CheckpointState,
  type LoadedCheckpoint,
  readCheckpoint,
  readCheckpointState,
  runIdOf,
} from './checkpoint-read';
import { configFingerprint, diffConfigs } from './config';
import { CheckpointError, CheckpointMismatchError } from './errors';

export type { CheckpointExtension, CheckpointState, LoadedCheckpoint };
export { CheckpointError, CheckpointMismatchError, listCheckpoints, moveAside, removeStaleTemps };

/** Config fields left out of the fingerprint (loop cadence): never a reason to refuse a resume. */
const CADENCE = new Set(['train.logEvery', 'train.checkpointEvery', 'train.keepCheckpoints']);

/** Options of {@link createCheckpointManager}. */
export interface CheckpointManagerOptions {
  /** Checkpoint folder (`<out>/checkpoints` in the CLI). */
  dir: string;
  /** How many of this run's checkpoints to keep. */
  keep: number;
  /** The resolved config (a PretrainConfig, DinoConfig, …: plain JSON with a `train` section). */
  config: object;
  /**
   * 'new': a fresh run; refuses a folder holding checkpoints (of another run) unless `overwrite`.
   * 'resume': loads the newest checkpoint (or `resumeFrom`) now, exposed as `resumed`.
   * Omitted: no start-of-run policy (legacy callers that use `latest()`/`load()` themselves); `load`
   * adopts the loaded checkpoint's run.
   */
  mode?: 'new' | 'resume';
  /** 'resume' only: this checkpoint folder instead of the newest. */
  resumeFrom?: string;
  /** 'new' only: move a folder holding another run aside (`<dir>.old-<time>`) instead of refusing. */
  overwrite?: boolean;
  /** Id of a new run (default: time stamp + random suffix). */
  runId?: string;
  /** Config fields that may differ on resume (default `['train.steps']`): the run is extended. */
  extendable?: readonly string[];
  /** State keys the caller needs; a checkpoint without them is CHECKPOINT_CORRUPT. */
  requiredState?: readonly string[];
}

/** A fresh run id: UTC time stamp and 6 random hex digits, e.g. `20261204T155300-a1b2c3`. */
export function newRunId(now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

function keyOf(diffLine: string): string {
  return diffLine.slice(0, diffLine.indexOf(': '));
}

/**
 * Compares a checkpoint's config with this run's: equal fingerprints pass; differences only in
 * `extendable` fields extend the run (returned); anything else throws CheckpointMismatchError.
 */
function checkConfig(
  loaded: LoadedCheckpoint,
  config: object,
  fingerprint: string,
  extendable: readonly string[],
): CheckpointExtension | undefined {
  const { state, path } = loaded;
  if (state.fingerprint === fingerprint) return undefined;
  const diff = diffConfigs(state.config, config).filter((l) => !CADENCE.has(keyOf(l)));
  const keys = diff.map(keyOf);
  const foreign = keys.filter((k) => !extendable.includes(k));
  if (foreign.length > 0 || keys.length === 0) {
    throw new CheckpointMismatchError(
      `Refusing to resume from ${path}: it was written by a different config ` +
        `(differing: ${foreign.join(', ') || '(none in fields; the config format changed)'}). ` +
        `Differences (checkpoint → this run):\n  ${diff.join('\n  ') || '(none)'}\n` +
        `Only ${extendable.join(', ')} may change on resume (to extend a run). ` +
        `Use the same config to resume, or a new output folder to start over.`,
      foreign.length ? foreign : keys,
    );
  }
  const steps = (config as { train?: { steps?: unknown } }).train?.steps;
  if (typeof steps === 'number' && steps < state.step) {
    throw new CheckpointMismatchError(
      `Refusing to resume from ${path}: it is at step ${state.step}, beyond train.steps=${steps}`,
      ['train.steps'],
    );
  }
  return { atStep: state.step, changed: diff, at: new Date().toISOString() };
}

/** Run id of a step folder's state.json, or undefined if unreadable. */
function folderRunId(f: StepFolder): string | undefined {
  try {
    return runIdOf(readCheckpointState(f.path));
  } catch {
    return undefined;
  }
}

function describeRuns(folders: StepFolder[]): string {
  const runs = new Map<string, number[]>();
  for (const f of folders) {
    const id = folderRunId(f) ?? 'unreadable';
    runs.set(id, [...(runs.get(id) ?? []), f.step]);
  }
  return [...runs].map(([id, steps]) => `run ${id} (steps ${steps.join(', ')})`).join('; ');
}

/** Picks the checkpoint to resume from; throws CheckpointError when there is nothing readable. */
function pickResume(
  dir: string,
  resumeFrom: string | undefined,
  required: readonly string[],
): LoadedCheckpoint {
  if (resumeFrom !== undefined) {
    if (!isFolder(resumeFrom))
      throw new CheckpointError('CHECKPOINT_NOT_FOUND', resumeFrom, 'resumeFrom: no such checkpoint folder');
    return readCheckpoint(resumeFrom, required);
  }
  const folders = listStepFolders(dir);
  const newest = folders.at(-1);
  if (!newest) {
    const why = isFolder(dir)
      ? 'holds no step-XXXXXXXX checkpoint folders'
      : 'does not exist (no run has written checkpoints here)';
    throw new CheckpointError('CHECKPOINT_NOT_FOUND', dir, `nothing to resume: the folder ${why}`);
  }
  try {
    return readCheckpoint(newest.path, required);
  } catch (e) {
    if (!(e instanceof CheckpointError)) throw e;
    const older = folders.slice(0, -1).filter((f) => folderRunId(f) !== undefined);
    const hint = older.length
      ? `older checkpoints: ${older.map((f) => f.path).join(', ')}`
      : 'no older checkpoint is readable';
    throw new CheckpointError(
      e.code,
      e.path,
      `${e.reason}. The newest checkpoint is not skipped silently: pick one with resumeFrom ` +
        `(CLI: --resume-from <folder>) or move the broken folder away (${hint})`,
      { cause: e },
    );
  }
}

/**
 * Creates the checkpoint manager of one run (see the module comment for the rules).
 * @example
 * const ckpt = createCheckpointManager({ dir: 'out/checkpoints', keep: 2, config, mode: 'resume' });
 * if (ckpt.resumed) restore(ckpt.resumed); log({ run: ckpt.runId });
 * await ckpt.save(step, tensors, { optimizer });
 */
export function createCheckpointManager(options: CheckpointManagerOptions) {
  const { dir, keep, config } = options;
  const extendable = options.extendable ?? ['train.steps'];
  const required = options.requiredState ?? [];
  const fingerprint = configFingerprint(config);
  const stale = removeStaleTemps(dir);
  let runId = options.runId ?? newRunId();
  let extensions: CheckpointExtension[] = [];
  let resumed: LoadedCheckpoint | undefined;
  let extension: CheckpointExtension | undefined;
  let movedAside: string | undefined;

  function adopt(loaded: LoadedCheckpoint): LoadedCheckpoint {
    extension = checkConfig(loaded, config, fingerprint, extendable);
    runId = runIdOf(loaded.state);
    extensions = [...(loaded.state.extensions ?? []), ...(extension ? [extension] : [])];
    return loaded;
  }

  if (options.mode === 'resume') resumed = adopt(pickResume(dir, options.resumeFrom, required));
  else if (options.mode === 'new') {
    const existing = listStepFolders(dir);
    if (existing.length > 0) {
      if (!options.overwrite) {
        throw new CheckpointError(
          'CHECKPOINT_FOLDER_IN_USE',
          dir,
          `holds checkpoints of another run: ${describeRuns(existing)}. Resume it (--resume), ` +
            `choose another output folder, or pass overwrite (--overwrite) to move it aside`,
        );
      }
      movedAside = moveAside(dir);
    }
  }

  /** This run's checkpoint folders, oldest first. */
  function own(): StepFolder[] {
    return listStepFolders(dir).filter((f) => folderRunId(f) === runId);
  }

  async function write(
    final: string,
    step: number,
    host: Awaited<ReturnType<typeof fromTfTensors>>,
    state: CheckpointState,
  ) {
    const tmp = `${final}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp);
    try {
      await saveSafetensors(
        join(tmp, 'tensors.safetensors'),
        host,
        { fingerprint, step: String(step), run: runId },
        { requireFinite: true },
      );
      await writeFileAtomic(
        join(tmp, 'state.json'),
        new TextEncoder().encode(`${JSON.stringify(state, null, 1)}\n`),
      );
      if (existsSync(final)) {
        const other = folderRunId({ path: final, step });
        if (other !== undefined && other !== runId)
          throw new CheckpointError(
            'CHECKPOINT_FOLDER_IN_USE',
            final,
            `belongs to run ${other}, not ${runId}`,
          );
        rmSync(final, { recursive: true, force: true });
      }
      renameSync(tmp, final);
      await syncFolder(dir);
    } catch (e) {
      rmSync(tmp, { recursive: true, force: true });
      if (e instanceof SafetensorsError && e.code === 'SAFETENSORS_NON_FINITE') {
        const last = own().at(-1);
        throw new CheckpointError(
          'CHECKPOINT_NON_FINITE',
          final,
          `refusing to write: tensor '${e.tensor}' ${e.message.slice(e.message.indexOf('element'))}` +
            (last ? ` (the last good checkpoint ${last.path} is kept)` : ''),
          { cause: e },
        );
      }
      throw e;
    }
  }

  return {
    dir,
    fingerprint,
    /** The run these checkpoints belong to (fresh, or the resumed checkpoint's). Put it in log lines. */
    get runId(): string {
      return runId;
    },
    /** The checkpoint loaded by `mode: 'resume'` (validated, config checked). */
    get resumed(): LoadedCheckpoint | undefined {
      return resumed;
    },
    /** What changed when resuming extended the run (e.g. `train.steps: 300 → 600`), if anything. */
    get extension(): CheckpointExtension | undefined {
      return extension;
    },
    /** Where `overwrite` moved the previous run's folder. */
    get movedAside(): string | undefined {
      return movedAside;
    },
    /** Stale temp folders of dead processes removed (or promoted) at start. */
    stale,
    /**
     * Writes checkpoint `step` atomically (fsynced), then prunes this run's older ones to `keep`;
     * returns its folder. Throws CHECKPOINT_NON_FINITE (nothing replaced) if a float tensor holds NaN/Inf.
     */
    async save(
      step: number,
      tensors: Record<string, tf.Tensor>,
      extra: Record<string, unknown> = {},
    ): Promise<string> {
      const host = await fromTfTensors(tensors); // async reads: the loop edge is the only await
      await ensureFolder(dir);
      const final = join(dir, `step-${String(step).padStart(8, '0')}`);
      const state: CheckpointState = {
        ...extra,
        step,
        runId,
        fingerprint,
        config: config as Record<string, unknown>,
        ...(extensions.length ? { extensions } : {}),
      };
      await write(final, step, host, state);
      const mine = own();
      for (const old of mine.slice(0, Math.max(0, mine.length - keep)))
        if (old.path !== final) rmSync(old.path, { recursive: true, force: true });
      return final;
    },
    /** The newest `step-XXXXXXXX` folder (complete or not: `load` reports a broken one), or undefined. */
    latest(): string | undefined {
      return listStepFolders(dir).at(-1)?.path;
    },
    /** This run's checkpoint folders, oldest first. */
    list(): string[] {
      return own().map((f) => f.path);
    },
    /**
     * Loads a checkpoint folder and adopts its run: CheckpointError if it is corrupt or partial,
     * CheckpointMismatchError if its config differs in more than the extendable fields.
     */
    load(path: string): LoadedCheckpoint {
      return adopt(readCheckpoint(path, required));
    },
  };
}

/** The manager returned by createCheckpointManager. */
export type CheckpointManager = ReturnType<typeof createCheckpointManager>;
