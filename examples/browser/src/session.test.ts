import { readFileSync } from 'node:fs';
import { decodeSafetensors, InvalidArgumentError, SplitmaskError } from '@splitmask/core';
import { knnClassify } from '@splitmask/eval';
import { encodeFeatures, imagesOf, toVitConfig } from '@splitmask/splitmask';
import { describeEachBackend, expectNoLeakAsync } from '@splitmask/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { expect, test } from 'vitest';
import { demoConfig } from './config';
import { decodeSubset, takeImages } from './data';
import { createKnnMonitor } from './knn';
import { runParityCase } from './parity';
import { createSession, peekCheckpoint } from './session';

const bundled = decodeSubset(
  new Uint8Array(readFileSync(new URL('../public/fashion-mnist-512.bin', import.meta.url))),
);
const images = takeImages(bundled, 64);
const config = demoConfig({ size: 'tiny', tokenizer: 'kmeans', steps: 12, batchSize: 16, seed: 1 });

// webgpu (Dawn in Node) opts in: everything here reads tensors with await data().
describeEachBackend(
  'browser session',
  (backend) => {
    test('SplitMask loss decreases over a few steps; memory is flat after step 2', async () => {
      const s = await createSession({ config, images });
      try {
        const events = [];
        for (let i = 0; i < 8; i++) events.push(await s.trainStep());
        for (const e of events) {
          for (const k of ['total', 'mim', 'nce', 'nceAcc'])
            expect(Number.isFinite(e.parts[k]), k).toBe(true);
        }
        const first = (events[0].parts.total + events[1].parts.total) / 2;
        const last = (events[6].parts.total + events[7].parts.total) / 2;
        expect(last, `${backend}: loss ${first} → ${last}`).toBeLessThan(first);
        expect(events[7].numTensors).toBe(events[2].numTensors);
      } finally {
        s.dispose();
      }
    });

    test('a checkpoint resumes exactly (bit-identical on cpu/wasm): params, moments, step, tokenizer', async () => {
      const a = await createSession({ config, images });
      const b0 = await createSession({ config, images });
      try {
        for (let i = 0; i < 3; i++) await a.trainStep();
        for (let i = 0; i < 3; i++) await b0.trainStep();
        const bytes = await b0.checkpoint();
        expect(peekCheckpoint(bytes)).toEqual({ step: 3, fingerprint: a.fingerprint });
        b0.dispose();
        const b = await createSession({ config, images, checkpoint: bytes });
        try {
          expect(b.step).toBe(3);
          const ea = await a.trainStep();
          const eb = await b.trainStep();
          expect(eb.step).toBe(4);
          if (backend === 'webgpu') {
            // GPU reductions are not bit-reproducible across sessions: same values to float32 noise
            for (const k of Object.keys(ea.parts)) expect(eb.parts[k]).toBeCloseTo(ea.parts[k], 5);
          } else expect(eb.parts).toEqual(ea.parts);
        } finally {
          b.dispose();
        }
      } finally {
        a.dispose();
        b0.dispose();
      }
    });

    test('session create/step/dispose leaves no tensors behind', async () => {
      await expectNoLeakAsync(async () => {
        const s = await createSession({ config, images });
        await s.trainStep();
        await s.checkpoint();
        await s.exportTimm();
        s.dispose();
      });
    });

    test('k-NN monitor: a finite percentage in [0, 100], no tensors left behind', async () => {
      const s = await createSession({ config, images });
      try {
        const monitor = createKnnMonitor(bundled, { bankSize: 96, querySize: 32 });
        const before = await monitor.evaluate(s);
        for (let i = 0; i < 2; i++) await s.trainStep();
        const n = tf.memory().numTensors;
        const after = await monitor.evaluate(s);
        expect(tf.memory().numTensors).toBe(n);
        expect([before.step, after.step]).toEqual([0, 2]);
        for (const p of [before, after]) {
          expect(Number.isFinite(p.top1) && p.top1 >= 0 && p.top1 <= 100, JSON.stringify(p)).toBe(true);
          expect(p.top5).toBeGreaterThanOrEqual(p.top1);
          expect(p.top5).toBeLessThanOrEqual(100);
          // 32 queries: accuracies are multiples of 100/32
          expect((p.top1 * 32) / 100).toBeCloseTo(Math.round((p.top1 * 32) / 100), 6);
        }
        // far above chance (10 %) even for a random tiny encoder on Fashion-MNIST pixels
        expect(before.top1).toBeGreaterThan(25);
      } finally {
        s.dispose();
      }
    });

    test('parity case: finite parts and gradients', async () => {
      const r = await runParityCase(bundled);
      expect(r.backend).toBe(backend);
      expect(Number.isFinite(r.parts.total) && r.parts.total > 0, JSON.stringify(r)).toBe(true);
      expect(r.gradNorm).toBeGreaterThan(0);
    });
  },
  { webgpu: true },
);

