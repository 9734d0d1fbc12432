#!/usr/bin/env node
// Train-step throughput, scaling over worker threads and peak memory: SplitMask, BEiT and DINO at the demo
// config (and ViT-S/16 with --vit-s), for 1..N workers, next to the PyTorch reference of the same step
// (tools/splitmask_step_torch.py) on 1 thread and on all cores, measured in the same run.
//   node bench/run.mjs [--steps 5] [--workers 1,2] [--methods splitmask,beit,dino] [--vit-s] [--batch N]
//                      [--configs demo:256,vit-s16:128] [--out FILE]
//                      [--backend wasm|cpu|webgpu|webgpu-tfjs] [--no-torch] [--torch-same-threads]
// --torch-same-threads: each row's PyTorch reference also runs on as many threads as that row has workers
// (the many-core table: 1, 2, 4, 8, 16 workers against PyTorch on 1, 2, 4, 8, 16 cores).
// The Python with torch: $SPLITMASK_PYTHON, else /usr/bin/python3 (Debian's), else python3 on the PATH.
// Each measurement runs in a fresh child process so its peak RSS is its own (with workers: the whole
// process, main thread + workers). Results go to stdout and bench-results/train-step.json. Build first.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
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
const cores = availableParallelism();

// The demo model (28px, patch 4, D=64, depth 4, 4 heads, MLP 2, V=128) at batch 64, and ViT-S/16
// (224px, D=384, depth 12, 6 heads, MLP 4, V=8192 as BEiT's dVAE) at batch 32.
const CONFIGS = {
  demo: {
    batch: 64,
    model: { imageSize: 28, patchSize: 4, inChans: 1, embedDim: 64, depth: 4, numHeads: 4, mlpRatio: 2 },
    vocab: 128,
  },
  'vit-s16': {
    batch: 32,
    model: { imageSize: 224, patchSize: 16, inChans: 3, embedDim: 384, depth: 12, numHeads: 6, mlpRatio: 4 },
    vocab: 8192,
  },
};

async function child([method, configName, workers, steps, batchOverride, backendFlag = 'wasm']) {
  if (batchOverride) CONFIGS[configName].batch = Number(batchOverride);
  const { initBackend } = await import('@splitmask/core');
  const tf = await import('@tensorflow/tfjs-core');
  const lib = await import(join(pkg, 'dist', 'index.js'));
  const { workerThreads } = await import(join(pkg, 'dist', 'node.js'));
  // webgpu-tfjs = webgpu with tfjs's own kernels (core's WGSL kernels off), for the comparison.
  const backend = backendFlag === 'webgpu-tfjs' ? 'webgpu' : backendFlag;
  await initBackend(backend, backendFlag === 'webgpu-tfjs' ? { webgpuKernels: false } : {});
  const { batch, model, vocab } = CONFIGS[configName];
  const s = model.imageSize;
  const c = model.inChans;
  const n = 2 * batch;
  const pixels = new Uint8Array(n * s * s * c);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 7919) % 251;
  const source = lib.createArraySource({ pixels, count: n, size: s, channels: c }, { imageSize: s, seed: 0 });
  const parallel = Number(workers) > 1 ? workerThreads(Number(workers), { backend }) : undefined;
  let trainer;
  let step;
  if (method === 'dino') {
    // DINO at the same backbone: 2 global crops at full size + 2 local crops at half size, head K = 1024.
    const config = lib.resolveDinoConfig(
      {
        model: { ...model, dropPathRate: 0 },
        head: { outDim: 1024, hiddenDim: 256, bottleneckDim: 64 },
        crops: {
          localCrops: 2,
          localSize:
            s / 2 > model.patchSize ? Math.floor(s / 2 / model.patchSize) * model.patchSize : model.patchSize,
        },
        train: { batchSize: batch, steps: 1000 },
      },
      lib.DINO_TINY_CONFIG,
    );
    trainer = await lib.createDinoTrainer({ config, source, parallel, role: 'bench' });
    step = () => trainer.trainStep();
  } else {
    const config = lib.resolvePretrainConfig({
      method,
      model: { ...model, dropPathRate: 0, decoderDepth: 2 },
      tokenizer: { kind: 'random-projection', vocabSize: vocab },
      optim: { warmupSteps: 1 },
      train: { batchSize: batch, steps: 1000 },
    });
    trainer = await lib.createPretrainer({ config, source, parallel });
    step = () => trainer.trainStep();
  }
  await step();
  await step();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage(); // all threads of the process: main + workers
  let ev;
  for (let i = 0; i < Number(steps); i++) ev = await step();
  const sec = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await trainer.dispose();
  process.stdout.write(
    `${JSON.stringify({
      method,
      config: configName,
      workers: Number(workers),
      batch,
      imgsPerSec: (Number(steps) * batch) / sec,
      stepMs: (1000 * sec) / Number(steps),
      // CPU time per image over all threads: equal for 1 and N workers when parallelism costs nothing extra.
      cpuMsPerImg: (cpu.user + cpu.system) / 1000 / (Number(steps) * batch),
      peakRssMb: process.resourceUsage().maxRSS / 1024,
      // Workers: the largest worker's wasm heap (each has its own 4 GiB); in-thread: this thread's.
      heapMb: ev.workerHeapMb ?? (tf.backend().wasm?.HEAPU8?.length ?? 0) / 2 ** 20,
      loss: ev.loss,
    })}\n`,
  );
}

