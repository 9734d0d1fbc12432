/**
 * The raw-pixel baselines (k-NN and logistic regression on the flattened pixels) and the standardised
 * logistic regression at each label fraction, shared with the encoders' frozen features.
 */
import { classBalancedSubset, fitLogisticRegression, knnClassify, metricsFromLogits } from '@splitmask/eval';
import * as tf from '@tensorflow/tfjs-core';
import { NUM_CLASSES } from './data.mjs';

/** Flattened pixels [N, S·S·C] in [0, 1]. */
const pixelTensor = (d) => tf.tensor2d(d.pixels, [d.count, d.pixels.length / d.count]);

/**
 * Standardised logistic regression (`fitLogisticRegression`: scikit-learn's StandardScaler +
 * LogisticRegression) at each label fraction of `preset.finetune.fractions`, on features trX [N, D] (raw
 * pixels or frozen encoder features), C picked from `Cs` on the validation features when there are
 * several. → { [fraction]: { labels, C, valTop1, top1, top5, metrics, ... } }.
 */
export async function logisticFractions(
  trX,
  trainLabels,
  teX,
  testLabels,
  valX,
  valLabels,
  Cs,
  preset,
  seed,
  log,
  what,
) {
  const out = {};
  for (const [fraction] of preset.finetune.fractions) {
    const idx = classBalancedSubset(trainLabels, Number(fraction), seed);
    const x = tf.gather(trX, tf.tensor1d(idx, 'int32'));
    const labels = Int32Array.from(idx, (i) => trainLabels[i]);
    const t0 = Date.now();
    let best;
    const valTop1 = {};
    for (const C of Cs) {
      const lr = await fitLogisticRegression(x, labels, { numClasses: NUM_CLASSES, C });
      const score = valX && Cs.length > 1 ? await metricsOf(lr, valX, valLabels) : undefined;
      if (score) valTop1[C] = score.top1;
      if (!best || (score && score.top1 > best.score.top1)) {
        best?.lr.dispose();
        best = { C, lr, score };
      } else lr.dispose();
    }
    const metrics = await metricsOf(best.lr, teX, testLabels);
    out[fraction] = {
      labels: idx.length,
      C: best.C,
      valTop1,
      iterations: best.lr.iterations,
      converged: best.lr.converged,
      top1: metrics.top1,
      top5: metrics.top5,
      metrics,
      seconds: (Date.now() - t0) / 1000,
    };
    best.lr.dispose();
    tf.dispose(x);
    log(
      `  ${what} logistic regression ${Number(fraction) * 100}% (${idx.length} labels, C ${best.C}): top-1 ${metrics.top1.toFixed(2)}%`,
    );
  }
  return out;
}

/**
 * The raw-pixel baselines: DINO's weighted k-NN on the flattened pixels (the encoders' k-NN, same k and
 * T) and a standardised-pixel logistic regression at each label fraction (`logisticFractions`).
 */
export async function pixelBaselines(train, test, val, preset, seed, log) {
  const trX = pixelTensor(train);
  const teX = pixelTensor(test);
  const knn = await knnClassify(trX, train.labels, teX, test.labels, {
    numClasses: NUM_CLASSES,
    ...preset.knn,
  });
  log(`  pixels k-NN top-1 ${knn.top1.toFixed(2)}%`);
  const valX = val ? pixelTensor(val) : undefined;
  const Cs = preset.pixels?.Cs ?? [1];
  const finetunes = await logisticFractions(
    trX,
    train.labels,
    teX,
    test.labels,
    valX,
    val?.labels,
    Cs,
    preset,
    seed,
    log,
    'pixels',
  );
  tf.dispose([trX, teX, ...(valX ? [valX] : [])]);
  const full = finetunes[String(preset.finetune.fractions.at(-1)[0])];
  return {
    knn: { top1: knn.top1, top5: knn.top5 },
    linear: { top1: full.top1, top5: full.top5 },
    finetunes,
    logreg: finetunes,
  };
}

async function metricsOf(model, x, labels) {
  const logits = model.logits(x);
  try {
    return await metricsFromLogits(logits, labels);
  } finally {
    logits.dispose();
  }
}
