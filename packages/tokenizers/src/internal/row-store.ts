/**
 * A growable set of fixed-width float rows kept in Float32Array chunks, so that millions of patches
 * (3M × 192 floats = 2.3 GB) never need one giant allocation (typed arrays and wasm heaps cap far below).
 */

/** Rows of width `dim` in chunks of `chunkRows`. */
export interface RowStore {
  readonly dim: number;
  readonly capacity: number;
  readonly chunkRows: number;
  /** Rows written so far (rows are filled in order 0, 1, ...; `set` may overwrite any filled row). */
  readonly count: number;
  /** Appends a row copied from src[offset .. offset+dim). */
  push(src: ArrayLike<number>, offset: number): void;
  /** Overwrites row i with src[offset .. offset+dim). */
  set(i: number, src: ArrayLike<number>, offset: number): void;
  /** Row i as a view (do not keep it across `push`). */
  row(i: number): Float32Array;
  /** The filled rows of chunk k as one view [n, dim]. */
  chunk(k: number): Float32Array;
  /** Number of chunks holding rows. */
  readonly numChunks: number;
}

/**
 * Creates an empty RowStore for up to `capacity` rows of width `dim` (rows [N, dim]). Chunks are allocated lazily.
 * @example const rows = createRowStore(3_000_000, 192); rows.push(patches, 0);
 */
export function createRowStore(capacity: number, dim: number, chunkRows = 65536): RowStore {
  const chunks: Float32Array[] = [];
  let count = 0;
  const row = (i: number): Float32Array => {
    const k = Math.floor(i / chunkRows);
    const o = (i - k * chunkRows) * dim;
    return chunks[k].subarray(o, o + dim);
  };
  const set = (i: number, src: ArrayLike<number>, offset: number): void => {
    const r = row(i);
    for (let j = 0; j < dim; j++) r[j] = src[offset + j];
  };
  return {
    dim,
    capacity,
    chunkRows,
    get count() {
      return count;
    },
    get numChunks() {
      return chunks.length;
    },
    push(src, offset) {
      if (count >= capacity) throw new RangeError(`RowStore: capacity ${capacity} exceeded`);
      const k = Math.floor(count / chunkRows);
      if (k === chunks.length)
        chunks.push(new Float32Array(Math.min(chunkRows, capacity - k * chunkRows) * dim));
      set(count++, src, offset);
    },
    set,
    row,
    chunk(k) {
      const n = Math.min(chunkRows, count - k * chunkRows);
      return chunks[k].subarray(0, n * dim);
    },
  };
}
