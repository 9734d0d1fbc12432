import { createRng, InvalidArgumentError, ShapeError } from '@splitmask/core';
import { describeEachBackend, expectClose, expectNoLeak, loadJsonFixture } from '@splitmask/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { expect, test } from 'vitest';
import {
  type DinoHeadParams,
  dinoHead,
  initDinoHeadParams,
  resolveDinoHeadConfig,
  weightNormWeight,
} from './head';

interface Case {
  normLastLayer: boolean;
  dims: { in: number; hidden: number; bottleneck: number; out: number; batch: number };
  params: Record<string, { shape: number[]; data: number[] }>;
  x: number[];
  r: number[];
  out: number[];
  grads: Record<string, number[]>;
}
const fixture = loadJsonFixture<{ cases: Case[] }>(`${__dirname}/../..`, 'dino-head.json');

/** torch [out, in] (row-major) → ours [in, out]. */
function transposed(data: number[], [rows, cols]: number[]): tf.Tensor2D {
  return tf.tidy(() => tf.transpose(tf.tensor2d(data, [rows, cols])) as tf.Tensor2D);
}
function transposeHost(data: number[], rows: number, cols: number): number[] {
  const out = new Array<number>(data.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = data[i * cols + j];
  return out;
}

function paramsOf(c: Case): DinoHeadParams {
  const p = c.params;
  const mlp: DinoHeadParams['mlp'] = {};
  for (const k of ['0', '2', '4']) {
    mlp[k] = {
      weight: transposed(p[`mlp.${k}.weight`].data, p[`mlp.${k}.weight`].shape),
      bias: tf.tensor1d(p[`mlp.${k}.bias`].data),
    };
  }
  const v = p['last_layer.weight_v'];
  const last_layer: DinoHeadParams['last_layer'] = { weight_v: transposed(v.data, v.shape) };
  if (!c.normLastLayer) last_layer.weight_g = tf.tensor2d(p['last_layer.weight_g'].data, [1, c.dims.out]);
  return { mlp, last_layer };
}

describeEachBackend('dinoHead', () => {
  test.each(
    fixture.cases.map((c) => [c.normLastLayer ? 'norm_last_layer=True' : 'norm_last_layer=False', c]),
  )('matches PyTorch DINOHead forward and gradients (%s)', (_name, c) => {
    const cfg = resolveDinoHeadConfig({
      inDim: c.dims.in,
      outDim: c.dims.out,
      hiddenDim: c.dims.hidden,
      bottleneckDim: c.dims.bottleneck,
      normLastLayer: c.normLastLayer,
    });
    if (c.normLastLayer) expect(new Set(c.params['last_layer.weight_g'].data)).toEqual(new Set([1]));
    const params = paramsOf(c);
    const x = tf.tensor2d(c.x, [c.dims.batch, c.dims.in]);
    const r = tf.tensor2d(c.r, [c.dims.batch, c.dims.out]);
    const out = dinoHead(params, x, cfg);
    expectClose(out, tf.tensor2d(c.out, [c.dims.batch, c.dims.out]), {
      rtol: 1e-4,
      atol: 1e-5,
      label: 'out',
    });
    const flat: [string, tf.Tensor][] = [
      ...['0', '2', '4'].flatMap((k): [string, tf.Tensor][] => [
        [`mlp.${k}.weight`, params.mlp[k].weight],
        [`mlp.${k}.bias`, params.mlp[k].bias],
      ]),
      ['last_layer.weight_v', params.last_layer.weight_v],
      ...(params.last_layer.weight_g
        ? [['last_layer.weight_g', params.last_layer.weight_g] as [string, tf.Tensor]]
        : []),
    ];
    expect(Object.keys(c.grads).sort()).toEqual(flat.map(([n]) => n).sort());
    const grads = tf.grads((...ts: tf.Tensor[]) => {
      const p: DinoHeadParams = {
        mlp: {
          0: { weight: ts[0], bias: ts[1] },
          2: { weight: ts[2], bias: ts[3] },
          4: { weight: ts[4], bias: ts[5] },
        },
        last_layer: { weight_v: ts[6], weight_g: ts[7] },
      } as unknown as DinoHeadParams;
      return tf.sum(tf.mul(dinoHead(p, x, cfg), r));
    })(flat.map(([, t]) => t));
    flat.forEach(([name, t], i) => {
      const ref = c.grads[name];
      const expected =
        t.rank === 2 && name !== 'last_layer.weight_g'
          ? transposeHost(ref, t.shape[1] as number, t.shape[0])
          : ref;
      expectClose(grads[i], tf.tensor(expected, t.shape), { rtol: 1e-3, atol: 1e-5, label: `grad ${name}` });
    });
    tf.dispose([out, x, r, ...grads, ...flat.map(([, t]) => t)]);
  });

  test('no leak; output rows have the shape [B, K]', () => {
    const cfg = resolveDinoHeadConfig({
      inDim: 8,
      outDim: 12,
      hiddenDim: 6,
      bottleneckDim: 4,
      normLastLayer: false,
    });
    const p = initDinoHeadParams(cfg, createRng(0));
    const x = tf.randomNormal([3, 8], 0, 1, 'float32', 1) as tf.Tensor2D;
    expectNoLeak(() => dinoHead(p, x, cfg), 'dinoHead');
    expectNoLeak(() => weightNormWeight(p.last_layer.weight_v, p.last_layer.weight_g), 'weightNormWeight');
    const y = dinoHead(p, x, cfg);
    expect(y.shape).toEqual([3, 12]);
    tf.dispose([y, x, p as unknown as tf.Tensor[]]);
  });

  test('init: trunc-normal(0.02) MLP, zero biases, unit-norm columns after weight norm, weight_g only when trainable', async () => {
    const fixed = initDinoHeadParams(
      resolveDinoHeadConfig({ inDim: 16, outDim: 10, hiddenDim: 64, bottleneckDim: 8 }),
      createRng(1),
    );
    expect(fixed.last_layer.weight_g).toBeUndefined();
    const w = Array.from(await fixed.mlp['0'].weight.data());
    const std = Math.sqrt(w.reduce((a, v) => a + v * v, 0) / w.length);
    expect(std).toBeGreaterThan(0.015);
    expect(std).toBeLessThan(0.025);
    expect(Math.max(...(await fixed.mlp['2'].bias.data()).map(Math.abs))).toBe(0);
    const wn = weightNormWeight(fixed.last_layer.weight_v);
    const colNorms = await tf.sqrt(tf.sum(tf.square(wn), 0)).data();
    for (const n of colNorms) expect(n).toBeCloseTo(1, 5);
    const free = initDinoHeadParams(
      resolveDinoHeadConfig({ inDim: 16, outDim: 10, hiddenDim: 64, bottleneckDim: 8, normLastLayer: false }),
      createRng(1),
    );
    expect(await free.last_layer.weight_g?.data()).toEqual(new Float32Array(10).fill(1));
    tf.dispose([wn, fixed as unknown as tf.Tensor[], free as unknown as tf.Tensor[]]);
  });

  test('bad input shape and config are named', () => {
    const cfg = resolveDinoHeadConfig({ inDim: 8, outDim: 12, hiddenDim: 6, bottleneckDim: 4 });
    const p = initDinoHeadParams(cfg, createRng(0));
    const x = tf.zeros([2, 7]) as tf.Tensor2D;
    expect(() => dinoHead(p, x, cfg)).toThrow(ShapeError);
    expect(() => dinoHead(p, x, cfg)).toThrow(/D=8\], got \[2,7\]/);
    expect(() => resolveDinoHeadConfig({ inDim: 8, outDim: 0, nLayers: 1.5 })).toThrow(InvalidArgumentError);
    expect(() => resolveDinoHeadConfig({ inDim: 8, outDim: 0, nLayers: 1.5 })).toThrow(
      /outDim=0.*nLayers=1.5/,
    );
    tf.dispose([x, p as unknown as tf.Tensor[]]);
  });
});
