/**
 * The Node flavours of the session constructors: the same as the browser-safe ones, plus
 * `checkpointDir` / `resume` / `resumeFrom` / `overwrite`, which open the checkpoint folder here (node:fs)
 * and hand the manager to the session.
 */
import { createCheckpointManager } from './checkpoint';
import {
  createDinoTrainer as createDinoTrainerCore,
  type DinoTrainer,
  type DinoTrainerOptions,
  type RunDinoOptions,
  type RunDinoResult,
  runDino as runDinoCore,
} from './dino/trainer';
import type { CheckpointStore } from './train/trainer';
import { createPretrainer as createPretrainerCore, type PretrainerOptions } from './trainer';

interface FolderOptions {
  checkpointDir?: string;
  resume?: boolean;
  resumeFrom?: string;
  overwrite?: boolean;
  checkpoints?: CheckpointStore;
}

function open(o: FolderOptions, config: object, keep: number): CheckpointStore | undefined {
  if (o.checkpoints || o.checkpointDir === undefined) return o.checkpoints;
  const resume = o.resume || o.resumeFrom !== undefined;
  return createCheckpointManager({
    dir: o.checkpointDir,
    keep,
    config,
    mode: resume ? 'resume' : 'new',
    resumeFrom: o.resumeFrom,
    overwrite: o.overwrite,
    requiredState: ['optimizer'],
  });
}

/**
 * `createPretrainer` with checkpoint folders: `checkpointDir` (a fresh run refuses a folder holding another
 * run unless `overwrite`), `resume` (newest checkpoint, an error if none) or `resumeFrom` (a folder).
 * @example const t = await createPretrainer({ config, source, checkpointDir: 'runs/a/checkpoints', resume: true });
 */
export async function createPretrainer(opts: PretrainerOptions) {
  const checkpoints = open(opts, opts.config, opts.config.train.keepCheckpoints);
  return createPretrainerCore({ ...opts, checkpoints });
}

/**
 * `createDinoTrainer` with checkpoint folders (as `createPretrainer`).
 * @example const t = await createDinoTrainer({ config, source, checkpointDir: 'runs/dino/checkpoints' });
 */
export async function createDinoTrainer(opts: DinoTrainerOptions): Promise<DinoTrainer> {
  const checkpoints = open(opts, opts.config, opts.config.train.keepCheckpoints);
  return createDinoTrainerCore({ ...opts, checkpoints });
}

/**
 * `runDino` with checkpoint folders (as `createPretrainer`); an abort writes a checkpoint first.
 * @example const { last } = await runDino({ config, source, checkpointDir: 'runs/dino/checkpoints', signal });
 */
export async function runDino(opts: RunDinoOptions): Promise<RunDinoResult> {
  return runDinoCore(opts, createDinoTrainer);
}
