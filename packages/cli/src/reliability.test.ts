/**
 * Reliability suite: the built `splitmask` CLI (dist/bin.js) run as a child process and stopped the ways
 * users and machines stop it, plus hostile inputs. Every case asserts that nothing which existed before
 * is lost. Numbers (kills survived, SIGINT-to-exit latency, steps resumed bit-exactly, per hostile class:
 * count, typed errors, time and peak RSS to reject) go to `test-results/reliability.json`.
 * `RELIABILITY_KILLS=24` runs more kills than the CI default (8).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  watch,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCheckpoint } from '@splitmask/splitmask/node';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readJsonl } from './jsonl';

const pkg = dirname(dirname(fileURLToPath(import.meta.url)));
const bin = join(pkg, 'dist', 'bin.js');
const root = mkdtempSync(join(tmpdir(), 'splitmask-reliability-'));
const report: Record<string, unknown> = {};
const KILLS = Number(process.env.RELIABILITY_KILLS ?? 8);

afterAll(() => {
  mkdirSync(join(pkg, 'test-results'), { recursive: true });
  writeFileSync(join(pkg, 'test-results', 'reliability.json'), `${JSON.stringify(report, null, 2)}\n`);
  rmSync(root, { recursive: true, force: true });
});

const TINY = {
  model: { imageSize: 16, patchSize: 4, inChans: 3, embedDim: 16, depth: 1, numHeads: 2, mlpRatio: 2 },
  tokenizer: { kind: 'random-projection', vocabSize: 8 },
  optim: { warmupSteps: 2 },
  train: { batchSize: 4, checkpointEvery: 1, keepCheckpoints: 1000, logEvery: 1 },
};
let data: string;
let cfgFile: string;

beforeAll(async () => {
  if (!existsSync(bin))
    throw new Error(`${bin} is missing: build the package first (pnpm --filter splitmask build)`);
  data = join(root, 'images');
  mkdirSync(data);
  const sharp = (await import('sharp')).default;
  for (let i = 0; i < 12; i++) {
    const png = await sharp({
      create: { width: 16, height: 16, channels: 3, background: { r: 20 * i, g: 255 - 20 * i, b: 7 * i } },
    })
      .png()
      .toBuffer();
    writeFileSync(join(data, `img-${String(i).padStart(2, '0')}.png`), png);
  }
  cfgFile = join(root, 'tiny.json');
  writeFileSync(cfgFile, JSON.stringify(TINY));
});

function args(out: string, steps: number, extra: string[] = []): string[] {
  return [
    bin,
    'pretrain',
    data,
    '--config',
    cfgFile,
    '--out',
    out,
    '--steps',
    String(steps),
    '--workers',
    '1',
    '--backend',
    'cpu',
    ...extra,
  ];
}

/** Spawns the CLI; resolves with exit code/signal, stderr and the wall time. */
function run(argv: string[]): {
  child: ChildProcess;
  done: Promise<{ code: number | null; signal: string | null; stderr: string; ms: number }>;
} {
  const t0 = performance.now();
  const child = spawn(process.execPath, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += String(d);
  });
  const done = new Promise<{ code: number | null; signal: string | null; stderr: string; ms: number }>(
    (resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal, stderr, ms: performance.now() - t0 })),
  );
  return { child, done };
}

/** Every file under `dir` (path → bytes as base64), to prove nothing that existed was lost. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.set(p, readFileSync(p).toString('base64'));
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

/** Complete checkpoints only (the folders a run promises to keep). */
function completeCheckpoints(out: string): Map<string, string> {
  const dir = join(out, 'checkpoints');
  const all = snapshot(dir);
  return new Map([...all].filter(([p]) => /step-\d{8}[/\\]/.test(p) && !/\.tmp-/.test(p)));
}

async function waitFor(cond: () => boolean, timeoutMs = 60_000, everyMs = 1): Promise<boolean> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return false;
}

function tensorsOf(path: string): Record<string, number[]> {
  const { tensors } = readCheckpoint(path);
  return Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, Array.from(t.data)]));
}

