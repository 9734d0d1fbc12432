/**
 * DINO's per-step schedules (main_dino.py @ 7c446df): LR = lr·batch/256 with linear warmup then cosine
 * to minLr, weight decay cosine weightDecay → weightDecayEnd, teacher momentum cosine → 1; teacher
 * temperature per epoch.
 */
import { cosineSchedule, type Schedule } from '@splitmask/core';
import { teacherTempSchedule } from '@splitmask/losses';
import type { DinoConfig } from './config';
import { momentumSchedule } from './ema';

/** Per-step scalars of the DINO schedules. */
export interface DinoSchedules {
  lr: Schedule;
  weightDecay: Schedule;
  momentum: Schedule;
  teacherTemp: (epoch: number) => number;
}

/**
 * DINO's schedules for a run.
 * @example const s = dinoSchedules(cfg, 10); s.lr(0) // 0 (warmup starts at 0)
 */
export function dinoSchedules(cfg: DinoConfig, stepsPerEpoch: number): DinoSchedules {
  const totalSteps = cfg.train.steps;
  const epochs = Math.ceil(totalSteps / stepsPerEpoch);
  return {
    lr: cosineSchedule({
      base: (cfg.optim.lr * cfg.train.batchSize) / 256,
      final: cfg.optim.minLr,
      warmupSteps: cfg.optim.warmupSteps,
      totalSteps,
    }),
    weightDecay: cosineSchedule({
      base: cfg.optim.weightDecay,
      final: cfg.optim.weightDecayEnd,
      warmupSteps: 0,
      totalSteps,
    }),
    momentum: momentumSchedule({ totalSteps, base: cfg.optim.momentumTeacher }),
    teacherTemp: teacherTempSchedule({
      warmupTemp: cfg.loss.warmupTeacherTemp,
      temp: cfg.loss.teacherTemp,
      warmupEpochs: Math.min(cfg.loss.warmupTeacherTempEpochs, epochs),
      epochs,
    }),
  };
}
