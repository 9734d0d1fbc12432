/**
 * Batched matmul for attention (q·kᵀ and attn·v), on the fastest measured formulation per backend.
 *
 * tfjs-backend-wasm's BatchMatMul only reaches XNNPACK for batch 1 without transpose flags; every
 * batched call runs a scalar loop at ~2 GFLOP/s (BACKENDS.md). Measured on the 2-vCPU EPYC, wasm,
 * single thread, forward only (ms per call, B·H batches of [M, K]·[K, N]):
 *
 * | shape (Bn, M, K, N) | tf.matMul | flag B / flag A | split + 2-D matMuls | broadcast-mul-sum | block-diagonal 2-D | depthwise conv |
 * |---|---|---|---|---|---|---|
 * | 48, 196, 64, 196 (ViT-S QKᵀ) | 115–156 | 145 / 128 | 93 | 217 | 533 | **24** |
 * | 256, 64, 32, 64 (tiny QKᵀ)   | 33–35   | 35 / 36   | 361 | 49 | — | **12** |
 * | 48, 196, 196, 64 (ViT-S AV)  | 113–128 | 121 / 122 | 78 | 278 | 830 | **24** |
 *
 * The winner on wasm rewrites the batched product as one depthwise 2-D convolution, which the wasm
 * backend runs through XNNPACK: input [1, M, K, Bn] (rows of a, K as the conv's width, batches as
 * channels), filter [1, K, Bn, N] (channel multiplier N), 'valid' padding → [1, M, 1, Bn·N]
 * = out[m, b·N + n] = Σ_k a[b, m, k]·b[b, k, n]. The two transposes around it are memory passes and
 * cost far less than the matmul they replace: 4–5× overall (~10 GFLOP/s vs ~2). On the cpu backend the
 * same trick is 2.5× slower than tf.matMul (0.35 vs 0.85 GFLOP/s), so cpu keeps tf.matMul. webgpu
 * (Dawn + lavapipe, tiny q·kᵀ fwd+bwd): depthwise 3× slower in one bench run, within noise in another;
 * it keeps tf.matMul, as do webgl and tensorflow (native kernels with real batched matmuls).
 *
 * Forward + backward (sum of the product), same machine: ViT-S QKᵀ 352 ms (tf.matMul, tfjs gradient)
 * vs 93 ms (depthwise, 7.7 GFLOP/s); tiny QKᵀ 107 ms vs 43 ms.
 *
 * The gradient is custom and flag-free: dA = dY·Bᵀ and dB = Aᵀ·dY with the transposes materialised,
 * each computed by the same strategy (tfjs's own BatchMatMul gradient uses transpose flags).
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ShapeError } from '../errors';

/** Name of a batched-matmul formulation. */
export type BatchedMatMulStrategy = 'matmul' | 'depthwise';

type Bmm = (a: tf.Tensor3D, b: tf.Tensor3D) => tf.Tensor3D;

/** One formulation: the forward product and the two products of its gradient, all flag-free. */
interface BmmImpl {
  /** a: [Bn, M, K], b: [Bn, K, N] → a·b [Bn, M, N] */
  forward: Bmm;
  /** dy: [Bn, M, N], b: [Bn, K, N] → dy·bᵀ [Bn, M, K] */
  gradA: Bmm;
  /** a: [Bn, M, K], dy: [Bn, M, N] → aᵀ·dy [Bn, K, N] */
  gradB: Bmm;
}

/**
 * x: [R, C, Bn], f: [C, Bn, N] → out[b, r, n] = Σ_c x[r, c, b]·f[c, b, n], as one depthwise conv
 * (input [1, R, C, Bn], filter [1, C, Bn, N], 'valid') that the wasm backend runs through XNNPACK.
 */
function depthwiseProduct(x: tf.Tensor3D, f: tf.Tensor3D): tf.Tensor3D {
  const [r, c, bn] = x.shape;
  const n = f.shape[2];
  const y = tf.depthwiseConv2d(
    tf.reshape(x, [1, r, c, bn]) as tf.Tensor4D,
    tf.reshape(f, [1, c, bn, n]) as tf.Tensor4D,
    1,
    'valid',
  ); // [1, R, 1, Bn·N]
  return tf.transpose(tf.reshape(y, [r, bn, n]), [1, 0, 2]); // [Bn, R, N]
}

// Each operand is permuted straight into the [R, C, Bn] / [C, Bn, N] layout (one transpose each, the
// gradient's "transpose" folded into that permutation).
const DEPTHWISE: BmmImpl = {
  forward: (a, b) => depthwiseProduct(tf.transpose(a, [1, 2, 0]), tf.transpose(b, [1, 0, 2])),
  gradA: (dy, b) => depthwiseProduct(tf.transpose(dy, [1, 2, 0]), tf.transpose(b, [2, 0, 1])),
  gradB: (a, dy) => depthwiseProduct(tf.transpose(a, [2, 1, 0]), tf.transpose(dy, [1, 0, 2])),
};

