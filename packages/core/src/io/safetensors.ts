/**
 * safetensors, byte for byte as the reference Rust implementation (huggingface/safetensors) writes it:
 *
 *   [u64 LE N][N bytes of JSON header, padded with spaces to a multiple of 8][tensor data]
 *
 * The header maps each name to `{"dtype","shape","data_offsets":[begin,end]}` (offsets relative to the
 * data section) plus an optional `"__metadata__"` string→string map. Like Rust's `serialize`, tensors are
 * laid out by dtype (widest first, which keeps every tensor aligned to its element size) then by name,
 * and the JSON is compact. Reading applies Rust's `validate`: offsets contiguous from 0, each tensor's
 * byte length = numel · element size, and the data section ends exactly where the file does.
 *
 * Host side only (no tfjs): float tensors decode to Float32Array (F16/BF16 widened), integers to
 * Int32Array (I64 range-checked), U8/BOOL to Uint8Array. See `safetensors-tf.ts` for tensors and
 * `safetensors-node.ts` for files.
 */
import { decodeBf16, decodeF16, encodeBf16, encodeF16 } from './half';
import { SafetensorsError } from './safetensors-error';

/** The dtypes this implementation reads and writes. */
export type SafetensorsDtype = 'F32' | 'F16' | 'BF16' | 'I32' | 'I64' | 'U8' | 'BOOL';

/** Element sizes of every dtype the format defines (so foreign files validate even if unreadable). */
const DTYPE_BYTES: Record<string, number> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
};
/** Rust's `Dtype` declaration order (its derived `Ord`), used to lay tensors out widest first. */
const DTYPE_RANK: Record<SafetensorsDtype, number> = {
  BOOL: 0,
  U8: 1,
  F16: 7,
  BF16: 8,
  I32: 9,
  F32: 11,
  I64: 13,
};

/** The supported dtypes, in the order of the format's spec. */
export const SAFETENSORS_DTYPES: readonly SafetensorsDtype[] = Object.freeze([
  'F32',
  'F16',
  'BF16',
  'I32',
  'I64',
  'U8',
  'BOOL',
]);

/** Largest header accepted, as in Rust (`MAX_HEADER_SIZE`): 100 MB. */
export const SAFETENSORS_MAX_HEADER_BYTES = 100_000_000;

/**
 * Deepest JSON nesting accepted in a header. A valid header nests 3 deep (header → entry → shape), so 8
 * leaves room and stops a hostile `[[[[…` header before `JSON.parse` recurses on it.
 */
export const SAFETENSORS_MAX_HEADER_DEPTH = 8;

/**
 * Most tensors accepted in one header (default of `maxTensors`). The largest public checkpoints hold a few
 * thousand per file; a 100 MB header of a million empty tensors would otherwise take seconds and GBs.
 */
export const SAFETENSORS_MAX_TENSORS = 100_000;

/** Host data of a decoded tensor: F32/F16/BF16 → Float32Array, I32/I64 → Int32Array, U8/BOOL → Uint8Array. */
export type SafetensorsData = Float32Array | Int32Array | Uint8Array;

/** A decoded tensor (row-major). */
export interface SafetensorsTensor {
  dtype: SafetensorsDtype;
  shape: number[];
  data: SafetensorsData;
}

/**
 * A tensor to encode. `dtype` defaults from the data (Int32Array → I32, Uint8Array → U8, else F32);
 * F16/BF16 are written from float values (rounded to nearest even), I64 from integer values.
 */
export interface SafetensorsEntry {
  dtype?: SafetensorsDtype;
  shape: readonly number[];
  data: ArrayLike<number>;
}

/** One header entry: dtype as written in the file (may be one we cannot decode), shape, data offsets. */
export interface SafetensorsTensorInfo {
  dtype: string;
  shape: number[];
  dataOffsets: [number, number];
}

/** A parsed, validated header. `dataStart` = 8 + N is where the data section begins in the file. */
export interface SafetensorsHeader {
  tensors: Record<string, SafetensorsTensorInfo>;
  metadata: Record<string, string>;
  dataStart: number;
  byteLength: number;
}

/** What a caller expects a tensor to be; checked on decode/load. */
export interface SafetensorsExpectation {
  shape?: readonly number[];
  dtype?: SafetensorsDtype;
}

