import {
  createRng,
  disposeParams,
  InvalidArgumentError,
  ShapeError,
  toVariables,
  varList,
} from '@splitmask/core';
import { describeEachBackend, expectClose, expectNoLeak } from '@splitmask/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { expect, test } from 'vitest';
import { transformerBlock, transformerBlockCheckpointed, transformerBlockWithAttention } from './block';
import { fromTimmStateDict, toTimmStateDict } from './checkpoint';
import { resolveVitConfig, type VitConfig } from './config';
import { vitEmbed, vitEncode, vitEncodeWithIntermediates, vitPosEmbed } from './encode';
import { initVitParams } from './init';
import { patchify } from './patchify';
import { poolFeatures, vitClassify, vitFeatures } from './pool';
import { selectTokens } from './tokens';
import type { VitParams } from './types';

const cfg = resolveVitConfig('mu', { depth: 2, numClasses: 3 });
const L = 16;

function images(b: number, seed: number, c = cfg): tf.Tensor4D {
  return tf.randomUniform([b, c.imageSize, c.imageSize, c.inChans], 0, 1, 'float32', seed) as tf.Tensor4D;
}

describeEachBackend('vitEncode', () => {
  test('subset with identity indices (K = L) equals full encoding', () => {
    const p = initVitParams(cfg, createRng(0));
    const x = images(2, 1);
    const ident = tf.tensor2d(
      [...Array(2 * L)].map((_, i) => i % L),
      [2, L],
      'int32',
    );
    const full = vitEncode(p, x, cfg);
    expect(full.shape).toEqual([2, 1 + L, 32]);
    expectClose(vitEncode(p, x, cfg, { visible: ident }), full, { rtol: 1e-6, atol: 1e-6 });
    disposeParams(p);
  });

  test('subset embedding = full embedding gathered; output ignores unselected patches', () => {
    const p = initVitParams(cfg, createRng(0));
    const x = images(2, 2);
    const visible = tf.tensor2d(
      [
        [0, 3, 5, 15],
        [2, 4, 8, 9],
      ],
      [2, 4],
      'int32',
    );
    const full = vitEmbed(p, x, cfg);
    const gathered = selectTokens(tf.slice(full, [0, 1, 0], [2, L, 32]) as tf.Tensor3D, visible);
    const sub = vitEmbed(p, x, cfg, visible);
    expectClose(tf.slice(sub, [0, 1, 0], [2, 4, 32]), gathered, { rtol: 1e-6, atol: 1e-6 });
    expectClose(tf.slice(sub, [0, 0, 0], [2, 1, 32]), tf.slice(full, [0, 0, 0], [2, 1, 32]), {
      rtol: 0,
      atol: 0,
    });

    // Change patch 1 (row 0, cols 4..7) of image 0, which neither image selects.
    const mask = tf.buffer([2, 16, 16, 1]);
    for (let y = 0; y < 4; y++) for (let c = 4; c < 8; c++) mask.set(1, 0, y, c, 0);
    const changed = tf.add(x, tf.mul(mask.toTensor(), 0.7)) as tf.Tensor4D;
    const a = vitEncode(p, x, cfg, { visible });
    expectClose(vitEncode(p, changed, cfg, { visible }), a, { rtol: 0, atol: 0, label: 'unselected change' });
    const sel = tf.tensor2d(
      [
        [1, 3, 5, 15],
        [2, 4, 8, 9],
      ],
      [2, 4],
      'int32',
    );
    const diff = tf.sub(vitEncode(p, changed, cfg, { visible: sel }), vitEncode(p, x, cfg, { visible: sel }));
    expect(tf.max(tf.abs(diff)).dataSync()[0]).toBeGreaterThan(1e-3);
    disposeParams(p);
  });

  test.each<[string, Partial<VitConfig>]>([
    ['cls pooling + norm', {}],
    ['mean pooling + fc_norm + LayerScale', { pool: 'mean', layerScaleInit: 0.1 }],
  ])('gradient coverage (%s): every parameter gets a finite non-zero gradient', (_n, over) => {
    const c = resolveVitConfig(cfg, over);
    const vars = toVariables(initVitParams(c, createRng(3)), `cov${_n}${tf.getBackend()}`);
    const x = images(2, 4, c);
    const w = tf.randomNormal([2, 3], 0, 1, 'float32', 5);
    const { value, grads } = tf.variableGrads(
      () => tf.sum(tf.mul(vitClassify(vars as unknown as VitParams, x, c), w)) as tf.Scalar,
      varList(vars),
    );
    expect(Object.keys(grads).length).toBe(varList(vars).length);
    for (const [name, g] of Object.entries(grads)) {
      const d = g.dataSync();
      expect(d.every(Number.isFinite), `${name} finite`).toBe(true);
      expect(Math.max(...d.map(Math.abs)), `${name} non-zero`).toBeGreaterThan(0);
    }
    tf.dispose([value, ...Object.values(grads)]);
    disposeParams(vars);
  });

  test('activation checkpointing: same loss and gradients (with drop-path), no leaks', () => {
    const c = resolveVitConfig(cfg, { dropPathRate: 0.3, layerScaleInit: 0.5 });
    const vars = toVariables(initVitParams(c, createRng(4)), `ckpt${tf.getBackend()}`);
    const p = vars as unknown as VitParams;
    const x = images(4, 10, c);
    const visible = tf.tensor2d(
      [
        [0, 5, 6, 7],
        [1, 2, 3, 4],
        [9, 10, 11, 15],
        [0, 1, 14, 15],
      ],
      [4, 4],
      'int32',
    );
    const loss = (checkpoint: boolean) => () =>
      tf.sum(tf.square(vitClassify(p, x, c, { visible, training: true, seed: 7, checkpoint }))) as tf.Scalar;
    const a = tf.variableGrads(loss(false), varList(vars));
    const before = tf.memory().numTensors;
    const b = tf.variableGrads(loss(true), varList(vars));
    expect(tf.memory().numTensors - before).toBe(1 + varList(vars).length); // value + grads only
    expectClose(b.value, a.value, { rtol: 1e-6, atol: 1e-6, label: 'loss' });
    for (const k of Object.keys(a.grads))
      expectClose(b.grads[k], a.grads[k], { rtol: 1e-4, atol: 1e-6, label: k });
    tf.dispose([a.value, b.value, ...Object.values(a.grads), ...Object.values(b.grads)]);
    // Forward values are unchanged too, and a later non-checkpointed grads call still works.
    expectClose(vitEncode(p, x, c, { checkpoint: true }), vitEncode(p, x, c), { rtol: 0, atol: 0 });
    const mixed = vitEncodeWithIntermediates(p, x, c, {
      checkpoint: true,
      attentionLayers: [0],
      layers: [0, 1],
    });
    expect(mixed.attention[0].shape).toEqual([4, 2, 17, 17]);
    // A layer whose attention map is requested runs the unfused attention; the others may run core's
    // fused kernel (wasm): equal up to float32 rounding, not bit for bit.
    expectClose(mixed.tokens, vitEncode(p, x, c), { rtol: 1e-5, atol: 1e-6, label: 'mixed checkpointing' });
    tf.dispose([mixed.tokens, ...mixed.layers, ...mixed.attention]);
    const again = tf.variableGrads(loss(false), varList(vars));
    tf.dispose([again.value, ...Object.values(again.grads)]);
    disposeParams(vars);
  });

  test('drop-path: deterministic under the seed, per-sample, off in eval', () => {
    const c = resolveVitConfig(cfg, { dropPathRate: 0.5 });
    const p = initVitParams(c, createRng(0));
    const x = images(8, 6, c);
    const evalOut = vitEncode(p, x, c);
    expectClose(vitEncode(p, x, c, { seed: 1 }), evalOut, { rtol: 0, atol: 0, label: 'eval ignores seed' });
    const t1 = vitEncode(p, x, c, { training: true, seed: 1 });
    expectClose(vitEncode(p, x, c, { training: true, seed: 1 }), t1, {
      rtol: 0,
      atol: 0,
      label: 'same seed',
    });
    const t2 = vitEncode(p, x, c, { training: true, seed: 2 });
    expect(tf.max(tf.abs(tf.sub(t1, t2))).dataSync()[0]).toBeGreaterThan(1e-4);
    expect(() => vitEncode(p, x, c, { training: true })).toThrow(/needs opts.seed/);
    disposeParams(p);
  });

  test('transformerBlock drop-path keeps or drops whole samples, scaled by 1/keep', () => {
    const p = initVitParams(cfg, createRng(0)).blocks[0];
    const x = tf.randomNormal([32, 5, 32], 0, 1, 'float32', 7) as tf.Tensor3D;
    const y = transformerBlock(p, x, cfg, { training: true, dropPath: 0.5, seed: 11 });
    const same = tf.max(tf.abs(tf.sub(y, x)), [1, 2]).dataSync();
    const dropped = [...same].filter((v) => v === 0).length;
    expect(dropped).toBeGreaterThan(0); // both branches dropped (p = 1/4 per sample)
    expect(dropped).toBeLessThan(32);
    expectClose(
      transformerBlock(p, x, cfg, { training: true, dropPath: 0, seed: 11 }),
      transformerBlock(p, x, cfg),
      { rtol: 0, atol: 0 },
    );
    expect(() => transformerBlock(p, x, cfg, { training: true, dropPath: 0.1 })).toThrow(
      InvalidArgumentError,
    );
    expectNoLeak(
      () => transformerBlock(p, x, cfg, { training: true, dropPath: 0.5, seed: 1 }),
      'transformerBlock',
    );
    disposeParams(p);
  });

  test('sin-cos position embedding: fixed table, exported to timm and ignored on import', () => {
    const c = resolveVitConfig(cfg, { posEmbed: 'sincos' });
    const p = initVitParams(c, createRng(0));
    const x = images(1, 8);
    const sd = toTimmStateDict(p, c);
    expect(sd.pos_embed.shape).toEqual([1, 17, 32]);
    const back = fromTimmStateDict(sd, c);
    expectClose(vitEncode(back, x, c), vitEncode(p, x, c), { rtol: 0, atol: 0 });
    disposeParams([p, sd, back]);
  });

  test('leak checks on every tensor-returning export', () => {
    const p = initVitParams(resolveVitConfig(cfg, { pool: 'mean' }), createRng(0));
    const c = resolveVitConfig(cfg, { pool: 'mean' });
    const x = images(2, 9);
    const visible = tf.tensor2d(
      [
        [0, 1],
        [2, 3],
      ],
      [2, 2],
      'int32',
    );
    expectNoLeak(() => vitEmbed(p, x, c, visible), 'vitEmbed');
    expectNoLeak(() => vitEncode(p, x, c, { visible }), 'vitEncode');
    expectNoLeak(() => vitEncode(p, x, c, { training: true, seed: 3 }), 'vitEncode training');
    expectNoLeak(
      () => vitEncodeWithIntermediates(p, x, c, { layers: [0, -1], attentionLayers: [1] }),
      'vitEncodeWithIntermediates',
    );
    expectNoLeak(() => vitFeatures(p, x, c), 'vitFeatures');
    expectNoLeak(() => vitClassify(p, x, c), 'vitClassify');
    const t = vitEncode(p, x, c);
    expectNoLeak(() => poolFeatures(t, 'cls'), 'poolFeatures');
    expectNoLeak(() => patchify(x, 4), 'patchify');
    expectNoLeak(() => vitPosEmbed(p, c), 'vitPosEmbed learned');
    expectNoLeak(() => vitPosEmbed(p, resolveVitConfig(c, { posEmbed: 'sincos' })), 'vitPosEmbed sincos');
    const x3 = vitEmbed(p, x, c);
    expectNoLeak(() => transformerBlockWithAttention(p.blocks[0], x3, c), 'transformerBlockWithAttention');
    expectNoLeak(() => transformerBlockCheckpointed(p.blocks[0], x3, c), 'transformerBlockCheckpointed');
    x3.dispose();
    const subsetGrad = (pe: tf.Tensor) =>
      tf.sum(vitEncode({ ...p, pos_embed: pe as tf.Tensor3D }, x, c, { visible }));
    expectNoLeak(() => tf.grads(subsetGrad)([p.pos_embed!]), 'subset grads');
    // Subset path: pos_embed rows of patches no image selected (4..15) get exactly zero gradient.
    const [g] = tf.grads(subsetGrad)([p.pos_embed!]);
    const rowNorm = tf.sum(tf.abs(g), [0, 2]).dataSync();
    expect([...rowNorm].map((v) => v > 0)).toEqual([...Array(17)].map((_, i) => i <= 4));
    g.dispose();
    const r = vitEncodeWithIntermediates(p, x, c, { layers: [1], attentionLayers: [0, 1] });
    expect(r.attention.map((a) => a.shape)).toEqual([
      [2, 2, 17, 17],
      [2, 2, 17, 17],
    ]);
    // (attention maps requested: unfused attention, vs the fused kernel of vitEncode on wasm)
    expectClose(r.layers[0], vitEncode(p, x, c), {
      rtol: 1e-5,
      atol: 1e-6,
      label: 'no final norm with fc_norm',
    });
    tf.dispose([t, r.tokens, ...r.layers, ...r.attention]);
    disposeParams(p);
  });

  test('shape and argument errors name the values', () => {
    const p = initVitParams(cfg, createRng(0));
    expect(() => vitEncode(p, tf.zeros([2, 16, 16, 3]) as tf.Tensor4D, cfg)).toThrow(ShapeError);
    expect(() => vitEncode(p, tf.zeros([2, 16, 16, 3]) as tf.Tensor4D, cfg)).toThrow(
      /expected images \[B, 16, 16, 1\].*got \[2,16,16,3\]/,
    );
    const x = images(2, 1);
    expect(() => vitEncode(p, x, cfg, { visible: tf.zeros([2, 3]) as tf.Tensor2D })).toThrow(
      /\[2,3\] float32/,
    );
    expect(() => vitEncode(p, x, cfg, { visible: tf.zeros([2, 17], 'int32') as tf.Tensor2D })).toThrow(
      /K<=16/,
    );
    expect(() => vitEncodeWithIntermediates(p, x, cfg, { layers: [2] })).toThrow(
      /layer index 2 out of range for depth 2/,
    );
    expect(() => poolFeatures(tf.zeros([2, 1, 4]) as tf.Tensor3D, 'mean')).toThrow(/\[2,1,4\]/);
    expect(() =>
      vitClassify(initVitParams(resolveVitConfig('mu'), createRng(0)), x, resolveVitConfig('mu')),
    ).toThrow(/no head/);
    disposeParams(p);
  });
});
