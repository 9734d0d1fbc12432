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

/*
 * Operands are strided views: op(A)(i, k) = A[i*rsA + k*csA], op(B)(k, j) = B[k*rsB + j*csB]. That
 * covers plain and transposed matrices and the heads of a fused qkv tensor alike.
 */

/* Pack rows [i0, i0+mc) x cols [p0, p0+kc) of op(A) into panels of MR rows: Ap[panel][k][MR], zero-padded. */
static void pack_a(const float* A, int rsA, int csA, int i0, int mc, int p0, int kc, float* Ap) {
  for (int ip = 0; ip < mc; ip += MR) {
    int mr = mc - ip < MR ? mc - ip : MR;
    const float* base = A + (i0 + ip) * rsA + p0 * csA;
    if (rsA == 1 && mr == MR) {
      /* the MR values of one k are contiguous (A stored transposed) */
      for (int k = 0; k < kc; k++) {
        wasm_v128_store(Ap, wasm_v128_load(base + k * csA));
        Ap += MR;
      }
      continue;
    }
    for (int k = 0; k < kc; k++)
      for (int i = 0; i < MR; i++) *Ap++ = i < mr ? base[i * rsA + k * csA] : 0.f;
  }
}

/* Pack rows [p0, p0+kc) x all n cols of op(B) into panels of NR cols: Bp[panel][k][NR], zero-padded. */
static void pack_b(const float* B, int rsB, int csB, int p0, int kc, int n, float* Bp) {
  for (int jp = 0; jp < n; jp += NR) {
    int nr = n - jp < NR ? n - jp : NR;
    const float* base = B + p0 * rsB + jp * csB;
    if (csB == 1 && nr == NR) {
      for (int k = 0; k < kc; k++) {
        const float* src = base + k * rsB;
        wasm_v128_store(Bp, wasm_v128_load(src));
        wasm_v128_store(Bp + 4, wasm_v128_load(src + 4));
        Bp += NR;
      }
      continue;
    }
    for (int k = 0; k < kc; k++)
      for (int j = 0; j < NR; j++) *Bp++ = j < nr ? base[k * rsB + j * csB] : 0.f;
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

/* C[M,N] (row stride ldc) = op(A)·op(B) over strided views; work: gemm_work_floats(N) floats. */
static void gemm_strided(const float* A, int rsA, int csA, const float* B, int rsB, int csB, float* C, int ldc,
                         int M, int N, int K, float* work) {
  int npad = (N + NR - 1) / NR * NR;
  float* Bp = work;
  float* Ap = Bp + KC * npad;
  float* edge = Ap + MC * KC;
  for (int p0 = 0; p0 < K; p0 += KC) {
    int kc = K - p0 < KC ? K - p0 : KC;
    pack_b(B, rsB, csB, p0, kc, N, Bp);
    for (int i0 = 0; i0 < M; i0 += MC) {
      int mc = M - i0 < MC ? M - i0 : MC;
      pack_a(A, rsA, csA, i0, mc, p0, kc, Ap);
      for (int jp = 0; jp < N; jp += NR) {
        int nr = N - jp < NR ? N - jp : NR;
        const float* bpanel = Bp + jp * kc;
        for (int ip = 0; ip < mc; ip += MR) {
          int mr = mc - ip < MR ? mc - ip : MR;
          tile(kc, Ap + ip * kc, bpanel, C + (i0 + ip) * ldc + jp, ldc, p0 > 0, mr, nr, edge);
        }
      }
    }
  }
}

/*
 * C[M,N] = op(A)·op(B), row-major, C dense. transA: A is stored [K, M]; transB: B is stored [N, K].
 * work: gemm_work_floats(N) floats.
 */
__attribute__((export_name("gemm")))
void gemm(const float* A, const float* B, float* C, int M, int N, int K, int transA, int transB, float* work) {
  gemm_strided(A, transA ? 1 : K, transA ? M : 1, B, transB ? 1 : N, transB ? K : 1, C, N, M, N, K, work);
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

/*
 * GELU, exact form x·Φ(x) = 0.5·x·(1 + erf(x/√2)), and its gradient dy·(Φ(x) + x·φ(x)), in one pass
 * each. tfjs composes erf from ~25 element-wise kernels (60 ms per block of a Ti/4 step for the
 * [2112, 768] MLP activation, fwd + bwd). erf: Abramowitz & Stegun 7.1.26 (|error| <= 1.5e-7), whose
 * exp(-z²) term with z = x/√2 is also √(2π)·φ(x), so the gradient needs one exp too.
 */
static v128_t exp_neg(v128_t v) {
  /* exp(v) for v <= 0: v = n·ln2 + r, |r| <= ln2/2, degree-6 Taylor of exp(r), 2^n built in the exponent
     bits. Below -87 the result is 0 (float32 underflow; clamping keeps n in the normal range). */
  v128_t lo = wasm_f32x4_splat(-87.f);
  v128_t below = wasm_f32x4_lt(v, lo);
  v = wasm_f32x4_max(v, lo);
  v128_t n = wasm_f32x4_nearest(wasm_f32x4_mul(v, wasm_f32x4_splat(1.44269504088896341f)));
  v128_t r = wasm_f32x4_sub(v, wasm_f32x4_mul(n, wasm_f32x4_splat(0.693359375f)));
  r = wasm_f32x4_sub(r, wasm_f32x4_mul(n, wasm_f32x4_splat(-2.12194440e-4f)));
  v128_t p = wasm_f32x4_splat(1.f / 720.f);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.f / 120.f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.f / 24.f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.f / 6.f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(0.5f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.f));
  v128_t pow2n = wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(n), wasm_i32x4_splat(127)), 23);
  return wasm_v128_andnot(wasm_f32x4_mul(p, pow2n), below);
}

