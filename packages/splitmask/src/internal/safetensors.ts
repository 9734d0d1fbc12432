/**
 * Minimal safetensors codec (F32 / I32) for checkpoints.
 * TODO(integrate): replace with @splitmask/core encodeSafetensors / decodeSafetensors / writeFileAtomic
 * when "core-state" lands.
 *
 * Format (huggingface/safetensors): u64 little-endian header length, a JSON header
 * `{ name: { dtype, shape, data_offsets: [begin, end] }, __metadata__?: { k: string } }` padded with
 * spaces to a multiple of 8 bytes, then the raw little-endian data.
 */
import { InvalidArgumentError } from '@splitmask/core';

/** One host-side tensor. */
export interface HostTensor {
  dtype: 'float32' | 'int32';
  shape: number[];
  data: Float32Array | Int32Array;
}

const DTYPES = { float32: 'F32', int32: 'I32' } as const;

/** Encodes named host tensors (+ string metadata) to safetensors bytes. */
export function encodeSafetensors(
  tensors: Record<string, HostTensor>,
  metadata?: Record<string, string>,
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  const names = Object.keys(tensors).sort();
  for (const name of names) {
    const t = tensors[name];
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (size !== t.data.length) {
      throw new InvalidArgumentError(
        `encodeSafetensors: '${name}' has shape [${t.shape}] but ${t.data.length} values`,
      );
    }
    header[name] = {
      dtype: DTYPES[t.dtype],
      shape: t.shape,
      data_offsets: [offset, offset + t.data.byteLength],
    };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  while ((8 + Buffer.byteLength(json)) % 8 !== 0) json += ' ';
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let p = 8 + headerBytes.length;
  for (const name of names) {
    const d = tensors[name].data;
    out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), p);
    p += d.byteLength;
  }
  return out;
}

/** Decodes safetensors bytes (F32 and I32 only). */
export function decodeSafetensors(bytes: Uint8Array): {
  tensors: Record<string, HostTensor>;
  metadata: Record<string, string>;
} {
  if (bytes.length < 8)
    throw new InvalidArgumentError(`decodeSafetensors: ${bytes.length} bytes is too short`);
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  if (8 + n > bytes.length)
    throw new InvalidArgumentError(`decodeSafetensors: header length ${n} exceeds the file`);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, unknown>;
  const base = 8 + n;
  const tensors: Record<string, HostTensor> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const { dtype, shape, data_offsets } = entry as {
      dtype: string;
      shape: number[];
      data_offsets: [number, number];
    };
    const [b, e] = data_offsets;
    const raw = bytes.slice(base + b, base + e);
    if (dtype === 'F32') tensors[name] = { dtype: 'float32', shape, data: new Float32Array(raw.buffer) };
    else if (dtype === 'I32') tensors[name] = { dtype: 'int32', shape, data: new Int32Array(raw.buffer) };
    else throw new InvalidArgumentError(`decodeSafetensors: '${name}' has unsupported dtype ${dtype}`);
  }
  return { tensors, metadata: (header.__metadata__ as Record<string, string>) ?? {} };
}
