/**
 * `@splitmask/core/rng`: randomness with no tfjs dependency, for data workers and pure-TS packages
 * (masking). Re-exported from the main entry too.
 */

export type { Rng, RngState } from './rng/splittable';
export { createRng } from './rng/splittable';
