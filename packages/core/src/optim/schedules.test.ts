import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadJsonFixture } from '@splitmask/test-utils';
import { describe, expect, test } from 'vitest';
import { constantSchedule, cosineSchedule, linearWarmup } from './schedules';

const pkg = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const fx = loadJsonFixture<{
  cases: {
    base: number;
    final: number;
    warmupSteps: number;
    totalSteps: number;
    warmupStart: number;
    values: number[];
  }[];
}>(pkg, 'state_schedules.json');

describe('cosineSchedule', () => {
  test.each(
    fx.cases.map((c) => [`base ${c.base} → ${c.final}, warmup ${c.warmupSteps}/${c.totalSteps}`, c] as const),
  )('equals BEiT cosine_scheduler: %s', (_, c) => {
    const f = cosineSchedule(c);
    const got = c.values.map((_, i) => f(i));
    got.forEach((v, i) => {
      expect(Math.abs(v - c.values[i]), `step ${i}: ${v} vs ${c.values[i]}`).toBeLessThanOrEqual(
        1e-15 * Math.abs(c.values[i]),
      );
    });
    expect(f(c.totalSteps + 5)).toBe(got[got.length - 1]);
  });

  test('warmup ends exactly at base; DINO wd schedule rises 0.04 → 0.4', () => {
    const lr = cosineSchedule({ base: 1.5e-3, final: 1e-5, warmupSteps: 10, totalSteps: 100 });
    expect(lr(0)).toBe(0);
    expect(lr(9)).toBe(1.5e-3);
    expect(lr(10)).toBe(1.5e-3);
    expect(lr(99)).toBeGreaterThan(1e-5);
    const wd = cosineSchedule({ base: 0.04, final: 0.4, warmupSteps: 0, totalSteps: 100 });
    expect(wd(0)).toBeCloseTo(0.04, 15);
    expect(wd(50)).toBeCloseTo(0.22, 15);
  });

  test.each([
    [
      { base: 1, final: 0, warmupSteps: 5, totalSteps: 4 },
      /warmupSteps must be an integer in \[0, totalSteps=4\], got 5/,
    ],
    [{ base: 1, final: 0, warmupSteps: 0, totalSteps: 0 }, /totalSteps must be a positive integer, got 0/],
    [{ base: Number.NaN, final: 0, warmupSteps: 0, totalSteps: 3 }, /base must be finite, got NaN/],
  ])('rejects %o', (opts, msg) => {
    expect(() => cosineSchedule(opts)).toThrow(msg);
  });

  test.each([-1, 1.5, Number.NaN])('rejects step %d', (step) => {
    expect(() => cosineSchedule({ base: 1, final: 0, warmupSteps: 0, totalSteps: 3 })(step)).toThrow(
      /non-negative integer/,
    );
  });
});

describe('constantSchedule / linearWarmup', () => {
  test('constant', () => {
    expect(constantSchedule(0.05)(0)).toBe(0.05);
    expect(constantSchedule(0.05)(10 ** 6)).toBe(0.05);
  });
  test('linear warmup is linspace then flat', () => {
    const f = linearWarmup({ base: 1e-3, warmupSteps: 11, warmupStart: 0 });
    expect([0, 5, 10, 11, 500].map(f)).toEqual([0, 5 * (1e-3 / 10), 1e-3, 1e-3, 1e-3]);
    expect(linearWarmup({ base: 2, warmupSteps: 0 })(0)).toBe(2);
    expect(() => linearWarmup({ base: 2, warmupSteps: -1 })).toThrow(/warmupSteps/);
  });
});
