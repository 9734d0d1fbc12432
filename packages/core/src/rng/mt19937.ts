/**
 * CPython-exact `random.Random`: MT19937 (Matsumoto & Nishimura) with CPython's seeding and its
 * integer/float derivations, so reference code that calls Python's `random` (BEiT's
 * `MaskingGenerator`) can be reproduced bit for bit.
 *
 * Follows CPython 3.11 `Modules/_randommodule.c` (init_by_array seeding from the absolute value of an
 * int seed split into 32-bit little-endian words, `genrand_uint32`, 53-bit `random()`, `getrandbits`)
 * and `Lib/random.py` (`_randbelow_with_getrandbits`, `randrange`, `randint`, `uniform`, `shuffle`,
 * `choice`, `getstate`/`setstate` in VERSION 3 format). Verified against fixtures written by
 * `tools/fixtures_mt19937.py` under /usr/bin/python3 (3.11).
 *
 * Not ported: `gauss`/`normalvariate` and the other distributions (they go through libm functions
 * whose last-bit rounding differs: V8's `Math.exp` is 1 ulp off glibc's on ~10% of inputs, see
 * mt19937.test.ts; BEiT's masks are unaffected because they only use `round(sqrt(area·exp(u)))`),
 * float/str/bytes seeds, seeding from OS entropy. For fast non-parity randomness use `createRng`.
 */
import { InvalidArgumentError } from '../errors';

const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;
const TWO_32 = 4294967296;
const TWO_53 = 9007199254740992;

/** State in CPython's `getstate()` layout: `(3, (*mt, index), gauss_next)`. JSON-serializable. */
export interface PyRandomState {
  /** Always 3 (CPython's `Random.VERSION`). */
  version: 3;
  /** 625 numbers: the 624 uint32 MT words followed by the read index (0..624). */
  internal: number[];
  /** Cached second Gaussian sample; always null here (gauss is not ported) unless restored. */
  gaussNext: number | null;
}

/** CPython's `random.Random`, bit for bit. Every method advances the shared MT19937 state. */
export interface PyRandom {
  /** Reseeds like `random.seed(n)` for an integer n (negative seeds use |n|, as CPython does). */
  seed(n: number | bigint): void;
  /** Next raw 32-bit output of MT19937 (`genrand_uint32`), as a non-negative number. */
  nextUint32(): number;
  /** `random.random()`: float in [0, 1) with 53 random bits. */
  random(): number;
  /** `random.getrandbits(k)` for 0 ≤ k ≤ 53, as a number. */
  getrandbits(k: number): number;
  /** `random.getrandbits(k)` for any k ≥ 0, as a bigint. */
  getrandbitsBigInt(k: number): bigint;
  /** `random._randbelow(n)`: integer in [0, n) by rejection on `getrandbits(n.bit_length())`; n ≤ 2^53. */
  randbelow(n: number): number;
  /** `random.randrange(stop)` / `randrange(start, stop, step = 1)`. */
  randrange(start: number, stop?: number, step?: number): number;
  /** `random.randint(a, b)`: integer in [a, b], both ends inclusive. */
  randint(a: number, b: number): number;
  /** `random.uniform(a, b)`: `a + (b - a) * random()`. */
  uniform(a: number, b: number): number;
  /** `random.shuffle(x)` in place (CPython's backwards Fisher-Yates with `randbelow`); returns `x`. */
  shuffle<T>(x: T[]): T[];
  /** `random.choice(seq)`. */
  choice<T>(seq: ArrayLike<T>): T;
  /** `random.getstate()`. */
  getstate(): PyRandomState;
  /** `random.setstate(state)`; accepts `getstate()` output or CPython's tuple as JSON arrays. */
  setstate(state: PyRandomState | [number, number[], number | null]): void;
}

/** `n.bit_length()` for a safe non-negative integer. */
function bitLength(n: number): number {
  if (n < TWO_32) return 32 - Math.clz32(n);
  return 64 - Math.clz32(Math.floor(n / TWO_32));
}

