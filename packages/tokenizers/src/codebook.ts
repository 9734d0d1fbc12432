/**
 * Nearest-codeword assignment (paper eq. 1): t = argmax_i xᵀe_i over a unit codebook stored [P, V],
 * computed as flag-free 2-D matmuls (the XNNPACK fast path on wasm, BACKENDS.md), chunked over rows so
 * that the [rows, V] score matrix stays bounded for V = 8192.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Default bound on the score matrix of one chunk: 2^22 floats (16 MiB). */
export const SCORE_CHUNK_ELEMENTS = 1 << 22;

/** Rows per chunk so that rows·V stays under `maxElements`. */
export function rowsPerChunk(vocabSize: number, maxElements = SCORE_CHUNK_ELEMENTS): number {
  return Math.max(1, Math.floor(maxElements / vocabSize));
}

function chunked(n: number, rows: number, fn: (start: number, size: number) => tf.Tensor[]): tf.Tensor[][] {
  const parts: tf.Tensor[][] = [];
  for (let start = 0; start < n; start += rows) parts.push(fn(start, Math.min(rows, n - start)));
  return parts;
}

/**
 * Index of the best codeword per row. x: [N, P], codebook: [P, V] → ids [N] int32.
 * @example const ids = nearestCodeword(patches, codebook); // [B·L]
 */
export function nearestCodeword(x: tf.Tensor2D, codebook: tf.Tensor2D, maxElements?: number): tf.Tensor1D {
  return tf.tidy(() => {
    const n = x.shape[0];
    const rows = rowsPerChunk(codebook.shape[1], maxElements);
    if (n <= rows) return tf.argMax(tf.matMul(x, codebook), 1) as tf.Tensor1D;
    const parts = chunked(n, rows, (start, size) =>
      tf.tidy(() => [tf.argMax(tf.matMul(tf.slice(x, [start, 0], [size, -1]), codebook), 1)]),
    );
    return tf.concat(parts.map((p) => p[0] as tf.Tensor1D)) as tf.Tensor1D;
  });
}

/**
 * Best codeword and its score per row (for k-means). x: [N, P], codebook: [P, V] →
 * { ids: [N] int32, scores: [N] float32 = max_i xᵀe_i }.
 * @example const { ids, scores } = nearestCodewordWithScore(patches, centroidsT);
 */
export function nearestCodewordWithScore(
  x: tf.Tensor2D,
  codebook: tf.Tensor2D,
  maxElements?: number,
): { ids: tf.Tensor1D; scores: tf.Tensor1D } {
  const out = tf.tidy(() => {
    const n = x.shape[0];
    const rows = rowsPerChunk(codebook.shape[1], maxElements);
    const parts = chunked(n, rows, (start, size) =>
      tf.tidy(() => {
        const s = tf.matMul(n <= rows ? x : tf.slice(x, [start, 0], [size, -1]), codebook); // [rows, V]
        return [tf.argMax(s, 1), tf.max(s, 1)];
      }),
    );
    if (parts.length === 1) return parts[0];
    return [
      tf.concat(parts.map((p) => p[0] as tf.Tensor1D)),
      tf.concat(parts.map((p) => p[1] as tf.Tensor1D)),
    ];
  });
  return { ids: out[0] as tf.Tensor1D, scores: out[1] as tf.Tensor1D };
}
