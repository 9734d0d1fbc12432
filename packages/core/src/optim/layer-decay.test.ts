import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadJsonFixture } from '@splitmask/test-utils';
import { describe, expect, test } from 'vitest';
import { layerDecayScales, layerIdForVit } from './layer-decay';

const pkg = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const fx = loadJsonFixture<{
  cases: {
    numLayers: number;
    decay: number;
    layerIds: Record<string, number>;
    scales: Record<string, number>;
  }[];
}>(pkg, 'state_layer_decay.json');

describe('layer decay', () => {
  test.each(fx.cases.map((c) => [c.numLayers, c.decay, c] as const))(
    'L=%d decay=%d equals BEiT get_layer_id_for_vit and its scales',
    (_, __, c) => {
      const names = Object.keys(c.layerIds);
      expect(Object.fromEntries(names.map((n) => [n, layerIdForVit(n, c.numLayers)]))).toEqual(c.layerIds);
      const scales = layerDecayScales(names, c.numLayers, c.decay);
      for (const n of names) {
        expect(Math.abs(scales[n] - c.scales[n]), n).toBeLessThanOrEqual(1e-15 * c.scales[n]);
      }
    },
  );

  test('role prefixes are ignored; out-of-range blocks and bad arguments are named', () => {
    expect(layerIdForVit('student/blocks.2.norm1.weight', 12)).toBe(3);
    expect(() => layerIdForVit('blocks.12.norm1.weight', 12)).toThrow(
      /'blocks.12.norm1.weight' is not a block of a 12-layer ViT/,
    );
    expect(() => layerDecayScales(['head.weight'], 12, 0)).toThrow(/decay must be in \(0, 1\], got 0/);
    expect(() => layerDecayScales(['head.weight'], -1, 0.5)).toThrow(/numLayers/);
    expect(layerDecayScales(['head.weight', 'patch_embed.proj.weight'], 2, 0.5)).toEqual({
      'head.weight': 1,
      'patch_embed.proj.weight': 0.125,
    });
  });
});
