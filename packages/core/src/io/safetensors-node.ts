/**
 * safetensors files in Node. `node:fs/promises` is imported lazily on first use, so browser bundles that
 * include @splitmask/core never evaluate it. Writes are atomic (temp file, fsync, rename, fsync of the
 * folder); reads can stream one tensor at a time through a file handle, so a large checkpoint is never
 * wholly in memory. Every read is bounded by the size `stat` reports: a FIFO, a device or a symlink to an
 * endless file (`/dev/zero`) is refused up front instead of read without limit.
 */

import { InvalidArgumentError } from '../errors';
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
  type SafetensorsWriteOptions,
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
 * fsyncs a folder so a rename or a new entry in it survives a power loss. Platforms that cannot open
 * folders for syncing (Windows: EPERM/EISDIR) are skipped: there the rename itself is the best we get.
 * @example await syncFolder('runs/a/checkpoints');
 */
export async function syncFolder(dir: string): Promise<void> {
  const fs = await nodeFs();
  let handle: FileHandle;
  try {
    handle = await fs.open(dir, 'r');
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'EISDIR' || code === 'EPERM' || code === 'EACCES') return;
    throw e;
  }
  try {
    await handle.sync();
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code !== 'EINVAL' && code !== 'EPERM' && code !== 'EBADF') throw e;
  } finally {
    await handle.close();
  }
}

/** Paths under these roots are kernel/virtual file systems: never a place to write outputs. */
const SPECIAL_ROOTS = ['/proc', '/sys', '/dev'];

/**
 * Throws InvalidArgumentError when `path` (made absolute) lies on a special file system (`/proc`, `/sys`,
 * `/dev` except the `/dev/shm` RAM disk). Writing there fails in odd ways (Node's recursive mkdir under
 * /proc never returns).
 * @example assertWritablePath('--out', 'runs/a');
 */
export function assertWritablePath(what: string, path: string): void {
  if (typeof process === 'undefined' || process.platform === 'win32') return;
  const abs = path.startsWith('/') ? path : `${process.cwd()}/${path}`;
  const parts = abs.split('/').filter((p) => p !== '' && p !== '.');
  const stack: string[] = [];
  for (const p of parts) {
    if (p === '..') stack.pop();
    else stack.push(p);
  }
  const norm = `/${stack.join('/')}`;
  if (norm === '/dev/shm' || norm.startsWith('/dev/shm/')) return; // a RAM disk: a real place for files
  for (const root of SPECIAL_ROOTS) {
    if (norm === root || norm.startsWith(`${root}/`))
      throw new InvalidArgumentError(
        `${what}: ${path} is on the special file system ${root}; choose a folder on a regular disk`,
      );
  }
}

/**
 * Creates `dir` and its parents (like `mkdir -p`), refusing special file systems first. Errors name the
 * folder that could not be created.
 * @example await ensureFolder('runs/a/checkpoints');
 */
export async function ensureFolder(dir: string): Promise<void> {
  assertWritablePath('folder', dir);
  const fs = await nodeFs();
  try {
    await fs.mkdir(dir, { recursive: true });
  } catch (e) {
    const code = (e as { code?: string }).code ?? String(e);
    throw new InvalidArgumentError(`cannot create folder ${dir} (${code})`, { cause: e });
  }
}

function parentOf(path: string): string {
  const trimmed = path.replace(/[\\/]+$/, '');
  const i = Math.max(trimmed.lastIndexOf('/'), trimmed.lastIndexOf('\\'));
  return i < 0 ? '.' : i === 0 ? '/' : trimmed.slice(0, i);
}

/**
 * Writes bytes (or a sequence of chunks, written in order) to `path` atomically: the parent folder is
 * created if missing, a sibling temp file is written and fsynced, renamed over `path`, and the folder is
 * fsynced. Readers see the old file or the new one, never a part.
 * @example await writeFileAtomic('run/ckpt.safetensors', bytes);
 */
export async function writeFileAtomic(path: string, data: Uint8Array | Iterable<Uint8Array>): Promise<void> {
  const fs = await nodeFs();
  const dir = parentOf(path);
  await ensureFolder(dir);
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
  await syncFolder(dir);
}

/**
 * Encodes and writes a safetensors file atomically, one tensor's bytes in memory at a time. With
 * `requireFinite`, a NaN/Inf anywhere aborts the write (SAFETENSORS_NON_FINITE naming the file and tensor)
 * and the file already at `path` stays as it was.
 * @example await saveSafetensors('w.safetensors', { w: { shape: [2], data: Float32Array.of(1, 2) } });
 */
