/*
 * Single-precision GEMM for tfjs's wasm backend: C[M,N] = op(A)[M,K] · op(B)[K,N].
 *
 * Why: tfjs-wasm's BatchMatMul (an old XNNPACK) runs the ViT's Linear layers at 20-27 GFLOP/s on one
 * thread and needs explicit transposes for the weight gradients; this blocked GEMM (GotoBLAS layout:
 * B packed into KC x NR panels, A into MC x KC panels of MR rows, a 4x8 register tile of f32x4
 * accumulators) reaches 34-40 GFLOP/s on the same shapes and reads transposed operands while packing.
 *
 * It runs *inside tfjs-wasm's linear memory* (imported), so it reads and writes tensors in place. For
 * that it must own no memory: no data segments and no shadow stack (tools/build_wasm_gemm.sh checks
 * both); all scratch space comes in through `work`, allocated by the caller with tfjs's malloc.
 *
 * Built by tools/build_wasm_gemm.sh (clang-14 --target=wasm32 -msimd128) into gemm-wasm.ts.
 */
#include <wasm_simd128.h>

#define MR 4
#define NR 8
#define KC 256
#define MC 128

/* Scratch floats `gemm` needs for given N (the caller allocates them). */
__attribute__((export_name("gemm_work_floats")))
int gemm_work_floats(int N) { return KC * ((N + NR - 1) / NR * NR) + MC * KC + MR * NR; }

/* Pack rows [i0, i0+mc) x cols [p0, p0+kc) of op(A) into panels of MR rows: Ap[panel][k][MR], zero-padded. */
static void pack_a(const float* A, int lda, int transA, int i0, int mc, int p0, int kc, float* Ap) {
  for (int ip = 0; ip < mc; ip += MR) {
    int mr = mc - ip < MR ? mc - ip : MR;
    if (transA && mr == MR) {
      /* A stored [K, M]: the MR values of one k are contiguous. */
      for (int k = 0; k < kc; k++) {
        wasm_v128_store(Ap, wasm_v128_load(A + (p0 + k) * lda + i0 + ip));
        Ap += MR;
      }
      continue;
    }
    for (int k = 0; k < kc; k++) {
      for (int i = 0; i < MR; i++) {
        int r = i0 + ip + i, c = p0 + k;
        *Ap++ = i < mr ? (transA ? A[c * lda + r] : A[r * lda + c]) : 0.f;
      }
    }
  }
}

/* Pack rows [p0, p0+kc) x all N cols of op(B) into panels of NR cols: Bp[panel][k][NR], zero-padded. */
static void pack_b(const float* B, int ldb, int transB, int p0, int kc, int N, float* Bp) {
  for (int jp = 0; jp < N; jp += NR) {
    int nr = N - jp < NR ? N - jp : NR;
    if (!transB && nr == NR) {
      for (int k = 0; k < kc; k++) {
        const float* src = B + (p0 + k) * ldb + jp;
        wasm_v128_store(Bp, wasm_v128_load(src));
        wasm_v128_store(Bp + 4, wasm_v128_load(src + 4));
        Bp += NR;
      }
      continue;
    }
    for (int k = 0; k < kc; k++) {
      for (int j = 0; j < NR; j++) {
        int r = p0 + k, c = jp + j;
        *Bp++ = j < nr ? (transB ? B[c * ldb + r] : B[r * ldb + c]) : 0.f;
      }
    }
  }
}

#define FMA(acc, a, b) acc = wasm_f32x4_add(acc, wasm_f32x4_mul(a, b))
#define ROW(r, c0, c1)                                  \
  {                                                     \
    v128_t x = wasm_v128_load32_splat(a + r);           \
    FMA(c0, x, b0);                                     \
    FMA(c1, x, b1);                                     \
  }
#define STORE_ROW(dst, c0, c1)                                                       \
  {                                                                                  \
    if (accumulate) {                                                                \
      c0 = wasm_f32x4_add(c0, wasm_v128_load(dst));                                  \
      c1 = wasm_f32x4_add(c1, wasm_v128_load(dst + 4));                              \
    }                                                                                \
    wasm_v128_store(dst, c0);                                                        \
    wasm_v128_store(dst + 4, c1);                                                    \
  }

