#!/usr/bin/env node
// Benchmark of @splitmask/vit: forward and forward+backward images/s of a classification step (CE on the
// head; tools/bench_vit_torch.py runs the same step in PyTorch), for full encoding, half-subset encoding
// (K = L/2, what each SplitMask branch runs) and full encoding with activation checkpointing.
// Each (backend, case, mode) runs in a fresh Node process so peak RSS and the wasm heap size (which
// only grows) are per measurement.
// --steps 0 measures one cold call (for cases where a step takes minutes, e.g. S/16 at batch 32).
// Usage (after `pnpm build`): node bench/run.mjs [--backends wasm,wasm-xnnpack,cpu,webgpu,webgpu-tfjs]
//   [--cases ti4,s16b8,s16b32] [--modes full,half,ckpt] [--steps 2] [--no-torch]
// webgpu-tfjs: webgpu with tfjs's own kernels (initBackend's webgpuKernels: false), next to core's WGSL ones;
// webgpu-no-attention, webgpu-no-gemm+attention, ...: core's kernels except those families (webgpuKernels.exclude).
// Defaults: wasm and cpu (+ webgpu when SPLITMASK_WEBGPU=1, i.e. after tools/setup-webgpu.sh), all three
// cases on wasm, Ti/4 only on cpu (S/16 there is ~100x slower than wasm) and Ti/4 + S/16 b8 on webgpu.
// Then tools/bench_vit_torch.py runs the same cases in PyTorch (one thread, OpenBLAS pinned) in the same
// invocation, unless --no-torch or Debian's python3-torch is missing.
// Writes bench-results/vit.json (with ratios to PyTorch) and bench-results/vit-torch.json.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const steps = Number(arg('steps', '2'));

// name → [variant, batch]; cpu runs at batch ≤ 8 (it is ~50× slower than wasm).
const CASES = {
  ti4: ['Ti/4', 64],
  ti4b8: ['Ti/4', 8],
  s16b8: ['S/16', 8],
  s16b32: ['S/16', 32],
  s16b128: ['S/16', 128],
};
const MODES = {
  full: {},
  half: { half: true },
  ckpt: { checkpoint: true },
  halfckpt: { half: true, checkpoint: true },
};

async function single(backend, name, mode) {
  const { createRng, crossEntropyPerRow, initBackend, toVariables, varList } = await import(
    '@splitmask/core'
  );
  const tf = await import('@tensorflow/tfjs-core');
  const { initVitParams, resolveVitConfig, vitClassify, vitDims } = await import('../dist/index.js');
  // 'wasm-xnnpack': wasm with tfjs's own matmul (XNNPACK) instead of core's wasm GEMM, for comparison.
  const xnn = backend === 'wasm-xnnpack';
  // 'webgpu-tfjs': webgpu with tfjs-backend-webgpu's own kernels instead of core's WGSL kernels.
  const tfjsGpu = backend === 'webgpu-tfjs';
  // 'webgpu-no-attention' (families joined by '+'): core's WGSL kernels except the named families.
  const exclude = backend.startsWith('webgpu-no-') ? backend.slice('webgpu-no-'.length).split('+') : null;
  const info = await initBackend(xnn ? 'wasm' : tfjsGpu || exclude ? 'webgpu' : backend, {
    ...(xnn ? { wasmGemm: false } : {}),
    ...(tfjsGpu ? { webgpuKernels: false } : {}),
    ...(exclude ? { webgpuKernels: { exclude } } : {}),
  });
  const [variant, batch] = CASES[name];
  const b = backend === 'cpu' ? Math.min(batch, 8) : batch;
  const cfg = resolveVitConfig(variant, { numClasses: 10 });
  const l = vitDims(cfg).numPatches;
  const params = toVariables(initVitParams(cfg, createRng(0)), 'bench');
  const images = tf.randomUniform([b, cfg.imageSize, cfg.imageSize, cfg.inChans], 0, 1, 'float32', 1);
  const labels = tf.tensor1d(
    Array.from({ length: b }, (_, i) => i % 10),
    'int32',
  );
  const rng = createRng(2);
  const vis = new Int32Array(b * (l / 2));
  for (let i = 0; i < b; i++)
    vis.set(
      rng
        .permutation(l)
        .slice(0, l / 2)
        .sort(),
      i * (l / 2),
    );
  const m = MODES[mode];
  const opts = {
    visible: m.half ? tf.tensor2d(vis, [b, l / 2], 'int32') : undefined,
    checkpoint: m.checkpoint,
  };
  const loss = () => tf.mean(crossEntropyPerRow(vitClassify(params, images, cfg, opts), labels));
  // Wall time (median) and process CPU time (mean): on a loaded shared machine the CPU time of this
  // single-threaded process is the steadier number.
  const time = async (fn) => {
    const times = [];
    let cpu = 0;
    for (let i = 0; i <= Math.max(steps, 0) && !(steps === 0 && i > 0); i++) {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      const out = fn();
      await out.data();
      out.dispose();
      const c = process.cpuUsage(c0);
      if (i > 0 || steps === 0) {
        times.push(performance.now() - t0); // the first call warms up (measured only with --steps 0)
        cpu += (c.user + c.system) / 1000;
      }
    }
    return [times.sort((x, y) => x - y)[Math.floor(times.length / 2)], cpu / times.length];
  };
  const [fwdMs, fwdCpuMs] = await time(() => tf.tidy(loss));
  const [stepMs, stepCpuMs] = await time(() =>
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(loss, varList(params));
      tf.dispose(Object.values(grads));
      return value;
    }),
  );
  const heap = tf.backend().wasm?.HEAPU8?.buffer.byteLength;
  return {
    backend,
    case: name,
    mode,
    variant,
    batch: b,
    tokens: 1 + (m.half ? l / 2 : l),
    simd: info.simd,
    fwdImgsPerSec: (b * 1000) / fwdMs,
    trainImgsPerSec: (b * 1000) / stepMs,
    fwdMs,
    stepMs,
    trainImgsPerCpuSec: (b * 1000) / stepCpuMs,
    fwdCpuMs,
    stepCpuMs,
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    wasmHeapMiB: heap ? Math.round(heap / 2 ** 20) : null,
  };
}

