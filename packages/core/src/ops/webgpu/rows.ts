/**
 * Row kernels in WGSL: LayerNorm and softmax cross-entropy, one pass each way, one 64-thread workgroup
 * per row (its D or V elements strided over the threads, reductions in workgroup memory).
 *
 * LayerNorm (Ba et al. 2016; timm's nn.LayerNorm with eps 1e-6): the forward also writes (mean, rstd)
 * per row, 8 bytes a row, so the backward does not recompute them. The backward is two dispatches: dx per
 * row, and dγ = Σ_rows dy·x̂, dβ = Σ_rows dy per column (x̂ rebuilt from the row stats).
 * Cross-entropy: loss = lse(x) − x[t] per row (+∞ for a target outside [0, V), as core's
 * `crossEntropyPerRow`), keeping lse for the backward (softmax(x) − onehot(t))·dy.
 */
import { FLAT_GROUP } from './context';

const BUILTINS =
  '@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>';

const REDUCE = /* wgsl */ `
var<workgroup> red: array<f32, 64>;
fn reduce_sum(v: f32, t: u32) -> f32 {
  red[t] = v;
  workgroupBarrier();
  for (var s = 32u; s > 0u; s >>= 1u) {
    if (t < s) { red[t] += red[t + s]; }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}
fn reduce_max(v: f32, t: u32) -> f32 {
  red[t] = v;
  workgroupBarrier();
  for (var s = 32u; s > 0u; s >>= 1u) {
    if (t < s) { red[t] = max(red[t], red[t + s]); }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}
`;

/** LayerNorm forward. Bindings: y [R, D], stats [R, 2], x, weight, bias, uniforms {rows, d, eps}. */
export const LN_FORWARD_SHADER = /* wgsl */ `
struct U { rows: i32, d: i32, eps: f32, p0: i32 };
@group(0) @binding(0) var<storage, read_write> y: array<f32>;
@group(0) @binding(1) var<storage, read_write> stats: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read> w: array<f32>;
@group(0) @binding(4) var<storage, read> b: array<f32>;
@group(0) @binding(5) var<uniform> u: U;
${REDUCE}
@compute @workgroup_size(64, 1, 1)
fn main(${BUILTINS}) {
  let row = ${FLAT_GROUP};
  if (row >= u.rows) { return; }
  let t = lid.x;
  let o = row * u.d;
  var s = 0.0;
  for (var c = i32(t); c < u.d; c += 64) { s += x[o + c]; }
  let mean = reduce_sum(s, t) / f32(u.d);
  var q = 0.0;
  for (var c = i32(t); c < u.d; c += 64) { let e = x[o + c] - mean; q += e * e; }
  let rstd = inverseSqrt(reduce_sum(q, t) / f32(u.d) + u.eps);
  for (var c = i32(t); c < u.d; c += 64) { y[o + c] = (x[o + c] - mean) * rstd * w[c] + b[c]; }
  if (t == 0u) { stats[2 * row] = mean; stats[2 * row + 1] = rstd; }
}
`;

/**
 * LayerNorm backward, dx per row: with g = dy·γ, dx = rstd·(g − mean(g) − x̂·mean(g·x̂)).
 * Bindings: dx, x, weight, stats, dy, uniforms {rows, d}.
 */
export const LN_BACKWARD_X_SHADER = /* wgsl */ `
struct U { rows: i32, d: i32, p0: i32, p1: i32 };
@group(0) @binding(0) var<storage, read_write> dx: array<f32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read> stats: array<f32>;
@group(0) @binding(4) var<storage, read> dy: array<f32>;
@group(0) @binding(5) var<uniform> u: U;
${REDUCE}
@compute @workgroup_size(64, 1, 1)
fn main(${BUILTINS}) {
  let row = ${FLAT_GROUP};
  if (row >= u.rows) { return; }
  let t = lid.x;
  let o = row * u.d;
  let mean = stats[2 * row];
  let rstd = stats[2 * row + 1];
  var sg = 0.0;
  var sgx = 0.0;
  for (var c = i32(t); c < u.d; c += 64) {
    let g = dy[o + c] * w[c];
    sg += g;
    sgx += g * (x[o + c] - mean) * rstd;
  }
  let mg = reduce_sum(sg, t) / f32(u.d);
  let mgx = reduce_sum(sgx, t) / f32(u.d);
  for (var c = i32(t); c < u.d; c += 64) {
    let xh = (x[o + c] - mean) * rstd;
    dx[o + c] = rstd * (dy[o + c] * w[c] - mg - xh * mgx);
  }
}
`;

