/**
 * A minimal streaming tar reader and WebDataset grouping (https://github.com/webdataset/webdataset):
 * 512-byte ustar/GNU headers, octal sizes, checksums verified, GNU long names ('L') and pax path records
 * ('x') honoured, other non-regular entries skipped. Files are grouped by key = path up to the first '.'
 * of the basename; consecutive members with the same key form one sample (`000123.jpg` + `000123.cls`).
 * Browser-safe: it consumes any `AsyncIterable<Uint8Array>` (a fetch body reader, a Node stream).
 */
import { DatasetError } from '../errors';

/** A regular file inside a tar archive. */
export interface TarEntry {
  readonly path: string;
  readonly data: Uint8Array;
}

/** A WebDataset sample: its key and its members by extension ('jpg', 'cls', 'seg.png', …). */
export interface WebDatasetRecord {
  readonly key: string;
  readonly files: Readonly<Record<string, Uint8Array>>;
}

const BLOCK = 512;
const decoder = new TextDecoder();

function field(h: Uint8Array, start: number, len: number): string {
  const bytes = h.subarray(start, start + len);
  const end = bytes.indexOf(0);
  return decoder.decode(end === -1 ? bytes : bytes.subarray(0, end));
}

function octal(h: Uint8Array, start: number, len: number): number {
  const s = field(h, start, len).trim();
  return s === '' ? 0 : Number.parseInt(s, 8);
}

function checksumOk(h: Uint8Array): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i];
  return sum === octal(h, 148, 8);
}

/** Pax extended header records "len key=value\n"; returns the path if present. */
function paxPath(data: Uint8Array): string | undefined {
  for (const line of decoder.decode(data).split('\n')) {
    const m = /^\d+ path=(.*)$/.exec(line);
    if (m) return m[1];
  }
  return undefined;
}

/** Buffers incoming chunks so that exact byte counts can be taken. */
class ByteQueue {
  private chunks: Uint8Array[] = [];
  size = 0;
  push(c: Uint8Array): void {
    if (c.length > 0) {
      this.chunks.push(c);
      this.size += c.length;
    }
  }
  take(n: number): Uint8Array {
    const out = new Uint8Array(n);
    let o = 0;
    while (o < n) {
      const c = this.chunks[0];
      const k = Math.min(c.length, n - o);
      out.set(c.subarray(0, k), o);
      o += k;
      if (k === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    this.size -= n;
    return out;
  }
}

/**
 * Streams the regular files of a tar archive. Throws `CORRUPT_IMAGE` naming `name` and the byte offset on
 * a bad checksum or a truncated member.
 * @example for await (const { path, data } of readTar(fs.createReadStream('shard-000.tar'), 'shard-000.tar')) {}
 */
export async function* readTar(chunks: AsyncIterable<Uint8Array>, name = 'tar'): AsyncGenerator<TarEntry> {
  const q = new ByteQueue();
  const it = chunks[Symbol.asyncIterator]();
  let offset = 0;
  let done = false;
  const need = async (n: number): Promise<boolean> => {
    while (q.size < n && !done) {
      const r = await it.next();
      if (r.done) done = true;
      else q.push(r.value instanceof Uint8Array ? r.value : new Uint8Array(r.value as ArrayBuffer));
    }
    return q.size >= n;
  };
  let longName: string | undefined;
  while (await need(BLOCK)) {
    const h = q.take(BLOCK);
    if (h.every((b) => b === 0)) return; // end-of-archive marker
    if (!checksumOk(h))
      throw new DatasetError('CORRUPT_IMAGE', `${name}: bad tar header checksum at byte ${offset}`, {
        path: name,
      });
    const size = octal(h, 124, 12);
    const type = String.fromCharCode(h[156] || 48);
    const padded = Math.ceil(size / BLOCK) * BLOCK;
    if (!(await need(padded)))
      throw new DatasetError('CORRUPT_IMAGE', `${name}: truncated tar member at byte ${offset}`, {
        path: name,
      });
    const body = q.take(padded).subarray(0, size);
    const prefix = decoder.decode(h.subarray(257, 263)).startsWith('ustar') ? field(h, 345, 155) : '';
    const path = longName ?? (prefix ? `${prefix}/${field(h, 0, 100)}` : field(h, 0, 100));
    offset += BLOCK + padded;
    if (type === 'L' || type === 'x') {
      longName = type === 'L' ? field(body, 0, body.length) : paxPath(body);
      continue;
    }
    longName = undefined;
    if (type === '0' || type === '7') yield { path, data: body };
  }
  if (q.size > 0 || offset === 0)
    throw new DatasetError('CORRUPT_IMAGE', `${name}: truncated tar archive (${offset} bytes read)`, {
      path: name,
    });
}

/**
 * WebDataset key and extension of a member path.
 * @example splitKey('a/b/000123.seg.png'); // ['a/b/000123', 'seg.png']
 */
export function splitKey(path: string): [string, string] {
  const slash = path.lastIndexOf('/');
  const dot = path.indexOf('.', slash + 1);
  return dot === -1 ? [path, ''] : [path.slice(0, dot), path.slice(dot + 1).toLowerCase()];
}

/**
 * Groups consecutive tar members by WebDataset key.
 * @example for await (const rec of groupWebDataset(readTar(stream))) console.log(rec.key, Object.keys(rec.files));
 */
export async function* groupWebDataset(entries: AsyncIterable<TarEntry>): AsyncGenerator<WebDatasetRecord> {
  let key: string | undefined;
  let files: Record<string, Uint8Array> = {};
  for await (const e of entries) {
    const [k, ext] = splitKey(e.path);
    if (k !== key && key !== undefined) {
      yield { key, files };
      files = {};
    }
    key = k;
    files[ext] = e.data;
  }
  if (key !== undefined) yield { key, files };
}
