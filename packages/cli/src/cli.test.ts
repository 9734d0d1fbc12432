import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodePng } from '@splitmask/splitmask/node';
import { loadTokenizer } from '@splitmask/tokenizers/node';
import { afterAll, afterEach, beforeEach, expect, test, vi } from 'vitest';
import { main } from './cli';
import { readJsonl } from './jsonl';

const dir = mkdtempSync(join(tmpdir(), 'splitmask-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let stderr = '';
let stdout = '';
beforeEach(() => {
  stderr = '';
  stdout = '';
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
    stderr += String(s);
    return true;
  });
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
    stdout += String(s);
    return true;
  });
});
afterEach(() => vi.restoreAllMocks());

test('--help prints usage; no command is an error', async () => {
  expect(await main(['--help'])).toBe(0);
  expect(stdout).toMatch(/splitmask <command>/);
  expect(await main([])).toBe(1);
});

test('--version prints the version of this package', async () => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  expect(await main(['--version'])).toBe(0);
  expect(stdout).toBe(`${pkg.version}\n`);
});

test('argument errors: all at once, exit code 2', async () => {
  expect(await main(['demo', '--steps', 'x', '--bogus', '1', '--backend', 'tpu'])).toBe(2);
  expect(stderr).toMatch(/--bogus: unknown option for 'demo'/);
  expect(await main(['demo', '--steps', 'x', '--backend', 'tpu'])).toBe(2);
  expect(stderr).toMatch(/--steps: expected an integer >= 1, got 'x'/);
  expect(stderr).toMatch(/--backend: unknown backend 'tpu'/);
  expect(await main(['fit'])).toBe(2);
  expect(stderr).toMatch(/unknown command 'fit'/);
});

test('config file errors name every bad field', async () => {
  const file = join(dir, 'bad.json');
  writeFileSync(file, JSON.stringify({ model: { depth: 0, embedDim: 'wide' }, train: { batchSze: 8 } }));
  expect(await main(['pretrain', 'fashion-mnist', '--config', file])).toBe(2);
  expect(stderr).toMatch(/model\.depth: 0 is outside/);
  expect(stderr).toMatch(/model\.embedDim: expected a finite number, got "wide"/);
  expect(stderr).toMatch(/train\.batchSze: unknown field/);
  expect(await main(['pretrain', 'fashion-mnist', '--config', join(dir, 'missing.json')])).toBe(2);
  expect(stderr).toMatch(/--config: cannot read/);
});

test('pretrain needs a known dataset', async () => {
  expect(await main(['pretrain'])).toBe(2);
  expect(stderr).toMatch(/missing <dataset>/);
  expect(await main(['pretrain', 'imagenet-22k', '--steps', '1'])).toBe(2);
  expect(stderr).toMatch(/dataset 'imagenet-22k'/);
});

test('demo --tiny --steps 2 runs end to end: report, JSONL log, pictures, summary', async () => {
  const out = join(dir, 'demo');
  expect(await main(['demo', '--tiny', '--steps', '2', '--out', out, '--backend', 'wasm'])).toBe(0);
  expect(stdout).toMatch(/random init encoder: +\d+\.\d\d%/);
  expect(stdout).toMatch(/SplitMask-pretrained: +\d+\.\d\d%/);
  const log = readJsonl<{ step: number; loss: number; parts: Record<string, number> }>(
    join(out, 'log.jsonl'),
  );
  expect(log.map((r) => r.step)).toEqual([1, 2]);
  expect(Number.isFinite(log[1].loss)).toBe(true);
  for (const f of ['loss.png', 'nce-accuracy.png', 'splits.png']) {
    const png = decodePng(new Uint8Array(readFileSync(join(out, f))));
    expect(png.width, f).toBeGreaterThan(100);
  }
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  expect(summary.steps).toBe(2);
  expect(summary.knn.pretrained).toBeGreaterThanOrEqual(0);
  expect(existsSync(join(out, 'splits.png'))).toBe(true);
}, 120_000);

