#!/usr/bin/env node
// Train-step throughput and peak memory: SplitMask vs BEiT at the same config, per backend, next to the
// PyTorch reference of the same step (tools/splitmask_step_torch.py) measured in the same run.
//   node bench/run.mjs [--steps 5] [--backends wasm,cpu] [--no-torch]
// Each measurement runs in a fresh child process so its peak RSS is its own. Results go to stdout and to
// bench-results/train-step.json. Build first (`pnpm build`): this imports dist/.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const pkg = resolve(here, '..');
const repo = resolve(pkg, '..', '..');
const args = process.argv.slice(2);
const flag = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};

// The demo model (28px, patch 4, D=64, depth 4, 4 heads, MLP 2, V=128) at batch 64; cpu is ~30x slower,
// so it runs a "tiny" batch of 8.
const MODEL = {
  imageSize: 28,
  patchSize: 4,
  inChans: 1,
  embedDim: 64,
  depth: 4,
  numHeads: 4,
  mlpRatio: 2,
  dropPathRate: 0,
  decoderDepth: 2,
};
const VOCAB = 128;
const BATCH = { wasm: 64, cpu: 8 };

async function child([method, backend, batch, steps]) {
  const { initBackend } = await import('@splitmask/core');
  const { createArraySource, createPretrainer, resolvePretrainConfig } = await import(
    join(pkg, 'dist', 'index.js')
  );
  await initBackend(backend);
  const n = 256;
  const pixels = new Uint8Array(n * 28 * 28);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 7919) % 251;
  const config = resolvePretrainConfig({
    method,
    model: MODEL,
    tokenizer: { kind: 'random-projection', vocabSize: VOCAB },
    optim: { warmupSteps: 1 },
    train: { batchSize: Number(batch), steps: 1000 },
  });
  const source = createArraySource({ pixels, count: n, size: 28, channels: 1 }, { imageSize: 28, seed: 0 });
  const trainer = await createPretrainer({ config, source });
  await trainer.trainStep();
  await trainer.trainStep();
  const t0 = performance.now();
  let ev;
  for (let i = 0; i < Number(steps); i++) ev = await trainer.trainStep();
  const sec = (performance.now() - t0) / 1000;
  process.stdout.write(
    `${JSON.stringify({
      method,
      backend,
      batch: Number(batch),
      imgsPerSec: (Number(steps) * Number(batch)) / sec,
      stepMs: (1000 * sec) / Number(steps),
      peakRssMb: process.resourceUsage().maxRSS / 1024,
      numTensors: ev.numTensors,
      loss: ev.loss,
    })}\n`,
  );
}

// OpenBLAS starts its own threads whatever torch.set_num_threads says; pin it to one, as the wasm
// side has one (on a shared machine its extra threads made PyTorch 2-4x slower, not faster).
const ONE_THREAD = { OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };

function measure(cmd, argv) {
  const r = spawnSync(cmd, argv, {
    cwd: repo,
    encoding: 'utf8',
    maxBuffer: 1 << 24,
    env: { ...process.env, ...ONE_THREAD },
  });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1));
}

async function parent() {
  if (!existsSync(join(pkg, 'dist', 'index.js'))) throw new Error('build first: pnpm build');
  const steps = flag('steps', '5');
  const backends = flag('backends', 'wasm,cpu').split(',');
  const rows = [];
  for (const backend of backends) {
    const batch = BATCH[backend] ?? 8;
    const torch = {};
    if (!args.includes('--no-torch')) {
      for (const method of ['splitmask', 'beit']) {
        const t = measure('/usr/bin/python3', [
          join(repo, 'tools', 'splitmask_step_torch.py'),
          '--method',
          method,
          '--image',
          '28',
          '--patch',
          '4',
          '--dim',
          '64',
          '--depth',
          '4',
          '--heads',
          '4',
          '--mlp-ratio',
          '2',
          '--vocab',
          String(VOCAB),
          '--batch',
          String(batch),
          '--steps',
          steps,
        ]);
        torch[method] = t;
      }
    }
    for (const method of ['splitmask', 'beit']) {
      const r = measure(process.execPath, [
        fileURLToPath(import.meta.url),
        '--child',
        method,
        backend,
        String(batch),
        steps,
      ]);
      r.torchImgsPerSec = torch[method]?.imgs_per_s;
      r.torchPeakRssMb = torch[method]?.peak_rss_mb;
      r.ratioToTorch = r.torchImgsPerSec ? r.imgsPerSec / r.torchImgsPerSec : undefined;
      rows.push(r);
      console.log(
        `${backend.padEnd(5)} ${method.padEnd(9)} batch ${String(batch).padStart(3)}: ${r.imgsPerSec.toFixed(1).padStart(7)} img/s, ` +
          `peak RSS ${r.peakRssMb.toFixed(0)} MB` +
          (r.torchImgsPerSec
            ? ` | PyTorch ${r.torchImgsPerSec.toFixed(1)} img/s, ${r.torchPeakRssMb.toFixed(0)} MB | ratio ${r.ratioToTorch.toFixed(3)}`
            : ''),
      );
    }
  }
  mkdirSync(join(pkg, 'bench-results'), { recursive: true });
  const out = { date: new Date().toISOString(), model: MODEL, vocab: VOCAB, steps: Number(steps), rows };
  writeFileSync(join(pkg, 'bench-results', 'train-step.json'), `${JSON.stringify(out, null, 2)}\n`);
}

if (args[0] === '--child') await child(args.slice(1));
else await parent();
