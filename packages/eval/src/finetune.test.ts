import { createRng, disposeParams, flattenParams, toVariables, unflattenParams } from '@splitmask/core';
import { describeEachBackend, expectNoLeak, expectNoLeakAsync } from '@splitmask/test-utils';
import { initVitParams, resolveVitConfig } from '@splitmask/vit';
import * as tf from '@tensorflow/tfjs-core';
import { expect, test } from 'vitest';
import { textures } from '../test/textures';
import {
  createFinetuneOptimizer,
  evaluateClassifier,
  finetune,
  finetuneLoss,
  initClassifierParams,
} from './finetune';
import { applyMixup } from './mixup';

let groupRun = 0;
const encCfg = resolveVitConfig('mu', { depth: 2 }); // 16px, patch 4, 1 channel, D=32

describeEachBackend('finetune', () => {
  test('initClassifierParams: drops norm, adds fc_norm and a 0.001-scaled head, leaves the encoder intact', async () => {
    const enc = initVitParams(encCfg, createRng(0));
    const { params, cfg } = initClassifierParams(enc, encCfg, { numClasses: 4 }, createRng(1));
    expect(cfg.pool).toBe('mean');
    expect(cfg.fcNorm).toBe(true);
    expect(cfg.dropPathRate).toBe(0.1);
    expect(params.norm).toBeUndefined();
    expect(params.head?.weight.shape).toEqual([32, 4]);
    const maxW = tf.max(tf.abs(params.head?.weight as tf.Tensor));
    expect((await maxW.data())[0]).toBeLessThan(0.001);
    expect(params.blocks[0]?.attn.qkv.weight).not.toBe(enc.blocks[0]?.attn.qkv.weight); // copies
    tf.dispose(maxW);
  });

  test('param groups: LR scale = 0.65^(L+1-layer id) (BEiT), no weight decay on biases/norms/pos_embed/cls_token', () => {
    const enc = initVitParams(encCfg, createRng(0));
    const { params, cfg } = initClassifierParams(enc, encCfg, { numClasses: 4 }, createRng(1));
    const vars = flattenParams(toVariables(params, `ftgroups${groupRun++}`));
    const opt = createFinetuneOptimizer(vars as Record<string, tf.Variable>, cfg, {
      weightDecay: 0.05,
      layerDecay: 0.65,
    });
    const g = Object.fromEntries(opt.groups.map((x) => [x.name, x]));
    const L = 2;
    const want: [string, number, number][] = [
      ['patch_embed.proj.weight', 0.65 ** (L + 1), 0.05],
      ['patch_embed.proj.bias', 0.65 ** (L + 1), 0],
      ['cls_token', 0.65 ** (L + 1), 0],
      ['pos_embed', 0.65 ** (L + 1), 0],
      ['blocks.0.attn.qkv.weight', 0.65 ** L, 0.05],
      ['blocks.0.norm1.weight', 0.65 ** L, 0],
      ['blocks.1.mlp.fc2.bias', 0.65, 0],
      ['blocks.1.mlp.fc1.weight', 0.65, 0.05],
      ['fc_norm.weight', 1, 0],
      ['head.weight', 1, 0.05],
      ['head.bias', 1, 0],
    ];
    for (const [name, scale, wd] of want) {
      expect(g[name]?.lrScale, name).toBeCloseTo(scale, 12);
      expect(g[name]?.weightDecay, name).toBe(wd);
    }
    expect(Object.keys(g)).not.toContain('norm.weight'); // the pretrained final norm is dropped
    opt.dispose();
    disposeParams([params, vars]);
  });

  test('gradient coverage: every trainable param gets a finite, non-zero grad (mixup targets, drop-path)', () => {
    const enc = initVitParams(encCfg, createRng(0));
    const { params, cfg } = initClassifierParams(enc, encCfg, { numClasses: 4 }, createRng(1));
    const data = textures(8, 2);
    const named = flattenParams(params);
    const grads = tf.tidy(() => {
      const x = tf.tensor4d(data.pixels, [8, 16, 16, 1]);
      const { images, targets } = applyMixup(
        x,
        tf.tensor1d(Array.from(data.labels), 'int32'),
        4,
        { lam: 0.7 },
        0.1,
      );
      const names = Object.keys(named);
      const gs = tf.grads((...ps: tf.Tensor[]) => {
        const tree = unflattenParams(
          params,
          Object.fromEntries(names.map((n, i) => [n, ps[i] as tf.Tensor])),
        );
        return finetuneLoss(tree, images, targets, cfg, { seed: 3 });
      })(names.map((n) => named[n] as tf.Tensor));
      return Object.fromEntries(names.map((n, i) => [n, tf.max(tf.abs(gs[i] as tf.Tensor))]));
    });
    for (const [n, g] of Object.entries(grads)) {
      const v = g.dataSync()[0] as number;
      expect(Number.isFinite(v) && v > 0, `${n}: max |grad| = ${v}`).toBe(true);
    }
    tf.dispose(Object.values(grads));
  });

  test('loss decreases and a separable set is learned to ~100%', async () => {
    const enc = initVitParams(encCfg, createRng(0));
    const train = textures(32, 3);
    const res = await finetune(
      enc,
      encCfg,
      train,
      {
        numClasses: 4,
        epochs: 6,
        batchSize: 8,
        lr: 3e-3,
        mixupAlpha: 0,
        cutmixAlpha: 0,
        dropPath: 0,
        layerDecay: 1,
        hflip: false,
        labelSmoothing: 0,
      },
      textures(32, 4),
    );
    const first = res.history[0]?.loss as number;
    const last = res.history.at(-1);
    expect(last?.loss).toBeLessThan(first * 0.7);
    expect(last?.eval?.top1).toBeGreaterThanOrEqual(95);
    res.dispose();
  }, 60_000);

  test('deterministic under a seed (with mixup/cutmix, drop-path, flips), different across seeds', async () => {
    const enc = initVitParams(encCfg, createRng(0));
    const train = textures(16, 5);
    const run = async (seed: number, extra: { cropPadding?: number; patchDropRate?: number } = {}) => {
      const res = await finetune(enc, encCfg, train, {
        numClasses: 4,
        epochs: 2,
        batchSize: 8,
        seed,
        ...extra,
      });
      const head = res.params.head as NonNullable<typeof res.params.head>;
      const w = Array.from(await head.weight.data());
      res.dispose();
      return { w, loss: res.history.map((h) => h.loss) };
    };
    const a = await run(1);
    expect(await run(1)).toEqual(a);
    expect((await run(2)).w).not.toEqual(a.w);
    // random crops and PatchDropout: deterministic too, and they change the training
    for (const extra of [{ cropPadding: 2 }, { patchDropRate: 0.5 }]) {
      const b = await run(1, extra);
      expect(await run(1, extra)).toEqual(b);
      expect(b.w).not.toEqual(a.w);
    }
  }, 120_000);

  test('no leaks: finetune + dispose, evaluateClassifier, finetuneLoss, initClassifierParams', async () => {
    const enc = initVitParams(encCfg, createRng(0));
    const data = textures(8, 6);
    expectNoLeak(() => initClassifierParams(enc, encCfg, { numClasses: 4 }, createRng(1)).params);
    const { params, cfg } = initClassifierParams(enc, encCfg, { numClasses: 4 }, createRng(1));
    const x = tf.tensor4d(data.pixels, [8, 16, 16, 1]);
    const y = tf.tensor1d(Array.from(data.labels), 'int32');
    expectNoLeak(() => finetuneLoss(params, x, y, cfg, { seed: 1 }));
    tf.dispose([x, y]);
    disposeParams(params);
    await expectNoLeakAsync(async () => {
      const res = await finetune(enc, encCfg, data, { numClasses: 4, epochs: 1, batchSize: 4 }, data);
      await evaluateClassifier(res.params, res.cfg, data, {
        batchSize: 3,
        normalization: { mean: [0.5], std: [0.5] },
      });
      res.dispose();
    });
  }, 30_000);

  test('bad options and data are named', async () => {
    const enc = initVitParams(encCfg, createRng(0));
    const data = textures(8, 7);
    await expect(finetune(enc, encCfg, data, { numClasses: 4, epochs: 0, layerDecay: 2 })).rejects.toThrow(
      /epochs must be a positive integer, got 0; layerDecay must be in \(0, 1\], got 2/,
    );
    await expect(finetune(enc, encCfg, data, { numClasses: 3 })).rejects.toThrow(
      /train set label 3 is 3, outside \[0, 3\)/,
    );
    await expect(finetune(enc, encCfg, { ...data, count: 9 }, { numClasses: 4 })).rejects.toThrow(/count=9/);
    await expect(finetune(enc, encCfg, data, { numClasses: 4, cropPadding: 16 })).rejects.toThrow(
      /cropPadding 16 must be below the image size 16/,
    );
    await expect(finetune(enc, encCfg, data, { numClasses: 4, cropPadding: 1.5 })).rejects.toThrow(
      /cropPadding must be a non-negative integer/,
    );
    await expect(finetune(enc, encCfg, data, { numClasses: 4, patchDropRate: 1 })).rejects.toThrow(
      /patchDropRate must be in \[0, 1\), got 1/,
    );
  });
});
