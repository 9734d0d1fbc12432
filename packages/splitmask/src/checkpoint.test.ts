import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeEachBackend } from '@splitmask/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, expect, test } from 'vitest';
import { CheckpointMismatchError, createCheckpointManager, listCheckpoints } from './checkpoint';
import { resolvePretrainConfig } from './config';

const root = mkdtempSync(join(tmpdir(), 'splitmask-ckpt-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describeEachBackend('checkpoint manager', (backend) => {
  test('saves atomically, keeps the last k, loads back, refuses another config', async () => {
    const dir = join(root, backend);
    const config = resolvePretrainConfig({});
    const mgr = createCheckpointManager({ dir, keep: 2, config });
    const w = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    for (const step of [1, 2, 3])
      await mgr.save(step, { w, s: tf.scalar(step) }, { dataPosition: step * 10 });
    expect(readdirSync(dir)).toEqual(['step-00000002', 'step-00000003']);
    expect(listCheckpoints(dir).map((p) => p.slice(-13))).toEqual(['step-00000002', 'step-00000003']);
    const latest = mgr.latest();
    expect(latest).toBe(join(dir, 'step-00000003'));
    const loaded = mgr.load(latest as string);
    expect(loaded.state.step).toBe(3);
    expect(loaded.state.dataPosition).toBe(30);
    expect(Array.from(loaded.tensors.w.data)).toEqual([1, 2, 3, 4]);
    expect(JSON.parse(readFileSync(join(latest as string, 'state.json'), 'utf8')).config).toEqual(config);
    expect(existsSync(`${latest}.tmp-${process.pid}`)).toBe(false);

    const other = createCheckpointManager({
      dir,
      keep: 2,
      config: resolvePretrainConfig({ model: { depth: 2 } }),
    });
    expect(() => other.load(latest as string)).toThrow(CheckpointMismatchError);
    expect(() => other.load(latest as string)).toThrow(/model\.depth: 4 → 2/);
    w.dispose();
  });

  test('a crash mid-write leaves no checkpoint under a final name', async () => {
    const dir = join(root, `${backend}-crash`);
    const mgr = createCheckpointManager({ dir, keep: 2, config: resolvePretrainConfig({}) });
    const bad = tf.tensor1d([1, 2]);
    bad.dispose(); // reading a disposed tensor throws inside save, before the rename
    await expect(mgr.save(1, { bad })).rejects.toThrow();
    expect(mgr.latest()).toBeUndefined();
  });
});
