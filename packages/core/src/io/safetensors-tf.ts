/**
 * Bridges between decoded safetensors and tfjs tensors. tfjs holds float32, int32 and bool only, so
 * F16/BF16 widen to float32, I64/U8 become int32 and BOOL becomes bool; on the way out float32 can be
 * narrowed to F16/BF16 on request.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { SafetensorsDtype, SafetensorsEntry, SafetensorsTensor } from './safetensors';
import { SafetensorsError } from './safetensors-error';

const TF_DTYPE: Record<SafetensorsDtype, 'float32' | 'int32' | 'bool'> = {
  F32: 'float32',
  F16: 'float32',
  BF16: 'float32',
  I32: 'int32',
  I64: 'int32',
  U8: 'int32',
  BOOL: 'bool',
};

/**
 * Decoded tensors → tfjs tensors (float32 for F32/F16/BF16, int32 for I32/I64/U8, bool for BOOL). The
 * caller owns (and disposes) the result.
 * @example
 * const params = toTfTensors((await loadSafetensors('vit.safetensors')).tensors);
 */
export function toTfTensors(tensors: Record<string, SafetensorsTensor>): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  try {
    for (const [name, t] of Object.entries(tensors)) {
      const dtype = TF_DTYPE[t.dtype];
      out[name] = tf.tensor(dtype === 'int32' ? Int32Array.from(t.data) : t.data, t.shape, dtype);
    }
  } catch (e) {
    tf.dispose(Object.values(out));
    throw e;
  }
  return out;
}

/** Options of {@link fromTfTensors}. */
export interface FromTfOptions {
  /** dtype for float32 tensors (default 'F32'); F16/BF16 round to nearest even. */
  floatDtype?: 'F32' | 'F16' | 'BF16';
  /** Per-tensor dtype overrides (e.g. `{ 'step': 'I64' }`). */
  dtypes?: Record<string, SafetensorsDtype>;
}

function defaultFor(t: tf.Tensor, name: string, floatDtype: SafetensorsDtype): SafetensorsDtype {
  if (t.dtype === 'float32') return floatDtype;
  if (t.dtype === 'int32') return 'I32';
  if (t.dtype === 'bool') return 'BOOL';
  throw new SafetensorsError(
    'SAFETENSORS_UNKNOWN_DTYPE',
    { tensor: name },
    `tfjs dtype '${t.dtype}' has no safetensors dtype`,
  );
}

/**
 * tfjs tensors → entries ready for `encodeSafetensors`/`saveSafetensors`. Reads each tensor with the async
 * `data()` (no blocking sync); the inputs are not disposed.
 * @example
 * await saveSafetensors('w.safetensors', await fromTfTensors(flattenParams(params), { floatDtype: 'BF16' }));
 */
export async function fromTfTensors(
  tensors: Record<string, tf.Tensor>,
  options: FromTfOptions = {},
): Promise<Record<string, SafetensorsEntry>> {
  const floatDtype = options.floatDtype ?? 'F32';
  const out: Record<string, SafetensorsEntry> = {};
  for (const [name, t] of Object.entries(tensors)) {
    const dtype = options.dtypes?.[name] ?? defaultFor(t, name, floatDtype);
    const raw = await t.data();
    // bool tensors read back as Uint8Array already; keep integer dtypes integer-typed.
    out[name] = { dtype, shape: [...t.shape], data: raw as Float32Array | Int32Array | Uint8Array };
  }
  return out;
}
