import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng, flattenParams, toVariables, varList } from '@splitmask/core';
import { dinoLoss } from '@splitmask/losses';
import { describeEachBackend } from '@splitmask/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, expect, test } from 'vitest';
import { createDinoTrainer, runDino } from '../node-trainers';
import type { ImageSource } from '../source';
import { DINO_TINY_CONFIG, type DinoConfigInput, resolveDinoConfig } from './config';
import { dinoArch, dinoForward, initDinoParams } from './model';
import { dinoSchedules } from './trainer';

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'splitmask-dino-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** 16 px single-channel images with smooth random blobs; `fixed` repeats batch 0. */
function tinySource(fixed = false): ImageSource {
  const size = 16;
  const make = (index: number, b: number) => {
    const out = new Float32Array(b * size * size);
    for (let i = 0; i < b; i++) {
      const rng = createRng(fixed ? 1000 + i : index * 64 + i);
      const cx = rng.uniform(3, 13);
      const cy = rng.uniform(3, 13);
      const r = rng.uniform(2, 6);
      const level = rng.uniform(0.3, 1);
      for (let y = 0; y < size; y++)
        for (let x = 0; x < size; x++)
          out[i * size * size + y * size + x] = (x - cx) ** 2 + (y - cy) ** 2 < r * r ? level : 0.1;
    }
    return out;
  };
  return {
    imageSize: size,
    channels: 1,
    length: 64,
    normalization: { mean: [0.3], std: [0.3] },
    batch: (index, b) => make(index, b),
  };
}

const tiny = (input: DinoConfigInput = {}) => resolveDinoConfig(input, DINO_TINY_CONFIG);
let roleId = 0;
const role = () => `dino-test-${roleId++}`;

