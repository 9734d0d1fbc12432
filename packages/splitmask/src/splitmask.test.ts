import { createRng, flattenParams, toVariables } from '@splitmask/core';
import { describeEachBackend, expectNoLeak } from '@splitmask/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { expect, test } from 'vitest';
import { tinyConfig } from '../test/tiny';
import { vitEncode } from './deps';
import { createMethod } from './method';
import { drawSplitIndices, makeSplitMaskInputs, type splitMaskLoss, toVitConfig } from './splitmask';

const cfg = tinyConfig();
const V = 16;

function batch(seed = 0) {
  const images = tf.randomNormal([4, 8, 8, 1], 0, 1, 'float32', seed) as tf.Tensor4D;
  const tokens = tf.randomUniform([4, 4, 4], 0, V, 'int32', seed + 1) as tf.Tensor3D;
  return { images, tokens };
}

test('drawSplitIndices: A and B are complementary halves per image, A rows then B rows', () => {
  const s = drawSplitIndices(3, 4, createRng(0), { mode: 'block', visibleFraction: 0.25 });
  expect([s.k, s.m]).toEqual([8, 8]);
  for (let i = 0; i < 3; i++) {
    const a = Array.from(s.visible.slice(i * 8, i * 8 + 8));
    const b = Array.from(s.visible.slice((3 + i) * 8, (3 + i) * 8 + 8));
    expect([...a, ...b].sort((x, y) => x - y)).toEqual(Array.from({ length: 16 }, (_, j) => j));
    expect(Array.from(s.missing.slice(i * 8, i * 8 + 8))).toEqual(b);
  }
  const r = drawSplitIndices(2, 4, createRng(0), { mode: 'random', visibleFraction: 0.25 });
  expect([r.k, r.m]).toEqual([4, 12]);
});

describeEachBackend('splitMaskLoss', () => {
  test("makeSplitMaskInputs: targets are the token ids at each row's missing positions", () => {
    const { images, tokens } = batch();
    const s = drawSplitIndices(4, 4, createRng(1), { mode: 'block', visibleFraction: 0.25 });
    const inp = makeSplitMaskInputs(images, tokens, s);
    const tok = tf.reshape(tokens, [4, 16]).arraySync() as number[][];
    const targets = inp.targets.arraySync() as number[][];
    const w = inp.missingWeight.arraySync() as number[][][];
    for (let r = 0; r < 8; r++) {
      for (let j = 0; j < s.m; j++) {
        const pos = s.missing[r * s.m + j];
        expect(targets[r][j]).toBe(tok[r % 4][pos]);
        expect(w[r][pos][0]).toBe(1);
      }
      expect(w[r].reduce((n, x) => n + x[0], 0)).toBe(s.m);
    }
    tf.dispose([images, tokens, ...Object.values(inp)]);
  });

  test('finite parts; every parameter gets a finite non-zero gradient; no leaks', () => {
    const method = createMethod(cfg);
    const params = toVariables(method.init(V, createRng(0)), `sm-grad-${tf.getBackend()}`);
    const vars = flattenParams<tf.Variable>(params);
    const { images, tokens } = batch();
    const { tensors } = method.inputs(images, tokens, createRng(2));
    const parts = method.loss(params, tensors, { training: true, seed: 1 });
    for (const k of ['total', 'mim', 'nce', 'nceAcc'])
      expect(Number.isFinite(parts[k].dataSync()[0]), k).toBe(true);
    // Chance-level at init: MIM ≈ ln V, InfoNCE ≈ ln B.
    expect(parts.mim.dataSync()[0]).toBeCloseTo(Math.log(V), 0);
    expect(parts.nce.dataSync()[0]).toBeGreaterThan(0);
    const { grads } = tf.variableGrads(
      () => method.loss(params, tensors, { training: false, seed: 1 }).total,
      Object.values(vars),
    );
    const names = Object.keys(vars);
    expect(names).toEqual(
      expect.arrayContaining([
        'encoder.cls_token',
        'encoder.pos_embed',
        'decoder.mask_token',
        'decoder.head.weight',
        'decoder.blocks.1.mlp.fc2.weight',
      ]),
    );
    for (const n of names) {
      const g = grads[vars[n].name];
      expect(g, n).toBeDefined();
      const v = tf.max(tf.abs(g)).dataSync()[0];
      expect(Number.isFinite(v) && v > 0, `grad of ${n} is ${v}`).toBe(true);
    }
    expectNoLeak(() => method.loss(params, tensors, { training: true, seed: 1 }), 'splitMaskLoss');
    expectNoLeak(
      () =>
        tf.variableGrads(
          () => method.loss(params, tensors, { training: true, seed: 1 }).total,
          Object.values(vars),
        ),
      'splitMaskLoss grads',
    );
    tf.dispose([images, tokens, grads, parts, tensors as never]);
    for (const v of Object.values(vars)) v.dispose();
  });

  test('BEiT: finite loss and gradient coverage of encoder, mask token and head', () => {
    const method = createMethod(tinyConfig({ method: 'beit' }));
    const params = toVariables(method.init(V, createRng(0)), `beit-grad-${tf.getBackend()}`);
    const vars = flattenParams<tf.Variable>(params);
    const { images, tokens } = batch(5);
    const { tensors } = method.inputs(images, tokens, createRng(3));
    expect((tensors as { masked: tf.Tensor }).masked.shape).toEqual([4, 6]); // round(0.4 · 16)
    const { value, grads } = tf.variableGrads(
      () => method.loss(params, tensors, { training: false, seed: 0 }).total,
      Object.values(vars),
    );
    expect(value.dataSync()[0]).toBeCloseTo(Math.log(V), 0);
    for (const [n, v] of Object.entries(vars)) {
      const m = tf.max(tf.abs(grads[v.name])).dataSync()[0];
      expect(Number.isFinite(m) && m > 0, `grad of ${n} is ${m}`).toBe(true);
    }
    expectNoLeak(() => method.loss(params, tensors, { training: true, seed: 1 }), 'beitLoss');
    tf.dispose([images, tokens, value, grads, tensors as never]);
    for (const v of Object.values(vars)) v.dispose();
  });

  test("the encoder never sees a branch's hidden patches: changing them leaves its pooled CLS unchanged", () => {
    // Changing pixels of patches hidden from A must not change A's encoder outputs.
    const method = createMethod(cfg);
    const params = method.init(V, createRng(0)) as Parameters<typeof splitMaskLoss>[0];
    const s = drawSplitIndices(1, 4, createRng(4), { mode: 'block', visibleFraction: 0.25 });
    const vis = tf.tensor2d(s.visible.slice(0, s.k), [1, s.k], 'int32');
    const x = tf.randomNormal([1, 8, 8, 1], 0, 1, 'float32', 9) as tf.Tensor4D;
    const hiddenPatch = s.missing[0];
    const [py, px] = [Math.floor(hiddenPatch / 4) * 2, (hiddenPatch % 4) * 2];
    const bump = tf.buffer([1, 8, 8, 1], 'float32');
    bump.set(5, 0, py, px, 0);
    const x2 = tf.add(x, bump.toTensor()) as tf.Tensor4D;
    const vit = toVitConfig(cfg.model);
    const d = tf.sub(
      vitEncode(params.encoder, x, vit, { visible: vis }),
      vitEncode(params.encoder, x2, vit, { visible: vis }),
    );
    expect(tf.max(tf.abs(d)).dataSync()[0]).toBeLessThan(1e-6);
    tf.dispose([vis, x, x2, d]);
  });
});
