/**
 * Host-side guard for non-finite losses. The losses themselves never throw on NaN/Infinity inputs (that
 * would need a device→host read inside the step): non-finite values propagate to a NaN/Infinity loss,
 * and the trainer calls `assertFinite` on the values it reads at the loop edge anyway.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { NonFiniteError } from './errors';

/** Numbers (already read) or tensors (read here) to check, by name. */
export type FiniteCheckValues = Readonly<Record<string, number | tf.Tensor>>;

function check(key: string, values: ArrayLike<number>, context: string | undefined): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) {
      const where = values.length > 1 ? `[${i}] of ${values.length}` : '';
      throw new NonFiniteError(key, v, `Non-finite ${key}${where} = ${v}${context ? ` ${context}` : ''}`);
    }
  }
}

/**
 * Throws `NonFiniteError` (naming the entry, element and value) if any value is NaN or ±Infinity.
 * Tensors are read with `dataSync` (a sync point: call it where metrics are read anyway).
 *
 * @example
 * assertFinite({ 'loss/mim': mim, 'loss/nce': nceValue }, `at step ${step}`);
 */
export function assertFinite(values: FiniteCheckValues, context?: string): void {
  for (const [key, v] of Object.entries(values)) {
    check(key, typeof v === 'number' ? [v] : (v.dataSync() as ArrayLike<number>), context);
  }
}

/**
 * `assertFinite` reading tensors with `await data()` (no blocking read on webgl/webgpu).
 *
 * @example
 * await assertFiniteAsync({ loss }, `at step ${step}`);
 */
export async function assertFiniteAsync(values: FiniteCheckValues, context?: string): Promise<void> {
  for (const [key, v] of Object.entries(values)) {
    check(key, typeof v === 'number' ? [v] : ((await v.data()) as ArrayLike<number>), context);
  }
}
