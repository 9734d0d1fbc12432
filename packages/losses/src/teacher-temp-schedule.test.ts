import { InvalidArgumentError } from '@splitmask/core';
import { expect, test } from 'vitest';
import { loadFixtureJson } from '../test/helpers';
import { teacherTempSchedule } from './teacher-temp-schedule';

interface Fx {
  schedules: { warmupTemp: number; temp: number; warmupEpochs: number; epochs: number; values: number[] }[];
}
const { schedules } = loadFixtureJson<Fx>('teacher-temp-schedule.json');

test.each(
  schedules.map((s) => [`${s.warmupTemp}→${s.temp}, ${s.warmupEpochs}/${s.epochs} epochs`, s] as const),
)('equals DINO numpy schedule bit for bit: %s', (_, s) => {
  const f = teacherTempSchedule(s);
  expect(Array.from({ length: s.epochs }, (_, e) => f(e))).toEqual(s.values);
});

test('defaults are DINO code defaults (constant 0.04)', () => {
  const f = teacherTempSchedule({ epochs: 3 });
  expect([f(0), f(1), f(2)]).toEqual([0.04, 0.04, 0.04]);
});

test('rejects epochs outside the schedule and inconsistent options', () => {
  const f = teacherTempSchedule({ warmupTemp: 0.04, temp: 0.07, warmupEpochs: 2, epochs: 3 });
  expect(() => f(3)).toThrow(/epoch must be an integer in \[0, 3\), got 3/);
  expect(() => f(0.5)).toThrow(InvalidArgumentError);
  expect(() => teacherTempSchedule({ warmupEpochs: 5, epochs: 3 })).toThrow(/warmupEpochs=5, epochs=3/);
  expect(() => teacherTempSchedule({ temp: 0, epochs: 3 })).toThrow(/temp must be/);
});
