import { InvalidArgumentError } from '@splitmask/core';
import { describe, expect, test } from 'vitest';
import { resolveVitConfig, VIT_VARIANTS, VitConfigError, vitDims } from './config';

describe('resolveVitConfig', () => {
  test.each(Object.keys(VIT_VARIANTS) as (keyof typeof VIT_VARIANTS)[])(
    'variant %s resolves, frozen',
    (name) => {
      const cfg = resolveVitConfig(name);
      expect(cfg).toEqual(VIT_VARIANTS[name]);
      expect(Object.isFrozen(cfg)).toBe(true);
    },
  );

  test('timm sizes', () => {
    expect(vitDims(resolveVitConfig('S/16'))).toEqual({
      gridSize: 14,
      numPatches: 196,
      patchDim: 768,
      headDim: 64,
      mlpHidden: 1536,
    });
    expect(resolveVitConfig('B/16').embedDim).toBe(768);
    expect(vitDims(resolveVitConfig('Ti/4@28')).numPatches).toBe(49);
  });

  test('overrides apply and fcNorm follows pool unless given', () => {
    expect(resolveVitConfig('mu', { pool: 'mean' }).fcNorm).toBe(true);
    expect(resolveVitConfig('mu', { pool: 'mean', fcNorm: false }).fcNorm).toBe(false);
    const resolved = resolveVitConfig('mu');
    expect(resolveVitConfig(resolved, { pool: 'mean' }).fcNorm).toBe(true);
    expect(resolveVitConfig(resolveVitConfig(resolved, { pool: 'mean' }), { depth: 2 }).fcNorm).toBe(true);
    expect(resolveVitConfig({ ...resolved, pool: 'mean', fcNorm: false }, { depth: 2 }).fcNorm).toBe(false);
    expect(resolveVitConfig('S/16', { numClasses: 1000 }).numClasses).toBe(1000);
    const partial = resolveVitConfig({ imageSize: 32, patchSize: 4, embedDim: 64, depth: 2, numHeads: 2 });
    expect(partial).toMatchObject({
      inChans: 3,
      qkvBias: true,
      layerNormEps: 1e-6,
      pool: 'cls',
      fcNorm: false,
    });
  });

  test('reports every bad field at once, naming values', () => {
    let err: unknown;
    try {
      resolveVitConfig('mu', { imageSize: 18, numHeads: 3, dropPathRate: 1.5, pool: 'max' as 'cls' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(VitConfigError);
    expect(err).toBeInstanceOf(InvalidArgumentError);
    const e = err as VitConfigError;
    expect(e.fields).toEqual(expect.arrayContaining(['imageSize', 'embedDim', 'dropPathRate', 'pool']));
    expect(e.message).toMatch(/imageSize: expected a multiple of patchSize=4, got 18/);
    expect(e.message).toMatch(/embedDim: expected a multiple of numHeads=3, got 32/);
  });

  test.each([
    [{ depth: 0 }, /depth: expected a positive integer, got 0/],
    [{ posEmbed: 'sincos', embedDim: 30, numHeads: 2 }, /multiple of 4 for posEmbed 'sincos'/],
    [{ foo: 1 } as object, /foo: unknown field/],
    [{ numClasses: -1 }, /numClasses/],
  ])('rejects %o', (o, re) => {
    expect(() => resolveVitConfig('mu', o as object)).toThrow(re);
  });

  test('unknown variant', () => {
    expect(() => resolveVitConfig('XL/2' as 'mu')).toThrow(/unknown variant 'XL\/2'/);
  });
});