test('tokenizer fit writes a k-means vocabulary that loads back', async () => {
  const cfg = join(dir, 'tok.json');
  writeFileSync(cfg, JSON.stringify({ tokenizer: { fitImages: 64, fitIterations: 2 } }));
  const out = join(dir, 'tok.safetensors');
  expect(
    await main([
      'tokenizer',
      'fit',
      'fashion-mnist',
      '--vocab-size',
      '8',
      '--config',
      cfg,
      '--out',
      out,
      '--backend',
      'cpu',
    ]),
  ).toBe(0);
  const tok = await loadTokenizer(out);
  expect([tok.kind, tok.vocabSize, tok.patchSize]).toEqual(['kmeans', 8, 4]);
  tok.dispose();
  expect(await main(['tokenizer', 'fit'])).toBe(2);
  expect(stderr).toMatch(/usage: splitmask tokenizer fit <dataset>/);
}, 120_000);

test('pretrain writes checkpoints, log and pictures; --resume continues; another config is refused', async () => {
  const cfgFile = join(dir, 'tiny-pretrain.json');
  const tiny = {
    model: { imageSize: 28, patchSize: 7, embedDim: 16, depth: 1, numHeads: 2, mlpRatio: 2 },
    tokenizer: { kind: 'random-projection', vocabSize: 16 },
    optim: { warmupSteps: 1 },
    train: { batchSize: 4, checkpointEvery: 2, keepCheckpoints: 1 },
  };
  writeFileSync(cfgFile, JSON.stringify(tiny));
  const out = join(dir, 'pretrain');
  const common = ['pretrain', 'fashion-mnist', '--config', cfgFile, '--out', out, '--backend', 'cpu'];
  expect(await main([...common, '--steps', '4'])).toBe(0);
  expect(existsSync(join(out, 'checkpoints', 'step-00000004', 'tensors.safetensors'))).toBe(true);
  for (const f of ['loss.png', 'splits.png', 'config.json']) expect(existsSync(join(out, f)), f).toBe(true);
  // Same config (steps is part of the schedule): a resumed run at its end does no further steps.
  expect(await main([...common, '--steps', '4', '--resume'])).toBe(0);
  expect(stderr).toMatch(/resumed from .*step-00000004 at step 4/);
  expect(readJsonl(join(out, 'log.jsonl')).map((r) => r.step)).toEqual([1, 2, 3, 4]);
  expect(decodePng(new Uint8Array(readFileSync(join(out, 'loss.png')))).width).toBe(640);
  expect(await main([...common, '--steps', '4', '--lr', '0.01', '--resume'])).toBe(1);
  expect(stderr).toMatch(/Refusing to resume .* optim\.lr: 0\.001 → 0\.01/s);
}, 120_000);

test('pretrain --method dino: argument and config errors exit 2 and name the bad values', async () => {
  expect(await main(['pretrain', 'fashion-mnist', '--method', 'dino', '--steps', '0', '--lr', '-1'])).toBe(2);
  expect(stderr).toMatch(/--steps: expected an integer >= 1, got '0'/);
  expect(stderr).toMatch(/--lr: expected a positive number, got '-1'/);
  const file = join(dir, 'bad-dino.json');
  writeFileSync(file, JSON.stringify({ model: { depth: 0 }, crops: { localSize: 7 }, head: { outDm: 4 } }));
  expect(await main(['pretrain', 'mnist', '--method', 'dino', '--config', file])).toBe(2);
  expect(stderr).toMatch(/Invalid DINO config/);
  expect(stderr).toMatch(/head\.outDm \(unknown field\)/);
  writeFileSync(file, JSON.stringify({ model: { depth: 0 }, crops: { localSize: 7 } }));
  expect(await main(['pretrain', 'mnist', '--method', 'dino', '--config', file])).toBe(2);
  expect(stderr).toMatch(/model\.depth=0/);
  expect(stderr).toMatch(/crops\.localSize=7 \(positive multiple of model\.patchSize\)/);
});

