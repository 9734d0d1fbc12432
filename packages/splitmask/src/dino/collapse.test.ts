/**
 * Issue 11: a short DINO run on the synthetic dataset does not collapse. The measured curves and the
 * settings study behind these thresholds are in docs/dino.md ("Measured on syntheticShapes").
 */
import { syntheticShapes } from '@splitmask/datasets';
import { describeEachBackend } from '@splitmask/test-utils';
import { expect, test } from 'vitest';
import { computeNormalization, createArraySource, type ImageArray, type ImageSource } from '../source';
import { DINO_TINY_CONFIG, type DinoConfigInput, resolveDinoConfig } from './config';
import type { DinoMonitors } from './monitors';
import { createDinoTrainer } from './trainer';

/** 256 grey 16 px images of syntheticShapes' 10 classes, normalised with their own mean/std. */
async function shapesSource(): Promise<ImageSource> {
  const n = 256;
  const size = 16;
  const ds = syntheticShapes({ n, size, channels: 1, seed: 0 });
  const pixels = new Uint8Array(n * size * size);
  for (let i = 0; i < n; i++) pixels.set((await ds.get(i)).image.data, i * size * size);
  const data: ImageArray = { pixels, count: n, size, channels: 1 };
  return createArraySource(data, { imageSize: size, seed: 0, normalization: computeNormalization(data) });
}

/** Runs a tiny DINO on the source and returns the monitors with their step. */
async function monitorCurve(
  source: ImageSource,
  input: DinoConfigInput,
  role: string,
): Promise<{ logK: number; curve: (DinoMonitors & { step: number })[] }> {
  const config = resolveDinoConfig(input, DINO_TINY_CONFIG);
  const trainer = await createDinoTrainer({ config, source, role });
  const curve: (DinoMonitors & { step: number })[] = [];
  try {
    for (let i = 0; i < config.train.steps; i++) {
      const e = await trainer.trainStep();
      if (e.monitors) curve.push({ step: e.step, ...e.monitors });
    }
  } finally {
    trainer.dispose();
  }
  return { logK: Math.log(config.head.outDim), curve };
}

// Batch 16, 15 steps per "epoch" (last layer frozen for the first 15 steps), K = 64 (log K = 4.16).
const train = { batchSize: 16, stepsPerEpoch: 15, logEvery: 20 };
/** DINO's recommendations for a short run: its base LR 5e-4 per 256 images, teacher momentum 0.99. */
const SHORT_RUN: DinoConfigInput = {
  optim: { lr: 5e-4, momentumTeacher: 0.99 },
  train: { ...train, steps: 200 },
};

describeEachBackend('DINO on syntheticShapes', (backend) => {
  // A 200-step loop: wasm only (the step's numerics are checked on every backend in step.test.ts).
  const loopTest = test.skipIf(backend === 'cpu');

  loopTest(
    'a short run does not collapse: teacher entropy stays away from 0 and from log K',
    async () => {
      const source = await shapesSource();
      const { logK, curve } = await monitorCurve(source, SHORT_RUN, 'dino-collapse-ok');
      // From step 60 on: the center (EMA 0.9, ~10-step time constant) has settled, the last layer is free.
      const settled = curve.filter((m) => m.step >= 60);
      expect(settled.length).toBe(8);
      for (const m of settled) {
        // Uniform collapse puts H within 0.01 of log K; one-hot collapse below 0.3 (docs/dino.md).
        expect(m.teacherEntropy).toBeLessThan(logK - 0.25);
        expect(m.teacherEntropy).toBeGreaterThan(1);
        // Images get different distributions: H(mean P) − mean H(P) is ≤ 0.01 when they all get the same.
        expect(m.meanEntropy - m.teacherEntropy).toBeGreaterThan(0.15);
        // The teacher still depends on the image: KL to the center is ≤ 1e-3 in a collapsed run.
        expect(m.klToCenter).toBeGreaterThan(0.1);
      }
    },
    60_000,
  );

  loopTest(
    'control: the same run at the tiny config LR (100× DINO) collapses, and the monitors show it',
    async () => {
      const source = await shapesSource();
      const { logK, curve } = await monitorCurve(
        source,
        { optim: { momentumTeacher: 0.99 }, train: { ...train, steps: 120 } },
        'dino-collapse-control',
      );
      const last = curve[curve.length - 1];
      expect(last.step).toBe(120);
      expect(last.teacherEntropy).toBeGreaterThan(logK - 0.05);
      expect(last.meanEntropy - last.teacherEntropy).toBeLessThan(0.05);
      expect(last.klToCenter).toBeLessThan(0.01);
    },
    60_000,
  );
});