/* Φ(x) and e = exp(-x²/2) for one vector. */
static v128_t normal_cdf(v128_t x, v128_t* e) {
  v128_t z = wasm_f32x4_abs(wasm_f32x4_mul(x, wasm_f32x4_splat(0.70710678118654752f)));
  v128_t t = wasm_f32x4_div(wasm_f32x4_splat(1.f), wasm_f32x4_add(wasm_f32x4_splat(1.f),
                                                                   wasm_f32x4_mul(z, wasm_f32x4_splat(0.3275911f))));
  v128_t poly = wasm_f32x4_splat(1.061405429f);
  poly = wasm_f32x4_add(wasm_f32x4_mul(poly, t), wasm_f32x4_splat(-1.453152027f));
  poly = wasm_f32x4_add(wasm_f32x4_mul(poly, t), wasm_f32x4_splat(1.421413741f));
  poly = wasm_f32x4_add(wasm_f32x4_mul(poly, t), wasm_f32x4_splat(-0.284496736f));
  poly = wasm_f32x4_add(wasm_f32x4_mul(poly, t), wasm_f32x4_splat(0.254829592f));
  poly = wasm_f32x4_mul(poly, t);
  *e = exp_neg(wasm_f32x4_neg(wasm_f32x4_mul(z, z)));
  v128_t erf_abs = wasm_f32x4_sub(wasm_f32x4_splat(1.f), wasm_f32x4_mul(poly, *e)); /* erf(|z|) */
  /* Φ(x) = 0.5·(1 + sign(x)·erf(|z|)) */
  v128_t half = wasm_f32x4_splat(0.5f);
  v128_t h = wasm_f32x4_mul(half, erf_abs);
  return wasm_v128_bitselect(wasm_f32x4_sub(half, h), wasm_f32x4_add(half, h), wasm_f32x4_lt(x, wasm_f32x4_splat(0.f)));
}

