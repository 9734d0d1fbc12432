import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng, disposeParams, encodeSafetensors, flattenParams, fromTfTensors } from '@splitmask/core';
import { describeEachBackend, expectClose } from '@splitmask/test-utils';
import { initVitParams, resolveVitConfig } from '@splitmask/vit';
import * as tf from '@tensorflow/tfjs-core';
import { expect, test } from 'vitest';
import { EvalCheckpointError, loadEncoderCheckpoint, saveEncoderTimm } from './checkpoint';

const model = {
  imageSize: 16,
  patchSize: 4,
  inChans: 1,
  embedDim: 32,
  depth: 2,
  numHeads: 2,
  mlpRatio: 4,
  dropPathRate: 0,
};
const cfg = resolveVitConfig({ ...model, qkvBias: true, posEmbed: 'learned', pool: 'cls' });

async function expectSameParams(a: object, b: object) {
  const fa = flattenParams(a);
  const fb = flattenParams(b);
  expect(Object.keys(fb).sort()).toEqual(Object.keys(fa).sort());
  for (const k of Object.keys(fa))
    expectClose(fb[k] as tf.Tensor, await (fa[k] as tf.Tensor).data(), { atol: 0, label: k });
}

describeEachBackend('loadEncoderCheckpoint', () => {
  test('trainer checkpoint: run folder → newest step, params.encoder.* in memory layout, config from state.json', async () => {
    const run = mkdtempSync(join(tmpdir(), 'eval-ckpt-'));
    const enc = initVitParams(cfg, createRng(1));
    for (const [step, p] of [
      [3, initVitParams(cfg, createRng(9))],
      [12, enc],
    ] as const) {
      const dir = join(run, `step-${String(step).padStart(8, '0')}`);
      mkdirSync(dir);
      const tensors: Record<string, tf.Tensor> = {};
      for (const [n, t] of Object.entries(flattenParams(p))) tensors[`params.encoder.${n}`] = t;
      tensors['params.decoder.x'] = tf.zeros([2]);
      writeFileSync(join(dir, 'tensors.safetensors'), encodeSafetensors(await fromTfTensors(tensors)));
      writeFileSync(join(dir, 'state.json'), JSON.stringify({ step, config: { model } }));
    }
    const got = loadEncoderCheckpoint(run);
    expect(got.format).toBe('trainer');
    expect(got.path.endsWith('step-00000012')).toBe(true);
    expect(got.cfg.depth).toBe(2);
    await expectSameParams(enc, got.params);
    disposeParams(got.params);
  });

  test('timm safetensors round trip with vit_config metadata; missing config is named', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eval-timm-'));
    const enc = initVitParams(cfg, createRng(2));
    const file = join(dir, 'vit.safetensors');
    await saveEncoderTimm(file, enc, cfg);
    const got = loadEncoderCheckpoint(file);
    expect(got.format).toBe('timm');
    await expectSameParams(enc, got.params);
    disposeParams([enc, got.params]);
    const bare = join(dir, 'bare.safetensors');
    writeFileSync(bare, encodeSafetensors({ x: { dtype: 'F32', shape: [1], data: Float32Array.of(1) } }));
    expect(() => loadEncoderCheckpoint(bare)).toThrow(/bare.safetensors has no vit_config metadata/);
  });
});

test('the CLI run folder (holding checkpoints/) works, as do checkpoints/ and the step folder', async () => {
  await (await import('@splitmask/test-utils')).useBackend('cpu');
  const run = mkdtempSync(join(tmpdir(), 'eval-run-'));
  const enc = initVitParams(cfg, createRng(4));
  const dir = join(run, 'checkpoints', 'step-00000007');
  mkdirSync(dir, { recursive: true });
  const tensors: Record<string, tf.Tensor> = {};
  for (const [n, t] of Object.entries(flattenParams(enc))) tensors[`params.encoder.${n}`] = t;
  writeFileSync(join(dir, 'tensors.safetensors'), encodeSafetensors(await fromTfTensors(tensors)));
  writeFileSync(join(dir, 'state.json'), JSON.stringify({ step: 7, config: { model } }));
  writeFileSync(join(run, 'log.jsonl'), '');
  for (const p of [run, join(run, 'checkpoints'), dir, join(dir, 'tensors.safetensors')]) {
    const got = loadEncoderCheckpoint(p);
    expect(got.path).toBe(dir);
    await expectSameParams(enc, got.params);
    disposeParams(got.params);
  }
  // a broken newest checkpoint is reported with its path, not skipped
  const broken = join(run, 'checkpoints', 'step-00000009');
  mkdirSync(broken);
  writeFileSync(join(broken, 'state.json'), '{"step": 9, "con');
  expect(() => loadEncoderCheckpoint(run)).toThrow(EvalCheckpointError);
  expect(() => loadEncoderCheckpoint(run)).toThrow(
    new RegExp(`${broken}/state.json: not a valid checkpoint state`),
  );
  writeFileSync(join(broken, 'state.json'), JSON.stringify({ step: 9, config: { model } }));
  expect(() => loadEncoderCheckpoint(run)).toThrow(new RegExp(`${broken}/tensors.safetensors is missing`));
  writeFileSync(join(broken, 'tensors.safetensors'), 'garbage!');
  expect(() => loadEncoderCheckpoint(run)).toThrow(new RegExp(`${broken}/tensors.safetensors: `));
  disposeParams(enc);
});

test('missing path / empty folder are named', () => {
  expect(() => loadEncoderCheckpoint('/nonexistent/ck')).toThrow(
    /checkpoint \/nonexistent\/ck does not exist/,
  );
  const empty = mkdtempSync(join(tmpdir(), 'eval-empty-'));
  expect(() => loadEncoderCheckpoint(empty)).toThrow(/without state.json or step-XXXXXXXX/);
});