export async function saveSafetensors(
  path: string,
  entries: Record<string, SafetensorsEntry>,
  metadata?: Record<string, string>,
  options: SafetensorsWriteOptions = {},
): Promise<void> {
  const plan = planSafetensors(entries, metadata, options);
  function* pieces(): Generator<Uint8Array> {
    yield plan.header;
    yield* plan.chunks(); // lazily: one tensor's bytes at a time
  }
  try {
    await writeFileAtomic(path, pieces());
  } catch (e) {
    if (e instanceof SafetensorsError && e.file === '<bytes>')
      throw new SafetensorsError(e.code, { file: path, tensor: e.tensor }, stripPrefix(e), { cause: e });
    throw e;
  }
}

/** The message of a SafetensorsError without its `<file>: tensor '…': ` prefix. */
function stripPrefix(e: SafetensorsError): string {
  const prefix = e.tensor === undefined ? `${e.file}: ` : `${e.file}: tensor '${e.tensor}': `;
  return e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message;
}

/**
 * Reads a whole safetensors file (see `decodeSafetensors`); errors name the path.
 * @example const { tensors, metadata } = await loadSafetensors('w.safetensors');
 */
export async function loadSafetensors(
  path: string,
  options: Omit<SafetensorsReadOptions, 'file'> = {},
): Promise<{ tensors: Record<string, SafetensorsTensor>; metadata: Record<string, string> }> {
  const handle = await openRegularFile(path);
  try {
    const { size } = await handle.stat();
    const bytes = await readExactly(handle, 0, size, path);
    await expectEnd(handle, size, path);
    return decodeSafetensors(bytes, { ...options, file: path });
  } finally {
    await handle.close();
  }
}

/**
 * Opens `path` for reading only if it is a regular file (after following symlinks). Checked before
 * `open`: opening a FIFO blocks until a writer appears, and a device such as /dev/zero never ends.
 */
async function openRegularFile(path: string): Promise<FileHandle> {
  const fs = await nodeFs();
  const st = await fs.stat(path);
  if (!st.isFile()) {
    const kind = st.isDirectory()
      ? 'a folder'
      : st.isFIFO()
        ? 'a FIFO'
        : st.isCharacterDevice() || st.isBlockDevice()
          ? 'a device'
          : st.isSocket()
            ? 'a socket'
            : 'not a regular file';
    throw new SafetensorsError('SAFETENSORS_NOT_A_FILE', { file: path }, `is ${kind}, not a regular file`);
  }
  const handle = await fs.open(path, 'r');
  const again = await handle.stat();
  if (!again.isFile()) {
    await handle.close();
    throw new SafetensorsError('SAFETENSORS_NOT_A_FILE', { file: path }, 'is not a regular file');
  }
  return handle;
}

/** Refuses a file that holds more bytes than `stat` said (growing while read, or a virtual file). */
async function expectEnd(handle: FileHandle, size: number, path: string): Promise<void> {
  const probe = new Uint8Array(1);
  const { bytesRead } = await handle.read(probe, 0, 1, size);
  if (bytesRead !== 0)
    throw new SafetensorsError(
      'SAFETENSORS_INVALID_OFFSETS',
      { file: path },
      `file grew past the ${size} bytes it had when opened (still being written?)`,
    );
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

async function readHeaderFrom(
  handle: FileHandle,
  path: string,
  maxTensors?: number,
): Promise<SafetensorsHeader> {
  const { size } = await handle.stat();
  const prefix = await readExactly(handle, 0, Math.min(8, size), path);
  const n = readHeaderLength(prefix, size, path);
  const head = new Uint8Array(8 + n);
  head.set(prefix, 0);
  head.set(await readExactly(handle, 8, n, path), 8);
  return parseSafetensorsHeader(head, size, path, { maxTensors });
}

/**
 * Reads and validates only the header of a file (names, dtypes, shapes, offsets, metadata).
 * @example const { tensors } = await readSafetensorsHeader('vit-b.safetensors'); Object.keys(tensors);
 */
export async function readSafetensorsHeader(
  path: string,
  options: { maxTensors?: number } = {},
): Promise<SafetensorsHeader> {
  const handle = await openRegularFile(path);
  try {
    return await readHeaderFrom(handle, path, options.maxTensors);
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
export async function openSafetensors(
  path: string,
  options: { maxTensors?: number } = {},
): Promise<SafetensorsReader> {
  const handle = await openRegularFile(path);
  let header: SafetensorsHeader;
  try {
    header = await readHeaderFrom(handle, path, options.maxTensors);
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