/* y = x·Φ(x) elementwise over n floats (a tail of n % 4 goes through the same vector code). */
__attribute__((export_name("gelu")))
void gelu(const float* x, float* y, int n) {
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    v128_t v = wasm_v128_load(x + i), e;
    wasm_v128_store(y + i, wasm_f32x4_mul(v, normal_cdf(v, &e)));
  }
  for (; i < n; i++) {
    v128_t v = wasm_f32x4_splat(x[i]), e;
    y[i] = wasm_f32x4_extract_lane(wasm_f32x4_mul(v, normal_cdf(v, &e)), 0);
  }
}

/* dx = dy·(Φ(x) + x·φ(x)), φ(x) = exp(-x²/2)/√(2π). */
static v128_t gelu_grad4(v128_t v, v128_t g) {
  v128_t e;
  v128_t cdf = normal_cdf(v, &e);
  v128_t pdf = wasm_f32x4_mul(e, wasm_f32x4_splat(0.39894228040143268f));
  return wasm_f32x4_mul(g, wasm_f32x4_add(cdf, wasm_f32x4_mul(v, pdf)));
}

__attribute__((export_name("gelu_grad")))
void gelu_grad(const float* x, const float* dy, float* dx, int n) {
  int i = 0;
  for (; i + 4 <= n; i += 4) wasm_v128_store(dx + i, gelu_grad4(wasm_v128_load(x + i), wasm_v128_load(dy + i)));
  for (; i < n; i++)
    dx[i] = wasm_f32x4_extract_lane(gelu_grad4(wasm_f32x4_splat(x[i]), wasm_f32x4_splat(dy[i])), 0);
}

/*
 * Multi-head self-attention core on a fused qkv tensor, forward and backward, for one call per layer.
 * qkv [B, N, 3D] (timm's layout: q | k | v, each D = H·Dh split into heads) → out [B, N, D] (heads merged)
 * and P [B, H, N, N] (softmax probabilities, kept for the backward and the attention maps). Per (b, h) it
 * is three strided GEMMs and a row softmax: no head split/merge transposes and no batched matmul kernels.
 */

/* In-place row softmax of S [n, n] (row stride n) after scaling by `scale`. */
static void softmax_rows(float* S, int n, float scale) {
  v128_t vs = wasm_f32x4_splat(scale);
  for (int i = 0; i < n; i++) {
    float* row = S + i * n;
    float mx = -__builtin_inff();
    for (int j = 0; j < n; j++) mx = row[j] * scale > mx ? row[j] * scale : mx;
    v128_t vmx = wasm_f32x4_splat(mx), vsum = wasm_f32x4_splat(0.f);
    float sum = 0.f;
    int j = 0;
    for (; j + 4 <= n; j += 4) {
      v128_t e = exp_neg(wasm_f32x4_sub(wasm_f32x4_mul(wasm_v128_load(row + j), vs), vmx));
      wasm_v128_store(row + j, e);
      vsum = wasm_f32x4_add(vsum, e);
    }
    for (; j < n; j++) {
      float e = wasm_f32x4_extract_lane(exp_neg(wasm_f32x4_splat(row[j] * scale - mx)), 0);
      row[j] = e;
      sum += e;
    }
    sum += wasm_f32x4_extract_lane(vsum, 0) + wasm_f32x4_extract_lane(vsum, 1) +
           wasm_f32x4_extract_lane(vsum, 2) + wasm_f32x4_extract_lane(vsum, 3);
    v128_t inv = wasm_f32x4_splat(1.f / sum);
    for (j = 0; j + 4 <= n; j += 4) wasm_v128_store(row + j, wasm_f32x4_mul(wasm_v128_load(row + j), inv));
    for (; j < n; j++) row[j] *= 1.f / sum;
  }
}

/* Scratch floats mha_forward / mha_backward need. */
__attribute__((export_name("mha_work_floats")))
int mha_work_floats(int N, int Dh) { return gemm_work_floats(N > Dh ? N : Dh) + N * N + 4; }

