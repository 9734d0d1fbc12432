#!/usr/bin/env node
// `pnpm bench` for @splitmask/core: throughput of the primitives per backend (against dist/), next to
// the naive tfjs formulation and to PyTorch on the same machine (tools/bench_torch.py).
// Writes bench-results/core.json and prints a Markdown table. Each backend runs in its own process.
// Backends: cpu (tiny sizes), wasm (full sizes), webgpu (small sizes) when SPLITMASK_WEBGPU=1 or
// tools/setup-webgpu.sh has already run. BENCH_BACKENDS=cpu,wasm overrides the list.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchCases } from './cases.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const pkg = resolve(here, '..');
const root = resolve(pkg, '../..');
const TIER = { cpu: 'tiny', wasm: 'full', webgpu: 'small' };

function webgpuEnv() {
  if (process.env.SPLITMASK_WEBGPU === '1') return {};
  if (!existsSync(join(root, '.tools/vulkan/ok'))) return null;
  // Already set up: the script's fast path prints the exports.
  const out = execFileSync(join(root, 'tools/setup-webgpu.sh'), {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const env = {};
  for (const m of out.matchAll(/^export (\w+)='([^']*)'/gm)) env[m[1]] = m[2];
  return env;
}

function runBackend(backend, extraEnv) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [join(here, 'backend.mjs'), backend, TIER[backend]], {
    cwd: pkg,
    env: { ...process.env, ...extraEnv },
    encoding: 'utf8',
    timeout: 150_000,
  });
  const line = r.stdout?.trim().split('\n').pop();
  if (r.status !== 0 || !line?.startsWith('{')) {
    const err = (r.stderr || r.error?.message || '').trim().split('\n').slice(-3).join(' | ');
    console.error(`bench: ${backend} failed (${err})`);
    return { backend, error: err, rows: [] };
  }
  console.error(`bench: ${backend} done in ${((performance.now() - t0) / 1e3).toFixed(1)} s`);
  return JSON.parse(line);
}

function runTorch(cases) {
  const py = '/usr/bin/python3';
  if (!existsSync(py) || spawnSync(py, ['-c', 'import torch'], { stdio: 'ignore' }).status !== 0) return null;
  const dir = mkdtempSync(join(tmpdir(), 'splitmask-bench-'));
  const file = join(dir, 'cases.json');
  writeFileSync(file, JSON.stringify(cases));
  const r = spawnSync(py, [join(root, 'tools/bench_torch.py'), file], { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) {
    console.error(`bench: torch failed (${r.stderr.trim().split('\n').pop()})`);
    return null;
  }
  return JSON.parse(r.stdout);
}

const gpuEnv = webgpuEnv();
const backends = process.env.BENCH_BACKENDS
  ? process.env.BENCH_BACKENDS.split(',')
  : ['cpu', 'wasm', ...(gpuEnv ? ['webgpu'] : [])];
const results = backends.map((b) => runBackend(b, b === 'webgpu' ? (gpuEnv ?? {}) : {}));
const tiers = [...new Set(backends.map((b) => TIER[b]))];
const torch = runTorch(tiers.flatMap((t) => benchCases(t)));

const rows = [];
for (const r of results) {
  for (const row of r.rows) {
    const torchMs = torch?.ms[row.id] ?? null;
    rows.push({
      backend: r.backend,
      ...row,
      torch_ms: torchMs,
      ratio_to_torch: torchMs == null ? null : torchMs / row.ms,
    });
  }
}
const report = {
  date: new Date().toISOString(),
  node: process.version,
  torch: torch ? { version: torch.torch, threads: torch.threads } : null,
  backends: results.map(({ rows: _rows, ...b }) => b),
  rows,
};
mkdirSync(join(pkg, 'bench-results'), { recursive: true });
writeFileSync(join(pkg, 'bench-results/core.json'), `${JSON.stringify(report, null, 2)}\n`);

const f = (x, d = 2) => (x == null ? '—' : x.toFixed(d));
console.log('| backend | case | pass | variant | ms | GFLOP/s | torch ms | ratio to torch |');
console.log('|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  const v = r.variant === 'auto' ? `auto (= ${r.strategy})` : r.variant;
  console.log(
    `| ${r.backend} | ${r.id} | ${r.pass} | ${v} | ${f(r.ms, 1)} | ${f(r.gflops)} | ${f(r.torch_ms, 1)} | ${f(r.ratio_to_torch, 3)} |`,
  );
}
console.log(`\nwrote ${join(pkg, 'bench-results/core.json')}`);
