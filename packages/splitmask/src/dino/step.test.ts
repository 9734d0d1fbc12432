import { assignParams, decodeSafetensors, flattenParams, toTfTensors } from '@splitmask/core';
import { describeEachBackend, expectClose, expectNoLeak, loadFixture } from '@splitmask/test-utils';
import { fromTimmStateDict, toTimmStateDict } from '@splitmask/vit';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { DINO_TINY_CONFIG, resolveDinoConfig } from './config';
import type { DinoParams } from './model';
import { type DinoState, dinoStep, disposeDinoState, initDinoState } from './step';

// tools/fixtures_dino.py: two PyTorch DINO steps (float64) on a 'mu'-size ViT, 2 global 16 px + 2 local 8 px
// crops, B = 2, K = 64, per-tensor clip 0.05, last layer cancelled in step 1.
const { tensors: host } = decodeSafetensors(loadFixture(`${__dirname}/../..`, 'dino-step.safetensors'));
const clip = (host.clip.data as Float32Array)[0];
const cfg = resolveDinoConfig(
  {
    model: { dropPathRate: 0 },
    head: { outDim: 64, hiddenDim: 16, bottleneckDim: 16, nLayers: 3, normLastLayer: true },
    crops: { localCrops: 2, localSize: 8 },
    optim: { clipGrad: clip },
  },
  DINO_TINY_CONFIG,
);

const HEAD_LINEAR = /^head\.mlp\.\d+\.weight$|^head\.last_layer\.weight_v$/;

/** A torch state dict (prefix `${prefix}.`) → our DinoParams (timm → vit layout, Linear weights transposed). */
function paramsFrom(all: Record<string, tf.Tensor>, prefix: string, state: DinoState): DinoParams {
  return tf.tidy((): tf.TensorContainer => {
    const backbone: Record<string, tf.Tensor> = {};
    const head: Record<string, tf.Tensor> = {};
    for (const [k, v] of Object.entries(all)) {
      if (!k.startsWith(`${prefix}.`)) continue;
      const name = k.slice(prefix.length + 1);
      if (name.startsWith('backbone.')) backbone[name.slice('backbone.'.length)] = v;
      else head[name] = HEAD_LINEAR.test(name) ? tf.transpose(v) : v;
    }
    const mlp: DinoParams['head']['mlp'] = {};
    for (const i of ['0', '2', '4']) {
      mlp[i] = {
        weight: head[`head.mlp.${i}.weight`] as tf.Tensor2D,
        bias: head[`head.mlp.${i}.bias`] as tf.Tensor1D,
      };
    }
    const params: DinoParams = {
      backbone: fromTimmStateDict(backbone, state.arch.vit),
      head: { mlp, last_layer: { weight_v: head['head.last_layer.weight_v'] as tf.Tensor2D } },
    };
    return params as unknown as tf.TensorContainer;
  }) as unknown as DinoParams;
}

/** Our params → flat torch names and layouts, for comparison with the fixture. */
function toTorch(params: DinoParams, state: DinoState): Record<string, tf.Tensor> {
  return tf.tidy(() => {
    const out: Record<string, tf.Tensor> = {};
    for (const [k, v] of Object.entries(toTimmStateDict(params.backbone, state.arch.vit)))
      out[`backbone.${k}`] = v;
    for (const [k, v] of Object.entries(flattenParams(params.head))) {
      out[`head.${k}`] = HEAD_LINEAR.test(`head.${k}`) ? tf.transpose(v) : v;
    }
    return out;
  });
}

describeEachBackend('dinoStep vs PyTorch', () => {
  let all: Record<string, tf.Tensor>;
  beforeAll(() => {
    all = toTfTensors(host);
  });
  afterAll(() => tf.dispose(Object.values(all)));

  test('two steps: losses, student, teacher and center match DINO (main_dino.py) to float32 precision', async () => {
    const state = initDinoState(cfg, `dino-step-${tf.getBackend()}`);
    const init = paramsFrom(all, 'init', state);
    assignParams(state.student, init);
    assignParams(state.teacher, init);
    tf.dispose(flattenParams(init) as never);
    const globals = [all.global0, all.global1] as tf.Tensor4D[];
    const locals = [all.local0, all.local1] as tf.Tensor4D[];
    const scalars = (await all.scalars.array()) as number[][];
    const expectedLoss = await all.loss.data();
    for (const [i, [lr, weightDecay, momentum, teacherTemp, frozen]] of scalars.entries()) {
      const { loss } = dinoStep(
        state,
        { globals, locals },
        { lr, weightDecay, momentum, teacherTemp, lastLayerFrozen: frozen === 1 },
        { studentTemp: 0.1, centerMomentum: 0.9, clipGrad: clip, seed: i },
      );
      expect((await loss.data())[0]).toBeCloseTo(expectedLoss[i], 4);
      loss.dispose();
    }
    for (const role of ['student', 'teacher'] as const) {
      const ours = toTorch(state[role] as unknown as DinoParams, state);
      for (const [k, v] of Object.entries(ours)) {
        expectClose(v, all[`${role}.${k}`], { rtol: 1e-3, atol: 2e-5, label: `${role}.${k}` });
      }
      // the fixture has every parameter but the fixed weight_g
      expect(Object.keys(ours).sort()).toEqual(
        Object.keys(all)
          .filter((k) => k.startsWith(`${role}.`))
          .map((k) => k.slice(role.length + 1))
          .sort(),
      );
      tf.dispose(Object.values(ours));
    }
    expectClose(state.center, all.center, { rtol: 1e-3, atol: 1e-5, label: 'center' });
    disposeDinoState(state);
  });

  test('a step leaks nothing (Variables updated in place)', () => {
    const state = initDinoState(cfg, `dino-leak-${tf.getBackend()}`);
    const globals = [all.global0, all.global1] as tf.Tensor4D[];
    const locals = [all.local0, all.local1] as tf.Tensor4D[];
    const scalars = {
      lr: 1e-3,
      weightDecay: 0.04,
      momentum: 0.99,
      teacherTemp: 0.04,
      lastLayerFrozen: false,
    };
    const opts = { studentTemp: 0.1, centerMomentum: 0.9, clipGrad: 3, seed: 0, monitor: true };
    dinoStep(state, { globals, locals }, scalars, opts).loss.dispose(); // AdamW lazily creates nothing, but warm up kernels
    expectNoLeak(() => dinoStep(state, { globals, locals }, scalars, opts), 'dinoStep');
    disposeDinoState(state);
  });
});
