/**
 * DINO-style weighted k-NN classifier on ℓ2-normalised features (Wu et al. 2018; DINO `eval_knn.py`):
 * cosine similarity, top k neighbours, votes weighted by exp(sim / T), k = 20, T = 0.07.
 * TODO(integrate): replace with @splitmask/eval's k-NN when it lands.
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * Top-1 accuracy of a weighted k-NN classifier.
 * train: [N, D], test: [M, D] (normalised inside), labels int arrays.
 * @example const acc = await knnAccuracy(trainFeats, trainLabels, testFeats, testLabels, 10);
 */
export async function knnAccuracy(
  train: tf.Tensor2D,
  trainLabels: Int32Array,
  test: tf.Tensor2D,
  testLabels: Int32Array,
  numClasses: number,
  { k = 20, temperature = 0.07, chunk = 256 } = {},
): Promise<number> {
  const norm = (x: tf.Tensor2D) => tf.div(x, tf.sqrt(tf.add(tf.sum(tf.square(x), 1, true), 1e-12)));
  const trainT = tf.tidy(() => tf.transpose(norm(train)));
  let correct = 0;
  try {
    for (let start = 0; start < test.shape[0]; start += chunk) {
      const size = Math.min(chunk, test.shape[0] - start);
      const { values, indices } = tf.tidy(() => {
        const sim = tf.matMul(norm(tf.slice(test, [start, 0], [size, -1])), trainT);
        return tf.topk(sim, Math.min(k, train.shape[0]));
      });
      const sims = await values.data();
      const idx = await indices.data();
      tf.dispose([values, indices]);
      const kk = values.shape[1] as number;
      for (let i = 0; i < size; i++) {
        const votes = new Float64Array(numClasses);
        for (let j = 0; j < kk; j++)
          votes[trainLabels[idx[i * kk + j]]] += Math.exp(sims[i * kk + j] / temperature);
        let best = 0;
        for (let c = 1; c < numClasses; c++) if (votes[c] > votes[best]) best = c;
        if (best === testLabels[start + i]) correct++;
      }
    }
  } finally {
    trainT.dispose();
  }
  return correct / test.shape[0];
}