__attribute__((export_name("mha_forward")))
void mha_forward(const float* qkv, float* out, float* P, int B, int N, int H, int Dh, float scale, float* work) {
  int D = H * Dh, ld = 3 * D;
  for (int b = 0; b < B; b++) {
    const float* x = qkv + b * N * ld;
    for (int h = 0; h < H; h++) {
      const float *q = x + h * Dh, *k = x + D + h * Dh, *v = x + 2 * D + h * Dh;
      float* p = P + (b * H + h) * N * N;
      gemm_strided(q, ld, 1, k, 1, ld, p, N, N, N, Dh, work); /* S = Q·Kᵀ [N, N] */
      softmax_rows(p, N, scale);
      gemm_strided(p, N, 1, v, ld, 1, out + b * N * D + h * Dh, D, N, Dh, N, work); /* O = P·V */
    }
  }
}

/* dqkv [B, N, 3D] from dout [B, N, D], qkv and P (as mha_forward left them). */
__attribute__((export_name("mha_backward")))
void mha_backward(const float* qkv, const float* P, const float* dout, float* dqkv, int B, int N, int H, int Dh,
                  float scale, float* work) {
  int D = H * Dh, ld = 3 * D;
  float* dS = work + gemm_work_floats(N > Dh ? N : Dh);
  for (int b = 0; b < B; b++) {
    const float* x = qkv + b * N * ld;
    float* dx = dqkv + b * N * ld;
    const float* dO = dout + b * N * D;
    for (int h = 0; h < H; h++) {
      const float *q = x + h * Dh, *k = x + D + h * Dh, *v = x + 2 * D + h * Dh, *dOh = dO + h * Dh;
      const float* p = P + (b * H + h) * N * N;
      gemm_strided(p, 1, N, dOh, D, 1, dx + 2 * D + h * Dh, ld, N, Dh, N, work); /* dV = Pᵀ·dO */
      gemm_strided(dOh, D, 1, v, 1, ld, dS, N, N, N, Dh, work);                 /* dP = dO·Vᵀ */
      /* dS = scale · P ⊙ (dP − rowsum(dP ⊙ P)) (softmax backward; the scale of S = scale·Q·Kᵀ) */
      for (int i = 0; i < N; i++) {
        const float* pr = p + i * N;
        float* dr = dS + i * N;
        float dot = 0.f;
        for (int j = 0; j < N; j++) dot += dr[j] * pr[j];
        for (int j = 0; j < N; j++) dr[j] = scale * pr[j] * (dr[j] - dot);
      }
      gemm_strided(dS, N, 1, k, ld, 1, dx + h * Dh, ld, N, Dh, N, work);     /* dQ = dS·K */
      gemm_strided(dS, 1, N, q, ld, 1, dx + D + h * Dh, ld, N, Dh, N, work); /* dK = dSᵀ·Q */
    }
  }
}

/*
 * One AdamW update of one parameter (torch.optim.AdamW's single-tensor path), in exactly the f32 operation
 * order of the tfjs composition in optim/adamw.ts, so both give the same bits:
 *   m' = m·b1 + g·c1,  v' = v·b2 + (g·g)·c2,  p' = p·decay + (m' / (sqrt(v')/bc2_sqrt + eps))·step_scale
 * c1 = 1 − b1 and c2 = 1 − b2 as the caller rounded them to f32 (tf.scalar does the same). Outputs are new
 * buffers: tfjs tensors may share storage (clones), so nothing is updated in place. wasm32 has no fused
 * multiply-add outside relaxed SIMD, so no product is contracted into one.
 */
