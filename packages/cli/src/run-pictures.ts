/**
 * Pictures written at the end of a run: loss curves (total and parts) and a few images with their A/B
 * split (SplitMask) or mask (BEiT) and their token maps.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Rng } from '@splitmask/core';
import {
  drawSplitIndices,
  drawSplits,
  type Pretrainer,
  plotSeries,
  type TrainEvent,
} from '@splitmask/splitmask';
import { encodePng } from '@splitmask/splitmask/node';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Writes `loss.png` (+ `nce-accuracy.png` for SplitMask) and `splits.png`; returns the paths.
 * `sample`: [n·S·S·C] images in [0, 1].
 */
export async function writeRunPictures({
  out,
  events,
  trainer,
  sample,
  rng,
}: {
  out: string;
  events: readonly TrainEvent[];
  trainer: Pretrainer;
  sample: Float32Array;
  rng: Rng;
}): Promise<string[]> {
  const files: string[] = [];
  const cfg = trainer.config;
  const lossParts = trainer.method.parts.filter((p) => p !== 'nceAcc');
  const series = lossParts.map((p) => ({
    name: p,
    points: events.map((e) => [e.step, e.parts[p]] as const),
  }));
  const lossPng = join(out, 'loss.png');
  writeFileSync(lossPng, encodePng(plotSeries(series, { title: `${cfg.method} loss per step` })));
  files.push(lossPng);
  if (trainer.method.parts.includes('nceAcc')) {
    const p = join(out, 'nce-accuracy.png');
    const pts = events.map((e) => [e.step, e.parts.nceAcc] as const);
    writeFileSync(
      p,
      encodePng(plotSeries([{ name: 'a to b top1', points: pts }], { title: 'infonce accuracy' })),
    );
    files.push(p);
  }
  const s = cfg.model.imageSize;
  const c = cfg.model.inChans;
  const n = sample.length / (s * s * c);
  const grid = s / cfg.model.patchSize;
  const tokens = tf.tidy(() => trainer.tokenizer.tokenize(tf.tensor4d(sample, [n, s, s, c])));
  const ids = new Int32Array(await tokens.data());
  tokens.dispose();
  const split = drawSplitIndices(n, grid, rng, cfg.masking);
  const rows = Array.from({ length: n }, (_, i) => ({
    image: sample.subarray(i * s * s * c, (i + 1) * s * s * c),
    visibleA: split.visibleA[i],
    tokens: ids.subarray(i * grid * grid, (i + 1) * grid * grid),
  }));
  const splitsPng = join(out, 'splits.png');
  writeFileSync(
    splitsPng,
    encodePng(drawSplits(rows, { imageSize: s, patchSize: cfg.model.patchSize, channels: c })),
  );
  files.push(splitsPng);
  return files;
}
