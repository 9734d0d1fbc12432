/**
 * Errors of this package that the browser-safe main entry exports (typed, with stable codes).
 */
import { SplitmaskError } from '@splitmask/core';

/** Resuming from a checkpoint written by a different configuration; `keys` are the differing fields. */
export class CheckpointMismatchError extends SplitmaskError {
  readonly keys: readonly string[];
  constructor(message: string, keys: readonly string[] = []) {
    super('CHECKPOINT_MISMATCH', message);
    this.keys = keys;
  }
}

/** Why a checkpoint (or checkpoint folder) was refused: the `code` of a {@link CheckpointError}. */
export type CheckpointErrorCode =
  /** Resume asked for, but nothing readable to resume (or `resumeFrom` does not exist). */
  | 'CHECKPOINT_NOT_FOUND'
  /** `state.json` or `tensors.safetensors` is missing (a partial or hand-edited folder). */
  | 'CHECKPOINT_INCOMPLETE'
  /** Garbled JSON, missing or mistyped fields, a malformed tensors file, or NaN/Inf inside it. */
  | 'CHECKPOINT_CORRUPT'
  /** A fresh run into a folder that holds another run's checkpoints. */
  | 'CHECKPOINT_FOLDER_IN_USE'
  /** Refused to write: a tensor holds NaN/Inf (the last good checkpoint stays). */
  | 'CHECKPOINT_NON_FINITE';

/**
 * A checkpoint that cannot be read or written, with the `path` it concerns and the `reason` (the message
 * without the path).
 * @example
 * try { mgr.load('runs/a/checkpoints/step-00000100'); }
 * catch (e) { if (e instanceof CheckpointError && e.code === 'CHECKPOINT_CORRUPT') console.error(e.reason); }
 */
export class CheckpointError extends SplitmaskError {
  declare readonly code: CheckpointErrorCode;
  readonly path: string;
  readonly reason: string;
  constructor(code: CheckpointErrorCode, path: string, reason: string, options?: { cause?: unknown }) {
    super(code, `${path}: ${reason}`, options);
    this.path = path;
    this.reason = reason;
  }
}
