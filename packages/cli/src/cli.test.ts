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
  expect(stderr).toMatch(/--steps: expected a decimal integer >= 1, got 'x'/);
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
  expect(stderr).toMatch(/Invalid --config .*cannot read .*missing\.json \(ENOENT\)/s);
});

test.each([['[]'], ['5'], ['null']])(
  'a --config file holding %s is one clear error, exit 2',
  async (text) => {
    const file = join(dir, `holds-${text.replace(/\W/g, 'x')}.json`);
    writeFileSync(file, text);
    expect(await main(['pretrain', 'fashion-mnist', '--config', file, '--out', join(dir, 'never')])).toBe(2);
    expect(stderr).toMatch(
      new RegExp(`${file} must hold a JSON object of config sections, got ${text.replace(/[[\]]/g, '\\$&')}`),
    );
    expect(existsSync(join(dir, 'never'))).toBe(false);
  },
);

test.each([
  [['pretrain', 'fashion-mnist', '--steps', '0x10'], /--steps: expected a decimal integer >= 1, got '0x10'/],
  [['pretrain', 'fashion-mnist', '--steps', '1e3'], /--steps: expected a decimal integer >= 1, got '1e3'/],
  [['pretrain', 'fashion-mnist', '--seed', '12abc'], /--seed: expected a decimal integer >= 0, got '12abc'/],
  [
    ['pretrain', 'fashion-mnist', 'mnist'],
    /unexpected argument 'mnist' for 'pretrain' \(it takes <dataset>\)/,
  ],
  [['demo', 'now'], /unexpected argument 'now' for 'demo'/],
  [
    ['pretrain', 'fashion-mnist', '--workers', 'many'],
    /--workers: expected 'auto' or a decimal integer >= 1, got 'many'/,
  ],
  [
    ['pretrain', 'fashion-mnist', '--workers', '999', '--steps', '1'],
    /--workers: 999 is more than train\.batchSize=64/,
  ],
  [
    ['pretrain', 'fashion-mnist', '--out', '/proc/self/run'],
    /--out: \/proc\/self\/run is on the special file system \/proc/,
  ],
  [['pretrain', 'fashion-mnist', '--out', '/sys/kernel/x'], /special file system \/sys/],
  [
    ['pretrain', 'fashion-mnist', '--resume', '--out', join(tmpdir(), 'splitmask-no-such-run')],
    /nothing to resume/,
  ],
])('user error %j: one line, exit 2, no stack trace', async (argv, why) => {
  expect(await main(argv)).toBe(2);
  expect(stderr).toMatch(why);
  expect(stderr).not.toMatch(/\n\s+at /);
});

test('--verbose adds the stack trace of a user error', async () => {
  expect(await main(['pretrain', 'fashion-mnist', '--out', '/proc/x', '--verbose'])).toBe(2);
  expect(stderr).toMatch(/InvalidArgumentError: --out: \/proc\/x .*\n\s+at /s);
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
  expect(stdout).toMatch(/raw pixels \(no encoder\): +\d+\.\d\d%/);
  expect(stdout).toMatch(/random init encoder: +\d+\.\d\d%/);
  expect(stdout).toMatch(/SplitMask-pretrained: +\d+\.\d\d%/);
  expect(stdout).toMatch(/beats raw pixels|Raw pixels are still/);
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
  // raw-pixel k-NN on 50 held-out images of 10 classes: well above chance (10 %) on Fashion-MNIST
  expect(summary.knn.rawPixels).toBeGreaterThan(0.3);
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
  expect(stderr).toMatch(/resumed run \S+ from .*step-00000004 at step 4/);
  expect(readJsonl(join(out, 'log.jsonl')).map((r) => r.step)).toEqual([1, 2, 3, 4]);
  expect(decodePng(new Uint8Array(readFileSync(join(out, 'loss.png')))).width).toBe(640);
  expect(await main([...common, '--steps', '4', '--lr', '0.01', '--resume'])).toBe(2);
  expect(stderr).toMatch(/Refusing to resume .*differing: optim\.lr.* optim\.lr: 0\.001 → 0\.01/s);
  expect(stderr).not.toMatch(/\n\s+at /); // no stack trace without --verbose
  // --resume --steps 6 extends the run; the checkpoint records what changed; the log names the run
  expect(await main([...common, '--steps', '6', '--resume'])).toBe(0);
  expect(stderr).toMatch(/extending run \S+: train\.steps: 4 → 6/);
  const state = JSON.parse(readFileSync(join(out, 'checkpoints', 'step-00000006', 'state.json'), 'utf8'));
  expect(state.extensions[0]).toMatchObject({ atStep: 4, changed: ['train.steps: 4 → 6'] });
  const rows = readJsonl<{ step: number; run?: string }>(join(out, 'log.jsonl'));
  expect(rows.map((r) => r.step)).toEqual([1, 2, 3, 4, 5, 6]);
  expect(new Set(rows.map((r) => r.run)).size).toBe(1);
  expect(rows[0].run).toBe(state.runId);
  // a fresh run into the same --out is refused; --overwrite moves the old run aside, deleting nothing
  expect(await main([...common, '--steps', '2'])).toBe(2);
  expect(stderr).toMatch(/holds a previous run \(log\.jsonl, checkpoints\/ \(1 step folder\(s\)\)\)/);
  expect(await main([...common, '--steps', '2', '--overwrite'])).toBe(0);
  const aside = /moved the previous run in \S+ aside to (\S+)/.exec(stderr)?.[1] as string;
  expect(existsSync(join(aside, 'checkpoints', 'step-00000006', 'tensors.safetensors'))).toBe(true);
  expect(readJsonl(join(aside, 'log.jsonl')).length).toBe(6);
  expect(readJsonl(join(out, 'log.jsonl')).map((r) => r.step)).toEqual([1, 2]);
}, 120_000);

