/**
 * Checkpoints: `<dir>/step-00000123/{tensors.safetensors, state.json}`. A checkpoint is written into a
 * temporary folder and renamed into place (rename is atomic on one filesystem), so a crash never leaves a
 * half-written checkpoint under a final name; only the last `keep` are kept. `state.json` carries the
 * step, the resolved config and its fingerprint, RNG and data positions, so resume is exact, and a
 * checkpoint of another config is refused with the differing fields named.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeSafetensors, encodeSafetensors, fromTfTensors, type SafetensorsTensor } from '@splitmask/core';
import type * as tf from '@tensorflow/tfjs-core';
import { configFingerprint, diffConfigs, type PretrainConfig } from './config';
import { CheckpointMismatchError } from './errors';

export { CheckpointMismatchError };

/** Everything besides tensors that a checkpoint stores (JSON). */
export interface CheckpointState {
  step: number;
  fingerprint: string;
  config: PretrainConfig;
  [key: string]: unknown;
}

/** A checkpoint read back: host tensors (caller turns them into tensors) and the JSON state. */
export interface LoadedCheckpoint {
  path: string;
  tensors: Record<string, SafetensorsTensor>;
  state: CheckpointState;
}

const NAME = /^step-(\d{8})$/;

/** Lists checkpoint folders of `dir`, oldest first. */
export function listCheckpoints(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => NAME.test(n) && existsSync(join(dir, n, 'state.json')))
    .sort()
    .map((n) => join(dir, n));
}

/**
 * Creates a checkpoint manager for `dir` that keeps the last `keep` checkpoints of `config`.
 * @example const ckpt = createCheckpointManager({ dir: 'out/ckpt', keep: 2, config });
 * await ckpt.save(step, tensors, { rng }); const last = ckpt.loadLatest();
 */
export function createCheckpointManager({
  dir,
  keep,
  config,
}: {
  dir: string;
  keep: number;
  config: PretrainConfig;
}) {
  const fingerprint = configFingerprint(config);
  return {
    dir,
    fingerprint,
    /** Writes checkpoint `step` atomically and prunes old ones; returns its folder. */
    async save(
      step: number,
      tensors: Record<string, tf.Tensor>,
      extra: Record<string, unknown> = {},
    ): Promise<string> {
      const host = await fromTfTensors(tensors); // async reads: the loop edge is the only await
      mkdirSync(dir, { recursive: true });
      const final = join(dir, `step-${String(step).padStart(8, '0')}`);
      const tmp = `${final}.tmp-${process.pid}`;
      rmSync(tmp, { recursive: true, force: true });
      mkdirSync(tmp);
      const state: CheckpointState = { ...extra, step, fingerprint, config };
      writeFileSync(
        join(tmp, 'tensors.safetensors'),
        encodeSafetensors(host, { fingerprint, step: String(step) }),
      );
      writeFileSync(join(tmp, 'state.json'), `${JSON.stringify(state, null, 1)}\n`);
      rmSync(final, { recursive: true, force: true });
      renameSync(tmp, final);
      const all = listCheckpoints(dir);
      for (const old of all.slice(0, Math.max(0, all.length - keep)))
        rmSync(old, { recursive: true, force: true });
      return final;
    },
    /** The newest checkpoint's folder, or undefined. */
    latest(): string | undefined {
      return listCheckpoints(dir).at(-1);
    },
    /** Loads a checkpoint folder; throws CheckpointMismatchError if it was written by another config. */
    load(path: string): LoadedCheckpoint {
      const state = JSON.parse(readFileSync(join(path, 'state.json'), 'utf8')) as CheckpointState;
      if (state.fingerprint !== fingerprint) {
        const diff = diffConfigs(state.config, config);
        throw new CheckpointMismatchError(
          `Refusing to resume from ${path}: it was written by a different config ` +
            `(fingerprint ${state.fingerprint}, this run ${fingerprint}). Differences (checkpoint → this run):\n  ` +
            `${diff.join('\n  ') || '(none in fields; the config format changed)'}\n` +
            `Use the same config to resume, or a new --out folder to start over.`,
        );
      }
      const { tensors } = decodeSafetensors(new Uint8Array(readFileSync(join(path, 'tensors.safetensors'))));
      return { path, tensors, state };
    },
  };
}

/** The manager returned by createCheckpointManager. */
export type CheckpointManager = ReturnType<typeof createCheckpointManager>;
