/**
 * Every built-in method passes the TrainMethod contract (test/method-contract.ts) on each backend.
 */
import { createRng } from '@splitmask/core';
import { describeEachBackend } from '@splitmask/test-utils';
import { methodContract } from '../../test/method-contract';
import { tinyConfig } from '../../test/tiny';
import { createRandomProjectionTokenizer } from '../deps';
import { DINO_TINY_CONFIG, resolveDinoConfig } from '../dino/config';
import { createDinoMethod } from '../methods/dino';
import { createMaskedMethod } from '../methods/masked';

let role = 0;
const pixels = (n: number, index: number) => {
  const rng = createRng(1000 + index);
  return Float32Array.from({ length: n }, () => rng.random());
};

describeEachBackend('TrainMethod contract', () => {
  for (const method of ['splitmask', 'beit'] as const) {
    // No drop-path here: a dropped block's weights get a zero gradient on purpose.
    const config = tinyConfig({ method, model: { dropPathRate: 0 } });
    const norm = { mean: [0.5], std: [0.25] };
    methodContract(method, {
      shape: [4, 8, 8, 1],
      batch: (i) => pixels(4 * 64, i),
      create: () => {
        const tokenizer = createRandomProjectionTokenizer({
          vocabSize: 16,
          patchSize: 2,
          channels: 1,
          seed: 1,
          normalization: norm,
        });
        const m = createMaskedMethod({ config, tokenizer, normalization: norm, role: `contract${role++}` });
        const dispose = m.dispose;
        return Object.assign(m, {
          dispose: () => {
            dispose.call(m);
            tokenizer.dispose();
          },
        });
      },
    });
  }
  const dino = resolveDinoConfig(
    { head: { normLastLayer: false }, optim: { freezeLastLayerEpochs: 0 }, model: { dropPathRate: 0 } },
    DINO_TINY_CONFIG,
  );
  methodContract('dino', {
    shape: [4, 16, 16, 1],
    batch: (i) => pixels(4 * 256, i),
    create: () =>
      createDinoMethod({
        config: dino,
        normalization: { mean: [0.5], std: [0.25] },
        role: `contract${role++}`,
      }),
  });
});