/** Options of `decodeSafetensors` and `loadSafetensors`. */
export interface SafetensorsReadOptions {
  /** Tensors that must be present, with the shape/dtype they must have. */
  expect?: Record<string, SafetensorsExpectation>;
  /** Name used in error messages (the path, for files). */
  file?: string;
  /** Most tensors accepted in the header (default {@link SAFETENSORS_MAX_TENSORS}). */
  maxTensors?: number;
}

/** Options of `encodeSafetensors`, `planSafetensors` and `saveSafetensors`. */
export interface SafetensorsWriteOptions {
  /**
   * Refuse NaN/±Infinity in float tensors (SAFETENSORS_NON_FINITE naming the tensor and element) instead
   * of writing them. Checkpoints use this so a poisoned run can never overwrite good weights.
   */
  requireFinite?: boolean;
}

const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder('utf-8', { fatal: true });
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function numel(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

function isSupported(dtype: string): dtype is SafetensorsDtype {
  return (SAFETENSORS_DTYPES as readonly string[]).includes(dtype);
}

/** Byte order of Rust's `String::cmp` (UTF-8 bytes), which differs from JS's UTF-16 order. */
function compareUtf8(a: string, b: string): number {
  const x = utf8.encode(a);
  const y = utf8.encode(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

function defaultDtype(data: ArrayLike<number>): SafetensorsDtype {
  if (data instanceof Int32Array) return 'I32';
  if (data instanceof Uint8Array) return 'U8';
  return 'F32';
}

function checkValues(name: string, dtype: SafetensorsDtype, data: ArrayLike<number>): void {
  const [lo, hi] =
    dtype === 'I32' || dtype === 'I64'
      ? [-2147483648, 2147483647]
      : dtype === 'U8'
        ? [0, 255]
        : dtype === 'BOOL'
          ? [0, 1]
          : [Number.NaN, Number.NaN];
  if (Number.isNaN(lo) || data instanceof Int32Array || (dtype === 'U8' && data instanceof Uint8Array))
    return;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!Number.isInteger(v) || v < lo || v > hi) {
      throw new SafetensorsError(
        'SAFETENSORS_INVALID_VALUE',
        { tensor: name },
        `element ${i} is ${v}, not a ${dtype} value (integer in [${lo}, ${hi}])`,
      );
    }
  }
}

function checkFinite(name: string, data: ArrayLike<number>): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v - v !== 0) {
      // NaN - NaN and Inf - Inf are both NaN: one comparison per element
      throw new SafetensorsError(
        'SAFETENSORS_NON_FINITE',
        { tensor: name },
        `element ${i} is ${v}; refusing to write a non-finite value`,
      );
    }
  }
}

/** Little-endian bytes of one tensor's data (a fresh buffer). */
function tensorBytes(
  name: string,
  dtype: SafetensorsDtype,
  data: ArrayLike<number>,
  requireFinite = false,
): Uint8Array {
  checkValues(name, dtype, data);
  if (requireFinite && (dtype === 'F32' || dtype === 'F16' || dtype === 'BF16')) checkFinite(name, data);
  let out: Uint8Array;
  if (dtype === 'F32') out = new Uint8Array(Float32Array.from(data).buffer);
  else if (dtype === 'F16') out = new Uint8Array(encodeF16(data).buffer);
  else if (dtype === 'BF16') out = new Uint8Array(encodeBf16(data).buffer);
  else if (dtype === 'I32') out = new Uint8Array(Int32Array.from(data).buffer);
  else if (dtype === 'I64') {
    const wide = new Int32Array(data.length * 2);
    for (let i = 0; i < data.length; i++) {
      wide[2 * i] = data[i];
      wide[2 * i + 1] = data[i] < 0 ? -1 : 0; // sign extension (host is little-endian)
    }
    out = new Uint8Array(wide.buffer);
  } else out = Uint8Array.from(data);
  return out;
}

/** A file laid out but not yet materialised: the padded header, then each tensor's bytes on demand. */
export interface SafetensorsPlan {
  /** `[u64 N][header JSON padded to 8]`. */
  header: Uint8Array;
  /** Tensors in file order. */
  order: { name: string; dtype: SafetensorsDtype; data: ArrayLike<number> }[];
  /** Total file size in bytes. */
  byteLength: number;
  /** Yields each tensor's bytes in file order (one tensor in memory at a time). */
  chunks(): Generator<Uint8Array>;
}