const one = arg('single');
if (one) {
  const [backend, name, mode] = one.split(':');
  try {
    console.log(`RESULT ${JSON.stringify(await single(backend, name, mode))}`);
  } catch (e) {
    console.log(`RESULT ${JSON.stringify({ backend, case: name, mode, error: String(e.message ?? e) })}`);
  }
  process.exit(0);
}

const defaultBackends = process.env.SPLITMASK_WEBGPU === '1' ? 'wasm,cpu,webgpu,webgpu-tfjs' : 'wasm,cpu';
const DEFAULT_CASES = { cpu: ['ti4'], webgpu: ['ti4', 's16b8'], 'webgpu-tfjs': ['ti4', 's16b8'] };
const casesOf = (backend) =>
  arg('cases', null)?.split(',') ?? DEFAULT_CASES[backend] ?? ['ti4', 's16b8', 's16b32'];
const results = [];
for (const backend of arg('backends', defaultBackends).split(',')) {
  for (const name of casesOf(backend)) {
    for (const mode of arg('modes', 'full,half,ckpt').split(',')) {
      let r;
      try {
        const out = execFileSync(
          process.execPath,
          [
            fileURLToPath(import.meta.url),
            '--single',
            `${backend}:${name}:${mode}`,
            '--steps',
            String(steps),
          ],
          { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 24 },
        );
        r = JSON.parse(
          out
            .split('\n')
            .find((s) => s.startsWith('RESULT '))
            .slice(7),
        );
      } catch (e) {
        r = {
          backend,
          case: name,
          mode,
          error: `process failed (${e.status ?? e.signal}): likely out of memory`,
        };
      }
      console.log(
        r.error
          ? `${backend} ${name} ${mode}: FAILED ${r.error}`
          : `${backend} ${name} b=${r.batch} ${mode}: fwd ${r.fwdImgsPerSec.toFixed(2)} img/s, fwd+bwd ${r.trainImgsPerSec.toFixed(2)} img/s (${r.trainImgsPerCpuSec.toFixed(2)} per cpu-s), rss ${r.peakRssMiB} MiB, wasm heap ${r.wasmHeapMiB} MiB`,
      );
      results.push(r);
    }
  }
}

const outDir = join(here, '..', 'bench-results');
mkdirSync(outDir, { recursive: true });
const torchFile = join(outDir, 'vit-torch.json');
if (!process.argv.includes('--no-torch')) {
  // The same cases in PyTorch, strictly single-threaded (OpenBLAS starts its own threads otherwise).
  const names = [...new Set(results.map((r) => r.case))].join(',');
  const py = spawnSync(
    '/usr/bin/python3',
    [join(here, '..', '..', '..', 'tools', 'bench_vit_torch.py'), names],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'inherit', 'pipe'],
      env: { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' },
    },
  );
  if (py.status !== 0) {
    console.log(
      `PyTorch reference not run (${(py.stderr ?? String(py.error)).trim().split('\n').at(-1)}): apt-get install python3-torch`,
    );
  }
}
if (existsSync(torchFile)) {
  const torch = JSON.parse(readFileSync(torchFile, 'utf8'));
  for (const r of results) {
    const t = torch.results.find((x) => x.case === r.case && x.batch === r.batch);
    const tm = t?.[r.mode.startsWith('half') ? 'half' : 'full'];
    if (!tm || r.error) continue;
    r.torch = tm;
    r.trainRatioToTorch = r.trainImgsPerSec / tm.trainImgsPerSec;
    r.fwdRatioToTorch = r.fwdImgsPerSec / tm.fwdImgsPerSec;
    r.trainCpuRatioToTorch = r.trainImgsPerCpuSec / tm.trainImgsPerCpuSec;
    console.log(
      `${r.backend} ${r.case} ${r.mode}: train ${r.trainRatioToTorch.toFixed(3)}× torch (wall), ${r.trainCpuRatioToTorch.toFixed(3)}× (cpu time), fwd ${r.fwdRatioToTorch.toFixed(3)}×`,
    );
  }
}
// Merge with earlier runs: a (backend, case, mode) measured again replaces the old entry.
const outFile = join(outDir, 'vit.json');
const key = (r) => `${r.backend}:${r.case}:${r.mode}`;
const fresh = new Set(results.map(key));
const earlier = existsSync(outFile)
  ? JSON.parse(readFileSync(outFile, 'utf8')).results.filter((r) => !fresh.has(key(r)))
  : [];
const loadavg = (await import('node:os')).loadavg();
for (const r of results) r.loadavg = loadavg;
const out = {
  date: new Date().toISOString(),
  node: process.version,
  steps,
  results: [...earlier, ...results],
};
writeFileSync(outFile, `${JSON.stringify(out, null, 2)}\n`);
console.log(`wrote ${outFile}`);
