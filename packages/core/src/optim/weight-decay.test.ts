import { describeEachBackend } from '@splitmask/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { expect, test } from 'vitest';
import { defaultNoWeightDecay, paramNamesWithoutDecay } from './weight-decay';

describeEachBackend(
  'weight-decay mask',
  () => {
    test.each<[string, number[], boolean]>([
      ['blocks.0.attn.qkv.weight', [8, 24], false],
      ['blocks.0.attn.qkv.bias', [24], true],
      ['patch_embed.proj.bias', [8], true],
      ['blocks.0.norm1.weight', [8], true],
      ['fc_norm.weight', [8], true],
      ['decoder.norm.weight', [1, 8], true],
      ['pos_embed', [1, 5, 8], true],
      ['decoder_pos_embed', [1, 5, 8], true],
      ['cls_token', [1, 1, 8], true],
      ['decoder.mask_token', [1, 1, 8], true],
      ['student/mask_token', [1, 1, 8], true],
      ['head.weight', [8, 10], false],
      ['patch_embed.proj.weight', [48, 8], false],
    ])('%s %o → no decay: %s', (name, shape, want) => {
      expect(defaultNoWeightDecay(name, shape)).toBe(want);
    });

    test('paramNamesWithoutDecay lists exempt leaves of a tree in flatten order', () => {
      const tree = {
        cls_token: tf.zeros([1, 1, 4]),
        blocks: [{ attn: { qkv: { weight: tf.zeros([4, 12]), bias: tf.zeros([12]) } } }],
        head: { weight: tf.zeros([4, 2]) },
      };
      expect(paramNamesWithoutDecay(tree)).toEqual(['cls_token', 'blocks.0.attn.qkv.bias']);
      expect(paramNamesWithoutDecay(tree, (n) => n.startsWith('head'))).toEqual(['head.weight']);
      tf.dispose([
        tree.cls_token,
        tree.blocks[0].attn.qkv.weight,
        tree.blocks[0].attn.qkv.bias,
        tree.head.weight,
      ]);
    });
  },
  { webgpu: true },
);
