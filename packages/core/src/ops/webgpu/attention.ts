/**
 * Fused multi-head self-attention in WGSL, forward and backward, read straight from timm's qkv layout
 * (`Attention.forward`: qkv [B, N, 3·D] = q | k | v, each [H heads × Dh]) and written with the heads
 * merged, so no head split/merge transposes or batched matmuls run.
 *
 * Memory as in FlashAttention (Dao et al. 2022, §3.1): the forward keeps only the row log-sum-exp
 * lse [B, H, N] for the backward, never the [B, H, N, N] probabilities (the wasm kernel and tfjs's own
 * path keep those). The backward recomputes P = exp(scale·q·kᵀ − lse) in two passes: per query row
 * (dQ, and D_i = Σ_j P_ij·dP_ij), then per key row (dK, dV).
 *
 * Two forms. The block form (mhaForwardRowsShader, mhaBackwardQRowsShader, mhaBackwardKvRowsShader):
 * one workgroup of 64 threads per 4 query rows (forward, dQ) or 4 keys (dK, dV), so every k/v (or q/dO)
 * row read from memory serves 4 rows and 4 rows' max/sum reduce as one vec4 — FlashAttention's reuse
 * with a 4-row tile (vec4 loads, Dh ≤ 128, N ≤ 512 forward / 384 dQ / 256 dK,dV, what fits the 4 rows'
 * scores in WebGPU's 16 KiB of workgroup memory; a ViT's 197 tokens fit). The row form: one workgroup
 * per (b, h, row), the row's N scores in workgroup memory, N ≤ 1024 and Dh ≤ 256 (larger shapes take
 * the unfused path); its sums over rows keep all 64 threads busy (`columnSums`). On an H200 the row
 * form ran a ViT-S/16 batch-128 classification step at 0.63× tfjs's (docs/backends.md); on lavapipe
 * the block form took ViT-S-size attention fwd+bwd from 0.77× to 1.39× of tfjs's (GPU not yet measured).
 */
import { FLAT_GROUP } from './context';

export const MHA_MAX_N = 1024;
export const MHA_MAX_DH = 256;

const COMMON = /* wgsl */ `
struct U { b: i32, n: i32, h: i32, dh: i32, scale: f32, p0: i32, p1: i32, p2: i32 };
var<workgroup> red: array<f32, 64>;
// Sum (or max) of one value per thread across the workgroup; every thread gets the result.
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

const BUILTINS =
  '@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>';

/** Elements per load: 4 (vec4) when Dh is a multiple of 4, so every row offset is too; else 1. */
export type MhaWidth = 1 | 4;

function typed(w: MhaWidth) {
  return {
    T: w === 4 ? 'vec4<f32>' : 'f32',
    zero: w === 4 ? 'vec4<f32>(0.0)' : '0.0',
    dot: (a: string, b: string) => (w === 4 ? `dot(${a}, ${b})` : `(${a} * ${b})`),
  };
}

/**
 * WGSL for the sums over the N rows of a workgroup's score vector, one per head column d < dv:
 * `sum_k(d) = Σ_{r<N} value_k(r, d)` for each term k, then `finish(d, sums)`. With vec4 loads a 64-wide head
 * has dv = 16 columns, so a column-per-thread loop would leave 48 of the 64 threads idle while 16 walk all
 * N rows one load after another. Instead thread t takes column t mod dv and every G-th row from t / dv
 * (G = 64 / dv groups), and the G partial sums of a column are added in workgroup memory: every thread
 * busy, a chain N/G long. With dv ≥ 64 it is the plain column loop. Needs `part<k>: array<T, 64>`.
 */
function columnSums(
  zero: string,
  row: string,
  terms: ((r: string, d: string) => string)[],
  finish: (d: string, sums: string[]) => string,
): string {
  const ks = terms.map((_, k) => k);
  return /* wgsl */ `
  if (dv < 64) {
    let cs_groups = 64 / dv;
    let cs_d = i32(t) % dv;
    let cs_g = i32(t) / dv;
    ${ks.map((k) => `var cs_acc${k} = ${zero};`).join(' ')}
    if (cs_g < cs_groups) {
      for (var ${row} = cs_g; ${row} < u.n; ${row} += cs_groups) {
        ${ks.map((k) => `cs_acc${k} += ${terms[k](row, 'cs_d')};`).join(' ')}
      }
    }
    ${ks.map((k) => `part${k}[t] = cs_acc${k};`).join(' ')}
    workgroupBarrier();
    if (cs_g == 0) {
      ${ks.map((k) => `var cs_sum${k} = part${k}[cs_d];`).join(' ')}
      for (var cs_k = 1; cs_k < cs_groups; cs_k++) {
        ${ks.map((k) => `cs_sum${k} += part${k}[cs_k * dv + cs_d];`).join(' ')}
      }
      ${finish(
        'cs_d',
        ks.map((k) => `cs_sum${k}`),
      )}
    }
  } else {
    for (var cs_d = i32(t); cs_d < dv; cs_d += 64) {
      ${ks.map((k) => `var cs_sum${k} = ${zero};`).join(' ')}
      for (var ${row} = 0; ${row} < u.n; ${row}++) {
        ${ks.map((k) => `cs_sum${k} += ${terms[k](row, 'cs_d')};`).join(' ')}
      }
      ${finish(
        'cs_d',
        ks.map((k) => `cs_sum${k}`),
      )}
    }
  }`;
}

// Row id → (b, h, i); offsets (in loads of w floats) of q/k/v of token t of batch b, head h in qkv, and
// of its output row.
const ROW = (w: MhaWidth) => /* wgsl */ `
  let row = ${FLAT_GROUP};
  if (row >= u.b * u.h * u.n) { return; }
  let t = lid.x;
  let i = row % u.n;
  let bh = row / u.n;
  let hh = bh % u.h;
  let bb = bh / u.h;
  let dv = u.dh / ${w};
  let d3 = 3 * u.h * dv;
  let qoff = hh * dv;
  let koff = (u.h + hh) * dv;
  let voff = (2 * u.h + hh) * dv;
  let base = bb * u.n * d3;
  let orow = u.h * dv;
  let obase = bb * u.n * orow + hh * dv;
  let lrow = bh * u.n;
