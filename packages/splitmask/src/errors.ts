/**
 * Errors of this package that the browser-safe main entry exports (typed, with stable codes).
 */
import { SplitmaskError } from '@splitmask/core';

/** Resuming from a checkpoint written by a different configuration. */
export class CheckpointMismatchError extends SplitmaskError {
  constructor(message: string) {
    super('CHECKPOINT_MISMATCH', message);
  }
}
