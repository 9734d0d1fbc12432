/**
 * One WGSL pass per parameter for torch's AdamW update (optim/adamw.ts has the formula and its source):
 * reads p, m, v, g once and writes p', m', v', where the composed update runs ~12 element-wise tfjs
 * kernels, each a dispatch and a full-size intermediate buffer. Same operation order as the composed
 * update, in f32, with fma contraction left to the compiler (results within a few ulps of it).
 */
import { FLAT_GROUP } from './context';

/**
 * Bindings: p', m', v', p, m, v, g, uniforms {n, decay = 1 − lr·wd, b1, b2, eps, bc2Sqrt,
 * stepScale = −lr/bc1, 1 − b1, 1 − b2}. Every scalar is computed in float64 on the host and rounded
 * once, as the composed update's tf.scalar(...) are (1 − b1 in f32 on the GPU is off by 2.4e-7).
 */
export const ADAMW_SHADER = /* wgsl */ `
struct U { n: i32, decay: f32, b1: f32, b2: f32, eps: f32, bc2_sqrt: f32, step_scale: f32, one_minus_b1: f32, one_minus_b2: f32 };
@group(0) @binding(0) var<storage, read_write> p_out: array<f32>;
@group(0) @binding(1) var<storage, read_write> m_out: array<f32>;
@group(0) @binding(2) var<storage, read_write> v_out: array<f32>;
@group(0) @binding(3) var<storage, read> p: array<f32>;
@group(0) @binding(4) var<storage, read> m: array<f32>;
@group(0) @binding(5) var<storage, read> v: array<f32>;
@group(0) @binding(6) var<storage, read> g: array<f32>;
@group(0) @binding(7) var<uniform> u: U;
@compute @workgroup_size(256, 1, 1)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = ${FLAT_GROUP} * 256 + i32(lid.x);
  if (i >= u.n) { return; }
  let gi = g[i];
  let mi = m[i] * u.b1 + gi * u.one_minus_b1;
  let vi = v[i] * u.b2 + (gi * gi) * u.one_minus_b2;
  let denom = sqrt(vi) / u.bc2_sqrt + u.eps;
  p_out[i] = p[i] * u.decay + (mi / denom) * u.step_scale;
  m_out[i] = mi;
  v_out[i] = vi;
}
`;
