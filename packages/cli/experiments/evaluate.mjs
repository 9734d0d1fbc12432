/**
 * The evaluation of one encoder: k-NN, linear probe, frozen-feature logistic regression and fine-tuning at
 * each label fraction.
 */
import {
  arraySource,
  classBalancedSubset,
  extractFeatures,
  finetune,
  knnClassify,
  metricsFromLogits,
  selectImages,
  trainLinearProbe,
} from '@splitmask/eval';
import * as tf from '@tensorflow/tfjs-core';
import { logisticFractions } from './baselines.mjs';
import { NUM_CLASSES } from './data.mjs';

/** The fine-tuning runs of one encoder at each label fraction of `recipe` (FinetuneOptions + fractions). */
export async function finetuneAll(encoder, vit, train, test, recipe, normalization, seed, log, parallel) {
  const finetunes = {};
  const { fractions, ...ft } = recipe;
  for (const [fraction, epochs] of fractions) {
    const sub = selectImages(train, classBalancedSubset(train.labels, Number(fraction), seed));
    const t0 = Date.now();
    const res = await finetune(
      encoder,
      vit,
      sub,
      {
        ...ft,
        numClasses: NUM_CLASSES,
        epochs,
        // the curve at ~25 points: evaluating every epoch of a 300-epoch 1 % run costs more than training
        evalEvery: ft.evalEvery ?? Math.max(1, Math.round(epochs / 25)),
        seed,
        normalization,
        parallel,
        onEpoch: (e) => {
          const every = Math.max(1, Math.round(epochs / 5));
          if ((e.epoch + 1) % every === 0 && e.epoch + 1 < epochs)
            log(
              `    ${Number(fraction) * 100}% epoch ${e.epoch + 1}/${epochs} loss ${e.loss.toFixed(4)}${e.eval ? ` top-1 ${e.eval.top1.toFixed(2)}%` : ''}`,
            );
        },
      },
      test,
    );
    const last = res.history.at(-1).eval;
    const bs = Math.min(ft.batchSize ?? 64, sub.count);
    finetunes[fraction] = {
      labels: sub.count,
      epochs,
      imagesSeen: epochs * Math.floor(sub.count / bs) * bs,
      top1: last.top1,
      top5: last.top5,
      curve: res.history.map((h) => h.eval?.top1 ?? Number.NaN),
      loss: res.history.map((h) => h.loss),
      metrics: last,
      seconds: (Date.now() - t0) / 1000,
    };
    res.dispose();
    log(
      `  fine-tune ${Number(fraction) * 100}% (${sub.count} labels, ${epochs} ep): top-1 ${last.top1.toFixed(2)}%`,
    );
  }
  return finetunes;
}

/** k-NN, linear probe and the fine-tuning runs of one encoder. */
export async function evaluate(encoder, vit, train, test, preset, normalization, seed, log, parallel, val) {
  const s = vit.imageSize;
  const c = vit.inChans;
  const feat = { pool: 'mean', normalization, batchSize: 256 };
  const trF = await extractFeatures(encoder, vit, arraySource(train.pixels, train.count, s, c), feat);
  const teF = await extractFeatures(encoder, vit, arraySource(test.pixels, test.count, s, c), feat);
  const vaF = val
    ? await extractFeatures(encoder, vit, arraySource(val.pixels, val.count, s, c), feat)
    : undefined;
  // frozen features + logistic regression at each fraction (C on the validation split, as for pixels)
  const logreg = await logisticFractions(
    trF,
    train.labels,
    teF,
    test.labels,
    vaF,
    val?.labels,
    preset.pixels?.Cs ?? [1],
    preset,
    seed,
    log,
    'frozen-feature',
  );
  vaF?.dispose();
  const knn = await knnClassify(trF, train.labels, teF, test.labels, {
    numClasses: NUM_CLASSES,
    ...preset.knn,
  });
  log(`  k-NN top-1 ${knn.top1.toFixed(2)}%`);
  const probe = await trainLinearProbe(trF, train.labels, {
    numClasses: NUM_CLASSES,
    seed,
    ...preset.linear,
  });
  const logits = probe.logits(teF);
  const linear = await metricsFromLogits(logits, test.labels);
  tf.dispose([trF, teF, logits]);
  probe.dispose();
  log(`  linear probe top-1 ${linear.top1.toFixed(2)}%`);
  const finetunes = await finetuneAll(
    encoder,
    vit,
    train,
    test,
    preset.finetune,
    normalization,
    seed,
    log,
    parallel,
  );
  return {
    knn: { top1: knn.top1, top5: knn.top5 },
    linear: { top1: linear.top1, top5: linear.top5 },
    logreg,
    finetunes,
  };
}
