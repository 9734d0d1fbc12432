import { describeEachBackend, expectCloseAsync, expectNoLeak } from '@splitmask/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { expect, expectTypeOf, test } from 'vitest';
import {
  disposeParams,
  flattenParams,
  paramShapes,
  stripRole,
  toVariables,
  type VariableTree,
  zerosLikeParams,
} from './tree';

describeEachBackend(
  'param tree helpers',
  (backend) => {
    test('zerosLikeParams keeps structure, shapes and dtypes; no leaks', async () => {
      const tree = { blocks: [{ w: tf.ones([2, 3]) }], idx: tf.tensor1d([1, 2], 'int32') };
      const z = zerosLikeParams(tree);
      expect(Object.keys(flattenParams(z))).toEqual(['blocks.0.w', 'idx']);
      await expectCloseAsync(z.blocks[0].w, tf.zeros([2, 3]));
      expect(z.idx.dtype).toBe('int32');
      expectNoLeak(() => zerosLikeParams(tree), 'zerosLikeParams');
      disposeParams(z);
      disposeParams(tree);
    });

    test('paramShapes and stripRole map Variable names back to timm names', async () => {
      const vars = toVariables(
        { head: { weight: tf.zeros([4, 2]) }, pos_embed: tf.zeros([1, 3, 4]) },
        `tree-${backend}`,
      );
      expect(paramShapes(vars)).toEqual({ 'head.weight': [4, 2], pos_embed: [1, 3, 4] });
      expect(stripRole(vars.head.weight.name)).toBe('head.weight');
      expect(stripRole('run/1/student/blocks.0.norm1.weight')).toBe('blocks.0.norm1.weight');
      expect(stripRole('pos_embed')).toBe('pos_embed');
      disposeParams(vars);
    });
  },
  { webgpu: true },
);

// Type-level (checked by `tsc`): a tree of Variables from `toVariables` is accepted where the tensor tree
// is, as in the vit README's `vitEncode(toVariables(initVitParams(cfg, rng), 'student'), images, cfg)`.
test('VariableTree keeps each leaf rank and is assignable to the tensor tree', () => {
  type Tree = { w: tf.Tensor2D; b?: tf.Tensor1D; blocks: { g: tf.Tensor3D }[] };
  expectTypeOf<VariableTree<Tree>['w']>().toEqualTypeOf<tf.Variable<tf.Rank.R2>>();
  expectTypeOf<VariableTree<Tree>>().toExtend<Tree>();
});
