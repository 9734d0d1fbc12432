/**
 * `@splitmask/core/rng`: randomness with no tfjs dependency, for data workers and pure-TS packages
 * (masking), plus the typed errors so those packages can throw them. Re-exported from the main entry too.
 */

export { check, InvalidArgumentError, ShapeError, SplitmaskError } from './errors';
export type { PyRandom, PyRandomState } from './rng/mt19937';
export { createPyRandom } from './rng/mt19937';
export type { Rng, RngState } from './rng/splittable';
export { createRng } from './rng/splittable';