describe('kill -9, then resume', () => {
  test(`${KILLS} kills at random moments (half during checkpoint writes) lose nothing; resume is bit-exact`, async () => {
    const steps = 40;
    const ref = join(root, 'reference');
    const r0 = await run(args(ref, steps)).done;
    expect(r0.code, r0.stderr).toBe(0);
    const refLog = readJsonl<{ step: number; loss: number }>(join(ref, 'log.jsonl'));

    const out = join(root, 'killed');
    let kills = 0;
    let duringWrite = 0;
    let tempsLeft = 0;
    let attempt = 0;
    let finished = false;
    const kept = new Map<string, string>();
    while (!finished && attempt < KILLS + 10) {
      // resume when a complete checkpoint exists; a run killed before its first one starts over
      const resume =
        completeCheckpoints(out).size > 0 ? ['--resume'] : existsSync(out) ? ['--overwrite'] : [];
      const p = run(args(out, steps, resume));
      attempt++;
      if (kills < KILLS) {
        const ckdir = join(out, 'checkpoints');
        const atWrite = kills % 2 === 0;
        // during a write: killed from an fs.watch callback the moment a step-N.tmp-PID folder appears;
        // otherwise at a random moment after the first checkpoint
        const ready = await waitFor(() => p.child.exitCode !== null || existsSync(ckdir));
        let inWrite = false;
        let killedNow = false;
        if (ready && p.child.exitCode === null && atWrite) {
          await new Promise<void>((resolve) => {
            const w = watch(ckdir, (_ev, name) => {
              if (String(name).includes('.tmp-') && p.child.exitCode === null) {
                killedNow = p.child.kill('SIGKILL');
                // the checkpoints folder appears with the first write; a kill before it is a kill outside a write
                inWrite =
                  existsSync(ckdir) && readdirSync(ckdir).some((n) => n.includes(`.tmp-${p.child.pid}`));
                clearTimeout(t);
                w.close();
                resolve();
              }
            });
            // fallback: a watch event can be missed; then kill at a moment a write is likely
            const t = setTimeout(() => {
              if (p.child.exitCode === null) killedNow = p.child.kill('SIGKILL');
              w.close();
              resolve();
            }, 3000);
            p.child.once('exit', () => {
              clearTimeout(t);
              w.close();
              resolve();
            });
          });
        } else if (ready && p.child.exitCode === null) {
          await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 400)));
          // the checkpoints folder appears with the first write; a kill before it is a kill outside a write
          inWrite = existsSync(ckdir) && readdirSync(ckdir).some((n) => n.includes(`.tmp-${p.child.pid}`));
          killedNow = p.child.kill('SIGKILL');
        }
        if (killedNow) {
          kills++;
          if (inWrite) duringWrite++;
        }
      }
      const r = await p.done;
      if (
        r.signal === 'SIGKILL' &&
        // a kill before the first checkpoint leaves no checkpoints folder (seen on a loaded machine)
        existsSync(join(out, 'checkpoints')) &&
        readdirSync(join(out, 'checkpoints')).some((n) => n.includes(`.tmp-${p.child.pid}`))
      )
        tempsLeft++;
      if (r.code === 0) finished = true;
      else expect(r.signal, r.stderr).toBe('SIGKILL');
      // nothing complete that existed is ever lost or changed
      const now = completeCheckpoints(out);
      for (const [path, bytes] of kept) expect(now.get(path), path).toBe(bytes);
      for (const [path, bytes] of now) kept.set(path, bytes);
    }
    expect(finished).toBe(true);
    expect(readdirSync(join(out, 'checkpoints')).filter((n) => n.includes('.tmp-'))).toEqual([]);
    // every logged step (including those computed twice around a kill) equals the uninterrupted run
    const log = readJsonl<{ step: number; loss: number }>(join(out, 'log.jsonl'));
    const refByStep = new Map(refLog.map((e) => [e.step, e.loss]));
    let exact = 0;
    for (const e of log) {
      expect(e.loss, `step ${e.step}`).toBe(refByStep.get(e.step));
      exact++;
    }
    const distinct = new Set(log.map((e) => e.step)).size;
    const last = `step-${String(steps).padStart(8, '0')}`;
    expect(tensorsOf(join(out, 'checkpoints', last))).toEqual(tensorsOf(join(ref, 'checkpoints', last)));
    report.kill9 = {
      kills,
      duringCheckpointWrite: duringWrite,
      tempFoldersLeftThenRemoved: tempsLeft,
      survived: kills,
      loggedStepsBitExact: exact,
      // a kill between a step's checkpoint and its log line loses that line (the checkpoint has the step)
      logLinesMissing: steps - distinct,
      finalTensorsBitExact: true,
    };
  }, 600_000);
});

