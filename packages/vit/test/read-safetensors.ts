/** Loads a safetensors fixture written by tools/fixtures_vit.py through core's reader. */
import { decodeSafetensors, toTfTensors } from '@splitmask/core';
import { loadFixture } from '@splitmask/test-utils';
import * as tf from '@tensorflow/tfjs-core';

export interface Fixture {
  tensors: Record<string, tf.Tensor>;
  /** Tensors under `prefix.` with the prefix stripped. */
  group(prefix: string): Record<string, tf.Tensor>;
  config: Record<string, unknown>;
  dispose(): void;
}

export function readFixture(name: string): Fixture {
  const { tensors: raw, metadata } = decodeSafetensors(loadFixture(`${import.meta.dirname}/..`, name));
  const tensors = toTfTensors(raw);
  return {
    tensors,
    group: (prefix) =>
      Object.fromEntries(
        Object.entries(tensors)
          .filter(([k]) => k.startsWith(`${prefix}.`))
          .map(([k, t]) => [k.slice(prefix.length + 1), t]),
      ),
    config: JSON.parse(metadata.config),
    dispose: () => tf.dispose(Object.values(tensors)),
  };
}
