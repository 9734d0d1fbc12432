/**
 * safetensors files in Node. `node:fs/promises` is imported lazily on first use, so browser bundles that
 * include @splitmask/core never evaluate it. Writes are atomic (temp file, fsync, rename); reads can stream
 * one tensor at a time through a file handle, so a large checkpoint is never wholly in memory.
 */

import {
  checkExpectations,
  decodeSafetensors,
  decodeTensorData,
  parseSafetensorsHeader,
  planSafetensors,
  readHeaderLength,
  type SafetensorsEntry,
  type SafetensorsExpectation,
  type SafetensorsHeader,
  type SafetensorsReadOptions,
  type SafetensorsTensor,
} from './safetensors';
import { SafetensorsError } from './safetensors-error';

type Fs = typeof import('node:fs/promises');
type FileHandle = import('node:fs/promises').FileHandle;
let fsModule: Promise<Fs> | undefined;
function nodeFs(): Promise<Fs> {
  fsModule ??= import('node:fs/promises');
  return fsModule;
}

let tempCounter = 0;

/**
 * Writes bytes (or a sequence of chunks, written in order) to `path` atomically: a sibling temp file is
 * written and fsynced, then renamed over `path`. Readers see the old file or the new one, never a part.
 * @example await writeFileAtomic('run/ckpt.safetensors', bytes);
 */
export async function writeFileAtomic(path: string, data: Uint8Array | Iterable<Uint8Array>): Promise<void> {
  const fs = await nodeFs();
  tempCounter += 1;
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}-${tempCounter}`;
  const handle = await fs.open(tmp, 'w');
  try {
    try {
      for (const chunk of data instanceof Uint8Array ? [data] : data) {
        let done = 0;
        while (done < chunk.length) {
          const { bytesWritten } = await handle.write(chunk, done, chunk.length - done);
          done += bytesWritten;
        }
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, path);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
}

/**
 * Encodes and writes a safetensors file atomically, one tensor's bytes in memory at a time.
 * @example await saveSafetensors('w.safetensors', { w: { shape: [2], data: Float32Array.of(1, 2) } });
 */
export async function saveSafetensors(
  path: string,
  entries: Record<string, SafetensorsEntry>,
  metadata?: Record<string, string>,
): Promise<void> {
  const plan = planSafetensors(entries, metadata);
  function* pieces(): Generator<Uint8Array> {
    yield plan.header;
    yield* plan.chunks(); // lazily: one tensor's bytes at a time
  }
  await writeFileAtomic(path, pieces());
}

/**
 * Reads a whole safetensors file (see `decodeSafetensors`); errors name the path.
 * @example const { tensors, metadata } = await loadSafetensors('w.safetensors');
 */
export async function loadSafetensors(
  path: string,
  options: Omit<SafetensorsReadOptions, 'file'> = {},
): Promise<{ tensors: Record<string, SafetensorsTensor>; metadata: Record<string, string> }> {
  const fs = await nodeFs();
  const bytes = new Uint8Array(await fs.readFile(path));
  return decodeSafetensors(bytes, { ...options, file: path });
}

async function readExactly(
  handle: FileHandle,
  position: number,
  length: number,
  path: string,
): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(out, done, length - done, position + done);
    if (bytesRead === 0) {
      throw new SafetensorsError(
        'SAFETENSORS_TRUNCATED',
        { file: path },
        `file ended at byte ${position + done}`,
      );
    }
    done += bytesRead;
  }
  return out;
}

async function readHeaderFrom(handle: FileHandle, path: string): Promise<SafetensorsHeader> {
  const { size } = await handle.stat();
  const prefix = await readExactly(handle, 0, Math.min(8, size), path);
  const n = readHeaderLength(prefix, size, path);
  const head = new Uint8Array(8 + n);
  head.set(prefix, 0);
  head.set(await readExactly(handle, 8, n, path), 8);
  return parseSafetensorsHeader(head, size, path);
}

/**
 * Reads and validates only the header of a file (names, dtypes, shapes, offsets, metadata).
 * @example const { tensors } = await readSafetensorsHeader('vit-b.safetensors'); Object.keys(tensors);
 */
export async function readSafetensorsHeader(path: string): Promise<SafetensorsHeader> {
  const fs = await nodeFs();
  const handle = await fs.open(path, 'r');
  try {
    return await readHeaderFrom(handle, path);
  } finally {
    await handle.close();
  }
}

/** An open safetensors file: read tensors one at a time, then `close()`. */
export interface SafetensorsReader {
  readonly path: string;
  readonly header: SafetensorsHeader;
  /** Tensor names in header order. */
  readonly names: string[];
  /** Reads and decodes one tensor (only its bytes are read), optionally checking shape/dtype. */
  read(name: string, expect?: SafetensorsExpectation): Promise<SafetensorsTensor>;
  close(): Promise<void>;
}

/**
 * Opens a file for streaming reads: the header is validated up front, then each `read(name)` reads just
 * that tensor's bytes.
 * @example
 * const r = await openSafetensors('big.safetensors');
 * try { for (const name of r.names) use(await r.read(name)); } finally { await r.close(); }
 */
export async function openSafetensors(path: string): Promise<SafetensorsReader> {
  const fs = await nodeFs();
  const handle = await fs.open(path, 'r');
  let header: SafetensorsHeader;
  try {
    header = await readHeaderFrom(handle, path);
  } catch (e) {
    await handle.close();
    throw e;
  }
  return {
    path,
    header,
    names: Object.keys(header.tensors),
    async read(name, expect) {
      const info = header.tensors[name];
      if (!info)
        throw new SafetensorsError('SAFETENSORS_MISMATCH', { file: path, tensor: name }, 'is missing');
      if (expect) checkExpectations(header.tensors, { [name]: expect }, path);
      const [begin, end] = info.dataOffsets;
      const bytes = await readExactly(handle, header.dataStart + begin, end - begin, path);
      return decodeTensorData(name, info, bytes, path);
    },
    close: () => handle.close(),
  };
}
