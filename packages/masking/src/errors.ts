import { InvalidArgumentError } from '@splitmask/core/rng';

/** A mask generator spec (JSON from a config or checkpoint) is invalid; `issues` lists every bad field. */
export class MaskSpecError extends InvalidArgumentError {
  readonly issues: readonly string[];
  constructor(issues: readonly string[]) {
    super(`Invalid mask spec: ${issues.join('; ')}`);
    this.issues = issues;
  }
}