describe('SIGINT', () => {
  test('one Ctrl-C stops within one step, writes a final checkpoint and exits 130; a second exits at once', async () => {
    const out = join(root, 'sigint');
    const p = run(args(out, 5000));
    const logFile = join(out, 'log.jsonl');
    await waitFor(() => existsSync(logFile) && readJsonl(logFile).length >= 3, 120_000, 20);
    const events = readJsonl<{ step: number; elapsedSec: number }>(logFile);
    const stepSec = (events.at(-1)?.elapsedSec ?? 0) - (events.at(-2)?.elapsedSec ?? 0);
    const t0 = performance.now();
    p.child.kill('SIGINT');
    const r = await p.done;
    const latencyMs = performance.now() - t0;
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toMatch(/interrupted run \S+ at step (\d+); checkpoint: \S+step-\d{8}/);
    const step = Number(/interrupted run \S+ at step (\d+)/.exec(r.stderr)?.[1]);
    const loaded = readCheckpoint(join(out, 'checkpoints', `step-${String(step).padStart(8, '0')}`));
    expect(loaded.state.step).toBe(step);

    // second Ctrl-C: exits at once; every complete checkpoint stays readable; resume works
    const before = completeCheckpoints(out);
    const q = run(args(out, 5000, ['--resume']));
    await waitFor(() => readJsonl(logFile).length >= events.length + 3, 120_000, 20);
    q.child.kill('SIGINT');
    await new Promise((res) => setTimeout(res, 5));
    const t1 = performance.now();
    q.child.kill('SIGINT');
    const r2 = await q.done;
    const secondMs = performance.now() - t1;
    expect(r2.code).toBe(130);
    const after = completeCheckpoints(out);
    for (const [path, bytes] of before) expect(after.get(path), path).toBe(bytes);
    for (const dir of new Set([...after.keys()].map((f) => dirname(f))))
      expect(() => readCheckpoint(dir)).not.toThrow();
    const resumed = await run(args(out, step + 40, ['--resume'])).done;
    expect(resumed.code, resumed.stderr).toBe(0);
    report.sigint = {
      firstSigintToExitMs: Math.round(latencyMs),
      stepMs: Math.round(stepSec * 1000),
      secondSigintToExitMs: Math.round(secondMs),
    };
  }, 600_000);
});