/** Lays out a file exactly as Rust's `serialize` would (used by the encoder and the streaming writer). */
export function planSafetensors(
  entries: Record<string, SafetensorsEntry>,
  metadata?: Record<string, string>,
  options: SafetensorsWriteOptions = {},
): SafetensorsPlan {
  const requireFinite = options.requireFinite === true;
  const order = Object.entries(entries).map(([name, e]) => {
    const dtype = e.dtype ?? defaultDtype(e.data);
    if (!isSupported(dtype)) {
      throw new SafetensorsError(
        'SAFETENSORS_UNKNOWN_DTYPE',
        { tensor: name },
        `cannot write dtype '${dtype}'`,
      );
    }
    if (name === '' || name === '__metadata__') {
      throw new SafetensorsError(
        'SAFETENSORS_INVALID_VALUE',
        { tensor: name },
        'reserved or empty tensor name',
      );
    }
    const shape = [...e.shape];
    if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new SafetensorsError('SAFETENSORS_INVALID_VALUE', { tensor: name }, `bad shape [${shape}]`);
    }
    if (numel(shape) !== e.data.length) {
      throw new SafetensorsError(
        'SAFETENSORS_MISMATCH',
        { tensor: name },
        `shape [${shape}] has ${numel(shape)} elements but the data has ${e.data.length}`,
      );
    }
    return { name, dtype, shape, data: e.data };
  });
  order.sort((a, b) => DTYPE_RANK[b.dtype] - DTYPE_RANK[a.dtype] || compareUtf8(a.name, b.name));
  const parts: string[] = [];
  if (metadata !== undefined) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') {
        throw new SafetensorsError('SAFETENSORS_INVALID_VALUE', {}, `metadata '${k}' is not a string`);
      }
    }
    // Built by hand: a JS object would move integer-like keys first and change the order.
    const kv = Object.entries(metadata).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`);
    parts.push(`"__metadata__":{${kv.join(',')}}`);
  }
  let offset = 0;
  for (const t of order) {
    const end = offset + numel(t.shape) * DTYPE_BYTES[t.dtype];
    parts.push(
      `${JSON.stringify(t.name)}:{"dtype":"${t.dtype}","shape":[${t.shape.join(',')}],"data_offsets":[${offset},${end}]}`,
    );
    offset = end;
  }
  const json = utf8.encode(`{${parts.join(',')}}`);
  const n = json.length + ((8 - (json.length % 8)) % 8); // pad with spaces, as Rust does
  const header = new Uint8Array(8 + n).fill(0x20, 8 + json.length);
  new DataView(header.buffer).setBigUint64(0, BigInt(n), true);
  header.set(json, 8);
  return {
    header,
    order: order.map(({ name, dtype, data }) => ({ name, dtype, data })),
    byteLength: header.length + offset,
    *chunks() {
      for (const t of order) yield tensorBytes(t.name, t.dtype, t.data, requireFinite);
    },
  };
}

/**
 * Encodes tensors (and optional string metadata) to safetensors bytes, byte-identical to the Rust/Python
 * `safetensors` library for the same inputs (metadata keys keep insertion order).
 * `requireFinite` refuses NaN/Inf in float tensors.
 * @example
 * const bytes = encodeSafetensors({ 'head.weight': { shape: [2, 3], data: new Float32Array(6) } },
 *   { format: 'pt' });
 */
export function encodeSafetensors(
  entries: Record<string, SafetensorsEntry>,
  metadata?: Record<string, string>,
  options: SafetensorsWriteOptions = {},
): Uint8Array {
  checkHost();
  const plan = planSafetensors(entries, metadata, options);
  const out = new Uint8Array(plan.byteLength);
  out.set(plan.header, 0);
  let at = plan.header.length;
  for (const chunk of plan.chunks()) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

function checkHost(): void {
  if (!LITTLE_ENDIAN)
    throw new SafetensorsError('SAFETENSORS_INVALID_VALUE', {}, 'big-endian hosts are not supported');
}

/**
 * Reads the header length N from the first 8 bytes. Throws if the prefix is short, or N exceeds
 * {@link SAFETENSORS_MAX_HEADER_BYTES} or the file.
 */
export function readHeaderLength(prefix: Uint8Array, fileLength: number, file?: string): number {
  if (prefix.length < 8 || fileLength < 8) {
    throw new SafetensorsError(
      'SAFETENSORS_TRUNCATED',
      { file },
      `${fileLength} bytes, shorter than the 8-byte header length`,
    );
  }
  const n = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(SAFETENSORS_MAX_HEADER_BYTES)) {
    throw new SafetensorsError(
      'SAFETENSORS_HEADER_TOO_LARGE',
      { file },
      `header length ${n} exceeds the ${SAFETENSORS_MAX_HEADER_BYTES}-byte limit`,
    );
  }
  if (8n + n > BigInt(fileLength)) {
    throw new SafetensorsError(
      'SAFETENSORS_TRUNCATED',
      { file },
      `header of ${n} bytes but the file has ${fileLength} bytes`,
    );
  }
  return Number(n);
}

function parseInfo(name: string, raw: unknown, file: string | undefined): SafetensorsTensorInfo {
  const bad = (what: string) =>
    new SafetensorsError(
      'SAFETENSORS_INVALID_HEADER',
      { file, tensor: name },
      `${what} (got ${JSON.stringify(raw)})`,
    );
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw bad('entry is not an object');
  const { dtype, shape, data_offsets: offs } = raw as Record<string, unknown>;
  if (typeof dtype !== 'string') throw bad('missing string "dtype"');
  if (!(dtype in DTYPE_BYTES)) {
    throw new SafetensorsError(
      'SAFETENSORS_UNKNOWN_DTYPE',
      { file, tensor: name },
      `unknown dtype '${dtype}'`,
    );
  }
  const isIndex = (d: unknown): d is number => Number.isSafeInteger(d) && (d as number) >= 0;
  if (!Array.isArray(shape) || !shape.every(isIndex))
    throw bad('"shape" is not a list of non-negative integers');
  if (!Array.isArray(offs) || offs.length !== 2 || !offs.every(isIndex))
    throw bad('"data_offsets" is not [begin, end]');
  return { dtype, shape: [...shape], dataOffsets: [offs[0], offs[1]] };
}

/**
 * Parses and validates a header. `bytes` holds at least the first 8 + N bytes of the file;
 * `fileLength` is the whole file's size (offsets are checked against it).
 * @example
 * const h = parseSafetensorsHeader(bytes, bytes.length);
 * h.tensors['pos_embed']; // { dtype: 'F32', shape: [1, 197, 384], dataOffsets: [0, 302592] }
 */
export function parseSafetensorsHeader(
  bytes: Uint8Array,
  fileLength: number,
  file?: string,
  options: { maxTensors?: number } = {},
): SafetensorsHeader {
  const n = readHeaderLength(bytes, fileLength, file);
  if (bytes.length < 8 + n) {
    throw new SafetensorsError(
      'SAFETENSORS_TRUNCATED',
      { file },
      `need ${8 + n} header bytes, have ${bytes.length}`,
    );
  }
  const body = bytes.subarray(8, 8 + n);
  if (body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) {
    throw new SafetensorsError(
      'SAFETENSORS_INVALID_HEADER',
      { file },
      'header starts with a UTF-8 byte-order mark (EF BB BF); it must start with "{"',
    );
  }
  scanHeader(body, file, options.maxTensors ?? SAFETENSORS_MAX_TENSORS);
  let json: unknown;
  try {
    const text = utf8Strict.decode(body);
    if (!text.startsWith('{')) throw new Error('header does not start with "{"');
    json = JSON.parse(text);
  } catch (cause) {
    throw new SafetensorsError(
      'SAFETENSORS_INVALID_HEADER',
      { file },
      `header is not a JSON object: ${String(cause)}`,
      {
        cause,
      },
    );
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new SafetensorsError('SAFETENSORS_INVALID_HEADER', { file }, 'header is not a JSON object');
  }
  // Null-prototype maps: a tensor named '__proto__' must stay a tensor.
  const metadata: Record<string, string> = Object.create(null);
  const tensors: Record<string, SafetensorsTensorInfo> = Object.create(null);
  for (const [name, raw] of Object.entries(json as Record<string, unknown>)) {
    if (name !== '__metadata__') {
      tensors[name] = parseInfo(name, raw, file);
      continue;
    }
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      throw new SafetensorsError(
        'SAFETENSORS_INVALID_HEADER',
        { file },
        '"__metadata__" is not a string map',
      );
    }
    for (const [k, v] of Object.entries(raw)) {
      if (typeof v !== 'string') {
        throw new SafetensorsError(
          'SAFETENSORS_INVALID_HEADER',
          { file },
          `"__metadata__" value '${k}' is not a string`,
        );
      }
      metadata[k] = v;
    }
  }
  const maxTensors = options.maxTensors ?? SAFETENSORS_MAX_TENSORS;
  const count = Object.keys(tensors).length;
  if (count > maxTensors) {
    throw new SafetensorsError(
      'SAFETENSORS_TOO_MANY_TENSORS',
      { file },
      `header lists more than ${maxTensors} tensors (${count}; limit: maxTensors)`,
    );
  }
  validateOffsets(tensors, fileLength - 8 - n, file);
  return { tensors, metadata, dataStart: 8 + n, byteLength: fileLength };
}

/**
 * One pass over the raw header bytes before `JSON.parse`: bounds the nesting depth (a 200,000-deep array
 * would overflow the parser's stack) and the number of top-level entries (a million empty tensors would
 * take seconds and GBs to parse and validate). Strings are skipped, escapes included.
 */
function scanHeader(body: Uint8Array, file: string | undefined, maxTensors: number): void {
  let depth = 0;
  let entries = 0;
  let inString = false;
  let escaped = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (c === 0x5c) escaped = true;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      depth += 1;
      if (depth > SAFETENSORS_MAX_HEADER_DEPTH) {
        throw new SafetensorsError(
          'SAFETENSORS_HEADER_TOO_DEEP',
          { file },
          `header JSON nests deeper than ${SAFETENSORS_MAX_HEADER_DEPTH} levels (at byte ${8 + i}); a valid header nests 3`,
        );
      }
    } else if (c === 0x7d || c === 0x5d) depth -= 1;
    else if (c === 0x3a && depth === 1) {
      entries += 1;
      if (entries > maxTensors + 1) {
        // + 1: the optional "__metadata__" entry
        throw new SafetensorsError(
          'SAFETENSORS_TOO_MANY_TENSORS',
          { file },
          `header lists more than ${maxTensors} tensors (limit: maxTensors)`,
        );
      }
    }
  }
}

/** Rust's `Metadata::validate`: contiguous from 0, sizes match shapes, data section fully used. */
function validateOffsets(
  tensors: Record<string, SafetensorsTensorInfo>,
  dataLength: number,
  file?: string,
): void {
  const sorted = Object.entries(tensors).sort(
    ([, a], [, b]) => a.dataOffsets[0] - b.dataOffsets[0] || a.dataOffsets[1] - b.dataOffsets[1],
  );
  let expected = 0;
  for (const [name, info] of sorted) {
    const [begin, end] = info.dataOffsets;
    const where = { file, tensor: name };
    if (begin !== expected || end < begin) {
      const why =
        begin < expected
          ? 'overlaps the previous tensor'
          : end < begin
            ? 'ends before it begins'
            : 'leaves a gap';
      throw new SafetensorsError(
        'SAFETENSORS_INVALID_OFFSETS',
        where,
        `data_offsets [${begin}, ${end}] ${why} (expected begin ${expected})`,
      );
    }
    const size = numel(info.shape) * DTYPE_BYTES[info.dtype];
    if (end - begin !== size) {
      throw new SafetensorsError(
        'SAFETENSORS_INVALID_OFFSETS',
        where,
        `data_offsets [${begin}, ${end}] span ${end - begin} bytes but ${info.dtype} [${info.shape}] needs ${size}`,
      );
    }
    expected = end;
  }
  if (expected > dataLength) {
    throw new SafetensorsError(
      'SAFETENSORS_TRUNCATED',
      { file },
      `header describes ${expected} data bytes but the file holds ${dataLength} (truncated)`,
    );
  }
  if (expected < dataLength) {
    throw new SafetensorsError(
      'SAFETENSORS_INVALID_OFFSETS',
      { file },
      `header describes ${expected} data bytes but the file holds ${dataLength} (trailing bytes)`,
    );
  }
}

/**
 * Decodes one tensor from its raw little-endian bytes (`bytes` is exactly its data range).
 * Throws SAFETENSORS_UNKNOWN_DTYPE for dtypes the format knows but we do not decode (F64, I8, ...).
 */
export function decodeTensorData(
  name: string,
  info: SafetensorsTensorInfo,
  bytes: Uint8Array,
  file?: string,
): SafetensorsTensor {
  checkHost();
  const { dtype, shape } = info;
  if (!isSupported(dtype)) {
    throw new SafetensorsError(
      'SAFETENSORS_UNKNOWN_DTYPE',
      { file, tensor: name },
      `dtype '${dtype}' is not supported (supported: ${SAFETENSORS_DTYPES.join(', ')})`,
    );
  }
  const copy = bytes.slice().buffer; // aligned, and not a view on the caller's buffer
  let data: SafetensorsData;
  if (dtype === 'F32') data = new Float32Array(copy);
  else if (dtype === 'F16') data = decodeF16(new Uint16Array(copy));
  else if (dtype === 'BF16') data = decodeBf16(new Uint16Array(copy));
  else if (dtype === 'I32') data = new Int32Array(copy);
  else if (dtype === 'I64') data = narrowI64(new Int32Array(copy), name, file);
  else data = new Uint8Array(copy);
  return { dtype, shape: [...shape], data };
}

function narrowI64(words: Int32Array, name: string, file?: string): Int32Array {
  const out = new Int32Array(words.length / 2);
  for (let i = 0; i < out.length; i++) {
    const lo = words[2 * i];
    const hi = words[2 * i + 1];
    if (hi !== (lo < 0 ? -1 : 0)) {
      const v = (BigInt(hi) << 32n) | BigInt(lo >>> 0);
      throw new SafetensorsError(
        'SAFETENSORS_INVALID_VALUE',
        { file, tensor: name },
        `I64 element ${i} is ${v}, outside the int32 range tfjs can hold`,
      );
    }
    out[i] = lo;
  }
  return out;
}

/** Checks a decoded header against `expect` (presence, shape, dtype). */
export function checkExpectations(
  tensors: Record<string, { dtype: string; shape: number[] }>,
  expect: Record<string, SafetensorsExpectation> | undefined,
  file?: string,
): void {
  for (const [name, want] of Object.entries(expect ?? {})) {
    const got = tensors[name];
    const where = { file, tensor: name };
    if (!got) throw new SafetensorsError('SAFETENSORS_MISMATCH', where, 'is missing');
    if (want.dtype !== undefined && got.dtype !== want.dtype) {
      throw new SafetensorsError(
        'SAFETENSORS_MISMATCH',
        where,
        `has dtype ${got.dtype}, expected ${want.dtype}`,
      );
    }
    if (
      want.shape !== undefined &&
      (want.shape.length !== got.shape.length || want.shape.some((d, i) => d !== got.shape[i]))
    ) {
      throw new SafetensorsError(
        'SAFETENSORS_MISMATCH',
        where,
        `has shape [${got.shape}], expected [${want.shape}]`,
      );
    }
  }
}

/**
 * Decodes safetensors bytes. F16/BF16 widen to Float32Array, I64 narrows to Int32Array (range-checked).
 * @example
 * const { tensors, metadata } = decodeSafetensors(bytes, { expect: { 'head.weight': { shape: [2, 3] } } });
 * tensors['head.weight'].data; // Float32Array(6)
 */
export function decodeSafetensors(
  bytes: Uint8Array,
  options: SafetensorsReadOptions = {},
): { tensors: Record<string, SafetensorsTensor>; metadata: Record<string, string> } {
  const { file } = options;
  const header = parseSafetensorsHeader(bytes, bytes.length, file, options);
  checkExpectations(header.tensors, options.expect, file);
  const tensors: Record<string, SafetensorsTensor> = Object.create(null);
  for (const [name, info] of Object.entries(header.tensors)) {
    const [begin, end] = info.dataOffsets;
    tensors[name] = decodeTensorData(
      name,
      info,
      bytes.subarray(header.dataStart + begin, header.dataStart + end),
      file,
    );
  }
  return { tensors, metadata: header.metadata };
}
