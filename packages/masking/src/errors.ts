import { InvalidArgumentError } from '@splitmask/core/rng';

/**
 * A mask generator spec (JSON from a config or checkpoint) is invalid; `issues` lists every bad field.
 * @example try { parseMaskSpec(json) } catch (e) { if (e instanceof MaskSpecError) console.error(e.issues) }
 */
export class MaskSpecError extends InvalidArgumentError {
  readonly issues: readonly string[];
  constructor(issues: readonly string[]) {
    super(`Invalid mask spec: ${issues.join('; ')}`);
    this.issues = issues;
  }
}