/** CPython's `random_seed` for ints: |n| as little-endian 32-bit words (at least one word). */
function seedKey(n: number | bigint): number[] {
  if (typeof n === 'bigint') {
    let v = n < 0n ? -n : n;
    const key: number[] = [];
    do {
      key.push(Number(v & 0xffffffffn));
      v >>= 32n;
    } while (v > 0n);
    return key;
  }
  if (!Number.isInteger(n) || Math.abs(n) > TWO_53) {
    throw new InvalidArgumentError(
      `createPyRandom: seed must be an integer with |seed| <= 2^53 (or a bigint), got ${n}`,
    );
  }
  const v = Math.abs(n);
  const lo = v % TWO_32;
  const hi = Math.floor(v / TWO_32);
  return hi > 0 ? [lo, hi] : [lo];
}

function initGenrand(mt: Uint32Array, s: number): void {
  mt[0] = s;
  for (let i = 1; i < N; i++) {
    const prev = mt[i - 1];
    mt[i] = Math.imul(1812433253, prev ^ (prev >>> 30)) + i;
  }
}

function initByArray(mt: Uint32Array, key: number[]): void {
  initGenrand(mt, 19650218);
  let i = 1;
  let j = 0;
  for (let k = Math.max(N, key.length); k > 0; k--) {
    const prev = mt[i - 1];
    // Uint32Array stores the result mod 2^32, as C's uint32_t arithmetic does.
    mt[i] = (mt[i] ^ Math.imul(prev ^ (prev >>> 30), 1664525)) + key[j] + j;
    i++;
    j++;
    if (i >= N) {
      mt[0] = mt[N - 1];
      i = 1;
    }
    if (j >= key.length) j = 0;
  }
  for (let k = N - 1; k > 0; k--) {
    const prev = mt[i - 1];
    mt[i] = (mt[i] ^ Math.imul(prev ^ (prev >>> 30), 1566083941)) - i;
    i++;
    if (i >= N) {
      mt[0] = mt[N - 1];
      i = 1;
    }
  }
  mt[0] = UPPER_MASK; // MSB is 1, assuring a non-zero initial array
}

function twist(mt: Uint32Array): void {
  let kk = 0;
  let y: number;
  for (; kk < N - M; kk++) {
    y = (mt[kk] & UPPER_MASK) | (mt[kk + 1] & LOWER_MASK);
    mt[kk] = mt[kk + M] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
  }
  for (; kk < N - 1; kk++) {
    y = (mt[kk] & UPPER_MASK) | (mt[kk + 1] & LOWER_MASK);
    mt[kk] = mt[kk + (M - N)] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
  }
  y = (mt[N - 1] & UPPER_MASK) | (mt[0] & LOWER_MASK);
  mt[N - 1] = mt[M - 1] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
}

function checkSafeInt(name: string, value: number): void {
  if (!Number.isSafeInteger(value)) {
    throw new InvalidArgumentError(`PyRandom.${name}: expected a safe integer, got ${value}`);
  }
}

/**
 * Creates a generator that reproduces CPython's `random.Random(seed)` exactly (same seed, same calls →
 * same numbers). Integer seeds up to 2^53 as numbers, any size as bigint; negative seeds use |seed|.
 * @example
 * const r = createPyRandom(0); // Python: r = random.Random(0)
 * r.random();        // 0.8444218515250481, as r.random() in Python
 * r.randint(0, 13);  // same as r.randint(0, 13)
 */
