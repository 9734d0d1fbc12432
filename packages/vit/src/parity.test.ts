/**
 * Parity with a PyTorch ViT that is module-for-module timm's VisionTransformer (cross-checked against
 * torchvision's; tools/fixtures_vit.py), loaded through `fromTimmStateDict`.
 */
import { describeEachBackend, expectClose, expectNoLeak } from '@splitmask/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type Fixture, readFixture } from '../test/read-safetensors';
import { fromTimmStateDict, toTimmStateDict } from './checkpoint';
import { resolveVitConfig, type VitConfig } from './config';
import { vitEncode, vitEncodeWithIntermediates } from './encode';
import { poolFeatures, vitClassify, vitFeatures } from './pool';
import { interpolatePosEmbed, sincosPosEmbed2d } from './pos-embed';
import type { VitParams } from './types';

const TOL = { rtol: 1e-4, atol: 1e-4 };

describe.each(['mu', 'two'])('fixture %s', (name) => {
  describeEachBackend(`timm parity ${name}`, () => {
    let fx: Fixture;
    let cfg: VitConfig;
    let params: VitParams;
    let images: tf.Tensor4D;
    beforeAll(() => {
      fx = readFixture(`vit_${name}.safetensors`);
      cfg = resolveVitConfig(fx.config as Partial<VitConfig>);
      params = fromTimmStateDict(fx.group('sd'), cfg);
      images = fx.tensors['in.images'] as tf.Tensor4D;
    });
    afterAll(() => {
      fx.dispose();
      tf.dispose(Object.values(toFlat(params)));
    });
    const out = (k: string) => fx.tensors[`out.${k}`];

    test('tokens, pooled features and logits', () => {
      const tokens = vitEncode(params, images, cfg);
      expectClose(tokens, out('tokens'), { ...TOL, label: 'tokens' });
      expectClose(poolFeatures(tokens, cfg.pool, params.fc_norm), out('pooled'), { ...TOL, label: 'pooled' });
      expectClose(vitFeatures(params, images, cfg), out('pooled'), { ...TOL, label: 'features' });
      expectClose(vitClassify(params, images, cfg), out('logits'), { ...TOL, label: 'logits' });
      tf.dispose(tokens);
    });

    test('intermediate layer and attention map', () => {
      const r = vitEncodeWithIntermediates(params, images, cfg, { layers: [0], attentionLayers: [-1] });
      expectClose(r.layers[0], out('layer0'), { ...TOL, label: 'layer0' });
      expectClose(r.attention[0], out('attn_last'), { ...TOL, label: 'attention' });
      tf.dispose(r as unknown as tf.TensorContainer);
    });

    test('subset encoding equals the reference on gathered tokens', () => {
      const visible = fx.tensors['in.visible'] as tf.Tensor2D;
      expectClose(vitEncode(params, images, cfg, { visible }), out('subset_tokens'), {
        ...TOL,
        label: 'subset',
      });
    });

    test('gradients of sum(logits * w) match torch', () => {
      const w = fx.tensors['in.loss_w'];
      const flat = toFlat(params);
      const names = Object.keys(flat);
      const grads = tf.grads((...xs: tf.Tensor[]) => {
        const p = fromFlat(params, names, xs);
        return tf.sum(tf.mul(vitClassify(p, images, cfg), w));
      })(names.map((n) => flat[n]));
      const gradTree = fromFlat(params, names, grads);
      const timmGrads = toTimmStateDict(gradTree, cfg);
      const expected = fx.group('grad');
      expect(Object.keys(expected).length).toBeGreaterThan(5);
      for (const [k, g] of Object.entries(expected)) {
        expectClose(timmGrads[k], g, { rtol: 1e-4, atol: 2e-4, label: `grad ${k}` });
      }
      tf.dispose([...grads, ...Object.values(timmGrads)]);
    });

    test('toTimmStateDict round-trips the checkpoint exactly', () => {
      const sd = toTimmStateDict(params, cfg);
      const ref = fx.group('sd');
      expect(Object.keys(sd).sort()).toEqual(Object.keys(ref).sort());
      for (const [k, t] of Object.entries(ref)) expectClose(sd[k], t, { rtol: 0, atol: 0, label: k });
      tf.dispose(Object.values(sd));
      expectNoLeak(() => toTimmStateDict(params, cfg), 'toTimmStateDict');
      expectNoLeak(() => fromTimmStateDict(fx.group('sd'), cfg), 'fromTimmStateDict');
    });

    test('sin-cos table and bicubic pos-embed resampling (antialias: false) match MAE / torch', () => {
      const g = cfg.imageSize / cfg.patchSize;
      expectClose(sincosPosEmbed2d(cfg.embedDim, g), fx.tensors['ref.sincos'], { rtol: 1e-6, atol: 1e-6 });
      const pe = params.pos_embed!;
      expectClose(interpolatePosEmbed(pe, 6, { antialias: false }), fx.tensors['ref.interp_6x6'], {
        ...TOL,
        label: '6x6',
      });
      expectClose(interpolatePosEmbed(pe, [3, 5], { antialias: false }), fx.tensors['ref.interp_3x5'], {
        ...TOL,
        label: '3x5',
      });
      expectClose(interpolatePosEmbed(pe, g), pe, { rtol: 1e-6, atol: 1e-7, label: 'identity' });
      expectNoLeak(() => interpolatePosEmbed(pe, 6), 'interpolatePosEmbed');
    });
  });
});

function toFlat(p: VitParams): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  const visit = (node: unknown, path: string) => {
    if (node instanceof tf.Tensor) out[path] = node;
    else if (node && typeof node === 'object')
      for (const [k, c] of Object.entries(node)) visit(c, path ? `${path}.${k}` : k);
  };
  visit(p, '');
  return out;
}

/** Same tree structure as `like`, leaves replaced by `xs` in `names` order. */
function fromFlat(like: VitParams, names: string[], xs: tf.Tensor[]): VitParams {
  const clone = structuredClone(
    JSON.parse(JSON.stringify(like, (_k, v) => (v instanceof tf.Tensor ? null : v))),
  ) as Record<string, unknown>;
  names.forEach((n, i) => {
    const parts = n.split('.');
    let node = clone as Record<string, unknown>;
    for (const p of parts.slice(0, -1)) node = node[p] as Record<string, unknown>;
    node[parts[parts.length - 1]] = xs[i];
  });
  return clone as unknown as VitParams;
}
