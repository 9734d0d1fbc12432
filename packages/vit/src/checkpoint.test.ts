import {
  createRng,
  decodeSafetensors,
  disposeParams,
  encodeSafetensors,
  fromTfTensors,
  toTfTensors,
} from '@splitmask/core';
import { describeEachBackend, expectClose } from '@splitmask/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { expect, test } from 'vitest';
import { CheckpointMismatchError, fromTimmStateDict, toTimmStateDict } from './checkpoint';
import { resolveVitConfig } from './config';
import { vitEncode } from './encode';
import { initVitParams } from './init';
import { interpolatePosEmbed } from './pos-embed';

describeEachBackend('timm checkpoints', () => {
  const cfg = resolveVitConfig('mu', { numClasses: 4 });

  test('round trip keeps values; Linear and conv weights use timm layouts', () => {
    const p = initVitParams(cfg, createRng(0));
    const sd = toTimmStateDict(p, cfg);
    expect(sd['blocks.0.mlp.fc1.weight'].shape).toEqual([128, 32]);
    expect(sd['patch_embed.proj.weight'].shape).toEqual([32, 1, 4, 4]);
    // conv weight [d, c, py, px] is the Linear row (py·p + px)·C + c
    expect((sd['patch_embed.proj.weight'].arraySync() as number[][][][])[3][0][1][2]).toBeCloseTo(
      (p.patch_embed.proj.weight.arraySync() as number[][])[1 * 4 + 2][3],
      7,
    );
    const back = fromTimmStateDict(sd, cfg);
    const x = tf.randomUniform([1, 16, 16, 1], 0, 1, 'float32', 1) as tf.Tensor4D;
    expectClose(vitEncode(back, x, cfg), vitEncode(p, x, cfg), { rtol: 0, atol: 0 });
    disposeParams([p, sd, back]);
  });

  test('safetensors file round trip through core (timm names and layouts on disk)', async () => {
    const p = initVitParams(cfg, createRng(3));
    const sd = toTimmStateDict(p, cfg);
    const bytes = encodeSafetensors(await fromTfTensors(sd), { format: 'pt' });
    const { tensors } = decodeSafetensors(bytes);
    expect(tensors['blocks.0.attn.qkv.weight'].shape).toEqual([96, 32]);
    expect(tensors['patch_embed.proj.weight'].dtype).toBe('F32');
    const loaded = toTfTensors(tensors);
    const back = fromTimmStateDict(loaded, cfg);
    const x = tf.randomUniform([2, 16, 16, 1], 0, 1, 'float32', 2) as tf.Tensor4D;
    expectClose(vitEncode(back, x, cfg), vitEncode(p, x, cfg), { rtol: 0, atol: 0 });
    disposeParams([p, sd, loaded, back]);
  });

  test('mismatch lists every missing, unexpected and mis-shaped key', () => {
    const p = initVitParams(cfg, createRng(0));
    const sd = toTimmStateDict(p, cfg);
    const bad = { ...sd, 'decoder.mask_token': tf.zeros([1]), 'head.weight': tf.zeros([5, 32]) } as Record<
      string,
      tf.Tensor
    >;
    delete bad.cls_token;
    delete bad['blocks.0.norm1.bias'];
    let err: CheckpointMismatchError | undefined;
    try {
      fromTimmStateDict(bad, cfg);
    } catch (e) {
      err = e as CheckpointMismatchError;
    }
    expect(err).toBeInstanceOf(CheckpointMismatchError);
    expect(err!.missing).toEqual(['cls_token', 'blocks.0.norm1.bias']);
    expect(err!.unexpected).toEqual(['decoder.mask_token']);
    expect(err!.mismatched).toEqual(['head.weight [5,32] (expected [4,32])']);
    expect(err!.message).toMatch(
      /missing 2: cls_token, blocks.0.norm1.bias; unexpected 1: decoder.mask_token/,
    );
    const extra = { ...sd, 'decoder.mask_token': tf.zeros([1]) };
    disposeParams(fromTimmStateDict(extra, cfg, { allowUnexpected: true }));
    disposeParams([p, sd]);
  });

  test('BEiT spellings: gamma_1/gamma_2 and q_bias/v_bias (k bias zero)', () => {
    const c = resolveVitConfig(cfg, { layerScaleInit: 0.1 });
    const p = initVitParams(c, createRng(1));
    const sd = toTimmStateDict(p, c);
    const beit: Record<string, tf.Tensor> = {};
    for (const [k, t] of Object.entries(sd)) {
      if (k.endsWith('ls1.gamma')) beit[k.replace('ls1.gamma', 'gamma_1')] = t;
      else if (k.endsWith('ls2.gamma')) beit[k.replace('ls2.gamma', 'gamma_2')] = t;
      else if (k.endsWith('qkv.bias')) {
        beit[k.replace('qkv.bias', 'q_bias')] = tf.fill([32], 0.5);
        beit[k.replace('qkv.bias', 'v_bias')] = tf.fill([32], -0.5);
      } else beit[k] = t;
    }
    const back = fromTimmStateDict(beit, c);
    const bias = back.blocks[0].attn.qkv.bias!.dataSync();
    expect([bias[0], bias[32], bias[64]]).toEqual([0.5, 0, -0.5]);
    expectClose(back.blocks[0].ls1!.gamma, p.blocks[0].ls1!.gamma, { rtol: 0, atol: 0 });
    disposeParams([p, sd, beit, back]);
  });

  test('resizePosEmbed resamples a checkpoint trained at another resolution', () => {
    const small = resolveVitConfig(cfg, { imageSize: 12 });
    const p = initVitParams(small, createRng(2));
    const sd = toTimmStateDict(p, small);
    expect(() => fromTimmStateDict(sd, cfg)).toThrow(/pos_embed \[1,10,32\] \(expected \[1,17,32\]\)/);
    const back = fromTimmStateDict(sd, cfg, { resizePosEmbed: true });
    expectClose(back.pos_embed!, interpolatePosEmbed(p.pos_embed!, 4), { rtol: 0, atol: 0 });
    disposeParams([p, sd, back]);
  });
});