/**
 * LayerNorm backward, dγ and dβ per column, in row chunks as SUM_ROWS_SHADER: partial sums
 * [chunks, D] each, reduced by a column-sum pass when there is more than one chunk.
 * Bindings: dw, db, x, stats, dy, uniforms {rows, d, chunk}.
 */
export const LN_BACKWARD_PARAMS_SHADER = /* wgsl */ `
struct U { rows: i32, d: i32, chunk: i32, p0: i32 };
@group(0) @binding(0) var<storage, read_write> dw: array<f32>;
@group(0) @binding(1) var<storage, read_write> db: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read> stats: array<f32>;
@group(0) @binding(4) var<storage, read> dy: array<f32>;
@group(0) @binding(5) var<uniform> u: U;
var<workgroup> pw: array<f32, 256>;
var<workgroup> pb: array<f32, 256>;
@compute @workgroup_size(64, 4, 1)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let col = i32(wid.x) * 64 + i32(lid.x);
  let r0 = i32(wid.y) * u.chunk;
  let r1 = min(u.rows, r0 + u.chunk);
  var sw = 0.0;
  var sb = 0.0;
  if (col < u.d) {
    for (var r = r0 + i32(lid.y); r < r1; r += 4) {
      let g = dy[r * u.d + col];
      sw += g * (x[r * u.d + col] - stats[2 * r]) * stats[2 * r + 1];
      sb += g;
    }
  }
  let k = lid.y * 64u + lid.x;
  pw[k] = sw;
  pb[k] = sb;
  workgroupBarrier();
  if (lid.y == 0u && col < u.d) {
    let o = i32(wid.y) * u.d + col;
    dw[o] = pw[lid.x] + pw[64u + lid.x] + pw[128u + lid.x] + pw[192u + lid.x];
    db[o] = pb[lid.x] + pb[64u + lid.x] + pb[128u + lid.x] + pb[192u + lid.x];
  }
}
`;

/** Cross-entropy forward. Bindings: loss [R], lse [R], x [R, V], targets (i32) [R], uniforms {rows, v, inf}. */
export const CE_FORWARD_SHADER = /* wgsl */ `
struct U { rows: i32, v: i32, inf: f32, p0: i32 };
@group(0) @binding(0) var<storage, read_write> loss: array<f32>;
@group(0) @binding(1) var<storage, read_write> lse: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read> tgt: array<i32>;
@group(0) @binding(4) var<uniform> u: U;
${REDUCE}
@compute @workgroup_size(64, 1, 1)
fn main(${BUILTINS}) {
  let row = ${FLAT_GROUP};
  if (row >= u.rows) { return; }
  let t = lid.x;
  let o = row * u.v;
  var mx = -3.0e38;
  for (var c = i32(t); c < u.v; c += 64) { mx = max(mx, x[o + c]); }
  mx = reduce_max(mx, t);
  var s = 0.0;
  for (var c = i32(t); c < u.v; c += 64) { s += exp(x[o + c] - mx); }
  let l = log(reduce_sum(s, t)) + mx;
  if (t == 0u) {
    lse[row] = l;
    let k = tgt[row];
    // +∞ (not 0) for a target outside [0, V), so that a finiteness check catches it; torch raises.
    // (∞ comes in as a uniform: WGSL constant-folds an infinite literal or bitcast to an error.)
    loss[row] = select(u.inf, l - x[o + clamp(k, 0, u.v - 1)], k >= 0 && k < u.v);
  }
}
`;

/** Cross-entropy backward: g = (exp(x − lse) − onehot(t))·dy. Bindings: g, x, lse, targets, dy, uniforms. */
export const CE_BACKWARD_SHADER = /* wgsl */ `
struct U { rows: i32, v: i32, p0: i32, p1: i32 };
@group(0) @binding(0) var<storage, read_write> g: array<f32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> lse: array<f32>;
@group(0) @binding(3) var<storage, read> tgt: array<i32>;
@group(0) @binding(4) var<storage, read> dy: array<f32>;
@group(0) @binding(5) var<uniform> u: U;
@compute @workgroup_size(256, 1, 1)
fn main(${BUILTINS}) {
  let i = ${FLAT_GROUP} * 256 + i32(lid.x);
  if (i >= u.rows * u.v) { return; }
  let r = i / u.v;
  let c = i - r * u.v;
  let p = exp(x[i] - lse[r]);
  g[i] = (p - select(0.0, 1.0, tgt[r] == c)) * dy[r];
}
`;