describe('hostile safetensors files: typed errors, bounded time and memory (child process each)', () => {
  const probe = join(pkg, 'test', 'load-safetensors.mjs');
  const classes: [string, () => string, string][] = [];
  const rawFile = (name: string, header: string | Uint8Array, data = new Uint8Array(0), n?: bigint) => {
    const h = typeof header === 'string' ? new TextEncoder().encode(header) : header;
    const b = new Uint8Array(8 + h.length + data.length);
    new DataView(b.buffer).setBigUint64(0, n ?? BigInt(h.length), true);
    b.set(h, 8);
    b.set(data, 8 + h.length);
    const p = join(root, name);
    writeFileSync(p, b);
    return p;
  };
  classes.push([
    'header nested 200,000 deep',
    () => rawFile('deep.st', `{"a":${'['.repeat(200_000)}${']'.repeat(200_000)}}`),
    'SAFETENSORS_HEADER_TOO_DEEP',
  ]);
  classes.push([
    '99 MB header of 1.65 M empty tensors',
    () => {
      const one = (i: number) => `"t${i}":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}`;
      const parts: string[] = [];
      let len = 2;
      for (let i = 0; len < 99_000_000; i++) {
        const s = one(i);
        parts.push(s);
        len += s.length + 1;
      }
      return rawFile('many.st', `{${parts.join(',')}}`);
    },
    'SAFETENSORS_TOO_MANY_TENSORS',
  ]);
  classes.push([
    'UTF-8 BOM before the header',
    () => rawFile('bom.st', '\uFEFF{}      '),
    'SAFETENSORS_INVALID_HEADER',
  ]);
  classes.push([
    'symlink to an endless file (/dev/zero)',
    () => {
      const p = join(root, 'zero.st');
      symlinkSync('/dev/zero', p);
      return p;
    },
    'SAFETENSORS_NOT_A_FILE',
  ]);
  classes.push([
    'FIFO',
    () => {
      const p = join(root, 'fifo.st');
      spawnSync('mkfifo', [p]);
      return p;
    },
    'SAFETENSORS_NOT_A_FILE',
  ]);
  classes.push([
    'header length 2^64-1',
    () => rawFile('len.st', '{}', new Uint8Array(0), 2n ** 64n - 1n),
    'SAFETENSORS_HEADER_TOO_LARGE',
  ]);
  classes.push([
    'header length beyond the file',
    () => rawFile('short.st', '{}', new Uint8Array(0), 4096n),
    'SAFETENSORS_TRUNCATED',
  ]);
  classes.push([
    'truncated data',
    () => rawFile('trunc.st', '{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}', new Uint8Array(8)),
    'SAFETENSORS_TRUNCATED',
  ]);
  classes.push([
    'overlapping offsets',
    () =>
      rawFile(
        'overlap.st',
        '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}',
        new Uint8Array(12),
      ),
    'SAFETENSORS_INVALID_OFFSETS',
  ]);
  classes.push([
    'invalid UTF-8 header',
    () => rawFile('utf8.st', Uint8Array.of(0x7b, 0xff, 0x7d, 0x20)),
    'SAFETENSORS_INVALID_HEADER',
  ]);
  classes.push(['not JSON', () => rawFile('json.st', '{"a": tru'), 'SAFETENSORS_INVALID_HEADER']);
  classes.push([
    'unknown dtype',
    () => rawFile('dtype.st', '{"a":{"dtype":"Q4","shape":[1],"data_offsets":[0,1]}}', new Uint8Array(1)),
    'SAFETENSORS_UNKNOWN_DTYPE',
  ]);

  test.each(classes.map(([n, make, c]) => [n, c, make] as const))(
    '%s → %s',
    (name, code, make) => {
      const file = make();
      for (const fn of ['loadSafetensors', 'openSafetensors', 'loadSafetensorsSync']) {
        const r = spawnSync(process.execPath, [probe, fn, file], { encoding: 'utf8', timeout: 60_000 });
        expect(r.status, r.stderr).toBe(0);
        const got = JSON.parse(r.stdout) as { code: string; file: string; ms: number; maxRssMB: number };
        expect(got.code, `${fn}: ${r.stdout}`).toBe(code);
        expect(got.file).toBe(file);
        report.hostileSafetensors ??= {};
        const rows = report.hostileSafetensors as Record<string, unknown[]>;
        rows[name] ??= [];
        rows[name].push({ fn, code: got.code, ms: got.ms, maxRssMB: got.maxRssMB });
      }
    },
    120_000,
  );
});

describe('NaN injection', () => {
  test('a NaN batch stops the step before the update; no checkpoint ever holds NaN; the good ones stay', async () => {
    const { useBackend } = await import('@splitmask/test-utils');
    await useBackend('cpu');
    const { createArraySource, resolvePretrainConfig } = await import('@splitmask/splitmask');
    const { createPretrainer } = await import('@splitmask/splitmask/node');
    const config = resolvePretrainConfig({ ...TINY, train: { ...TINY.train, steps: 10 } });
    const pixels = new Uint8Array(16 * 16 * 16 * 3).map((_, i) => (i * 37) % 256);
    const base = createArraySource(
      { pixels, count: 16, size: 16, channels: 3 },
      { imageSize: 16, seed: 0, normalization: { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] } },
    );
    const poisonAt = 3; // micro-batch index of step 4
    const source = {
      ...base,
      batch: async (i: number, n: number) => {
        const b = await base.batch(i, n);
        if (i === poisonAt) b[5] = Number.NaN;
        return b;
      },
    };
    const dir = join(root, 'nan', 'checkpoints');
    const trainer = await createPretrainer({ config, source, checkpointDir: dir });
    const seen: number[] = [];
    let err: unknown;
    try {
      for await (const ev of trainer.run()) seen.push(ev.step);
    } catch (e) {
      err = e;
    }
    expect((err as Error)?.name).toBe('NonFiniteLossError');
    expect((err as Error).message).toMatch(/step 4/);
    expect(seen).toEqual([1, 2, 3]);
    const before = completeCheckpoints(join(root, 'nan'));
    // a checkpoint saved after the error holds the last good weights (the step was not applied) …
    const saved = (await trainer.saveCheckpoint()) as string;
    expect(saved).toMatch(/step-00000003$/);
    const good = tensorsOf(join(dir, 'step-00000003'));
    expect(tensorsOf(saved)).toEqual(good);
    // … and nothing that existed was lost; every checkpoint in the folder reads back finite
    const after = completeCheckpoints(join(root, 'nan'));
    for (const [p] of before) expect(after.has(p), p).toBe(true);
    for (const d of readdirSync(dir)) expect(() => readCheckpoint(join(dir, d))).not.toThrow();
    await trainer.dispose();
    report.nanInjection = {
      stoppedAtStep: 4,
      appliedSteps: seen.length,
      checkpointsFinite: readdirSync(dir).length,
    };
  }, 120_000);
});