`;

/** Forward. Bindings: out [B, N, D], lse [B, H, N], qkv, uniforms. */
export function mhaForwardShader(w: MhaWidth): string {
  const { T, zero, dot } = typed(w);
  return /* wgsl */ `
${COMMON}
@group(0) @binding(0) var<storage, read_write> out: array<${T}>;
@group(0) @binding(1) var<storage, read_write> lse: array<f32>;
@group(0) @binding(2) var<storage, read> qkv: array<${T}>;
@group(0) @binding(3) var<uniform> u: U;
var<workgroup> sc: array<f32, ${MHA_MAX_N}>;
var<workgroup> qs: array<${T}, ${MHA_MAX_DH / w}>;
var<workgroup> part0: array<${T}, 64>;
@compute @workgroup_size(64, 1, 1)
fn main(${BUILTINS}) {
  ${ROW(w)}
  for (var d = i32(t); d < dv; d += 64) { qs[d] = qkv[base + i * d3 + qoff + d]; }
  workgroupBarrier();
  var mx = -3.0e38;
  for (var j = i32(t); j < u.n; j += 64) {
    let kb = base + j * d3 + koff;
    var s = 0.0;
    for (var d = 0; d < dv; d++) { s += ${dot('qs[d]', 'qkv[kb + d]')}; }
    s = s * u.scale;
    sc[j] = s;
    mx = max(mx, s);
  }
  mx = reduce_max(mx, t);
  var sum = 0.0;
  for (var j = i32(t); j < u.n; j += 64) {
    let e = exp(sc[j] - mx);
    sc[j] = e;
    sum += e;
  }
  sum = reduce_sum(sum, t);
  if (t == 0u) { lse[lrow + i] = mx + log(sum); }
  let inv = 1.0 / sum;
  ${columnSums(
    zero,
    'j',
    [(j, d) => `sc[${j}] * qkv[base + ${j} * d3 + voff + ${d}]`],
    (d, [acc]) => `out[obase + i * orow + ${d}] = ${acc} * inv;`,
  )}
}
`;
}

// The row-block shaders keep 4 rows' scalars in one workgroup array, row r at offset r·stride.
/** WGSL: the 4 rows' dot products of the vec4s block[r·dv + d] with x, as one vec4. */
const dots4 = (block: string, x: string) =>
  `vec4<f32>(${[0, 1, 2, 3].map((r) => `dot(${block}[${r ? `${r} * dv + ` : ''}d], ${x})`).join(', ')})`;
/** WGSL: stores the 4 lanes of v at arr[r·stride + i]. */
const store4 = (arr: string, stride: number, i: string, v: string) =>
  ['x', 'y', 'z', 'w'].map((c, r) => `${arr}[${r * stride} + ${i}] = ${v}.${c};`).join('\n    ');
/** WGSL: arr[r·stride + i] of the 4 rows as one vec4. */
const load4 = (arr: string, stride: number, i: string) =>
  `vec4<f32>(${[0, 1, 2, 3].map((r) => `${arr}[${r * stride} + ${i}]`).join(', ')})`;

// The row-block shaders: workgroup → (b, h, rows i0..i0+3), with ROW's offsets (vec4 units).
const ROW_BLOCK = /* wgsl */ `
  let blocks = (u.n + 3) / 4;
  let grp = ${FLAT_GROUP};
  if (grp >= u.b * u.h * blocks) { return; }
  let t = lid.x;
  let i0 = (grp % blocks) * 4;
  let bh = grp / blocks;
  let hh = bh % u.h;
  let bb = bh / u.h;
  let dv = u.dh / 4;
  let d3 = 3 * u.h * dv;
  let qoff = hh * dv;
  let koff = (u.h + hh) * dv;
  let voff = (2 * u.h + hh) * dv;
  let base = bb * u.n * d3;
  let orow = u.h * dv;
  let obase = bb * u.n * orow + hh * dv;
  let lrow = bh * u.n;
