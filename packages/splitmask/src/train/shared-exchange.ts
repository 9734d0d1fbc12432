/**
 * The host exchange of data-parallel workers over one SharedArrayBuffer: a barrier on Atomics, a
 * scratch region for gathers, and N slots + a result region for sums (reduce-scatter then all-gather:
 * each worker sums its 1/N of the slots, so the reduce costs 1/N of the data per worker).
 *
 * Layout (bytes): [control: 16 Int32] [scratch: scratchFloats f32] [slots: count × slotFloats f32]
 * [result: slotFloats f32]. Sums add slots in worker order, so every worker count is deterministic
 * and every worker gets bit-identical results — the same update is then applied everywhere.
 *
 * Blocking waits (Atomics.wait) are allowed in workers only; the main thread never calls these.
 */
import { SplitmaskError } from '@splitmask/core';
import type { HostExchange } from './collective';

const CTRL_INTS = 16;
const COUNT = 0; // arrivals at the current barrier
const GEN = 1; // barrier generation
const ABORT = 2; // set by the pool when a worker died: every waiter throws

/** Sizes of a shared exchange, in float32 elements. */
export interface ExchangeSizes {
  workers: number;
  scratchFloats: number;
  slotFloats: number;
}

/** Thrown in a worker blocked on a barrier when the pool aborts the run (another worker died). */
export class ExchangeAbortedError extends SplitmaskError {
  constructor() {
    super('WORKER_ABORTED', 'another worker stopped; this step was abandoned');
  }
}

/**
 * Allocates the buffer of an exchange (by the pool, on the main thread).
 * @example const sab = allocateExchange({ workers: 2, scratchFloats: 1 << 20, slotFloats: 1 << 20 });
 */
export function allocateExchange(s: ExchangeSizes): SharedArrayBuffer {
  const bytes = 4 * (CTRL_INTS + s.scratchFloats + (s.workers + 1) * s.slotFloats);
  return new SharedArrayBuffer(bytes);
}

/** Sets the abort flag and wakes every waiter (main thread, when a worker dies). */
export function abortExchange(sab: SharedArrayBuffer): void {
  const ctrl = new Int32Array(sab, 0, CTRL_INTS);
  Atomics.store(ctrl, ABORT, 1);
  Atomics.add(ctrl, GEN, 1);
  Atomics.notify(ctrl, GEN);
}

/**
 * The exchange of worker `index` over `sab`.
 * @example const ex = sharedExchange(sab, sizes, workerIndex); ex.sum(grads);
 */
export function sharedExchange(
  sab: SharedArrayBuffer,
  s: ExchangeSizes,
  index: number,
): HostExchange & { barrier(): void } {
  const ctrl = new Int32Array(sab, 0, CTRL_INTS);
  let offset = 4 * CTRL_INTS;
  const scratch = new Float32Array(sab, offset, s.scratchFloats);
  offset += 4 * s.scratchFloats;
  const slots = Array.from(
    { length: s.workers },
    (_, w) => new Float32Array(sab, offset + 4 * w * s.slotFloats, s.slotFloats),
  );
  const result = new Float32Array(sab, offset + 4 * s.workers * s.slotFloats, s.slotFloats);
  let cursor = 0;

  function barrier(): void {
    if (s.workers === 1) return;
    const gen = Atomics.load(ctrl, GEN);
    if (Atomics.load(ctrl, ABORT)) throw new ExchangeAbortedError();
    if (Atomics.add(ctrl, COUNT, 1) === s.workers - 1) {
      Atomics.store(ctrl, COUNT, 0);
      Atomics.add(ctrl, GEN, 1);
      Atomics.notify(ctrl, GEN);
      return;
    }
    while (Atomics.load(ctrl, GEN) === gen) Atomics.wait(ctrl, GEN, gen, 1000);
    if (Atomics.load(ctrl, ABORT)) throw new ExchangeAbortedError();
  }

  function gather(local: Float32Array, at: number, length: number): Float32Array {
    if (length > s.scratchFloats) {
      throw new SplitmaskError(
        'INVALID_ARGUMENT',
        `exchange: a gather of ${length} floats exceeds the scratch of ${s.scratchFloats}`,
      );
    }
    // Every worker makes the same calls, so cursors agree; wrapping needs everyone past their reads.
    if (cursor + length > s.scratchFloats) {
      barrier();
      cursor = 0;
    }
    scratch.set(local, cursor + at);
    barrier();
    const out = scratch.slice(cursor, cursor + length);
    cursor += length;
    return out;
  }

  function sum(values: Float32Array): Float32Array {
    const n = values.length;
    if (n > s.slotFloats) {
      throw new SplitmaskError(
        'INVALID_ARGUMENT',
        `exchange: a sum of ${n} floats exceeds the slot of ${s.slotFloats}`,
      );
    }
    if (s.workers === 1) return values;
    slots[index].set(values);
    barrier();
    // Reduce-scatter: this worker sums its contiguous 1/N of the elements over all slots, in slot order.
    const chunk = Math.ceil(n / s.workers);
    const lo = Math.min(n, index * chunk);
    const hi = Math.min(n, lo + chunk);
    const first = slots[0];
    for (let i = lo; i < hi; i++) result[i] = first[i];
    for (let w = 1; w < s.workers; w++) {
      const slot = slots[w];
      for (let i = lo; i < hi; i++) result[i] += slot[i];
    }
    barrier();
    const out = result.slice(0, n);
    barrier(); // nobody overwrites slots/result for the next sum before everyone has read
    return out;
  }

  return { gather, sum, barrier };
}
