/**
 * One-pass WGSL kernels for what tfjs composes from many small ops: GELU and its gradient (tfjs: erf
 * from ~25 element-wise dispatches), and column sums (tfjs: transpose, then reduce) for bias and
 * LayerNorm-parameter gradients.
 */
import { FLAT_GROUP } from './context';
import { NORMAL_CDF_WGSL } from './gemm';

const BUILTINS =
  '@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>';

/** y = GELU(x) (grad: dx = dy·GELU'(x)). Bindings: out, x, [dy], uniforms {n}. 256 elements per group. */
export function geluShader(grad: boolean): string {
  return /* wgsl */ `
struct U { n: i32, p0: i32, p1: i32, p2: i32 };
@group(0) @binding(0) var<storage, read_write> y: array<f32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
${grad ? '@group(0) @binding(2) var<storage, read> dy: array<f32>;' : ''}
@group(0) @binding(${grad ? 3 : 2}) var<uniform> u: U;
${NORMAL_CDF_WGSL}
@compute @workgroup_size(256, 1, 1)
fn main(${BUILTINS}) {
  let i = ${FLAT_GROUP} * 256 + i32(lid.x);
  if (i < u.n) { ${grad ? 'y[i] = dy[i] * gelu_grad(x[i]);' : 'y[i] = gelu(x[i]);'} }
}
`;
}

/**
 * Column sums x [R, D] → [D], in row chunks: workgroup (x, y) sums columns 64x…64x+63 over rows
 * y·chunk … (y+1)·chunk − 1 (4 row lanes striding, then a reduction in workgroup memory) into
 * out[y, ·]. With one chunk that is the result; otherwise `columnSums` (kernels.ts) sums the [chunks, D]
 * partials with a second dispatch, so a [25216, 384] gradient runs on ~400 workgroups, not 6.
 * Bindings: out, x, uniforms {rows, cols, chunk}.
 */
export const SUM_ROWS_SHADER = /* wgsl */ `
struct U { rows: i32, cols: i32, chunk: i32, p0: i32 };
@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<uniform> u: U;
var<workgroup> part: array<f32, 256>;
@compute @workgroup_size(64, 4, 1)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let col = i32(wid.x) * 64 + i32(lid.x);
  let r0 = i32(wid.y) * u.chunk;
  let r1 = min(u.rows, r0 + u.chunk);
  var s = 0.0;
  if (col < u.cols) {
    for (var r = r0 + i32(lid.y); r < r1; r += 4) { s += x[r * u.cols + col]; }
  }
  part[lid.y * 64u + lid.x] = s;
  workgroupBarrier();
  if (lid.y == 0u && col < u.cols) {
    out[i32(wid.y) * u.cols + col] = part[lid.x] + part[64u + lid.x] + part[128u + lid.x] + part[192u + lid.x];
  }
}
`;
