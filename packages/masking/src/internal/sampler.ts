import type { MaskRng } from '../types';

/** The three draws the generators use, resolved once from a `MaskRng`. */
export interface Sampler {
  random(): number;
  uniform(low: number, high: number): number;
  /** Integer in [low, high], inclusive. */
  randint(low: number, high: number): number;
  /** Integer in [0, n). */
  below(n: number): number;
}

/**
 * Resolves a `MaskRng` into a sampler. `randint` is preferred over `int` so that `createPyRandom` draws
 * through `randrange` → `_randbelow` exactly as CPython does; `below(n)` is `randint(0, n - 1)`, which
 * for CPython is `_randbelow(n)` (what `shuffle` and `choice` use).
 */
export function toSampler(rng: MaskRng): Sampler {
  const random = rng.random.bind(rng);
  const uniform = rng.uniform
    ? rng.uniform.bind(rng)
    : (low: number, high: number) => low + (high - low) * random();
  let randint: (low: number, high: number) => number;
  if (rng.randint) randint = rng.randint.bind(rng);
  else if (rng.int) {
    const int = rng.int.bind(rng);
    randint = (low, high) => low + int(high - low + 1);
  } else randint = (low, high) => low + Math.floor(random() * (high - low + 1));
  return { random, uniform, randint, below: (n) => randint(0, n - 1) };
}

/** Python 3 `round(x)` for floats: nearest integer, ties to even (`Math.round` sends ties up). */
export function pyRound(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