test('pretrain --method dino runs end to end; eval knn reads its teacher encoder', async () => {
  const cfgFile = join(dir, 'tiny-dino.json');
  const tiny = {
    model: { imageSize: 16, patchSize: 4, inChans: 1, embedDim: 32, depth: 1, numHeads: 2, mlpRatio: 2 },
    head: { outDim: 64, hiddenDim: 32, bottleneckDim: 16 },
    crops: { localCrops: 2, localSize: 8, blurRadius: [0.1, 0.5] },
    train: { batchSize: 4, stepsPerEpoch: 2, logEvery: 1, checkpointEvery: 2 },
  };
  writeFileSync(cfgFile, JSON.stringify(tiny));
  const out = join(dir, 'dino');
  const args = ['pretrain', 'fashion-mnist', '--method', 'dino', '--config', cfgFile, '--out', out];
  expect(await main([...args, '--steps', '2', '--lr', '0.01', '--backend', 'cpu'])).toBe(0);
  const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
  expect([config.method, config.train.steps, config.optim.lr, config.model.embedDim]).toEqual([
    'dino',
    2,
    0.01,
    32,
  ]);
  // --steps 2 < DINO's default warmup (0 here) stays a valid schedule; the run checkpoints its last step.
  expect(config.optim.warmupSteps).toBeLessThanOrEqual(2);
  const log = readJsonl<{ step: number; loss: number; monitors?: { teacherEntropy: number; logK: number } }>(
    join(out, 'log.jsonl'),
  );
  expect(log.map((r) => r.step)).toEqual([1, 2]);
  for (const r of log) {
    expect(Number.isFinite(r.loss)).toBe(true);
    expect(r.monitors?.logK).toBeCloseTo(Math.log(64), 5);
  }
  expect(stderr).toMatch(/H \d+\.\d\d\/4\.16 kl \d/);
  expect(existsSync(join(out, 'checkpoints', 'step-00000002', 'state.json'))).toBe(true);
  expect(existsSync(join(out, 'teacher-encoder.safetensors'))).toBe(true);
  // Resuming the finished run does no further step.
  expect(await main([...args, '--steps', '2', '--lr', '0.01', '--backend', 'cpu', '--resume'])).toBe(0);
  expect(stderr).toMatch(/resumed from .*step-00000002/);
  expect(readJsonl<{ step: number }>(join(out, 'log.jsonl')).map((r) => r.step)).toEqual([1, 2]);
  // The run's config.json (method 'dino') selects DINO without --method, and resumes the same run.
  const again = ['pretrain', 'fashion-mnist', '--config', join(out, 'config.json'), '--out', out];
  stderr = '';
  expect(await main([...again, '--backend', 'cpu', '--resume'])).toBe(0);
  expect(stderr).toMatch(/resumed from .*step-00000002.*DINO: 2\/2 steps/s);

  const evalOut = join(dir, 'eval');
  const code = await main([
    'eval',
    'knn',
    '--checkpoint',
    join(out, 'teacher-encoder.safetensors'),
    '--data',
    'fashion-mnist',
    '--limit-train',
    '60',
    '--limit-test',
    '20',
    '--k',
    '5',
    '--backend',
    'cpu',
    '--out',
    evalOut,
  ]);
  expect(code).toBe(0);
  const report = JSON.parse(readFileSync(join(evalOut, 'knn.json'), 'utf8'));
  expect(report.checkpoint).toMatch(/teacher-encoder\.safetensors$/);
  expect([report.testCount, report.metrics.count]).toEqual([20, 20]);
  expect(report.metrics.top1).toBeGreaterThanOrEqual(0);
  expect(report.metrics.top1).toBeLessThanOrEqual(100);
}, 120_000);

test('eval: missing mode or a bad flag exits 2 with the reason', async () => {
  const errors: string[] = [];
  vi.spyOn(console, 'error').mockImplementation((s) => {
    errors.push(String(s));
  });
  expect(await main(['eval'])).toBe(2);
  expect(stderr).toMatch(/missing knn\|linear\|finetune/);
  expect(stderr).toMatch(/--checkpoint/);
  expect(await main(['eval', 'knn', '--bogus', '1'])).toBe(2);
  expect(errors.join('\n')).toMatch(/unknown argument '--bogus'/);
  expect(await main(['eval', '--help'])).toBe(0);
  expect(stdout).toMatch(/splitmask eval knn\|linear\|finetune/);
  expect(await main(['--help'])).toBe(0);
  expect(stdout).toMatch(/--method splitmask\|beit\|dino/);
  expect(stdout).toMatch(/eval knn\|linear\|finetune/);
});