function measure(cmd, argv, threads, blasThreads = threads) {
  // OpenBLAS/OpenMP start their own threads whatever torch.set_num_threads says: pin them (`blasThreads`
  // for the BLAS, `threads` for torch's intra-op pool).
  const t = String(threads);
  const b = String(blasThreads);
  const env = { ...process.env, OPENBLAS_NUM_THREADS: b, OMP_NUM_THREADS: t, MKL_NUM_THREADS: b };
  // Some machines pin OPENBLAS_CORETYPE/L2_SIZE for old OpenBLAS builds; they slow a current one, and the
  // reference should run at its best: unset both for this command only.
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const r = spawnSync(cmd, argv, { cwd: repo, encoding: 'utf8', maxBuffer: 1 << 24, env });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1));
}

function torchStep(method, configName, threads, steps, blasThreads = threads) {
  const { batch, model, vocab } = CONFIGS[configName];
  const argv = [join(repo, 'tools', 'splitmask_step_torch.py'), '--method', method];
  argv.push(
    '--image',
    String(model.imageSize),
    '--patch',
    String(model.patchSize),
    '--chans',
    String(model.inChans),
  );
  argv.push(
    '--dim',
    String(model.embedDim),
    '--depth',
    String(model.depth),
    '--heads',
    String(model.numHeads),
  );
  argv.push('--mlp-ratio', String(model.mlpRatio), '--vocab', String(vocab), '--batch', String(batch));
  argv.push('--steps', String(steps), '--threads', String(threads));
  return { ...measure(PYTHON, argv, threads, blasThreads), threads, blasThreads };
}

/**
 * PyTorch at its best on `cores` cores: torch's intra-op threads and OpenBLAS's threads spin-wait against
 * each other when both take every core (on 2 vCPUs that is slower than one thread), so "all cores" is the
 * fastest of (torch = BLAS = cores), (torch = cores, BLAS = 1) and (torch = 1, BLAS = cores) — the
 * configuration a user tuning PyTorch for this machine would keep. Each variant is in the JSON.
 */
function torchBestOnCores(method, configName, cores, steps) {
  const variants = [
    [cores, cores],
    [cores, 1],
    [1, cores],
  ].map(([t, b]) => torchStep(method, configName, t, steps, b));
  const best = variants.reduce((a, v) => (v.imgs_per_s > a.imgs_per_s ? v : a));
  return {
    ...best,
    variants: variants.map((v) => ({
      threads: v.threads,
      blasThreads: v.blasThreads,
      imgsPerSec: v.imgs_per_s,
    })),
  };
}

const PYTHON =
  process.env.SPLITMASK_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');

