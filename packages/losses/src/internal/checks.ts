/** Shape and dtype validation at the API edge (static shapes only: never reads tensor data). */
import { InvalidArgumentError, ShapeError } from '@splitmask/core';
import type * as tf from '@tensorflow/tfjs-core';

const fmt = (s: readonly number[]) => `[${s.join(', ')}]`;

/** Throws a ShapeError unless `x` has rank `rank`; `dims` names the expected axes, e.g. 'B, M, V'. */
export function expectRank(fn: string, name: string, x: tf.Tensor, rank: number, dims: string): void {
  if (x.rank !== rank) {
    throw new ShapeError(`${fn}: expected ${name} [${dims}], got ${fmt(x.shape)}`);
  }
}

/** Throws a ShapeError unless `x.shape` equals `shape`. */
export function expectShape(
  fn: string,
  name: string,
  x: tf.Tensor,
  shape: readonly number[],
  dims: string,
): void {
  if (x.rank !== shape.length || x.shape.some((d, i) => d !== shape[i])) {
    throw new ShapeError(`${fn}: expected ${name} [${dims}] = ${fmt(shape)}, got ${fmt(x.shape)}`);
  }
}

/** Throws an InvalidArgumentError unless `x` has dtype `dtype`. */
export function expectDtype(fn: string, name: string, x: tf.Tensor, dtype: tf.DataType): void {
  if (x.dtype !== dtype) {
    throw new InvalidArgumentError(`${fn}: expected ${name} of dtype ${dtype}, got ${x.dtype}`);
  }
}

/** Throws an InvalidArgumentError unless `value` is a finite number > 0. */
export function expectPositive(fn: string, name: string, value: number): void {
  if (!(Number.isFinite(value) && value > 0)) {
    throw new InvalidArgumentError(`${fn}: ${name} must be a finite number > 0, got ${value}`);
  }
}

/** Throws an InvalidArgumentError unless `lo <= value <= hi`. */
export function expectInRange(fn: string, name: string, value: number, lo: number, hi: number): void {
  if (!(Number.isFinite(value) && value >= lo && value <= hi)) {
    throw new InvalidArgumentError(`${fn}: ${name} must be in [${lo}, ${hi}], got ${value}`);
  }
}
