/**
 * The shared forward/backward parity case: fixed weights (seed), fixed images (the first 8 bundled
 * images), a random-projection tokenizer and a fixed A/B split → the SplitMask loss parts and the global
 * gradient norm. The page runs it on its backend, the e2e test runs it in Node on cpu, and the two must
 * agree to float32 tolerance.
 */
import { createRng, flattenParams, unflattenParams } from '@splitmask/core';
import { createMethod, type ImageArray, imagesOf } from '@splitmask/splitmask';
import { createRandomProjectionTokenizer } from '@splitmask/tokenizers';
import * as tf from '@tensorflow/tfjs-core';
import { demoConfig } from './config';

/** What the parity case reports. */
export interface ParityResult {
  backend: string;
  /** `total`, `mim`, `nce`, `nceAcc`. */
  parts: Record<string, number>;
  /** ‖∇θ total‖₂ over every parameter. */
  gradNorm: number;
  /** Σ over parameters of Σ ∇ (a signed checksum: catches a wrong gradient the norm would hide). */
  gradSum: number;
  numParams: number;
}

/** Images the case uses. */
export const PARITY_IMAGES = 8;

/**
 * Runs the parity case on the active tfjs backend (no state is left behind: every tensor is freed).
 * @example const r = await runParityCase(bundled); // r.parts.total ≈ Node's
 */
export async function runParityCase(data: ImageArray): Promise<ParityResult> {
  const cfg = demoConfig({
    size: 'tiny',
    tokenizer: 'random-projection',
    steps: 1,
    batchSize: PARITY_IMAGES,
    seed: 3,
  });
  const method = createMethod(cfg);
  const s = cfg.model.imageSize;
  const tok = createRandomProjectionTokenizer({
    vocabSize: cfg.tokenizer.vocabSize,
    patchSize: cfg.model.patchSize,
    channels: 1,
    seed: 0,
  });
  const pixels = imagesOf(
    data,
    Array.from({ length: PARITY_IMAGES }, (_, i) => i),
    s,
  );
  const params = method.init(tok.vocabSize, createRng(cfg.seed));
  const flat = flattenParams<tf.Tensor>(params as never);
  try {
    // No enclosing tidy: on webgpu (Dawn and Chromium's SwiftShader) the same code inside one tidy read
    // back all zeros; the inputs, the taped call and the reductions are scoped separately instead.
    const raw = tf.tensor4d(pixels, [PARITY_IMAGES, s, s, 1]);
    const tokens = tok.tokenize(raw, { checkFinite: false });
    await tokens.data();
    const inputs = tf.tidy(() => {
      const images = tf.div(tf.sub(raw, 0.286), 0.353) as tf.Tensor4D;
      return method.inputs(images, tokens, createRng(11)).tensors as Record<string, tf.Tensor>;
    });
    const names = Object.keys(flat);
    // The loss parts from a plain forward pass, then the gradients from a taped one (same values).
    const fwd = tf.tidy(() => {
      const p = method.loss(params, inputs, { training: false, seed: 0 });
      return tf.stack(method.parts.map((k) => p[k]));
    });
    const v = Array.from(await fwd.data());
    const grads = tf.grads((...xs: tf.Tensor[]) => {
      const p = method.loss(
        unflattenParams(params, Object.fromEntries(names.map((n, i) => [n, xs[i]]))),
        inputs,
        { training: false, seed: 0 },
      );
      return p.total;
    })(names.map((n) => flat[n]));
    // Sums as a chain of adds: tf.addN over this many scalars read back zeros on webgpu.
    const stats = tf.tidy(() => {
      const total = (xs: tf.Tensor[]) => xs.reduce((a, b) => tf.add(a, b));
      return tf.stack([
        tf.sqrt(total(grads.map((g) => tf.sum(tf.square(g))))),
        total(grads.map((g) => tf.sum(g))),
      ]);
    });
    v.push(...Array.from(await stats.data()));
    tf.dispose([fwd, stats, ...grads, ...Object.values(inputs), raw, tokens]);
    const named: Record<string, number> = {};
    method.parts.forEach((k, i) => {
      named[k] = v[i];
    });
    return {
      backend: tf.getBackend(),
      parts: named,
      gradNorm: v[method.parts.length],
      gradSum: v[method.parts.length + 1],
      numParams: Object.values(flat).reduce((a, t) => a + t.size, 0),
    };
  } finally {
    tf.dispose(Object.values(flat));
    tok.dispose();
  }
}
