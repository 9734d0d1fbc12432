import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';

/**
 * Runs `fn`, disposes the tensors it returns, and asserts that the tensor count is back where it was.
 * Returns the result read back as plain arrays (so callers can also check values).
 */
export function expectNoLeak<T>(fn: () => T, label = 'function'): void {
  const before = tf.memory().numTensors;
  const result = fn();
  tf.dispose(result as unknown as tf.TensorContainer);
  const after = tf.memory().numTensors;
  expect(after - before, `${label} leaked ${after - before} tensors`).toBe(0);
}

/** Async variant, for functions that await reads. */
export async function expectNoLeakAsync<T>(fn: () => Promise<T>, label = 'function'): Promise<void> {
  const before = tf.memory().numTensors;
  const result = await fn();
  tf.dispose(result as unknown as tf.TensorContainer);
  const after = tf.memory().numTensors;
  expect(after - before, `${label} leaked ${after - before} tensors`).toBe(0);
}
