/** Typed error for a backend that cannot be used here, naming what to install or change. */
import { SplitmaskError } from '../errors';
import type { BackendChoice } from './choices';

/**
 * The requested backend is not installed, not supported by this runtime, or failed to initialise.
 * `installCommand` is the exact command that fixes a missing package (null when installing does not help).
 */
export class BackendUnavailableError extends SplitmaskError {
  readonly choice: BackendChoice;
  readonly installCommand: string | null;
  constructor(
    choice: BackendChoice,
    message: string,
    installCommand: string | null = null,
    options?: { cause?: unknown },
  ) {
    super('BACKEND_UNAVAILABLE', message, options);
    this.choice = choice;
    this.installCommand = installCommand;
  }
}