async function parent() {
  if (!existsSync(join(pkg, 'dist', 'index.js'))) throw new Error('build first: pnpm build');
  const steps = flag('steps', '5');
  const workerCounts = flag('workers', `1,${cores}`).split(',').map(Number);
  const methods = flag('methods', 'splitmask,beit,dino').split(',');
  // --configs demo:256,vit-s16:128 picks configs and per-config batches (default: demo, + vit-s16 with --vit-s).
  const configSpecs = flag('configs', args.includes('--vit-s') ? 'demo,vit-s16' : 'demo').split(',');
  const configs = configSpecs.map((c) => c.split(':')[0]);
  for (const c of configs) if (!CONFIGS[c]) throw new Error(`--configs: unknown config '${c}'`);
  const batchOverride = flag('batch', '');
  // wasm (default), cpu, webgpu (core's WGSL kernels) or webgpu-tfjs (tfjs's kernels); workers need wasm/cpu.
  const backendFlag = flag('backend', 'wasm');
  if (batchOverride) for (const c of Object.values(CONFIGS)) c.batch = Number(batchOverride);
  for (const spec of configSpecs) {
    const [name, batch] = spec.split(':');
    if (batch) CONFIGS[name].batch = Number(batch);
  }
  const haveTorch = !args.includes('--no-torch') && (PYTHON !== '/usr/bin/python3' || existsSync(PYTHON));
  const sameThreads = args.includes('--torch-same-threads');
  const rows = [];
  for (const configName of configs) {
    for (const method of methods) {
      // PyTorch has no DINO step script here: DINO rows report throughput and scaling only.
      const torchRuns = new Map();
      const torchAt = (threads) => {
        if (!haveTorch || method === 'dino') return undefined;
        if (!torchRuns.has(threads)) torchRuns.set(threads, torchStep(method, configName, threads, steps));
        return torchRuns.get(threads);
      };
      // --torch-same-threads measures PyTorch only at the rows' thread counts (at ViT-S/16 with 128 images
      // a 1-thread PyTorch step alone would take minutes).
      const torch1 = sameThreads ? undefined : torchAt(1);
      const torchAll = sameThreads
        ? undefined
        : cores > 1 && haveTorch && method !== 'dino'
          ? torchBestOnCores(method, configName, cores, steps)
          : torchAt(cores);
      let single;
      for (const workers of workerCounts) {
        const r = measure(
          process.execPath,
          [
            fileURLToPath(import.meta.url),
            '--child',
            method,
            configName,
            String(workers),
            steps,
            String(CONFIGS[configName].batch),
            backendFlag,
          ],
          1,
        );
        single ??= r.imgsPerSec;
        r.scaling = r.imgsPerSec / single;
        r.efficiency = r.scaling / workers;
        r.torchCores = cores;
        r.torchAllCoresImgsPerSec = torchAll?.imgs_per_s;
        r.torchOneThreadImgsPerSec = torch1?.imgs_per_s;
        r.ratioToTorchAllCores = torchAll ? r.imgsPerSec / torchAll.imgs_per_s : undefined;
        r.ratioToTorchOneThread = torch1 ? r.imgsPerSec / torch1.imgs_per_s : undefined;
        r.torchAllCoresPeakRssMb = torchAll?.peak_rss_mb;
        r.torchAllCoresThreads = torchAll && { torch: torchAll.threads, blas: torchAll.blasThreads };
        r.torchAllCoresVariants = torchAll?.variants;
        // The PyTorch a user would run here: the faster of its best all-core setting and one thread.
        const torchBest = torch1 && torchAll ? Math.max(torch1.imgs_per_s, torchAll.imgs_per_s) : undefined;
        r.torchBestImgsPerSec = torchBest;
        r.ratioToTorchBest = torchBest ? r.imgsPerSec / torchBest : undefined;
        if (sameThreads) {
          const same = torchAt(workers);
          r.torchSameThreadsImgsPerSec = same?.imgs_per_s;
          r.ratioToTorchSameThreads = same ? r.imgsPerSec / same.imgs_per_s : undefined;
        }
        rows.push(r);
        console.log(
          `${configName.padEnd(7)} ${method.padEnd(9)} workers ${workers}: ${r.imgsPerSec.toFixed(1).padStart(7)} img/s ` +
            `(x${r.scaling.toFixed(2)}), ${r.cpuMsPerImg.toFixed(2)} CPU ms/img, peak RSS ${r.peakRssMb.toFixed(0)} MB` +
            (torchAll
              ? ` | PyTorch ${cores} cores (torch ${torchAll.threads}, BLAS ${torchAll.blasThreads} threads) ${torchAll.imgs_per_s.toFixed(1)} img/s: ratio ${r.ratioToTorchAllCores.toFixed(3)}` +
                ` | 1 thread ${torch1.imgs_per_s.toFixed(1)}: ratio ${r.ratioToTorchOneThread.toFixed(3)}` +
                ` | best ${r.torchBestImgsPerSec.toFixed(1)}: ratio ${r.ratioToTorchBest.toFixed(3)}`
              : '') +
            (r.ratioToTorchSameThreads !== undefined
              ? ` | PyTorch ${workers} threads ${r.torchSameThreadsImgsPerSec.toFixed(1)}: ratio ${r.ratioToTorchSameThreads.toFixed(3)}`
              : ''),
        );
      }
    }
  }
  mkdirSync(join(pkg, 'bench-results'), { recursive: true });
  const out = { date: new Date().toISOString(), cores, configs: CONFIGS, steps: Number(steps), rows };
  const file = flag('out', join(pkg, 'bench-results', 'train-step.json'));
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
}

if (args[0] === '--child') await child(args.slice(1));
else await parent();