export function createPyRandom(seed: number | bigint): PyRandom {
  const mt = new Uint32Array(N);
  let index = N;
  let gaussNext: number | null = null;

  const nextUint32 = (): number => {
    if (index >= N) {
      twist(mt);
      index = 0;
    }
    let y = mt[index++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  };

  const getrandbits = (k: number): number => {
    if (!Number.isInteger(k) || k < 0 || k > 53) {
      throw new InvalidArgumentError(`PyRandom.getrandbits: k must be an integer in [0, 53], got ${k}`);
    }
    if (k === 0) return 0;
    if (k <= 32) return nextUint32() >>> (32 - k);
    // Words are filled least significant first (CPython on little-endian hosts).
    const lo = nextUint32();
    const hi = nextUint32() >>> (64 - k);
    return hi * TWO_32 + lo;
  };

  const getrandbitsBigInt = (k: number): bigint => {
    if (!Number.isInteger(k) || k < 0) {
      throw new InvalidArgumentError(
        `PyRandom.getrandbitsBigInt: k must be a non-negative integer, got ${k}`,
      );
    }
    if (k <= 32) return BigInt(k === 0 ? 0 : nextUint32() >>> (32 - k));
    let result = 0n;
    let shift = 0n;
    for (let left = k; left > 0; left -= 32, shift += 32n) {
      let r = nextUint32();
      if (left < 32) r >>>= 32 - left;
      result |= BigInt(r) << shift;
    }
    return result;
  };

  const randbelow = (n: number): number => {
    if (!Number.isSafeInteger(n) || n <= 0) {
      throw new InvalidArgumentError(`PyRandom.randbelow: n must be a positive safe integer, got ${n}`);
    }
    const k = bitLength(n); // not (n-1): n can be 1, as in CPython
    let r = getrandbits(k);
    while (r >= n) r = getrandbits(k);
    return r;
  };

  const randrange = (start: number, stop?: number, step = 1): number => {
    checkSafeInt('randrange', start);
    if (stop === undefined) {
      if (start > 0) return randbelow(start);
      throw new InvalidArgumentError(`PyRandom.randrange: empty range for randrange(${start})`);
    }
    checkSafeInt('randrange', stop);
    checkSafeInt('randrange', step);
    const width = stop - start;
    if (step === 1) {
      if (width > 0) return start + randbelow(width);
      throw new InvalidArgumentError(`PyRandom.randrange: empty range (${start}, ${stop}, ${width})`);
    }
    let n: number;
    if (step > 0) n = Math.floor((width + step - 1) / step);
    else if (step < 0) n = Math.floor((width + step + 1) / step);
    else throw new InvalidArgumentError('PyRandom.randrange: zero step for randrange()');
    if (n <= 0)
      throw new InvalidArgumentError(`PyRandom.randrange: empty range (${start}, ${stop}, ${step})`);
    return start + step * randbelow(n);
  };

  const random = (): number => {
    const a = nextUint32() >>> 5;
    const b = nextUint32() >>> 6;
    return (a * 67108864 + b) * (1 / TWO_53);
  };

  const seedFn = (n: number | bigint): void => {
    initByArray(mt, seedKey(n));
    index = N;
    gaussNext = null;
  };

  const setstate = (state: PyRandomState | [number, number[], number | null]): void => {
    const [version, internal, gauss] = Array.isArray(state)
      ? state
      : [state.version, state.internal, state.gaussNext];
    if (version !== 3) {
      throw new InvalidArgumentError(
        `PyRandom.setstate: only version 3 states are supported, got ${version}`,
      );
    }
    if (!Array.isArray(internal) || internal.length !== N + 1) {
      throw new InvalidArgumentError(
        `PyRandom.setstate: internal state must have ${N + 1} entries, got ${internal?.length}`,
      );
    }
    const idx = internal[N];
    if (!Number.isInteger(idx) || idx < 0 || idx > N) {
      throw new InvalidArgumentError(`PyRandom.setstate: index must be in [0, ${N}], got ${idx}`);
    }
    for (let i = 0; i < N; i++) mt[i] = internal[i];
    index = idx;
    gaussNext = gauss;
  };

  seedFn(seed);
  return {
    seed: seedFn,
    nextUint32,
    random,
    getrandbits,
    getrandbitsBigInt,
    randbelow,
    randrange,
    randint: (a, b) => randrange(a, b + 1),
    uniform: (a, b) => a + (b - a) * random(),
    shuffle: <T>(x: T[]): T[] => {
      for (let i = x.length - 1; i > 0; i--) {
        const j = randbelow(i + 1);
        const t = x[i];
        x[i] = x[j];
        x[j] = t;
      }
      return x;
    },
    choice: <T>(seq: ArrayLike<T>): T => {
      if (seq.length === 0)
        throw new InvalidArgumentError('PyRandom.choice: cannot choose from an empty sequence');
      return seq[randbelow(seq.length)];
    },
    getstate: () => ({ version: 3, internal: [...mt, index], gaussNext }),
    setstate,
  };
}
