/**
 * DINO's teacher temperature schedule (main_dino.py `DINOLoss.__init__`):
 * `np.concatenate((np.linspace(warmup_teacher_temp, teacher_temp, warmup_teacher_temp_epochs),
 *                  np.ones(nepochs - warmup_teacher_temp_epochs) * teacher_temp))`, indexed by epoch.
 * Returned as a pure function of the epoch (house style for schedules) with numpy's linspace arithmetic,
 * so values match DINO bit for bit.
 */
import { InvalidArgumentError } from '@splitmask/core';
import { expectPositive } from './internal/checks';

/** Options of `teacherTempSchedule` (defaults: DINO's code; the paper uses temp 0.07, 30 warmup epochs). */
export interface TeacherTempScheduleOptions {
  /** Teacher temperature at epoch 0. Default 0.04. */
  warmupTemp?: number;
  /** Teacher temperature after warmup. Default 0.04 (DINO code default; paper/README: 0.07). */
  temp?: number;
  /** Epochs of linear warmup (numpy linspace, endpoint included). Default 0. */
  warmupEpochs?: number;
  /** Total epochs; the schedule is defined on 0 … epochs − 1. */
  epochs: number;
}

const isCount = (n: number) => Number.isInteger(n) && n >= 0;

/**
 * epoch (integer in [0, epochs)) → teacher temperature.
 *
 * @example
 * const tt = teacherTempSchedule({ warmupTemp: 0.04, temp: 0.07, warmupEpochs: 30, epochs: 100 });
 * tt(0); // 0.04
 * tt(29); // 0.07
 */
export function teacherTempSchedule(options: TeacherTempScheduleOptions): (epoch: number) => number {
  const { warmupTemp = 0.04, temp = 0.04, warmupEpochs = 0, epochs } = options;
  expectPositive('teacherTempSchedule', 'warmupTemp', warmupTemp);
  expectPositive('teacherTempSchedule', 'temp', temp);
  if (!isCount(epochs) || !isCount(warmupEpochs) || warmupEpochs > epochs) {
    throw new InvalidArgumentError(
      `teacherTempSchedule: need integers 0 <= warmupEpochs <= epochs, got warmupEpochs=${warmupEpochs}, epochs=${epochs}`,
    );
  }
  // numpy.linspace: start + i·((stop − start)/(num − 1)), last element set to stop exactly.
  const step = warmupEpochs > 1 ? (temp - warmupTemp) / (warmupEpochs - 1) : 0;
  return (epoch: number) => {
    if (!Number.isInteger(epoch) || epoch < 0 || epoch >= epochs) {
      throw new InvalidArgumentError(
        `teacherTempSchedule: epoch must be an integer in [0, ${epochs}), got ${epoch}`,
      );
    }
    if (epoch >= warmupEpochs) return temp;
    if (warmupEpochs > 1 && epoch === warmupEpochs - 1) return temp;
    return epoch * step + warmupTemp;
  };
}
