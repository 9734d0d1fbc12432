import { createRng, disposeParams, flattenParams } from '@splitmask/core';
import { describeEachBackend, expectClose, expectNoLeak } from '@splitmask/test-utils';
import type * as tf from '@tensorflow/tfjs-core';
import { expect, test } from 'vitest';
import { timmShapes, toTimmStateDict } from './checkpoint';
import { resolveVitConfig } from './config';
import { initVitParams } from './init';

function std(t: tf.Tensor): number {
  const v = t.dataSync();
  let m = 0;
  for (const x of v) m += x;
  m /= v.length;
  let s = 0;
  for (const x of v) s += (x - m) ** 2;
  return Math.sqrt(s / v.length);
}

describeEachBackend('initVitParams', () => {
  const cfg = resolveVitConfig('mu', { embedDim: 64, depth: 2, numHeads: 2, numClasses: 7 });

  test('shapes are timm shapes after the layout conversion', () => {
    const p = initVitParams(cfg, createRng(0));
    const sd = toTimmStateDict(p, cfg);
    const expected = timmShapes(cfg);
    expect(Object.keys(sd).sort()).toEqual(Object.keys(expected).sort());
    for (const [k, t] of Object.entries(sd)) expect(t.shape, k).toEqual(expected[k]);
    disposeParams(p);
    disposeParams(sd);
  });

  test('BEiT/timm statistics: trunc-normal 0.02, 1/sqrt(2·layer) rescale, zero biases, LN ones', () => {
    const p = initVitParams(resolveVitConfig('Ti/4', { depth: 2 }), createRng(1));
    expect(std(p.blocks[0].attn.qkv.weight)).toBeCloseTo(0.02, 3);
    expect(std(p.blocks[0].mlp.fc1.weight)).toBeCloseTo(0.02, 3);
    expect(std(p.blocks[0].attn.proj.weight)).toBeCloseTo(0.02 / Math.sqrt(2), 3);
    expect(std(p.blocks[1].mlp.fc2.weight)).toBeCloseTo(0.02 / 2, 3);
    expect(std(p.pos_embed!)).toBeCloseTo(0.02, 3);
    // PyTorch Conv2d default for the patch embedding: U(±1/sqrt(fan_in)), std = 1/sqrt(3·fan_in).
    expect(std(p.patch_embed.proj.weight)).toBeCloseTo(1 / Math.sqrt(3 * 48), 3);
    expect(Math.max(...p.blocks[1].attn.qkv.bias!.dataSync())).toBe(0);
    expectClose(p.blocks[0].norm1.weight, Array(192).fill(1));
    expect(p.head).toBeUndefined();
    disposeParams(p);
  });

  test('deterministic under the seed; parts keep their values when depth changes', () => {
    const a = flattenParams(initVitParams(cfg, createRng(5)));
    const b = flattenParams(initVitParams(cfg, createRng(5)));
    const c = flattenParams(initVitParams(cfg, createRng(6)));
    const deeper = flattenParams(initVitParams(resolveVitConfig(cfg, { depth: 3 }), createRng(5)));
    for (const k of Object.keys(a)) expectClose(b[k], a[k], { rtol: 0, atol: 0, label: k });
    expect(c['blocks.0.attn.qkv.weight'].dataSync()).not.toEqual(a['blocks.0.attn.qkv.weight'].dataSync());
    for (const k of ['pos_embed', 'blocks.1.mlp.fc1.weight', 'head.weight'])
      expectClose(deeper[k], a[k], { rtol: 0, atol: 0, label: k });
    disposeParams([a, b, c, deeper]);
  });

  test('optional parts: sincos has no pos_embed; LayerScale; fc_norm replaces norm', () => {
    const p = initVitParams(
      resolveVitConfig('mu', { posEmbed: 'sincos', layerScaleInit: 0.1, pool: 'mean' }),
      createRng(0),
    );
    expect(p.pos_embed).toBeUndefined();
    expectClose(p.blocks[0].ls2!.gamma, Array(32).fill(0.1));
    expect(p.norm).toBeUndefined();
    expect(p.fc_norm).toBeDefined();
    disposeParams(p);
    expectNoLeak(() => initVitParams(cfg, createRng(0)), 'initVitParams');
  });
});
