import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTokenizer } from '@splitmask/tokenizers';
import { afterAll, afterEach, beforeEach, expect, test, vi } from 'vitest';
import { main } from './cli';
import { readJsonl } from './jsonl';
import { decodePng } from './png';

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