test('parity case agrees across cpu and wasm', async () => {
  const { useBackend } = await import('@splitmask/test-utils');
  await useBackend('cpu');
  const cpu = await runParityCase(bundled);
  await useBackend('wasm');
  const wasm = await runParityCase(bundled);
  for (const k of ['total', 'mim', 'nce']) expect(wasm.parts[k]).toBeCloseTo(cpu.parts[k], 4);
  expect(Math.abs(wasm.gradNorm - cpu.gradNorm) / cpu.gradNorm).toBeLessThan(1e-3);
});

test('k-NN monitor = splitmask encodeFeatures (mean-pooled, normalised) + DINO k-NN on the same split', async () => {
  const s = await createSession({ config, images });
  try {
    await s.trainStep();
    const monitor = createKnnMonitor(bundled, { bankSize: 64, querySize: 40, k: 10 });
    const got = await monitor.evaluate(s);
    const vit = toVitConfig(config.model);
    const idx = (a: number, n: number) => Array.from({ length: n }, (_, i) => a + i);
    const labels = bundled.labels as Int32Array;
    const bankF = encodeFeatures(
      s.params.encoder,
      imagesOf(bundled, idx(0, 64), 28),
      64,
      vit,
      s.source.normalization,
    );
    const queryF = encodeFeatures(
      s.params.encoder,
      imagesOf(bundled, idx(472, 40), 28),
      40,
      vit,
      s.source.normalization,
    );
    try {
      const want = await knnClassify(bankF, labels.subarray(0, 64), queryF, labels.subarray(472), {
        numClasses: 10,
        k: 10,
      });
      expect(got.top1).toBe(want.top1);
      expect(got.top5).toBe(want.top5);
    } finally {
      tf.dispose([bankF, queryF]);
    }
  } finally {
    s.dispose();
  }
});

test('k-NN monitor refuses unlabelled images and a split larger than the set, naming the sizes', () => {
  const { labels: _, ...unlabelled } = takeImages(bundled, 64);
  expect(() => createKnnMonitor(unlabelled)).toThrow(InvalidArgumentError);
  expect(() => createKnnMonitor(unlabelled)).toThrow(/no labels for 64 images/);
  expect(() => createKnnMonitor(bundled, { bankSize: 400, querySize: 200 })).toThrow(
    /bankSize 400 \+ querySize 200 exceeds the 512 images/,
  );
  expect(() => createKnnMonitor(bundled, { bankSize: 8, querySize: 8 })).toThrow(/≥ k \(20\)/);
});

test('export is a timm-named state dict with [out, in] linear weights', async () => {
  const s = await createSession({ config, images });
  try {
    const { tensors, metadata } = decodeSafetensors(await s.exportTimm());
    expect(metadata.format).toBe('pt');
    const d = config.model.embedDim;
    expect(tensors['blocks.0.attn.qkv.weight'].shape).toEqual([3 * d, d]);
    expect(tensors['patch_embed.proj.weight'].shape).toEqual([d, 1, 7, 7]);
    expect(tensors.cls_token.shape).toEqual([1, 1, d]);
    expect(Object.keys(tensors).some((k) => k.startsWith('decoder'))).toBe(false);
  } finally {
    s.dispose();
  }
});

test('a checkpoint of another config is refused, naming both fingerprints', async () => {
  const s = await createSession({ config, images });
  const bytes = await s.checkpoint();
  s.dispose();
  const other = demoConfig({ size: 'tiny', tokenizer: 'kmeans', steps: 12, batchSize: 8, seed: 1 });
  await expect(createSession({ config: other, images, checkpoint: bytes })).rejects.toThrow(SplitmaskError);
  await expect(createSession({ config: other, images, checkpoint: bytes })).rejects.toThrow(/fingerprint/);
});

test('decodeSubset rejects a truncated file, naming its size', () => {
  const bytes = new Uint8Array(readFileSync(new URL('../public/fashion-mnist-512.bin', import.meta.url)));
  expect(() => decodeSubset(bytes.subarray(0, 1000))).toThrow(/1000 bytes/);
  expect(bundled.count).toBe(512);
  expect(Array.from(bundled.labels?.subarray(0, 12) ?? [])).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
});
