/**
 * The DINO arm's config and pretraining loop, and the k-NN monitor read during every arm's pretraining.
 */
import { arraySource, extractFeatures, knnClassify } from '@splitmask/eval';
import * as tf from '@tensorflow/tfjs-core';
import { NUM_CLASSES } from './data.mjs';

/** The resolved DINO config of a preset: DINO's sections from `preset.dino`, the rest from `preset.pretrain`. */
export function dinoConfigOf(sm, preset, seed) {
  const p = preset.pretrain;
  const d = preset.dino ?? {};
  const { decoderDepth: _decoder, ...model } = p.model;
  const input = {
    seed,
    model: { ...model, ...d.model },
    optim: { warmupSteps: p.optim.warmupSteps, ...d.optim },
    train: {
      steps: p.train.steps,
      batchSize: p.train.batchSize,
      logEvery: p.train.logEvery,
      checkpointEvery: 0,
    },
  };
  for (const k of ['crops', 'head', 'loss']) if (d[k]) input[k] = d[k];
  return sm.resolveDinoConfig(input, sm.DINO_DEFAULT_CONFIG);
}

/**
 * DINO pretraining (runDino's loop, on a trainer we keep so its teacher can be read afterwards); returns
 * the trainer (caller disposes), its ViT config, the last event and the k-NN monitor curve.
 */
export async function pretrainDino(sm, config, source, log, parallel, monitor) {
  const trainer = await sm.createDinoTrainer({ config, source, role: 'exp-dino', parallel });
  const vit = trainer.arch.vit;
  let last;
  const curve = monitor.enabled ? [await monitor.at(0, trainer.teacher.backbone, vit)] : [];
  while (trainer.step < trainer.totalSteps) {
    last = await trainer.trainStep();
    if (last.step % config.train.logEvery === 0 || last.step === last.totalSteps) {
      const mon = last.monitors
        ? ` teacher H ${last.monitors.teacherEntropy.toFixed(2)}/${last.monitors.logK.toFixed(2)} KL ${last.monitors.klToCenter.toFixed(3)}`
        : '';
      log(
        `  step ${last.step}/${last.totalSteps} loss ${last.loss.toFixed(4)} m ${last.momentum.toFixed(4)}${mon}`,
      );
    }
    if (monitor.due(last.step, last.totalSteps)) {
      await trainer.syncParams();
      curve.push(await monitor.at(last.step, trainer.teacher.backbone, vit));
    }
  }
  await trainer.syncParams(); // with workers the teacher lives there until synced
  return { trainer, vit, last, curve };
}

/**
 * The k-NN monitor of a pretraining run: every `every` steps, DINO's k-NN of the encoder's mean-pooled
 * features, fitted on the train images and scored on the monitor set (the validation split when there
 * is one). → { due(step, total), at(step, encoder, vit) → { step, top1 } }.
 */
export function knnMonitor(every, train, set, preset, normalization, log) {
  return {
    enabled: every > 0,
    due: (step, total) => every > 0 && (step % every === 0 || step === total),
    async at(step, encoder, vit) {
      const s = vit.imageSize;
      const c = vit.inChans;
      const feat = { pool: 'mean', normalization, batchSize: 256 };
      const trF = await extractFeatures(encoder, vit, arraySource(train.pixels, train.count, s, c), feat);
      const teF = await extractFeatures(encoder, vit, arraySource(set.images.pixels, set.count, s, c), feat);
      const knn = await knnClassify(trF, train.labels, teF, set.images.labels, {
        numClasses: NUM_CLASSES,
        ...preset.knn,
      });
      tf.dispose([trF, teF]);
      log(`  monitor: step ${step} k-NN (${set.name}) ${knn.top1.toFixed(2)}%`);
      return { step, top1: knn.top1 };
    },
  };
}