__attribute__((export_name("adamw")))
void adamw(const float* p, const float* m, const float* v, const float* g, float* p_out, float* m_out, float* v_out,
           int n, float decay, float b1, float c1, float b2, float c2, float eps, float bc2_sqrt, float step_scale) {
  const v128_t vdecay = wasm_f32x4_splat(decay), vb1 = wasm_f32x4_splat(b1), vc1 = wasm_f32x4_splat(c1);
  const v128_t vb2 = wasm_f32x4_splat(b2), vc2 = wasm_f32x4_splat(c2), veps = wasm_f32x4_splat(eps);
  const v128_t vbc2 = wasm_f32x4_splat(bc2_sqrt), vstep = wasm_f32x4_splat(step_scale);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    const v128_t gi = wasm_v128_load(g + i);
    const v128_t mi = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(m + i), vb1), wasm_f32x4_mul(gi, vc1));
    const v128_t vi =
        wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(v + i), vb2), wasm_f32x4_mul(wasm_f32x4_mul(gi, gi), vc2));
    const v128_t den = wasm_f32x4_add(wasm_f32x4_div(wasm_f32x4_sqrt(vi), vbc2), veps);
    const v128_t pi =
        wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(p + i), vdecay), wasm_f32x4_mul(wasm_f32x4_div(mi, den), vstep));
    wasm_v128_store(m_out + i, mi);
    wasm_v128_store(v_out + i, vi);
    wasm_v128_store(p_out + i, pi);
  }
  for (; i < n; i++) {
    const float gi = g[i];
    const float mi = m[i] * b1 + gi * c1;
    const float vi = v[i] * b2 + (gi * gi) * c2;
    const float den = __builtin_sqrtf(vi) / bc2_sqrt + eps;
    m_out[i] = mi;
    v_out[i] = vi;
    p_out[i] = p[i] * decay + (mi / den) * step_scale;
  }
}

/*
 * LayerNorm over the rows of x [R, D]: y = (x − μ)·rstd·w + b with rstd = 1/√(var + eps) (two-pass
 * mean and variance per row, as the tfjs composition), and its gradient in one pass over the rows:
 * with g = dy·w and x̂ = (x − μ)·rstd, dx = rstd·(g − mean(g) − x̂·mean(g·x̂)), dw = Σ_rows dy·x̂,
 * db = Σ_rows dy. The composition is ~10 tfjs kernels forward and ~20 backward per LayerNorm (a third of
 * a demo-size step's kernels); μ and rstd are recomputed in the backward, so only x is kept.
 */
static float row_sum(const float* p, int d) {
  v128_t s = wasm_f32x4_splat(0.f);
  int j = 0;
  for (; j + 4 <= d; j += 4) s = wasm_f32x4_add(s, wasm_v128_load(p + j));
  float t = wasm_f32x4_extract_lane(s, 0) + wasm_f32x4_extract_lane(s, 1) + wasm_f32x4_extract_lane(s, 2) +
            wasm_f32x4_extract_lane(s, 3);
  for (; j < d; j++) t += p[j];
  return t;
}

/* μ and rstd of one row. */
static void row_stats(const float* x, int d, float eps, float* mean, float* rstd) {
  const float mu = row_sum(x, d) / (float)d;
  const v128_t vmu = wasm_f32x4_splat(mu);
  v128_t s = wasm_f32x4_splat(0.f);
  int j = 0;
  for (; j + 4 <= d; j += 4) {
    const v128_t c = wasm_f32x4_sub(wasm_v128_load(x + j), vmu);
    s = wasm_f32x4_add(s, wasm_f32x4_mul(c, c));
  }
  float var = wasm_f32x4_extract_lane(s, 0) + wasm_f32x4_extract_lane(s, 1) + wasm_f32x4_extract_lane(s, 2) +
              wasm_f32x4_extract_lane(s, 3);
  for (; j < d; j++) var += (x[j] - mu) * (x[j] - mu);
  *mean = mu;
  *rstd = 1.f / __builtin_sqrtf(var / (float)d + eps);
}