`;

// Max or sum over the workgroup of one vec4 per thread (4 rows at once); every thread gets the result.
const REDUCE4 = /* wgsl */ `
var<workgroup> red4: array<vec4<f32>, 64>;
fn reduce4(v: vec4<f32>, t: u32, take_max: bool) -> vec4<f32> {
  red4[t] = v;
  workgroupBarrier();
  for (var s = 32u; s > 0u; s >>= 1u) {
    if (t < s) { red4[t] = select(red4[t] + red4[t + s], max(red4[t], red4[t + s]), take_max); }
    workgroupBarrier();
  }
  let r = red4[0];
  workgroupBarrier();
  return r;
}
`;

// Σ_j S_rj·x_j for the block's 4 rows r (S in sc-like workgroup array \`src\` with row stride NS, x_j the
// vec4 at \`at(j)\` of column cd): thread t takes column t mod dv and every G-th j from t / dv
// (G = 64 / dv ≥ 2); the G partial sums meet in part0..3. Leaves s0..s3 for the threads with cg == 0.
function blockColumnSums(src: string, ns: number, at: (j: string) => string, finish: string): string {
  return /* wgsl */ `
  let groups = 64 / dv;
  let cd = i32(t) % dv;
  let cg = i32(t) / dv;
  var a0 = vec4<f32>(0.0);
  var a1 = vec4<f32>(0.0);
  var a2 = vec4<f32>(0.0);
  var a3 = vec4<f32>(0.0);
  if (cg < groups) {
    for (var j = cg; j < u.n; j += groups) {
      let x = ${at('j')};
      a0 += ${src}[j] * x;
      a1 += ${src}[${ns} + j] * x;
      a2 += ${src}[${2 * ns} + j] * x;
      a3 += ${src}[${3 * ns} + j] * x;
    }
  }
  part0[t] = a0;
  part1[t] = a1;
  part2[t] = a2;
  part3[t] = a3;
  workgroupBarrier();
  if (cg == 0) {
    var s0 = part0[cd];
    var s1 = part1[cd];
    var s2 = part2[cd];
    var s3 = part3[cd];
    for (var k = 1; k < groups; k++) {
      let o = k * dv + cd;
      s0 += part0[o];
      s1 += part1[o];
      s2 += part2[o];
      s3 += part3[o];
    }
    ${finish}
  }`;
}

const PARTS = [0, 1, 2, 3].map((k) => `var<workgroup> part${k}: array<vec4<f32>, 64>;`).join('\n');

/** The row-block forward: 4 query rows per workgroup (vec4 loads, Dh ≤ 128, N ≤ 512). */
export const MHA_ROWS = 4;
export const MHA_ROWS_MAX_N = 512;
export const MHA_ROWS_MAX_DV = 32;

/**
 * Forward over a block of 4 query rows per workgroup: every k_j and v_j read from memory serves 4 rows
 * (the row-per-workgroup form reads K and V once per row), and the 4 rows' max and sum reduce as one
 * vec4. Same outputs and lse as mhaForwardShader. Workgroup memory: scores 4·512 f32 (8 KiB), q rows
 * 4·32 vec4 (2 KiB), partial sums 4·64 vec4 (4 KiB), reduction 64 vec4 (1 KiB): under WebGPU's 16 KiB.
 * Bindings: out [B, N, D], lse [B, H, N], qkv, uniforms.
 */
export function mhaForwardRowsShader(): string {
  const NS = MHA_ROWS_MAX_N;
  return /* wgsl */ `
