import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng, disposeParams, initBackend } from '@splitmask/core';
import { initVitParams, resolveVitConfig } from '@splitmask/vit';
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import { saveEncoderTimm } from './checkpoint';
import { evalArgsFromFlags, parseEvalArgs, runEvalCli, validateEvalConfig } from './cli';

let dir: string;
let ckpt: string;
beforeAll(async () => {
  await initBackend('cpu');
  dir = mkdtempSync(join(tmpdir(), 'eval-cli-'));
  ckpt = join(dir, 'mu.safetensors');
  const cfg = resolveVitConfig('mu'); // 16px: Fashion-MNIST's 28px images are resized
  const p = initVitParams(cfg, createRng(0));
  await saveEncoderTimm(ckpt, p, cfg);
  disposeParams(p);
});
afterAll(() => vi.restoreAllMocks());

test('parseEvalArgs: defaults, --flag=value, overrides', () => {
  const a = parseEvalArgs(['linear', '--checkpoint', 'c', '--data=mnist', '--epochs', '3', '--pool', 'cls']);
  expect(a).toMatchObject({
    mode: 'linear',
    checkpoint: 'c',
    data: 'mnist',
    backend: 'auto',
    out: 'eval-out',
    fraction: 1,
    seed: 0,
  });
  expect(a.overrides).toEqual({ epochs: 3, pool: 'cls' });
});

test('parseEvalArgs lists every bad argument at once', () => {
  expect(() => parseEvalArgs(['knnn', '--bogus', '1', '--fraction', '2', '--backend', 'gpu'])).toThrow(
    /mode must be knn, linear or finetune, got 'knnn'; unknown argument '--bogus'; unknown argument '1'; --checkpoint is required; --data is required; --backend must be one of .*got 'gpu'; --fraction must be in \(0, 1\], got 2/,
  );
});

test('numbers are parsed strictly: no hex, no exponent in integers, no trailing junk', () => {
  const base = ['knn', '--checkpoint', 'c', '--data', 'mnist'];
  expect(() => parseEvalArgs([...base, '--k', '0x10'])).toThrow(/--k must be a number, got '0x10'/);
  expect(() => parseEvalArgs([...base, '--epochs', '1e3'])).toThrow(
    /--epochs must be a decimal integer, got '1e3'/,
  );
  expect(() => parseEvalArgs([...base, '--lr', '3x'])).toThrow(/--lr must be a number, got '3x'/);
  expect(parseEvalArgs([...base, '--lr', '1e-3']).overrides.lr).toBe(0.001);
  expect(evalArgsFromFlags('knn', { checkpoint: 'c', data: 'd', k: '5' }).overrides.k).toBe(5);
});

test('validateEvalConfig lists every unknown or mistyped field', () => {
  expect(validateEvalConfig({ knn: { k: 5 }, vit: 'mu', finetune: { hflip: false } })).toBeTruthy();
  expect(validateEvalConfig({ finetune: { cropPadding: 2, patchDropRate: 0.5 } })).toBeTruthy();
  expect(() => validateEvalConfig({ finetune: { cropPadding: '2' } }, 'e.json')).toThrow(
    /finetune.cropPadding has the wrong type/,
  );
  expect(() =>
    validateEvalConfig(
      { knnn: 1, pool: 'max', linear: { lr: '1', optimizer: 'adam', foo: 1 }, finetune: [] },
      'c.json',
    ),
  ).toThrow(
    /c.json: unknown field 'knnn' .*; pool must be 'cls' or 'mean', got "max"; linear.lr has the wrong type: "1"; linear.optimizer has the wrong type: "adam"; unknown field 'linear.foo'; finetune must be an object, got \[\]/,
  );
});

test.each(['knn', 'linear', 'finetune'] as const)(
  'runEvalCli %s on a Fashion-MNIST slice writes json, md and png (cpu)',
  async (mode) => {
    const out = join(dir, mode);
    const cfgFile = join(dir, 'cfg.json');
    writeFileSync(
      cfgFile,
      JSON.stringify({
        knn: { k: 5 },
        linear: { epochs: 2, batchSize: 16 },
        finetune: { epochs: 1, batchSize: 8 },
      }),
    );
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const code = await runEvalCli([
      mode,
      '--checkpoint',
      ckpt,
      '--config',
      cfgFile,
      '--data',
      'fashion-mnist',
      '--backend',
      'cpu',
      '--out',
      out,
      '--limit-train',
      '40',
      '--limit-test',
      '20',
    ]);
    expect(code).toBe(0);
    expect(log.mock.calls.at(-1)?.[0]).toMatch(new RegExp(`^${mode}: top-1 \\d+\\.\\d\\d%`));
    const report = JSON.parse(readFileSync(join(out, `${mode}.json`), 'utf8'));
    expect(report).toMatchObject({
      mode,
      data: 'fashion-mnist',
      backend: 'cpu',
      trainCount: 40,
      testCount: 20,
    });
    expect(report.metrics.confusion.flat().reduce((a: number, b: number) => a + b, 0)).toBe(20);
    // --limit-test samples across the class-grouped test split, not its first (single-class) rows.
    const classesSeen = report.metrics.confusion.filter((row: number[]) => row.some((v) => v > 0)).length;
    expect(classesSeen).toBeGreaterThanOrEqual(3);
    expect(readFileSync(join(out, `${mode}.md`), 'utf8')).toContain('| true \\ predicted | T-shirt/top |');
    expect(existsSync(join(out, `${mode}-confusion.png`))).toBe(true);
    if (mode === 'finetune') expect(existsSync(join(out, 'finetune-accuracy.png'))).toBe(true);
  },
  120_000,
);

test('runEvalCli: usage error → 2, missing checkpoint → 1 with the path named', async () => {
  const err = vi.spyOn(console, 'error').mockImplementation(() => {});
  expect(await runEvalCli(['knn'])).toBe(2);
  expect(await runEvalCli(['knn', '--checkpoint', '/no/such', '--data', 'mnist', '--backend', 'cpu'])).toBe(
    1,
  );
  expect(err.mock.calls.at(-1)?.[0]).toMatch(/checkpoint \/no\/such does not exist/);
});
