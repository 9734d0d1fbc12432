/**
 * Learning-rate and weight-decay schedules as pure functions of the step (STYLE §7).
 *
 * `cosineSchedule` is BEiT/DINO `utils.cosine_scheduler` (paper.md §6.5) evaluated per step instead of
 * materialised as an array: `numpy.linspace(warmupStart, base, warmupSteps)` (both ends inclusive, so the
 * last warmup step is already `base`), then `final + ½(base − final)(1 + cos(π·i / (total − warmup)))`
 * for i = 0 … total − warmup − 1 (it never quite reaches `final`). Steps past the end hold the last value
 * (the reference would index out of range).
 */
import { InvalidArgumentError } from '../errors';

/** A schedule: step (0-based integer) → value. */
export type Schedule = (step: number) => number;

/** Options of {@link cosineSchedule}. */
export interface CosineScheduleOptions {
  /** Value at the end of warmup (peak LR, or the initial weight decay when no warmup). */
  base: number;
  /** Value the cosine decays towards. */
  final: number;
  /** Linear-warmup steps (0 for none). */
  warmupSteps: number;
  /** Total steps of the run (warmup included). */
  totalSteps: number;
  /** First warmup value (default 0, as BEiT; its `--warmup_lr` is parsed but unused). */
  warmupStart?: number;
}

function checkStep(step: number): void {
  if (!(Number.isSafeInteger(step) && step >= 0)) {
    throw new InvalidArgumentError(`schedule: step must be a non-negative integer, got ${step}`);
  }
}

function checkFinite(fields: Record<string, number>): void {
  for (const [k, v] of Object.entries(fields)) {
    if (!Number.isFinite(v)) throw new InvalidArgumentError(`schedule: ${k} must be finite, got ${v}`);
  }
}

/** numpy.linspace(start, stop, num)[i], computed as numpy does (last point exactly `stop`). */
function linspaceAt(start: number, stop: number, num: number, i: number): number {
  if (num === 1 || i === 0) return start;
  if (i === num - 1) return stop;
  return i * ((stop - start) / (num - 1)) + start;
}

/**
 * BEiT/DINO cosine schedule with linear warmup.
 * @example
 * const lr = cosineSchedule({ base: 1.5e-3, final: 1e-5, warmupSteps: 500, totalSteps: 5000 });
 * lr(0); // 0
 * lr(499); // 1.5e-3
 * const wd = cosineSchedule({ base: 0.04, final: 0.4, warmupSteps: 0, totalSteps: 5000 }); // DINO
 */
export function cosineSchedule(options: CosineScheduleOptions): Schedule {
  const { base, final, warmupSteps, totalSteps, warmupStart = 0 } = options;
  checkFinite({ base, final, warmupStart });
  if (!(Number.isSafeInteger(totalSteps) && totalSteps > 0)) {
    throw new InvalidArgumentError(
      `cosineSchedule: totalSteps must be a positive integer, got ${totalSteps}`,
    );
  }
  if (!(Number.isSafeInteger(warmupSteps) && warmupSteps >= 0 && warmupSteps <= totalSteps)) {
    throw new InvalidArgumentError(
      `cosineSchedule: warmupSteps must be an integer in [0, totalSteps=${totalSteps}], got ${warmupSteps}`,
    );
  }
  const decaySteps = totalSteps - warmupSteps;
  return (step) => {
    checkStep(step);
    const s = Math.min(step, totalSteps - 1);
    if (s < warmupSteps) return linspaceAt(warmupStart, base, warmupSteps, s);
    const i = s - warmupSteps;
    return final + 0.5 * (base - final) * (1 + Math.cos((Math.PI * i) / decaySteps));
  };
}

/**
 * A constant schedule.
 * @example constantSchedule(0.05)(1234) // 0.05
 */
export function constantSchedule(value: number): Schedule {
  checkFinite({ value });
  return (step) => {
    checkStep(step);
    return value;
  };
}

/**
 * Linear warmup (numpy.linspace from `warmupStart` to `base` over `warmupSteps` steps, as in
 * `cosineSchedule`), then constant `base`.
 * @example linearWarmup({ base: 1e-3, warmupSteps: 11 })(5) // 5e-4
 */
export function linearWarmup(options: { base: number; warmupSteps: number; warmupStart?: number }): Schedule {
  const { base, warmupSteps, warmupStart = 0 } = options;
  checkFinite({ base, warmupStart });
  if (!(Number.isSafeInteger(warmupSteps) && warmupSteps >= 0)) {
    throw new InvalidArgumentError(
      `linearWarmup: warmupSteps must be a non-negative integer, got ${warmupSteps}`,
    );
  }
  return (step) => {
    checkStep(step);
    return step < warmupSteps ? linspaceAt(warmupStart, base, warmupSteps, step) : base;
  };
}