describe('hostile configs and folder collisions through the CLI (in-process)', () => {
  test('every hostile config is one typed error, exit 2, and writes nothing', async () => {
    const { main } = await import('./cli');
    const cases: [string, string][] = [
      ['array', '[]'],
      ['number', '5'],
      ['null', 'null'],
      ['string', '"splitmask"'],
      ['section not an object', '{"train": []}'],
      ['unknown section', '{"trian": {"steps": 3}}'],
      ['NaN-like value', '{"optim": {"lr": "NaN"}}'],
      ['negative steps', '{"train": {"steps": -1}}'],
      ['hex string steps', '{"train": {"steps": "0x10"}}'],
      ['nested 100,000 deep', `{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}`],
      ['garbled JSON', '{"train": '],
      ['BOM + array', '\uFEFF[]'],
    ];
    const write = process.stderr.write.bind(process.stderr);
    const rows: unknown[] = [];
    for (const [name, text] of cases) {
      const file = join(root, `cfg-${rows.length}.json`);
      writeFileSync(file, text);
      const out = join(root, `cfg-out-${rows.length}`);
      let err = '';
      process.stderr.write = ((s: string) => {
        err += s;
        return true;
      }) as typeof process.stderr.write;
      const t0 = performance.now();
      let code: number;
      try {
        code = await main(['pretrain', data, '--config', file, '--out', out, '--workers', '1']);
      } finally {
        process.stderr.write = write;
      }
      const ms = performance.now() - t0;
      expect(code, `${name}: ${err}`).toBe(2);
      expect(err, name).not.toMatch(/\n\s+at /);
      expect(existsSync(out), name).toBe(false);
      rows.push({
        name,
        exit: code,
        ms: Math.round(ms),
        message: err.split('\n').slice(0, 2).join(' ').slice(0, 160),
      });
    }
    report.hostileConfigs = rows;
  }, 120_000);

  test('folder collisions: a fresh run never deletes or mixes into another run', async () => {
    const out = join(root, 'collide');
    const a = await run(args(out, 3)).done;
    expect(a.code, a.stderr).toBe(0);
    const before = snapshot(out);
    const b = await run(args(out, 3)).done;
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/holds a previous run/);
    expect(snapshot(out)).toEqual(before);
    const c = await run(args(out, 2, ['--overwrite'])).done;
    expect(c.code, c.stderr).toBe(0);
    const aside = /aside to (\S+)/.exec(c.stderr)?.[1] as string;
    const moved = snapshot(aside);
    for (const [p, bytes] of before) expect(moved.get(p.replace(out, aside)), p).toBe(bytes);
    report.folderCollisions = { refused: true, movedAsideIntact: before.size };
  }, 120_000);
});

test('an infinite gradient norm with a finite loss (loss.temperature 1e-37) stops the run: exit 2, no poisoned checkpoint', async () => {
  const file = join(root, 'temp.json');
  writeFileSync(file, JSON.stringify({ ...TINY, loss: { temperature: 1e-37 } }));
  const out = join(root, 'temp-out');
  const r = await run([
    bin,
    'pretrain',
    data,
    '--config',
    file,
    '--out',
    out,
    '--steps',
    '5',
    '--workers',
    '1',
    '--backend',
    'cpu',
  ]).done;
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toMatch(/NaN|Infinity|non-finite/i);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  const dir = join(out, 'checkpoints');
  for (const d of existsSync(dir) ? readdirSync(dir) : [])
    expect(() => readCheckpoint(join(dir, d))).not.toThrow();
  report.infiniteGradNorm = { exit: r.code, message: r.stderr.trim().split('\n').at(-1)?.slice(0, 200) };
}, 120_000);
