import { InvalidArgumentError } from '@splitmask/core/rng';
import type { Grid } from '../types';

/** Throws unless `value` is an integer in [min, max]; the message names the function and field. */
export function checkInt(fn: string, name: string, value: number, min: number, max = Infinity): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Infinity ? `>= ${min}` : `in [${min}, ${max}]`;
    throw new InvalidArgumentError(`${fn}: ${name} must be an integer ${range}, got ${value}`);
  }
}

/** Validates a grid and returns L = height·width. */
export function checkGrid(fn: string, grid: Grid): number {
  checkInt(fn, 'height', grid.height, 1);
  checkInt(fn, 'width', grid.width, 1);
  return grid.height * grid.width;
}

/** Validates a mask's length against a grid (or any L). */
export function checkMaskLength(fn: string, mask: ArrayLike<number>, numPatches: number): void {
  if (mask.length !== numPatches) {
    throw new InvalidArgumentError(`${fn}: expected a mask of length L=${numPatches}, got ${mask.length}`);
  }
}
