/**
 * Minimal safetensors reader for the test fixtures (F32/I32 only).
 * TODO(integrate): replace with @splitmask/core `decodeSafetensors` when it lands.
 */
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
  const bytes = loadFixture(`${import.meta.dirname}/..`, name);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<
    string,
    { dtype: string; shape: number[]; data_offsets: [number, number] }
  >;
  const meta = header.__metadata__ as unknown as Record<string, string>;
  const tensors: Record<string, tf.Tensor> = {};
  for (const [k, h] of Object.entries(header)) {
    if (k === '__metadata__') continue;
    const raw = bytes.slice(8 + n + h.data_offsets[0], 8 + n + h.data_offsets[1]);
    if (h.dtype === 'F32') tensors[k] = tf.tensor(new Float32Array(raw.buffer), h.shape, 'float32');
    else if (h.dtype === 'I32') tensors[k] = tf.tensor(new Int32Array(raw.buffer), h.shape, 'int32');
    else throw new Error(`readFixture: unsupported dtype ${h.dtype} for ${k}`);
  }
  return {
    tensors,
    group: (prefix) =>
      Object.fromEntries(
        Object.entries(tensors)
          .filter(([k]) => k.startsWith(`${prefix}.`))
          .map(([k, t]) => [k.slice(prefix.length + 1), t]),
      ),
    config: JSON.parse(meta.config),
    dispose: () => tf.dispose(Object.values(tensors)),
  };
}
