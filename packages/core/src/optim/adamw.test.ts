import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeEachBackend, expectCloseAsync, expectNoLeak, loadJsonFixture } from '@splitmask/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, expect, test } from 'vitest';
import { SafetensorsError } from '../io/safetensors-error';
import { disposeParams, toVariables, varList } from '../params/tree';
import { type AdamW, createAdamW } from './adamw';
import { decodeAdamWState, encodeAdamWState } from './adamw-state';
import { loadAdamWState, saveAdamWState } from './adamw-state-node';
import { clipByGlobalNorm } from './clip';

interface Fixture {
  shapes: Record<string, number[]>;
  init: Record<string, number[]>;
  lr_scale: Record<string, number>;
  no_decay: string[];
  steps: {
    lr: number;
    weight_decay: number;
    grads: Record<string, number[]>;
    params: Record<string, number[]>;
  }[];
  final_state: Record<string, { exp_avg: number[]; exp_avg_sq: number[]; step: number }>;
}
const pkg = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const fx = loadJsonFixture<Fixture>(pkg, 'state_adamw.json');

let live: { params?: Record<string, tf.Variable>; opt?: AdamW }[] = [];
afterEach(() => {
  for (const { params, opt } of live) {
    opt?.dispose();
    if (params) disposeParams(params);
  }
  live = [];
});

function setup(role: string, options = {}) {
  const params: Record<string, tf.Variable> = {};
  for (const [name, shape] of Object.entries(fx.shapes)) {
    params[name] = tf.variable(tf.tensor(fx.init[name], shape), true, `${role}/${name}`);
  }
  const opt = createAdamW(params, { lrScale: fx.lr_scale, weightDecay: 0.05, ...options });
  live.push({ params, opt });
  return { params, opt };
}

function runSteps(role: string, opt: AdamW, from: number, to: number) {
  for (let i = from; i < to; i++) {
    const s = fx.steps[i];
    // Keyed by Variable name, as tf.variableGrads returns them.
    const grads = Object.fromEntries(
      Object.entries(s.grads).map(([n, g]) => [`${role}/${n}`, tf.tensor(g, fx.shapes[n])]),
    );
    opt.step(grads, { lr: s.lr, weightDecay: s.weight_decay });
    tf.dispose(grads);
  }
}