struct U { b: i32, n: i32, h: i32, dh: i32, scale: f32, p0: i32, p1: i32, p2: i32 };
@group(0) @binding(0) var<storage, read_write> out: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> lse: array<f32>;
@group(0) @binding(2) var<storage, read> qkv: array<vec4<f32>>;
@group(0) @binding(3) var<uniform> u: U;
var<workgroup> sc: array<f32, ${4 * NS}>;
var<workgroup> qs: array<vec4<f32>, ${4 * MHA_ROWS_MAX_DV}>;
${PARTS}
${REDUCE4}
@compute @workgroup_size(64, 1, 1)
fn main(${BUILTINS}) {
  ${ROW_BLOCK}
  // q rows i0..i0+3 (zeros past N: their scores are computed and never written).
  for (var e = i32(t); e < 4 * dv; e += 64) {
    let i = i0 + e / dv;
    var q = vec4<f32>(0.0);
    if (i < u.n) { q = qkv[base + i * d3 + qoff + e % dv]; }
    qs[e] = q;
  }
  workgroupBarrier();
  var mx = vec4<f32>(-3.0e38);
  for (var j = i32(t); j < u.n; j += 64) {
    let kb = base + j * d3 + koff;
    var s = vec4<f32>(0.0);
    for (var d = 0; d < dv; d++) {
      let k = qkv[kb + d];
      s += ${dots4('qs', 'k')};
    }
    s = s * u.scale;
    ${store4('sc', NS, 'j', 's')}
    mx = max(mx, s);
  }
  mx = reduce4(mx, t, true);
  var sum = vec4<f32>(0.0);
  for (var j = i32(t); j < u.n; j += 64) {
    let e = exp(${load4('sc', NS, 'j')} - mx);
    ${store4('sc', NS, 'j', 'e')}
    sum += e;
  }
  sum = reduce4(sum, t, false); // its barriers also publish the exp'd scores
  if (t == 0u) {
    for (var r = 0; r < 4; r++) {
      if (i0 + r < u.n) { lse[lrow + i0 + r] = mx[r] + log(sum[r]); }
    }
  }
  let inv = 1.0 / sum;
  // Σ_j P_ij·v_j, 4 rows at a time.
  ${blockColumnSums(
    'sc',
    NS,
    (j) => `qkv[base + ${j} * d3 + voff + cd]`,
    `let ob = obase + i0 * orow + cd;
    out[ob] = s0 * inv.x;
    if (i0 + 1 < u.n) { out[ob + orow] = s1 * inv.y; }
    if (i0 + 2 < u.n) { out[ob + 2 * orow] = s2 * inv.z; }
    if (i0 + 3 < u.n) { out[ob + 3 * orow] = s3 * inv.w; }`,
  )}
}
`;
}

/** Longest N of the row-block backward (its P block is 4·384 f32 = 6 KiB of workgroup memory). */
export const MHA_ROWS_BWD_MAX_N = 384;

/**
 * Backward pass 1 over a block of 4 query rows (what mhaBackwardQShader does per row): P from lse,
 * D_i = Σ_j P_ij·(dO_i·v_j), then dS = P·(dO·vᵀ − D) (dO·v_j recomputed in a second sweep instead of kept:
 * workgroup memory holds one 4×N block) and dQ_i = scale·Σ_j dS_ij·k_j; each k_j, v_j read serves 4 rows.
 * Bindings: dqkv, dvec [B, H, N], qkv, lse, dout, uniforms.
 */
export function mhaBackwardQRowsShader(): string {
  const NS = MHA_ROWS_BWD_MAX_N;
  return /* wgsl */ `