const MATMUL: BmmImpl = {
  forward: (a, b) => tf.matMul(a, b),
  gradA: (dy, b) => tf.matMul(dy, tf.transpose(b, [0, 2, 1])),
  gradB: (a, dy) => tf.matMul(tf.transpose(a, [0, 2, 1]), dy),
};

/** Fastest measured formulation per tfjs backend name; any backend not listed uses 'matmul'. */
export const BATCHED_MATMUL_STRATEGY: Readonly<Record<string, BatchedMatMulStrategy>> = Object.freeze({
  wasm: 'depthwise',
  cpu: 'matmul',
  webgl: 'matmul',
  webgpu: 'matmul',
  tensorflow: 'matmul',
});

/** Strategy batchedMatMul uses on `backend` (default: the active tfjs backend). */
export function batchedMatMulStrategy(backend: string = tf.getBackend()): BatchedMatMulStrategy {
  return BATCHED_MATMUL_STRATEGY[backend] ?? 'matmul';
}

function withGrad(impl: BmmImpl): Bmm {
  // customGrad's typing joins the save function into the variadic inputs; the cast states the arity.
  return tf.customGrad(((a: tf.Tensor3D, b: tf.Tensor3D, save: tf.GradSaveFunc) => {
    save([a, b]);
    return {
      value: impl.forward(a, b),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [as, bs] = saved as [tf.Tensor3D, tf.Tensor3D];
        const g = dy as tf.Tensor3D;
        return [impl.gradA(g, bs), impl.gradB(as, g)];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as Bmm;
}

const GRAD_FNS: Readonly<Record<BatchedMatMulStrategy, Bmm>> = Object.freeze({
  matmul: withGrad(MATMUL),
  depthwise: withGrad(DEPTHWISE),
});

function checkShapes(a: tf.Tensor, b: tf.Tensor, name: string): void {
  const ok =
    a.rank >= 2 &&
    a.rank === b.rank &&
    a.shape[a.rank - 1] === b.shape[b.rank - 2] &&
    a.shape.slice(0, -2).every((d, i) => d === b.shape[i]);
  if (!ok) {
    throw new ShapeError(
      `${name}: expected a [..., M, K] and b [..., K, N] with equal batch dims, got a [${a.shape}] and b [${b.shape}]`,
    );
  }
}

/**
 * Batched product with an explicit strategy (for benchmarks and parity tests); prefer `batchedMatMul`.
 * a: [..., M, K], b: [..., K, N] → [..., M, N]
 * @example const s = batchedMatMulWith('depthwise', q, kT);
 */
export function batchedMatMulWith<T extends tf.Tensor>(
  strategy: BatchedMatMulStrategy,
  a: T,
  b: tf.Tensor,
): T {
  if (!GRAD_FNS[strategy]) {
    throw new InvalidArgumentError(
      `batchedMatMulWith: unknown strategy '${strategy}' (expected one of ${Object.keys(GRAD_FNS).join(', ')})`,
    );
  }
  checkShapes(a, b, 'batchedMatMul');
  return tf.tidy(() => {
    const lead = a.shape.slice(0, -2);
    const [m, k] = a.shape.slice(-2);
    const n = b.shape[b.rank - 1];
    const bn = lead.reduce((p, d) => p * d, 1);
    const a3 = tf.reshape(a, [bn, m, k]) as tf.Tensor3D;
    const b3 = tf.reshape(b, [bn, k, n]) as tf.Tensor3D;
    // One batch is a plain 2-D product: tf.matMul is on every backend's fast path (XNNPACK on wasm).
    const fn = GRAD_FNS[bn === 1 ? 'matmul' : strategy];
    return tf.reshape(fn(a3, b3), [...lead, m, n]) as T;
  });
}

/**
 * Batched matmul with equal batch dims, on the fastest measured formulation for the active backend
 * (`batchedMatMulStrategy()`), with a transpose-flag-free custom gradient.
 * a: [..., M, K], b: [..., K, N] → [..., M, N]
 * @example const attn = batchedMatMul(q, kT); // [B, H, N, Dh]·[B, H, Dh, N] → [B, H, N, N]
 */
export function batchedMatMul<T extends tf.Tensor>(a: T, b: tf.Tensor): T {
  return batchedMatMulWith(batchedMatMulStrategy(), a, b);
}

/**
 * Naive formulation kept for benchmarks: tf.matMul on the batched tensors with tfjs's own gradient.
 * a: [..., M, K], b: [..., K, N] → [..., M, N]
 * @example const y = batchedMatMulNaive(a, b);
 */
export function batchedMatMulNaive<T extends tf.Tensor>(a: T, b: tf.Tensor): T {
  checkShapes(a, b, 'batchedMatMulNaive');
  return tf.tidy(() => tf.matMul(a as tf.Tensor, b) as T);
}