/* One MR x NR tile of C (+)= Ap panel · Bp panel over kc. Partial tiles go through `edge`. */
static void tile(int kc, const float* restrict a, const float* restrict b, float* c, int ldc, int accumulate,
                 int mr, int nr, float* edge) {
  v128_t c00 = wasm_f32x4_splat(0.f), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  for (int k = 0; k < kc; k++) {
    v128_t b0 = wasm_v128_load(b), b1 = wasm_v128_load(b + 4);
    ROW(0, c00, c01) ROW(1, c10, c11) ROW(2, c20, c21) ROW(3, c30, c31)
    a += MR;
    b += NR;
  }
  if (mr == MR && nr == NR) {
    STORE_ROW(c, c00, c01)
    STORE_ROW(c + ldc, c10, c11)
    STORE_ROW(c + 2 * ldc, c20, c21)
    STORE_ROW(c + 3 * ldc, c30, c31)
    return;
  }
  wasm_v128_store(edge, c00); wasm_v128_store(edge + 4, c01);
  wasm_v128_store(edge + 8, c10); wasm_v128_store(edge + 12, c11);
  wasm_v128_store(edge + 16, c20); wasm_v128_store(edge + 20, c21);
  wasm_v128_store(edge + 24, c30); wasm_v128_store(edge + 28, c31);
  for (int i = 0; i < mr; i++)
    for (int j = 0; j < nr; j++) c[i * ldc + j] = (accumulate ? c[i * ldc + j] : 0.f) + edge[i * NR + j];
}

/*
 * C[M,N] = op(A)·op(B), row-major, C dense. transA: A is stored [K, M]; transB: B is stored [N, K].
 * work: gemm_work_floats(N) floats, 16-byte aligned.
 */
__attribute__((export_name("gemm")))
void gemm(const float* A, const float* B, float* C, int M, int N, int K, int transA, int transB, float* work) {
  int lda = transA ? M : K, ldb = transB ? K : N;
  int npad = (N + NR - 1) / NR * NR;
  float* Bp = work;
  float* Ap = Bp + KC * npad;
  float* edge = Ap + MC * KC;
  for (int p0 = 0; p0 < K; p0 += KC) {
    int kc = K - p0 < KC ? K - p0 : KC;
    pack_b(B, ldb, transB, p0, kc, N, Bp);
    for (int i0 = 0; i0 < M; i0 += MC) {
      int mc = M - i0 < MC ? M - i0 : MC;
      pack_a(A, lda, transA, i0, mc, p0, kc, Ap);
      for (int jp = 0; jp < N; jp += NR) {
        int nr = N - jp < NR ? N - jp : NR;
        const float* bpanel = Bp + jp * kc;
        for (int ip = 0; ip < mc; ip += MR) {
          int mr = mc - ip < MR ? mc - ip : MR;
          tile(kc, Ap + ip * kc, bpanel, C + (i0 + ip) * N + jp, N, p0 > 0, mr, nr, edge);
        }
      }
    }
  }
}

/*
 * out[j] = sum_i X[i, j] for X [rows, cols] (bias and LayerNorm-parameter gradients). tfjs does this as
 * a ones-row matmul, and XNNPACK re-packs the whole of X as "weights" on every call (7-10 ms for
 * [2112, 768]); this reads X once, 16 columns per pass, in 4 f32x4 accumulators.
 */
__attribute__((export_name("sum_rows")))
void sum_rows(const float* X, float* out, int rows, int cols) {
  int j = 0;
  for (; j + 16 <= cols; j += 16) {
    v128_t s0 = wasm_f32x4_splat(0.f), s1 = s0, s2 = s0, s3 = s0;
    const float* p = X + j;
    for (int i = 0; i < rows; i++, p += cols) {
      s0 = wasm_f32x4_add(s0, wasm_v128_load(p));
      s1 = wasm_f32x4_add(s1, wasm_v128_load(p + 4));
      s2 = wasm_f32x4_add(s2, wasm_v128_load(p + 8));
      s3 = wasm_f32x4_add(s3, wasm_v128_load(p + 12));
    }
    wasm_v128_store(out + j, s0);
    wasm_v128_store(out + j + 4, s1);
    wasm_v128_store(out + j + 8, s2);
    wasm_v128_store(out + j + 12, s3);
  }
  for (; j + 4 <= cols; j += 4) {
    v128_t s = wasm_f32x4_splat(0.f);
    for (int i = 0; i < rows; i++) s = wasm_f32x4_add(s, wasm_v128_load(X + i * cols + j));
    wasm_v128_store(out + j, s);
  }
  for (; j < cols; j++) {
    float s = 0.f;
    for (int i = 0; i < rows; i++) s += X[i * cols + j];
    out[j] = s;
  }
}