struct U { b: i32, n: i32, h: i32, dh: i32, scale: f32, p0: i32, p1: i32, p2: i32 };
@group(0) @binding(0) var<storage, read_write> dqkv: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> dvec: array<f32>;
@group(0) @binding(2) var<storage, read> qkv: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> lse: array<f32>;
@group(0) @binding(4) var<storage, read> dout: array<vec4<f32>>;
@group(0) @binding(5) var<uniform> u: U;
var<workgroup> pr: array<f32, ${4 * NS}>;
var<workgroup> qs: array<vec4<f32>, ${4 * MHA_ROWS_MAX_DV}>;
var<workgroup> gs: array<vec4<f32>, ${4 * MHA_ROWS_MAX_DV}>;
${PARTS}
${REDUCE4}
@compute @workgroup_size(64, 1, 1)
fn main(${BUILTINS}) {
  ${ROW_BLOCK}
  // q and dO rows i0..i0+3 (zeros past N: those rows are computed and never written).
  for (var e = i32(t); e < 4 * dv; e += 64) {
    let i = i0 + e / dv;
    var q = vec4<f32>(0.0);
    var g = vec4<f32>(0.0);
    if (i < u.n) {
      q = qkv[base + i * d3 + qoff + e % dv];
      g = dout[obase + i * orow + e % dv];
    }
    qs[e] = q;
    gs[e] = g;
  }
  var l = vec4<f32>(0.0);
  for (var r = 0; r < 4; r++) {
    if (i0 + r < u.n) { l[r] = lse[lrow + i0 + r]; }
  }
  workgroupBarrier();
  var di = vec4<f32>(0.0);
  for (var j = i32(t); j < u.n; j += 64) {
    let kb = base + j * d3 + koff;
    let vb = base + j * d3 + voff;
    var s = vec4<f32>(0.0);
    var g = vec4<f32>(0.0);
    for (var d = 0; d < dv; d++) {
      let k = qkv[kb + d];
      let v = qkv[vb + d];
      s += ${dots4('qs', 'k')};
      g += ${dots4('gs', 'v')};
    }
    let p = exp(s * u.scale - l);
    ${store4('pr', NS, 'j', 'p')}
    di += p * g;
  }
  di = reduce4(di, t, false);
  if (t == 0u) {
    for (var r = 0; r < 4; r++) {
      if (i0 + r < u.n) { dvec[lrow + i0 + r] = di[r]; }
    }
  }
  // dS = P·(dO·v_j − D), each thread on the keys whose P it wrote.
  for (var j = i32(t); j < u.n; j += 64) {
    let vb = base + j * d3 + voff;
    var g = vec4<f32>(0.0);
    for (var d = 0; d < dv; d++) {
      let v = qkv[vb + d];
      g += ${dots4('gs', 'v')};
    }
    let p = ${load4('pr', NS, 'j')};
    let ds = p * (g - di);
    ${store4('pr', NS, 'j', 'ds')}
  }
  workgroupBarrier();
  ${blockColumnSums(
    'pr',
    NS,
    (j) => `qkv[base + ${j} * d3 + koff + cd]`,
    `let qb = base + i0 * d3 + qoff + cd;
    dqkv[qb] = s0 * u.scale;
    if (i0 + 1 < u.n) { dqkv[qb + d3] = s1 * u.scale; }
    if (i0 + 2 < u.n) { dqkv[qb + 2 * d3] = s2 * u.scale; }
    if (i0 + 3 < u.n) { dqkv[qb + 3 * d3] = s3 * u.scale; }`,
  )}
}
`;
}

/** Longest N of the key-block backward (its P and dS blocks are 2·4·224 f32 = 7 KiB). */
export const MHA_KEYS_BWD_MAX_N = 224;

/**
 * Backward pass 2 over a block of 4 keys (what mhaBackwardKvShader does per key): for every query row r,
 * P_rj and dS_rj = P_rj·(dO_r·v_j − D_r) of the block's 4 keys from one read of q_r and dO_r; then
 * dK_j = scale·Σ_r dS_rj·q_r and dV_j = Σ_r P_rj·dO_r, one after the other through the same partial
 * sums. Workgroup memory: P and dS 2·4·224 f32, k and v 2·4·32 vec4, partials 4·64 vec4 = 15 KiB.
 * Bindings: dqkv, qkv, lse, dout, dvec, uniforms.
 */
export function mhaBackwardKvRowsShader(): string {
  const NK = MHA_KEYS_BWD_MAX_N;
  const write = (off: string, scale: string) => `let kb = base + i0 * d3 + ${off} + cd;
    dqkv[kb] = s0${scale};
    if (i0 + 1 < u.n) { dqkv[kb + d3] = s1${scale}; }
    if (i0 + 2 < u.n) { dqkv[kb + 2 * d3] = s2${scale}; }
    if (i0 + 3 < u.n) { dqkv[kb + 3 * d3] = s3${scale}; }`;
  return /* wgsl */ `
