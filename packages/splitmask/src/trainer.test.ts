import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { flattenParams } from '@splitmask/core';
import { describeEachBackend } from '@splitmask/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, expect, test } from 'vitest';
import { tinyConfig, tinySource } from '../test/tiny';
import { CheckpointMismatchError } from './checkpoint';
import { createPretrainer } from './node-trainers';
import { NonFiniteLossError } from './trainer';

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'splitmask-trainer-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function losses(trainer: Awaited<ReturnType<typeof createPretrainer>>, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await trainer.trainStep()).loss);
  return out;
}

describeEachBackend('trainer', () => {
  test('loss decreases on a fixed batch (20 steps, both methods)', async () => {
    for (const method of ['splitmask', 'beit'] as const) {
      const config = tinyConfig({
        method,
        optim: { lr: 5e-3, warmupSteps: 1, weightDecay: 0 },
        model: { dropPathRate: 0 },
      });
      const fixed = tinySource();
      const first = fixed.batch(0, 4) as Float32Array;
      const source = { ...fixed, normalization: fixed.normalization, batch: () => first };
      const trainer = await createPretrainer({ config, source });
      const curve = await losses(trainer, 20);
      const head = (curve[0] + curve[1]) / 2;
      const tail = (curve[18] + curve[19]) / 2;
      expect(tail, `${method}: ${curve.map((x) => x.toFixed(3)).join(' ')}`).toBeLessThan(head * 0.8);
      trainer.dispose();
    }
  });

  test('deterministic under a seed, tensor count stable across steps', async () => {
    const config = tinyConfig({ train: { steps: 6, accumSteps: 2 } });
    const a = await createPretrainer({ config, source: tinySource() });
    const b = await createPretrainer({ config, source: tinySource() });
    const counts: number[] = [];
    const la: number[] = [];
    for (let i = 0; i < 4; i++) {
      const ev = await a.trainStep();
      la.push(ev.loss);
      counts.push(ev.numTensors);
      expect(Object.keys(ev.parts)).toEqual(['total', 'mim', 'nce', 'nceAcc']);
      expect(ev.lr).toBeGreaterThanOrEqual(0);
    }
    expect(await losses(b, 4)).toEqual(la);
    expect(new Set(counts.slice(1)).size, `numTensors per step: ${counts}`).toBe(1);
    a.dispose();
    b.dispose();
  });

  test('resume: 3 steps + checkpoint + 3 resumed steps equals 6 straight steps exactly', async () => {
    const config = tinyConfig({ train: { steps: 6, checkpointEvery: 3, keepCheckpoints: 1 } });
    const straight = await createPretrainer({ config, source: tinySource() });
    const full = await losses(straight, 6);
    const finalStraight = flattenParams<tf.Variable>(straight.params);

    const dir = tmp();
    const first = await createPretrainer({ config, source: tinySource(), checkpointDir: dir });
    const head = await losses(first, 3);
    first.dispose();
    const resumed = await createPretrainer({
      config,
      source: tinySource(),
      checkpointDir: dir,
      resume: true,
    });
    expect(resumed.step).toBe(3);
    expect(resumed.resumedFrom).toMatch(/step-00000003$/);
    const tail = await losses(resumed, 3);
    expect([...head, ...tail]).toEqual(full);
    const finalResumed = flattenParams<tf.Variable>(resumed.params);
    for (const [n, v] of Object.entries(finalStraight)) {
      expect(Array.from(finalResumed[n].dataSync()), n).toEqual(Array.from(v.dataSync()));
    }
    expect(readdirSync(dir)).toEqual(['step-00000006']); // keep = 1
    straight.dispose();
    resumed.dispose();
  });

  test('refuses to resume from a checkpoint of another config, naming the fields', async () => {
    const dir = tmp();
    const config = tinyConfig({ train: { steps: 2, checkpointEvery: 1 } });
    const t = await createPretrainer({ config, source: tinySource(), checkpointDir: dir });
    await losses(t, 1);
    t.dispose();
    const other = tinyConfig({ train: { steps: 2, checkpointEvery: 1 }, optim: { lr: 1e-3 } });
    const err = await createPretrainer({
      config: other,
      source: tinySource(),
      checkpointDir: dir,
      resume: true,
    }).catch((e) => e);
    expect(err).toBeInstanceOf(CheckpointMismatchError);
    expect(String(err.message)).toMatch(/different config/);
    expect(String(err.message)).toMatch(/optim\.lr: 0\.003 → 0\.001/);
  });

  test('NaN in a loss part stops training, naming step, batch and part', async () => {
    const config = tinyConfig({ train: { steps: 5, accumSteps: 2 } });
    const t = await createPretrainer({ config, source: tinySource() });
    await losses(t, 2);
    // Poison the vocabulary head only: MIM becomes NaN, InfoNCE (before the head) stays finite.
    const head = (t.params as unknown as { decoder: { head: { bias: tf.Variable } } }).decoder.head.bias;
    tf.tidy(() => head.assign(tf.fill(head.shape, Number.NaN)));
    const err = await t.trainStep().catch((e) => e);
    expect(err).toBeInstanceOf(NonFiniteLossError);
    expect({ step: err.step, batch: err.batch, part: err.part }).toEqual({ step: 3, batch: 4, part: 'mim' });
    expect(err.message).toMatch(/Loss part 'mim' is NaN at step 3/);
    t.dispose();
  });

  test('no tensors leak across a session (create, steps, dispose)', async () => {
    const before = tf.memory().numTensors;
    const t = await createPretrainer({ config: tinyConfig({ train: { steps: 2 } }), source: tinySource() });
    for await (const _ of t.run()) {
      // drain
    }
    expect(t.step).toBe(2);
    t.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  test('an aborted signal stops the loop', async () => {
    const t = await createPretrainer({ config: tinyConfig({ train: { steps: 5 } }), source: tinySource() });
    const ctl = new AbortController();
    const seen: number[] = [];
    for await (const ev of t.run({ signal: ctl.signal })) {
      seen.push(ev.step);
      if (ev.step === 2) ctl.abort();
    }
    expect(seen).toEqual([1, 2]);
    t.dispose();
  });
});
