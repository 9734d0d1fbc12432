import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeEachBackend, useBackend } from '@splitmask/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  CheckpointError,
  CheckpointMismatchError,
  createCheckpointManager,
  listCheckpoints,
  removeStaleTemps,
} from './checkpoint';
import { resolvePretrainConfig } from './config';

const root = mkdtempSync(join(tmpdir(), 'splitmask-ckpt-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;
const fresh = (name: string) => join(root, `${name}-${++counter}`);
const config = resolvePretrainConfig({});

/** A snapshot of every file under `dir` (path → bytes), to assert nothing that existed was lost. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isSymbolicLink()) out.set(p.slice(dir.length), `-> ${readlinkSync(p)}`);
      else out.set(p.slice(dir.length), readFileSync(p).toString('base64'));
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

/** A dead process id (a child that has exited). */
function deadPid(): number {
  const { pid } = spawnSync(process.execPath, ['-e', '0']);
  return pid as number;
}

async function saveSteps(
  mgr: ReturnType<typeof createCheckpointManager>,
  steps: number[],
  extra: (s: number) => Record<string, unknown> = () => ({}),
) {
  for (const step of steps) {
    const w = tf.tensor2d([step, 2, 3, 4], [2, 2]);
    await mgr.save(step, { w }, extra(step));
    w.dispose();
  }
}

describeEachBackend('checkpoint manager', (backend) => {
  test('saves atomically, keeps the last k, loads back, records the run id, refuses another config', async () => {
    const dir = join(root, backend);
    const mgr = createCheckpointManager({ dir, keep: 2, config, mode: 'new' });
    await saveSteps(mgr, [1, 2, 3], (s) => ({ dataPosition: s * 10 }));
    expect(readdirSync(dir)).toEqual(['step-00000002', 'step-00000003']);
    expect(listCheckpoints(dir).map((p) => p.slice(-13))).toEqual(['step-00000002', 'step-00000003']);
    const latest = mgr.latest() as string;
    expect(latest).toBe(join(dir, 'step-00000003'));
    const loaded = mgr.load(latest);
    expect(loaded.state.step).toBe(3);
    expect(loaded.state.runId).toBe(mgr.runId);
    expect(loaded.state.dataPosition).toBe(30);
    expect(Array.from(loaded.tensors.w.data)).toEqual([3, 2, 3, 4]);
    expect(JSON.parse(readFileSync(join(latest, 'state.json'), 'utf8')).config).toEqual(config);
    expect(existsSync(`${latest}.tmp-${process.pid}`)).toBe(false);

    const other = createCheckpointManager({
      dir,
      keep: 2,
      config: resolvePretrainConfig({ model: { depth: 2 } }),
    });
    expect(() => other.load(latest)).toThrow(CheckpointMismatchError);
    expect(() => other.load(latest)).toThrow(/model\.depth: 4 → 2/);
    const err = (() => {
      try {
        other.load(latest);
      } catch (e) {
        return e as CheckpointMismatchError;
      }
    })();
    expect(err?.keys).toEqual(['model.depth']);
  });

  test('a crash mid-write leaves no checkpoint under a final name', async () => {
    const dir = fresh(`${backend}-crash`);
    const mgr = createCheckpointManager({ dir, keep: 2, config });
    const bad = tf.tensor1d([1, 2]);
    bad.dispose(); // reading a disposed tensor throws inside save, before the rename
    await expect(mgr.save(1, { bad })).rejects.toThrow();
    expect(mgr.latest()).toBeUndefined();
  });
});

describe('checkpoint runs, resume and corruption', () => {
  beforeAll(() => useBackend('cpu'));

  test('NaN/Inf is never written: CHECKPOINT_NON_FINITE, the last good checkpoint stays byte for byte', async () => {
    const dir = fresh('nan');
    const mgr = createCheckpointManager({ dir, keep: 1, config, mode: 'new' });
    await saveSteps(mgr, [7]);
    const before = snapshot(dir);
    for (const v of [Number.NaN, Number.POSITIVE_INFINITY]) {
      const w = tf.tensor1d([1, v]);
      const err = await mgr.save(8, { w }).catch((e) => e);
      w.dispose();
      expect(err).toBeInstanceOf(CheckpointError);
      expect(err).toMatchObject({ code: 'CHECKPOINT_NON_FINITE', path: join(dir, 'step-00000008') });
      expect(err.message).toMatch(/tensor 'w' element 1 is (NaN|Infinity)/);
      expect(err.message).toMatch(/last good checkpoint .*step-00000007 is kept/);
    }
    expect(snapshot(dir)).toEqual(before);
  });

  test('a fresh run into a folder of another run is refused; overwrite moves it aside, deleting nothing', async () => {
    const dir = fresh('collide');
    const a = createCheckpointManager({ dir, keep: 3, config, mode: 'new' });
    await saveSteps(a, [10, 20]);
    const before = snapshot(dir);
    expect(() => createCheckpointManager({ dir, keep: 3, config, mode: 'new' })).toThrow(
      expect.objectContaining({ code: 'CHECKPOINT_FOLDER_IN_USE', path: dir }),
    );
    expect(() => createCheckpointManager({ dir, keep: 3, config, mode: 'new' })).toThrow(
      new RegExp(`run ${a.runId} \\(steps 10, 20\\)`),
    );
    const b = createCheckpointManager({ dir, keep: 3, config, mode: 'new', overwrite: true });
    expect(b.movedAside).toMatch(/\.old-\d{8}T\d{6}$/);
    expect(snapshot(b.movedAside as string)).toEqual(before);
    await saveSteps(b, [5]);
    expect(readdirSync(dir)).toEqual(['step-00000005']);
  });

  test('pruning only touches the current run: a new run never deletes an older run’s higher steps', async () => {
    const dir = fresh('prune');
    const a = createCheckpointManager({ dir, keep: 2, config, mode: 'new' });
    await saveSteps(a, [100, 200]);
    const before = snapshot(dir);
    // a legacy caller (no mode) writing into the same folder: its own steps are pruned, not run a's
    const b = createCheckpointManager({ dir, keep: 1, config });
    await saveSteps(b, [12, 13, 14]);
    expect(readdirSync(dir)).toEqual(['step-00000014', 'step-00000100', 'step-00000200']);
    for (const [k, v] of before) expect(snapshot(dir).get(k)).toBe(v);
    expect(b.list()).toEqual([join(dir, 'step-00000014')]);
  });

  test('resume with nothing readable is an error naming what it found', () => {
    const missing = fresh('none');
    expect(() => createCheckpointManager({ dir: missing, keep: 1, config, mode: 'resume' })).toThrow(
      new RegExp(`^${missing}: nothing to resume: the folder does not exist`),
    );
    const empty = fresh('empty');
    mkdirSync(empty);
    writeFileSync(join(empty, 'notes.txt'), 'x');
    expect(() => createCheckpointManager({ dir: empty, keep: 1, config, mode: 'resume' })).toThrow(
      expect.objectContaining({ code: 'CHECKPOINT_NOT_FOUND', path: empty }),
    );
    expect(readdirSync(empty)).toEqual(['notes.txt']);
  });

  test('resume adopts the run, a corrupt newest is reported (not skipped), resumeFrom picks one', async () => {
    const dir = fresh('resume');
    const a = createCheckpointManager({ dir, keep: 3, config, mode: 'new' });
    await saveSteps(a, [1, 2]);
    const r = createCheckpointManager({ dir, keep: 3, config, mode: 'resume' });
    expect(r.resumed?.state.step).toBe(2);
    expect(r.runId).toBe(a.runId);
    writeFileSync(join(dir, 'step-00000002', 'state.json'), '{"step": 2, "fingerp');
    const before = snapshot(dir);
    const err = (() => {
      try {
        createCheckpointManager({ dir, keep: 3, config, mode: 'resume' });
      } catch (e) {
        return e as CheckpointError;
      }
    })();
    expect(err).toBeInstanceOf(CheckpointError);
    expect(err?.code).toBe('CHECKPOINT_CORRUPT');
    expect(err?.path).toBe(join(dir, 'step-00000002'));
    expect(err?.message).toMatch(/state\.json is not valid JSON/);
    expect(err?.message).toMatch(/--resume-from/);
    expect(err?.message).toContain(join(dir, 'step-00000001'));
    const pick = createCheckpointManager({
      dir,
      keep: 3,
      config,
      mode: 'resume',
      resumeFrom: join(dir, 'step-00000001'),
    });
    expect(pick.resumed?.state.step).toBe(1);
    expect(snapshot(dir)).toEqual(before);
    expect(() =>
      createCheckpointManager({ dir, keep: 3, config, mode: 'resume', resumeFrom: join(dir, 'nope') }),
    ).toThrow(expect.objectContaining({ code: 'CHECKPOINT_NOT_FOUND' }));
  });

  test('resume may extend train.steps (recorded), nothing else; never to below the checkpoint', async () => {
    const dir = fresh('extend');
    const short = resolvePretrainConfig({ train: { steps: 4 }, optim: { warmupSteps: 1 } });
    const a = createCheckpointManager({ dir, keep: 3, config: short, mode: 'new' });
    await saveSteps(a, [4]);
    const long = resolvePretrainConfig({ train: { steps: 10, logEvery: 3 }, optim: { warmupSteps: 1 } });
    const r = createCheckpointManager({ dir, keep: 3, config: long, mode: 'resume' });
    expect(r.extension?.changed).toEqual(['train.steps: 4 → 10']);
    await saveSteps(r, [6]);
    const state = JSON.parse(readFileSync(join(dir, 'step-00000006', 'state.json'), 'utf8'));
    expect(state.extensions).toMatchObject([{ atStep: 4, changed: ['train.steps: 4 → 10'] }]);
    expect(state.config.train.steps).toBe(10);
    expect(state.runId).toBe(a.runId);
    const both = resolvePretrainConfig({ train: { steps: 12 }, optim: { warmupSteps: 2 } });
    expect(() => createCheckpointManager({ dir, keep: 3, config: both, mode: 'resume' })).toThrow(
      expect.objectContaining({ keys: ['optim.warmupSteps'] }),
    );
    const under = resolvePretrainConfig({ train: { steps: 5 }, optim: { warmupSteps: 1 } });
    expect(() => createCheckpointManager({ dir, keep: 3, config: under, mode: 'resume' })).toThrow(
      /at step 6, beyond train\.steps=5/,
    );
  });

  const good = fresh('corrupt-src');
  const corruptions: [string, string, (p: string) => void, RegExp][] = [
    [
      'garbled JSON',
      'CHECKPOINT_CORRUPT',
      (p) => writeFileSync(join(p, 'state.json'), '{'),
      /not valid JSON/,
    ],
    ['JSON array', 'CHECKPOINT_CORRUPT', (p) => writeFileSync(join(p, 'state.json'), '[]'), /not an object/],
    [
      'not UTF-8',
      'CHECKPOINT_CORRUPT',
      (p) => writeFileSync(join(p, 'state.json'), Buffer.from([0xff, 0xfe])),
      /cannot be read/,
    ],
    [
      'missing step',
      'CHECKPOINT_CORRUPT',
      (p) => {
        const s = JSON.parse(readFileSync(join(p, 'state.json'), 'utf8'));
        delete s.step;
        writeFileSync(join(p, 'state.json'), JSON.stringify(s));
      },
      /"step" must be a non-negative integer/,
    ],
    [
      'missing optimizer field',
      'CHECKPOINT_CORRUPT',
      (p) => {
        const s = JSON.parse(readFileSync(join(p, 'state.json'), 'utf8'));
        delete s.optimizer;
        writeFileSync(join(p, 'state.json'), JSON.stringify(s));
      },
      /"optim" must be \{ stepCount/,
    ],
    [
      'missing state.json',
      'CHECKPOINT_INCOMPLETE',
      (p) => rmSync(join(p, 'state.json')),
      /state\.json is missing/,
    ],
    [
      'missing tensors file',
      'CHECKPOINT_INCOMPLETE',
      (p) => rmSync(join(p, 'tensors.safetensors')),
      /tensors\.safetensors is missing/,
    ],
    [
      'truncated tensors',
      'CHECKPOINT_CORRUPT',
      (p) => {
        const b = readFileSync(join(p, 'tensors.safetensors'));
        writeFileSync(join(p, 'tensors.safetensors'), b.subarray(0, b.length - 5));
      },
      /tensors\.safetensors: .*truncated/,
    ],
    [
      'tensors file is a symlink to /dev/zero',
      'CHECKPOINT_CORRUPT',
      (p) => {
        rmSync(join(p, 'tensors.safetensors'));
        symlinkSync('/dev/zero', join(p, 'tensors.safetensors'));
      },
      /not a regular file/,
    ],
    [
      'NaN in the tokenizer codebook',
      'CHECKPOINT_CORRUPT',
      (p) => {
        const b = readFileSync(join(p, 'tensors.safetensors'));
        const n = Number(b.readBigUInt64LE(0));
        const header = JSON.parse(b.subarray(8, 8 + n).toString());
        const at = 8 + n + header['tokenizer.codebook'].data_offsets[0] + 4;
        b.writeFloatLE(Number.NaN, at);
        writeFileSync(join(p, 'tensors.safetensors'), b);
      },
      /tensor 'tokenizer\.codebook' element 1 is NaN/,
    ],
  ];

  beforeAll(async () => {
    await useBackend('cpu');
    const mgr = createCheckpointManager({ dir: good, keep: 1, config, mode: 'new' });
    const [m, cb] = [tf.tensor1d([0, 0]), tf.tensor2d([1, 2, 3, 4], [2, 2])];
    await mgr.save(
      3,
      { 'optim.m': m, 'tokenizer.codebook': cb },
      { optimizer: { stepCount: 3, paramSteps: {} } },
    );
    tf.dispose([m, cb]);
  });

  test.each(corruptions)(
    'a checkpoint with %s is a typed %s naming the folder',
    (_name, code, corrupt, why) => {
      const dir = fresh('corrupt');
      cpSync(good, dir, { recursive: true });
      const path = join(dir, 'step-00000003');
      corrupt(path);
      const before = snapshot(dir);
      const err = (() => {
        try {
          createCheckpointManager({ dir, keep: 1, config, mode: 'resume' });
        } catch (e) {
          return e as CheckpointError;
        }
      })();
      expect(err).toBeInstanceOf(CheckpointError);
      expect(err?.code).toBe(code);
      expect(err?.path).toBe(path);
      expect(err?.message).toMatch(why);
      expect(snapshot(dir)).toEqual(before);
    },
  );

  test('stale temp folders of dead processes are removed on start; live ones and complete ones kept', async () => {
    const dir = fresh('stale');
    const a = createCheckpointManager({ dir, keep: 3, config, mode: 'new' });
    await saveSteps(a, [1, 4]);
    const dead = deadPid();
    renameSync(join(dir, 'step-00000004'), join(dir, `step-00000004.tmp-${dead}`)); // killed between renames
    mkdirSync(join(dir, `step-00000002.tmp-${dead}`));
    writeFileSync(join(dir, `step-00000002.tmp-${dead}`, 'tensors.safetensors'), 'partial');
    mkdirSync(join(dir, `step-00000003.tmp-${process.ppid}`)); // alive
    const r = createCheckpointManager({ dir, keep: 3, config, mode: 'resume' });
    expect(r.stale.removed).toEqual([join(dir, `step-00000002.tmp-${dead}`)]);
    expect(r.stale.promoted).toEqual([join(dir, 'step-00000004')]);
    expect(r.resumed?.state.step).toBe(4);
    expect(readdirSync(dir).sort()).toEqual([
      'step-00000001',
      `step-00000003.tmp-${process.ppid}`,
      'step-00000004',
    ]);
    expect(removeStaleTemps(dir)).toEqual({ removed: [], promoted: [] });
  });
});