struct U { b: i32, n: i32, h: i32, dh: i32, scale: f32, p0: i32, p1: i32, p2: i32 };
@group(0) @binding(0) var<storage, read_write> dqkv: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> qkv: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> lse: array<f32>;
@group(0) @binding(3) var<storage, read> dout: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> dvec: array<f32>;
@group(0) @binding(5) var<uniform> u: U;
var<workgroup> pm: array<f32, ${4 * NK}>;
var<workgroup> dsm: array<f32, ${4 * NK}>;
var<workgroup> ks: array<vec4<f32>, ${4 * MHA_ROWS_MAX_DV}>;
var<workgroup> vs: array<vec4<f32>, ${4 * MHA_ROWS_MAX_DV}>;
${PARTS}
@compute @workgroup_size(64, 1, 1)
fn main(${BUILTINS}) {
  ${ROW_BLOCK}
  // k and v of keys i0..i0+3 (zeros past N: those keys are computed and never written).
  for (var e = i32(t); e < 4 * dv; e += 64) {
    let j = i0 + e / dv;
    var k = vec4<f32>(0.0);
    var v = vec4<f32>(0.0);
    if (j < u.n) {
      k = qkv[base + j * d3 + koff + e % dv];
      v = qkv[base + j * d3 + voff + e % dv];
    }
    ks[e] = k;
    vs[e] = v;
  }
  workgroupBarrier();
  for (var r = i32(t); r < u.n; r += 64) {
    let qb = base + r * d3 + qoff;
    let gb = obase + r * orow;
    var s = vec4<f32>(0.0);
    var g = vec4<f32>(0.0);
    for (var d = 0; d < dv; d++) {
      let q = qkv[qb + d];
      let o = dout[gb + d];
      s += ${dots4('ks', 'q')};
      g += ${dots4('vs', 'o')};
    }
    let p = exp(s * u.scale - lse[lrow + r]);
    let ds = p * (g - dvec[lrow + r]);
    ${store4('pm', NK, 'r', 'p')}
    ${store4('dsm', NK, 'r', 'ds')}
  }
  workgroupBarrier();
  {
    ${blockColumnSums('dsm', NK, (r) => `qkv[base + ${r} * d3 + qoff + cd]`, write('koff', ' * u.scale'))}
  }
  workgroupBarrier(); // the dK sums are read before dV's overwrite the partials
  {
    ${blockColumnSums('pm', NK, (r) => `dout[obase + ${r} * orow + cd]`, write('voff', ''))}
  }
}
`;
}

/**
 * Backward, pass 1 (per query row i): P_ij, dP_ij = dO_i·v_j, D_i = Σ_j P_ij·dP_ij,
 * dQ_i = scale·Σ_j P_ij·(dP_ij − D_i)·k_j. Bindings: dqkv, dvec [B, H, N], qkv, lse, dout, uniforms.
 */
export function mhaBackwardQShader(w: MhaWidth): string {
  const { T, zero, dot } = typed(w);
  return /* wgsl */ `
