/**
 * DINO's teacher update (paper.md §7.2; main_dino.py @ 7c446df): after every student step,
 * `θ_t ← m·θ_t + (1 − m)·θ_s` over backbone and head, with `m` following
 * `cosine_scheduler(0.996, 1, epochs, niter_per_ep)` per iteration. The update is a named pure state
 * transition (`emaUpdate`); `applyEma` is the one place that assigns, inside one tidy.
 */
import { flattenParams, InvalidArgumentError } from '@splitmask/core';
import * as tf from '@tensorflow/tfjs-core';

function checkMomentum(fn: string, m: number): void {
  if (!(m >= 0 && m <= 1)) throw new InvalidArgumentError(`${fn}: momentum must be in [0, 1], got ${m}`);
}

function pairs(fn: string, teacher: unknown, student: unknown): [string, tf.Tensor, tf.Tensor][] {
  const t = flattenParams(teacher);
  const s = flattenParams(student);
  const missing = Object.keys(t).filter((k) => !(k in s));
  const extra = Object.keys(s).filter((k) => !(k in t));
  if (missing.length > 0 || extra.length > 0) {
    throw new InvalidArgumentError(
      `${fn}: teacher and student trees differ (only in teacher: [${missing}], only in student: [${extra}])`,
    );
  }
  return Object.keys(t).map((k) => {
    if (t[k].shape.join() !== s[k].shape.join()) {
      throw new InvalidArgumentError(
        `${fn}: ${k} has shape [${t[k].shape}] in teacher, [${s[k].shape}] in student`,
      );
    }
    return [k, t[k], s[k]];
  });
}

/**
 * The next teacher: `m·teacher + (1 − m)·student` leaf by leaf (pure; the caller owns the result).
 * teacher, student: trees of the same names and shapes → flat record name → tensor.
 * @example const next = emaUpdate(teacher, student, 0.996); // then assign, see applyEma
 */
export function emaUpdate(teacher: unknown, student: unknown, momentum: number): Record<string, tf.Tensor> {
  checkMomentum('emaUpdate', momentum);
  const list = pairs('emaUpdate', teacher, student);
  return tf.tidy(() => {
    const out: Record<string, tf.Tensor> = {};
    for (const [k, t, s] of list) out[k] = tf.add(tf.mul(t, momentum), tf.mul(s, 1 - momentum));
    return out;
  });
}

/**
 * Assigns `emaUpdate(teacher, student, m)` into the teacher's Variables, in one tidy (no tensors left).
 * @example applyEma(teacherVars, studentVars, momentumSchedule(step));
 */
export function applyEma(teacher: unknown, student: unknown, momentum: number): void {
  const vars = flattenParams(teacher) as Record<string, tf.Tensor>;
  tf.tidy(() => {
    const next = emaUpdate(teacher, student, momentum);
    for (const [k, v] of Object.entries(next)) {
      const target = vars[k];
      if (!(target instanceof tf.Variable)) {
        throw new InvalidArgumentError(`applyEma: teacher leaf ${k} is not a Variable`);
      }
      target.assign(v);
    }
  });
}

/**
 * DINO's momentum schedule `cosine_scheduler(base, final, epochs, niter_per_ep)` without warmup:
 * m(t) = final + (base − final)·(1 + cos(π·t/T))/2, t in [0, T). Default 0.996 → 1.
 * @example const m = momentumSchedule({ totalSteps: 1000 }); m(0) // 0.996
 */
export function momentumSchedule(options: {
  totalSteps: number;
  base?: number;
  final?: number;
}): (step: number) => number {
  const { totalSteps, base = 0.996, final = 1 } = options;
  if (!(Number.isSafeInteger(totalSteps) && totalSteps > 0)) {
    throw new InvalidArgumentError(
      `momentumSchedule: totalSteps must be a positive integer, got ${totalSteps}`,
    );
  }
  checkMomentum('momentumSchedule', base);
  checkMomentum('momentumSchedule', final);
  return (step) => {
    if (!(Number.isInteger(step) && step >= 0)) {
      throw new InvalidArgumentError(`momentumSchedule: step must be a non-negative integer, got ${step}`);
    }
    const t = Math.min(step, totalSteps - 1);
    return final + 0.5 * (base - final) * (1 + Math.cos((Math.PI * t) / totalSteps));
  };
}