__attribute__((export_name("layer_norm")))
void layer_norm(const float* x, const float* w, const float* b, float* y, int rows, int d, float eps) {
  for (int i = 0; i < rows; i++, x += d, y += d) {
    float mu, rs;
    row_stats(x, d, eps, &mu, &rs);
    const v128_t vmu = wasm_f32x4_splat(mu), vrs = wasm_f32x4_splat(rs);
    int j = 0;
    for (; j + 4 <= d; j += 4) {
      const v128_t xh = wasm_f32x4_mul(wasm_f32x4_sub(wasm_v128_load(x + j), vmu), vrs);
      wasm_v128_store(y + j, wasm_f32x4_add(wasm_f32x4_mul(xh, wasm_v128_load(w + j)), wasm_v128_load(b + j)));
    }
    for (; j < d; j++) y[j] = (x[j] - mu) * rs * w[j] + b[j];
  }
}

/* dw and db are accumulated over the rows (zeroed here); dx [R, D] is written row by row. */
__attribute__((export_name("layer_norm_grad")))
void layer_norm_grad(const float* x, const float* w, const float* dy, float* dx, float* dw, float* db, int rows,
                     int d, float eps) {
  for (int j = 0; j < d; j++) dw[j] = db[j] = 0.f;
  for (int i = 0; i < rows; i++, x += d, dy += d, dx += d) {
    float mu, rs;
    row_stats(x, d, eps, &mu, &rs);
    const v128_t vmu = wasm_f32x4_splat(mu), vrs = wasm_f32x4_splat(rs);
    /* Σ g and Σ g·x̂ of the row; dw, db accumulate on the way. */
    v128_t sg = wasm_f32x4_splat(0.f), sgx = sg;
    int j = 0;
    for (; j + 4 <= d; j += 4) {
      const v128_t xh = wasm_f32x4_mul(wasm_f32x4_sub(wasm_v128_load(x + j), vmu), vrs);
      const v128_t dyj = wasm_v128_load(dy + j);
      const v128_t g = wasm_f32x4_mul(dyj, wasm_v128_load(w + j));
      sg = wasm_f32x4_add(sg, g);
      sgx = wasm_f32x4_add(sgx, wasm_f32x4_mul(g, xh));
      wasm_v128_store(dw + j, wasm_f32x4_add(wasm_v128_load(dw + j), wasm_f32x4_mul(dyj, xh)));
      wasm_v128_store(db + j, wasm_f32x4_add(wasm_v128_load(db + j), dyj));
    }
    float tg = wasm_f32x4_extract_lane(sg, 0) + wasm_f32x4_extract_lane(sg, 1) + wasm_f32x4_extract_lane(sg, 2) +
               wasm_f32x4_extract_lane(sg, 3);
    float tgx = wasm_f32x4_extract_lane(sgx, 0) + wasm_f32x4_extract_lane(sgx, 1) +
                wasm_f32x4_extract_lane(sgx, 2) + wasm_f32x4_extract_lane(sgx, 3);
    for (int t = j; t < d; t++) {
      const float xh = (x[t] - mu) * rs, g = dy[t] * w[t];
      tg += g;
      tgx += g * xh;
      dw[t] += dy[t] * xh;
      db[t] += dy[t];
    }
    const float mg = tg / (float)d, mgx = tgx / (float)d;
    const v128_t vmg = wasm_f32x4_splat(mg), vmgx = wasm_f32x4_splat(mgx);
    j = 0;
    for (; j + 4 <= d; j += 4) {
      const v128_t xh = wasm_f32x4_mul(wasm_f32x4_sub(wasm_v128_load(x + j), vmu), vrs);
      const v128_t g = wasm_f32x4_mul(wasm_v128_load(dy + j), wasm_v128_load(w + j));
      const v128_t inner = wasm_f32x4_sub(wasm_f32x4_sub(g, vmg), wasm_f32x4_mul(xh, vmgx));
      wasm_v128_store(dx + j, wasm_f32x4_mul(inner, vrs));
    }
    for (; j < d; j++) {
      const float xh = (x[j] - mu) * rs;
      dx[j] = (dy[j] * w[j] - mg - xh * mgx) * rs;
    }
  }
}