describeEachBackend('DINO trainer', (backend) => {
  // The multi-step loop tests run on wasm only: the step's numerics are checked on every backend
  // against PyTorch (step.test.ts), these check the loop's host logic, and cpu is ~4× slower here.
  const loopTest = test.skipIf(backend === 'cpu');
  test('gradient coverage: every student parameter gets a finite non-zero gradient', async () => {
    const cfg = tiny({ head: { normLastLayer: false } });
    const arch = dinoArch(cfg);
    const student = toVariables(initDinoParams(arch, createRng(0)), `${role()}/student`);
    const names = Object.keys(flattenParams(student));
    expect(names).toContain('head.last_layer.weight_g');
    expect(names).toContain('backbone.pos_embed');
    const x = tf.randomUniform([4, 16, 16, 1], 0, 1, 'float32', 1) as tf.Tensor4D;
    const l = tf.randomUniform([4, 8, 8, 1], 0, 1, 'float32', 2) as tf.Tensor4D;
    const teacherOut = dinoForward(student as never, [x, x], [], arch).map(
      (t) => tf.mul(t, 1.5) as tf.Tensor2D,
    );
    const center = tf.zeros([1, cfg.head.outDim]) as tf.Tensor2D;
    const { value, grads } = tf.variableGrads(
      () =>
        dinoLoss(
          dinoForward(student as never, [x, x], [l, l], arch, { training: true, seed: 1 }),
          teacherOut,
          center,
          { teacherTemp: 0.04 },
        ),
      varList(student),
    );
    expect(Number.isFinite((await value.data())[0])).toBe(true);
    expect(Object.keys(grads).length).toBe(names.length);
    for (const [name, g] of Object.entries(grads)) {
      const norm = (await tf.norm(g).data())[0];
      expect(Number.isFinite(norm), name).toBe(true);
      expect(norm, name).toBeGreaterThan(0);
    }
    tf.dispose([value, Object.values(grads), teacherOut, center, x, l, varList(student)]);
  });

  loopTest(
    'loss is finite and decreases over 20 steps on a fixed batch; tensors stable; monitors logged',
    async () => {
      // The center is held (momentum 1) so the target distribution only moves with the EMA teacher: with
      // a moving center on one fixed batch the centred teacher flattens and DINO's loss rises towards
      // H(teacher) (measured: 1.67 → 4.6 over 20 steps), which says nothing about the student's fit.
      const cfg = tiny({
        optim: { lr: 0.1, warmupSteps: 2, freezeLastLayerEpochs: 0 },
        loss: { centerMomentum: 1 },
        train: { logEvery: 5 },
      });
      // A 1-step warm-up run first: tfjs/backends and vit keep a few one-off module-level caches.
      await runDino({
        config: tiny({ train: { steps: 1 }, optim: { warmupSteps: 0 } }),
        source: tinySource(true),
        role: role(),
      });
      const before = tf.memory().numTensors;
      const events: Awaited<ReturnType<Awaited<ReturnType<typeof createDinoTrainer>>['trainStep']>>[] = [];
      await runDino({ config: cfg, source: tinySource(true), role: role(), onEvent: (e) => events.push(e) });
      expect(tf.memory().numTensors).toBe(before); // dispose frees everything
      const losses = events.map((e) => e.loss);
      for (const v of losses) expect(Number.isFinite(v)).toBe(true);
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      expect(mean(losses.slice(-5))).toBeLessThan(0.8 * mean(losses.slice(0, 5)));
      expect(new Set(events.slice(1).map((e) => e.numTensors)).size).toBe(1);
      const logged = events.filter((e) => e.monitors);
      expect(logged.map((e) => e.step)).toEqual([5, 10, 15, 20]);
      for (const { monitors } of logged) {
        expect(monitors?.teacherEntropy).toBeGreaterThan(0);
        expect(monitors?.teacherEntropy).toBeLessThanOrEqual((monitors?.logK ?? 0) + 1e-4);
        expect(Number.isFinite(monitors?.klToCenter)).toBe(true);
      }
    },
  );

  test('schedules, EMA teacher and frozen last layer within one step', async () => {
    const cfg = tiny({ train: { stepsPerEpoch: 2, steps: 4 } });
    const t = await createDinoTrainer({ config: cfg, source: tinySource(), role: role() });
    const snap = async (tree: unknown) =>
      Object.fromEntries(
        await Promise.all(Object.entries(flattenParams(tree)).map(async ([k, v]) => [k, await v.data()])),
      );
    const t0 = await snap(t.teacher);
    const s0 = await snap(t.student);
    expect(t0).toEqual(s0); // teacher starts as a copy
    const e1 = await t.trainStep();
    const sched = dinoSchedules(cfg, 2);
    expect(e1).toMatchObject({ step: 1, epoch: 0, lastLayerFrozen: true, lr: sched.lr(0), momentum: 0.996 });
    expect(e1.weightDecay).toBeCloseTo(0.04, 10);
    const s1 = await snap(t.student);
    const t1 = await snap(t.teacher);
    expect(s1['head.last_layer.weight_v']).toEqual(s0['head.last_layer.weight_v']); // frozen in epoch 0
    for (const k of Object.keys(t1)) {
      const m = e1.momentum;
      const got = t1[k] as Float32Array;
      const exp = (s0[k] as Float32Array).map((v, i) => m * v + (1 - m) * (s1[k] as Float32Array)[i]);
      for (let i = 0; i < got.length; i += Math.max(1, Math.floor(got.length / 16)))
        expect(got[i]).toBeCloseTo(exp[i], 5);
    }
    await t.trainStep();
    expect(t.optimizer.getState().paramSteps['head.last_layer.weight_v'] ?? 0).toBe(0);
    const e3 = await t.trainStep(); // epoch 1: last layer trains
    expect(e3.lastLayerFrozen).toBe(false);
    expect((await snap(t.student))['head.last_layer.weight_v']).not.toEqual(s0['head.last_layer.weight_v']);
    const st = t.optimizer.getState();
    tf.dispose(Object.values(st.tensors));
    t.dispose();
  });

  loopTest('deterministic under a seed; exact resume from a checkpoint', async () => {
    const cfg = tiny({ train: { steps: 4, checkpointEvery: 2, logEvery: 2 } });
    const run = async (opts: { dir?: string; resume?: boolean; steps: number }) => {
      const t = await createDinoTrainer({
        config: cfg,
        source: tinySource(),
        role: role(),
        checkpointDir: opts.dir,
        resume: opts.resume,
      });
      const losses: number[] = [];
      while (t.step < opts.steps) losses.push((await t.trainStep()).loss);
      const center = Array.from(await t.center.data());
      const teacher = Array.from(await flattenParams(t.teacher)['backbone.blocks.0.attn.qkv.weight'].data());
      t.dispose();
      return { losses, center, teacher };
    };
    const a = await run({ steps: 4 });
    const b = await run({ steps: 4 });
    expect(b).toEqual(a);
    const dir = tmp();
    const first = await run({ dir, steps: 2 });
    expect(first.losses).toEqual(a.losses.slice(0, 2));
    const resumed = await run({ dir, resume: true, steps: 4 });
    // runDino: abort after 1 step → checkpoint at step 1; resuming reports where it came from
    const dir2 = tmp();
    const ctl = new AbortController();
    const aborted = await runDino({
      config: cfg,
      source: tinySource(),
      role: role(),
      checkpointDir: dir2,
      signal: ctl.signal,
      onEvent: () => ctl.abort(),
    });
    expect(aborted.steps).toBe(1);
    expect(aborted.abortCheckpoint).toMatch(/step-00000001$/);
    const rest = await runDino({
      config: cfg,
      source: tinySource(),
      role: role(),
      checkpointDir: dir2,
      resume: true,
    });
    expect(rest).toMatchObject({ steps: 4, resumedFrom: aborted.abortCheckpoint });
    expect(rest.last?.loss).toBe(a.losses[3]);
    expect(resumed.losses).toEqual(a.losses.slice(2));
    expect(resumed.center).toEqual(a.center);
    expect(resumed.teacher).toEqual(a.teacher);
    const other = tiny({ train: { steps: 4, checkpointEvery: 2, logEvery: 2 }, seed: 3 });
    await expect(
      createDinoTrainer({
        config: other,
        source: tinySource(),
        role: role(),
        checkpointDir: dir,
        resume: true,
      }),
    ).rejects.toThrow(/seed: 0 → 3/);
  });
});

test('config errors name every bad field; channel mismatch is refused', async () => {
  expect(() => tiny({ crops: { localSize: 6, nope: 1 } as never, extra: 2 } as never)).toThrow(
    /crops.nope \(unknown field\); extra \(unknown field\)/,
  );
  expect(() => tiny({ crops: { localSize: 6 }, optim: { clipGrad: -1 } })).toThrow(
    /crops.localSize=6.*optim.clipGrad=-1/,
  );
  await expect(
    createDinoTrainer({ config: tiny(), source: { ...tinySource(), channels: 3 }, role: role() }),
  ).rejects.toThrow(/3 channels, model.inChans=1/);
});