${COMMON}
@group(0) @binding(0) var<storage, read_write> dqkv: array<${T}>;
@group(0) @binding(1) var<storage, read_write> dvec: array<f32>;
@group(0) @binding(2) var<storage, read> qkv: array<${T}>;
@group(0) @binding(3) var<storage, read> lse: array<f32>;
@group(0) @binding(4) var<storage, read> dout: array<${T}>;
@group(0) @binding(5) var<uniform> u: U;
var<workgroup> pr: array<f32, ${MHA_MAX_N}>;
var<workgroup> dp: array<f32, ${MHA_MAX_N}>;
var<workgroup> qs: array<${T}, ${MHA_MAX_DH / w}>;
var<workgroup> gs: array<${T}, ${MHA_MAX_DH / w}>;
var<workgroup> part0: array<${T}, 64>;
@compute @workgroup_size(64, 1, 1)
fn main(${BUILTINS}) {
  ${ROW(w)}
  for (var d = i32(t); d < dv; d += 64) {
    qs[d] = qkv[base + i * d3 + qoff + d];
    gs[d] = dout[obase + i * orow + d];
  }
  workgroupBarrier();
  let l = lse[lrow + i];
  var di = 0.0;
  for (var j = i32(t); j < u.n; j += 64) {
    let kb = base + j * d3 + koff;
    let vb = base + j * d3 + voff;
    var s = 0.0;
    var g = 0.0;
    for (var d = 0; d < dv; d++) {
      s += ${dot('qs[d]', 'qkv[kb + d]')};
      g += ${dot('gs[d]', 'qkv[vb + d]')};
    }
    let p = exp(s * u.scale - l);
    pr[j] = p;
    dp[j] = g;
    di += p * g;
  }
  di = reduce_sum(di, t);
  if (t == 0u) { dvec[lrow + i] = di; }
  for (var j = i32(t); j < u.n; j += 64) { pr[j] = pr[j] * (dp[j] - di); }
  workgroupBarrier();
  ${columnSums(
    zero,
    'j',
    [(j, d) => `pr[${j}] * qkv[base + ${j} * d3 + koff + ${d}]`],
    (d, [acc]) => `dqkv[base + i * d3 + qoff + ${d}] = ${acc} * u.scale;`,
  )}
}
`;
}

/**
 * Backward, pass 2 (per key row j): dK_j = scale·Σ_i dS_ij·q_i, dV_j = Σ_i P_ij·dO_i, with P and
 * dS = P·(dO_i·v_j − D_i) recomputed. Bindings: dqkv, qkv, lse, dout, dvec, uniforms.
 */
export function mhaBackwardKvShader(w: MhaWidth): string {
  const { T, zero, dot } = typed(w);
  return /* wgsl */ `
${COMMON}
@group(0) @binding(0) var<storage, read_write> dqkv: array<${T}>;
@group(0) @binding(1) var<storage, read> qkv: array<${T}>;
@group(0) @binding(2) var<storage, read> lse: array<f32>;
@group(0) @binding(3) var<storage, read> dout: array<${T}>;
@group(0) @binding(4) var<storage, read> dvec: array<f32>;
@group(0) @binding(5) var<uniform> u: U;
var<workgroup> pr: array<f32, ${MHA_MAX_N}>;
var<workgroup> ds: array<f32, ${MHA_MAX_N}>;
var<workgroup> ks: array<${T}, ${MHA_MAX_DH / w}>;
var<workgroup> vs: array<${T}, ${MHA_MAX_DH / w}>;
var<workgroup> part0: array<${T}, 64>;
var<workgroup> part1: array<${T}, 64>;
@compute @workgroup_size(64, 1, 1)
fn main(${BUILTINS}) {
  ${ROW(w)}
  let j = i;
  for (var d = i32(t); d < dv; d += 64) {
    ks[d] = qkv[base + j * d3 + koff + d];
    vs[d] = qkv[base + j * d3 + voff + d];
  }
  workgroupBarrier();
  for (var r = i32(t); r < u.n; r += 64) {
    let qb = base + r * d3 + qoff;
    let gb = obase + r * orow;
    var s = 0.0;
    var g = 0.0;
    for (var d = 0; d < dv; d++) {
      s += ${dot('qkv[qb + d]', 'ks[d]')};
      g += ${dot('dout[gb + d]', 'vs[d]')};
    }
    let p = exp(s * u.scale - lse[lrow + r]);
    pr[r] = p;
    ds[r] = p * (g - dvec[lrow + r]);
  }
  workgroupBarrier();
  ${columnSums(
    zero,
    'r',
    [
      (r, d) => `ds[${r}] * qkv[base + ${r} * d3 + qoff + ${d}]`,
      (r, d) => `pr[${r}] * dout[obase + ${r} * orow + ${d}]`,
    ],
    (d, [dk, dvv]) =>
      `dqkv[base + j * d3 + koff + ${d}] = ${dk} * u.scale; dqkv[base + j * d3 + voff + ${d}] = ${dvv};`,
  )}
}
`;
}
