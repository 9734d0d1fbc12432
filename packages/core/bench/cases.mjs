// Benchmark cases per backend tier: one list shared by the tfjs runner and tools/bench_torch.py
// (which receives the same ids and shapes as JSON). flops = floating-point operations per call.

const mm = (m, k, n) => 2 * m * k * n;

/** Sizes per tier: cpu is pure JS (~1 GFLOP/s) and software WebGPU is slow, so they get small ones. */
const TIERS = {
  tiny: {
    matmul: [128, 128, 128],
    linear: [128, 128, 128],
    attention: [[16, 64, 32, 64, 'tiny-QK 16 heads']],
    layerNorm: [512, 128],
    gelu: [512, 256],
  },
  small: {
    matmul: [128, 128, 128],
    linear: [256, 128, 256],
    attention: [[16, 64, 32, 64, 'tiny-QK 16 heads']],
    layerNorm: [1024, 128],
    gelu: [1024, 512],
  },
  full: {
    matmul: [512, 512, 512],
    linear: [1024, 256, 1024],
    attention: [
      [256, 64, 32, 64, 'tiny-QK (B64 H4 N64 Dh32)'],
      [48, 197, 64, 197, 'ViT-S-QK (B4 H12 N197 Dh64)'],
    ],
    layerNorm: [4096, 384],
    gelu: [4096, 1536],
  },
};

/** Cases for a tier: { id, op, label, shape, flops, pass: 'fwd' | 'fwd+bwd', variants }. */
export function benchCases(tierName) {
  const t = TIERS[tierName];
  const [m, k, n] = t.matmul;
  const [lb, li, lo] = t.linear;
  const cases = [
    {
      id: `matmul ${m}x${k}x${n}`,
      op: 'matmul',
      shape: [m, k, n],
      flops: mm(m, k, n),
      pass: 'fwd',
      variants: ['fast', 'transposeB'],
    },
    {
      id: `linear ${lb}x${li}->${lo}`,
      op: 'linear',
      shape: [lb, li, lo],
      flops: 3 * mm(lb, li, lo),
      pass: 'fwd+bwd',
      variants: ['fast', 'naive'],
    },
  ];
  for (const [bn, am, ak, an, label] of t.attention) {
    cases.push({
      id: `bmm ${label}`,
      op: 'bmm',
      shape: [bn, am, ak, an],
      flops: 3 * bn * mm(am, ak, an),
      pass: 'fwd+bwd',
      variants: ['auto', 'depthwise', 'matmul', 'naive'],
    });
  }
  const [r, d] = t.layerNorm;
  cases.push({
    id: `layerNorm ${r}x${d}`,
    op: 'layerNorm',
    shape: [r, d],
    flops: null,
    pass: 'fwd+bwd',
    variants: ['fast', 'naive'],
  });
  cases.push({
    id: `sumRows ${r}x${d}`,
    op: 'sumRows',
    shape: [r, d],
    flops: null,
    pass: 'fwd',
    variants: ['fast', 'naive'],
  });
  const [gr, gd] = t.gelu;
  cases.push({
    id: `gelu ${gr}x${gd}`,
    op: 'gelu',
    shape: [gr, gd],
    flops: null,
    pass: 'fwd+bwd',
    variants: ['erf', 'naive', 'tanh'],
  });
  return cases;
}