test('pretrain --method dino: argument and config errors exit 2 and name the bad values', async () => {
  expect(await main(['pretrain', 'fashion-mnist', '--method', 'dino', '--steps', '0', '--lr', '-1'])).toBe(2);
  expect(stderr).toMatch(/--steps: expected a decimal integer >= 1, got '0'/);
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
  const exit = await main([...args, '--steps', '2', '--lr', '0.01', '--backend', 'cpu']);
  expect(exit, stderr).toBe(0);
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
  expect(stderr).toMatch(/--bogus: unknown option for 'eval'/);
  expect(stderr).toMatch(/unexpected argument '1' for 'eval'/);
  expect(await main(['eval', 'knn', '--checkpoint', 'c', '--data', 'mnist', '--k', '0x10'])).toBe(2);
  expect(stderr).toMatch(/--k must be a number, got '0x10'/);
  expect(errors).toEqual([]);
  expect(await main(['eval', '--help'])).toBe(0);
  expect(stdout).toMatch(/splitmask eval knn\|linear\|finetune/);
  expect(await main(['--help'])).toBe(0);
  expect(stdout).toMatch(/--method splitmask\|beit\|dino/);
  expect(stdout).toMatch(/eval knn\|linear\|finetune/);
});

test.each([1, 2, 5])(
  'pretrain on a folder of %i image(s) (plus broken files) finishes with its pictures',
  async (n) => {
    const data = join(dir, `small-${n}`);
    const sharp = (await import('sharp')).default;
    const { mkdirSync } = await import('node:fs');
    mkdirSync(data, { recursive: true });
    for (let i = 0; i < n; i++) {
      const png = await sharp({
        create: { width: 20, height: 18, channels: 3, background: { r: 30 * i, g: 100, b: 200 - 20 * i } },
      })
        .png()
        .toBuffer();
      writeFileSync(join(data, `img-${i}.png`), png);
    }
    writeFileSync(join(data, 'zero.jpg'), new Uint8Array(0));
    const cfgFile = join(dir, `small-${n}.json`);
    writeFileSync(
      cfgFile,
      JSON.stringify({
        model: { imageSize: 16, patchSize: 4, inChans: 3, embedDim: 16, depth: 1, numHeads: 2, mlpRatio: 2 },
        tokenizer: { kind: 'kmeans', vocabSize: 4, fitImages: 8, fitIterations: 2 },
        optim: { warmupSteps: 1 },
        train: { batchSize: 2, checkpointEvery: 0 },
      }),
    );
    const out = join(dir, `small-out-${n}`);
    const exit = await main([
      'pretrain',
      data,
      '--config',
      cfgFile,
      '--out',
      out,
      '--steps',
      '1',
      '--backend',
      'cpu',
    ]);
    expect(exit, stderr).toBe(0);
    expect(stderr).toMatch(/skipped 1 file\(s\) .*zero\.jpg/);
    expect(readFileSync(join(out, 'skipped-files.txt'), 'utf8')).toMatch(/zero\.jpg\t.*cannot decode/);
    const splits = decodePng(new Uint8Array(readFileSync(join(out, 'splits.png'))));
    expect(splits.width).toBeGreaterThan(0);
    const loss = decodePng(new Uint8Array(readFileSync(join(out, 'loss.png'))));
    expect(loss.width).toBe(640);
  },
  120_000,
);

test('a folder with no readable image is one clear error, exit 2', async () => {
  const data = join(dir, 'all-broken');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(data, { recursive: true });
  writeFileSync(join(data, 'a.jpg'), 'not a jpeg');
  expect(await main(['pretrain', data, '--out', join(dir, 'all-broken-out'), '--steps', '1'])).toBe(2);
  expect(stderr).toMatch(/no readable image among 1 file\(s\) .*a\.jpg: cannot decode/);
  expect(stderr).not.toMatch(/\n\s+at /);
  expect(await main(['pretrain', join(dir, 'nope-folder'), '--steps', '1'])).toBe(2);
});

test('optim.clipGrad: 0 works as documented (clipping disabled), the run finishes', async () => {
  const cfgFile = join(dir, 'noclip.json');
  writeFileSync(
    cfgFile,
    JSON.stringify({
      model: { imageSize: 28, patchSize: 7, embedDim: 16, depth: 1, numHeads: 2, mlpRatio: 2 },
      tokenizer: { kind: 'random-projection', vocabSize: 16 },
      optim: { warmupSteps: 1, clipGrad: 0 },
      train: { batchSize: 4, checkpointEvery: 0 },
    }),
  );
  const out = join(dir, 'noclip');
  const exit = await main([
    'pretrain',
    'fashion-mnist',
    '--config',
    cfgFile,
    '--out',
    out,
    '--steps',
    '2',
    '--workers',
    '1',
    '--backend',
    'cpu',
  ]);
  expect(exit, stderr).toBe(0);
  const rows = readJsonl<{ step: number; gradNorm: number }>(join(out, 'log.jsonl'));
  expect(rows.map((r) => r.step)).toEqual([1, 2]);
  expect(rows.every((r) => Number.isFinite(r.gradNorm) && r.gradNorm > 0)).toBe(true);
}, 120_000);
