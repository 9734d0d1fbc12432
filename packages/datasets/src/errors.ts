/**
 * Typed dataset errors. Every message names the offending file path or sample index, and the error
 * carries them as fields so apps can report or skip the sample without parsing the message.
 */
// From core's tfjs-free entry: the data path never loads tfjs-core.
import { SplitmaskError } from '@splitmask/core/rng';

/** Why a dataset operation failed. */
export type DatasetErrorReason =
  | 'CORRUPT_IMAGE'
  | 'EMPTY_DATASET'
  | 'MISSING_FILE'
  | 'UNSUPPORTED_FORMAT'
  | 'WRONG_SIZE'
  | 'OUTSIDE_ROOT'
  | 'INDEX_OUT_OF_RANGE'
  | 'INVALID_ARGUMENT'
  | 'MISSING_PACKAGE';

/**
 * A source could not produce a sample. `path` names the file (or tar member), `index` the sample.
 * @example
 * try { await ds.get(3); } catch (e) { if (e instanceof DatasetError) console.warn(e.reason, e.path); }
 */
export class DatasetError extends SplitmaskError {
  readonly reason: DatasetErrorReason;
  readonly path?: string;
  readonly index?: number;
  constructor(
    reason: DatasetErrorReason,
    message: string,
    details: { path?: string; index?: number; cause?: unknown } = {},
  ) {
    super(`DATASET_${reason}`, message, details.cause === undefined ? undefined : { cause: details.cause });
    this.reason = reason;
    this.path = details.path;
    this.index = details.index;
  }
}

/**
 * Throws `INVALID_ARGUMENT` naming the bad value unless `condition` holds (internal).
 * @example checkArg(n > 0, `n must be positive, got ${n}`);
 */
export function checkArg(condition: unknown, message: string | (() => string)): asserts condition {
  if (!condition)
    throw new DatasetError('INVALID_ARGUMENT', typeof message === 'string' ? message : message());
}

/**
 * Throws `INDEX_OUT_OF_RANGE` unless `i` is an integer in [0, length) (internal).
 * @example checkIndex(i, ds.length, 'cifar');
 */
export function checkIndex(i: number, length: number, what: string): void {
  if (!Number.isInteger(i) || i < 0 || i >= length)
    throw new DatasetError('INDEX_OUT_OF_RANGE', `${what}: index ${i} outside [0, ${length})`, { index: i });
}