describeEachBackend(
  'createAdamW',
  (backend) => {
    test('matches torch.optim.AdamW over 10 steps (groups, lr/wd per step, a skipped grad)', async () => {
      const role = `adamw-parity-${backend}`;
      const { params, opt } = setup(role);
      expect(
        opt.groups
          .filter((g) => g.weightDecay === 0)
          .map((g) => g.name)
          .sort(),
      ).toEqual(fx.no_decay);
      expect(opt.role).toBe(role);
      for (let i = 0; i < 10; i++) {
        runSteps(role, opt, i, i + 1);
        for (const [name, want] of Object.entries(fx.steps[i].params)) {
          await expectCloseAsync(params[name], want, {
            rtol: 1e-5,
            atol: 1e-7,
            label: `step ${i + 1} ${name}`,
          });
        }
      }
      const state = opt.getState();
      for (const [name, want] of Object.entries(fx.final_state)) {
        await expectCloseAsync(state.tensors[`exp_avg.${name}`], want.exp_avg, {
          rtol: 1e-5,
          atol: 1e-9,
          label: `m ${name}`,
        });
        await expectCloseAsync(state.tensors[`exp_avg_sq.${name}`], want.exp_avg_sq, {
          rtol: 1e-5,
          atol: 1e-12,
          label: `v ${name}`,
        });
        expect(state.paramSteps[name], name).toBe(want.step);
      }
      expect(state.stepCount).toBe(10);
      tf.dispose(state.tensors);
    });

    test('step allocates nothing that outlives it; moments are named non-trainable Variables', async () => {
      const role = `adamw-leak-${backend}`;
      const { opt } = setup(role);
      runSteps(role, opt, 0, 1);
      const before = tf.memory().numTensors;
      runSteps(role, opt, 1, 3);
      expect(tf.memory().numTensors).toBe(before);
      const vars = tf.engine().registeredVariables;
      expect(vars[`${role}/adam_m/pos_embed`]?.trainable).toBe(false);
      expect(vars[`${role}/adam_v/head.weight`]?.shape).toEqual([4, 3]);
      expectNoLeak(() => opt.getState().tensors, 'getState');
      const st = opt.getState();
      expectNoLeak(() => opt.setState(st), 'setState');
      const bytes = await encodeAdamWState(opt);
      expectNoLeak(() => decodeAdamWState(opt, bytes), 'decodeAdamWState');
      tf.dispose(st.tensors);
      opt.dispose();
      expect(vars[`${role}/adam_m/pos_embed`]).toBeUndefined();
    });

    test('composes with tf.variableGrads and clipping: a least-squares fit converges, no leaks', async () => {
      const role = `adamw-fit-${backend}`;
      const params = toVariables({ head: { weight: tf.zeros([3, 1]), bias: tf.zeros([1]) } }, role);
      const opt = createAdamW(params, { weightDecay: 0.01 });
      live.push({ params: { 'head.weight': params.head.weight, 'head.bias': params.head.bias }, opt });
      const x = tf.tensor2d([
        [1, 2, 3],
        [0, 1, 0],
        [2, 0, 1],
        [1, 1, 1],
      ]);
      const y = tf.tensor2d([[1], [-1], [2], [0.5]]);
      const loss = () =>
        tf.mean(
          tf.square(tf.sub(tf.add(tf.matMul(x, params.head.weight), params.head.bias), y)),
        ) as tf.Scalar;
      const l0 = loss();
      const first = (await l0.data())[0];
      l0.dispose();
      const before = tf.memory().numTensors;
      for (let i = 0; i < 120; i++) {
        tf.tidy(() => {
          const { grads } = tf.variableGrads(loss, varList(params));
          opt.step(clipByGlobalNorm(grads, 1).grads, { lr: 0.1 });
        });
      }
      expect(tf.memory().numTensors).toBe(before);
      const l1 = loss();
      const last = (await l1.data())[0];
      l1.dispose();
      expect(last).toBeLessThan(first / 20);
      expect(opt.groups.map((g) => [g.name, g.weightDecay])).toEqual([
        ['head.weight', 0.01],
        ['head.bias', 0],
      ]);
      tf.dispose([x, y]);
    });

    test('state round trip through safetensors bytes and files resumes bit-identically', async () => {
      const a = setup(`adamw-a-${backend}`);
      runSteps(`adamw-a-${backend}`, a.opt, 0, 10);
      const b = setup(`adamw-b-${backend}`);
      runSteps(`adamw-b-${backend}`, b.opt, 0, 5);
      const bytes = await encodeAdamWState(b.opt);
      const dir = await mkdtemp(join(tmpdir(), 'splitmask-adamw-'));
      try {
        // the README's example: a run folder that does not exist yet is created
        await saveAdamWState(b.opt, join(dir, 'run', 'opt.safetensors'));
        // Fresh optimizers over the same params resume from the saved state.
        for (const [i, restore] of [
          [0, (o: AdamW) => decodeAdamWState(o, bytes)],
          [1, (o: AdamW) => loadAdamWState(o, join(dir, 'run', 'opt.safetensors'))],
        ] as const) {
          const role = `adamw-c${i}-${backend}`;
          const c = setup(role);
          for (const [n, p] of Object.entries(b.params)) c.params[n].assign(p);
          await restore(c.opt);
          expect(c.opt.stepCount).toBe(5);
          expect(c.opt.getState().paramSteps['head.weight']).toBe(4);
          runSteps(role, c.opt, 5, 10);
          for (const [n, p] of Object.entries(a.params)) {
            await expectCloseAsync(c.params[n], p, { rtol: 0, atol: 0, label: `resumed ${n}` });
          }
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  },
  { webgpu: true },
);

describeEachBackend(
  'createAdamW errors',
  (backend) => {
    test('unknown grads, bad shapes, bad hyper-parameters and mismatched state are named', async () => {
      const role = `adamw-err-${backend}`;
      const { opt } = setup(role);
      const g = tf.zeros([2]);
      expect(() => opt.step({ 'nope.weight': g }, { lr: 1e-3 })).toThrow(
        /'nope.weight' matches no parameter/,
      );
      expect(() => opt.step({ pos_embed: g }, { lr: 1e-3 })).toThrow(
        /'pos_embed' has shape \[2\], parameter is \[1,3,4\]/,
      );
      expect(() => opt.step({}, { lr: Number.NaN })).toThrow(/lr must be/);
      expect(() => createAdamW({}, { beta2: 1 })).toThrow(/beta2 must be in \[0, 1\), got 1/);
      g.dispose();
      const other = setup(`adamw-other-${backend}`, { lrScale: undefined });
      const small = { x: tf.variable(tf.zeros([3]), true, `adamw-small-${backend}/x`) };
      const tiny = createAdamW(small);
      live.push({ params: small, opt: tiny });
      await expect(
        Promise.resolve().then(async () => decodeAdamWState(other.opt, await encodeAdamWState(tiny))),
      ).rejects.toThrow(SafetensorsError);
      const st = opt.getState();
      tf.dispose(st.tensors['exp_avg.pos_embed']);
      st.tensors['exp_avg.pos_embed'] = tf.zeros([4]);
      expect(() => opt.setState(st)).toThrow(/'exp_avg.pos_embed' has shape \[4\], expected \[1,3,4\]/);
      tf.dispose(st.tensors);
    });
  },
  { webgpu: true },
);
