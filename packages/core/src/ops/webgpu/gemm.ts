/**
 * Tiled f32 GEMM in WGSL: C = op(A)·op(B) [+ bias] [→ GELU], for `linear`'s forward and both gradients.
 *
 * The classic shared-memory tiling (as in tfjs-backend-webgpu's matmul_packed and the CUDA SGEMM
 * tutorials): a 64×64 tile of C per workgroup of 16×16 threads, each thread a 4×4 register block (four
 * vec4 accumulators fed by one vec4 of A and one of B per k), K in steps of 16 through workgroup memory. Transposed operands are read in place: only the index
 * arithmetic of the tile loads changes (loads stay coalesced along whichever axis is contiguous), so a
 * weight gradient xᵀ·dy or dy·Wᵀ costs no transpose pass. The epilogue adds the bias and applies GELU
 * (exact x·Φ(x), erf by Abramowitz & Stegun 7.1.26 as in ../wasm-gemm/gemm.c), optionally also writing
 * the pre-activation that GELU's backward needs: one pass over C instead of three.
 */
export const TILE = 64;
const TK = 16;

/** Which GEMM: operand layouts and epilogue. */
export interface GemmVariant {
  transposeA: boolean;
  transposeB: boolean;
  bias: boolean;
  /** 'gelu' applies exact GELU; `savePre` also writes the pre-activation as a second output. */
  activation: 'none' | 'gelu';
  savePre: boolean;
}

/** WGSL of Φ(x) (standard normal CDF) and φ(x)·√(2π) = exp(−x²/2), shared by GELU's kernels. */
export const NORMAL_CDF_WGSL = /* wgsl */ `
fn normal_cdf(x: f32) -> f32 {
  // erf(|z|), z = x/√2, Abramowitz & Stegun 7.1.26 (|error| <= 1.5e-7); its exp(-z²) = exp(-x²/2).
  let z = abs(x) * 0.70710678118654752;
  let t = 1.0 / (1.0 + 0.3275911 * z);
  let poly = ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t;
  let h = 0.5 * (1.0 - poly * exp(-z * z));
  return select(0.5 + h, 0.5 - h, x < 0.0);
}
fn gelu(x: f32) -> f32 { return x * normal_cdf(x); }
fn gelu_grad(x: f32) -> f32 { return normal_cdf(x) + x * exp(-0.5 * x * x) * 0.39894228040143268; }
`;

export function gemmKey(v: GemmVariant): string {
  return `splitmask_gemm_${+v.transposeA}${+v.transposeB}${+v.bias}_${v.activation}${+v.savePre}`;
}

/** WGSL of one GEMM variant. Bindings: c, [pre], a, b, [bias], uniforms {m, n, k}. */
export function gemmShader(v: GemmVariant): string {
  let binding = 0;
  const bind = (decl: string) => `@group(0) @binding(${binding++}) ${decl};`;
  const decls = [bind('var<storage, read_write> c: array<f32>')];
  if (v.savePre) decls.push(bind('var<storage, read_write> pre: array<f32>'));
  decls.push(bind('var<storage, read> a: array<f32>'), bind('var<storage, read> b: array<f32>'));
  if (v.bias) decls.push(bind('var<storage, read> bias: array<f32>'));
  decls.push(bind('var<uniform> u: U'));
  // A tile [64 rows × 16 k], B tile [16 k × 64 cols]; 256 threads load 4 elements of each. The element
  // each thread loads walks the operand's contiguous axis, so neighbouring threads read neighbouring
  // floats whether or not the operand is transposed.
  const loadA = v.transposeA
    ? 'let mm = e % 64; let kk = e / 64; let r = row0 + mm; let kg = k0 + kk; if (r < u.m && kg < u.k) { val = a[kg * u.m + r]; }'
    : 'let kk = e % 16; let mm = e / 16; let r = row0 + mm; let kg = k0 + kk; if (r < u.m && kg < u.k) { val = a[r * u.k + kg]; }';
  const loadB = v.transposeB
    ? 'let kk = e % 16; let nn = e / 16; let cc = col0 + nn; let kg = k0 + kk; if (cc < u.n && kg < u.k) { val = b[cc * u.k + kg]; }'
    : 'let nn = e % 64; let kk = e / 64; let cc = col0 + nn; let kg = k0 + kk; if (cc < u.n && kg < u.k) { val = b[kg * u.n + cc]; }';
  // Tiles as vec4s along M (A) and N (B): a thread's 4 rows and 4 columns are one vec4 each.
  const storeA = 'As[kk * 16 + mm / 4][mm % 4] = val;';
  const storeB = 'Bs[kk * 16 + nn / 4][nn % 4] = val;';
  const epilogue = [
    v.bias ? 'x = x + bias[cc];' : '',
    v.savePre ? 'pre[r * u.n + cc] = x;' : '',
    v.activation === 'gelu' ? 'x = gelu(x);' : '',
    'c[r * u.n + cc] = x;',
  ].join(' ');
  return /* wgsl */ `
struct U { m: i32, n: i32, k: i32, p0: i32 };
${decls.join('\n')}
${v.activation === 'gelu' ? NORMAL_CDF_WGSL : ''}
var<workgroup> As: array<vec4<f32>, ${(TK * TILE) / 4}>;
var<workgroup> Bs: array<vec4<f32>, ${(TK * TILE) / 4}>;

@compute @workgroup_size(16, 16, 1)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let tx = i32(lid.x);
  let ty = i32(lid.y);
  let tid = ty * 16 + tx;
  let row0 = i32(wid.y) * ${TILE};
  let col0 = i32(wid.x) * ${TILE};
  var acc: array<vec4<f32>, 4>;
  for (var i = 0; i < 4; i++) { acc[i] = vec4<f32>(0.0); }
  for (var k0 = 0; k0 < u.k; k0 += ${TK}) {
    for (var l = 0; l < 4; l++) {
      let e = tid + l * 256;
      { var val = 0.0; ${loadA} ${storeA} }
      { var val = 0.0; ${loadB} ${storeB} }
    }
    workgroupBarrier();
    for (var kk = 0; kk < ${TK}; kk++) {
      let a = As[kk * 16 + ty]; // rows 4·ty … 4·ty + 3
      let b = Bs[kk * 16 + tx]; // columns 4·tx … 4·tx + 3
      acc[0] = fma(vec4<f32>(a.x), b, acc[0]);
      acc[1] = fma(vec4<f32>(a.y), b, acc[1]);
      acc[2] = fma(vec4<f32>(a.z), b, acc[2]);
      acc[3] = fma(vec4<f32>(a.w), b, acc[3]);
    }
    workgroupBarrier();
  }
  for (var i = 0; i < 4; i++) {
    let r = row0 + ty * 4 + i;
    for (var j = 0; j < 4; j++) {
      let cc = col0 + tx * 4 + j;
      if (r < u.m && cc < u.n) { var x = acc[i][j]; ${epilogue} }
    }
  }
}
`;
}

/** Workgroup grid of an [M, N] output: x over column tiles, y over row tiles. */
export function gemmGrid(m: number, n: number): [number, number, number] {
  return [Math.ceil(n / TILE), Math.ceil(m / TILE), 1];
}
