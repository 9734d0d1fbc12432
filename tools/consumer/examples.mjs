// The README example of each package, as a consumer copies it: the first ```ts block of
// packages/<dir>/README.md, verbatim. What the snippet leaves to the reader (their images, their data
// loader, an AbortSignal) comes from a small per-package prelude below: `declare`d for type-checking
// only, or real stand-ins (`setup`) where the example is also run, as ESM and as CommonJS.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * dir: folder under packages/. run: also execute the compiled .mjs and .cjs. imports: prelude imports
 * (aliased with a leading `__` so they never clash with the snippet's own). declare: top-level
 * declarations. setup: statements run before the snippet inside `main()`.
 */
export const EXAMPLES = [
  { dir: 'core', run: true, imports: [], declare: [], setup: [] },
  {
    dir: 'vit',
    run: true,
    imports: [
      "import * as __tf from '@tensorflow/tfjs-core';",
      "import { initBackend as __initBackend } from '@splitmask/core';",
    ],
    declare: [],
    setup: [
      "await __initBackend('cpu');",
      'const images = __tf.zeros([2, 32, 32, 3]) as __tf.Tensor4D;',
      "const idx = __tf.tensor2d([[0, 5, 9], [1, 2, 60]], [2, 3], 'int32');",
      'const step = 0;',
    ],
  },
  { dir: 'masking', run: true, imports: [], declare: [], setup: [] },
  {
    dir: 'tokenizers',
    run: false,
    imports: [
      "import * as __tf from '@tensorflow/tfjs-core';",
      "import type { fitKMeansTokenizer as __fit } from '@splitmask/tokenizers';",
    ],
    declare: [
      'declare const view112: __tf.Tensor4D;',
      'declare const loader: Parameters<typeof __fit>[0];',
      'declare const controller: AbortController;',
    ],
    setup: [],
  },
  {
    dir: 'losses',
    run: true,
    imports: ["import { initBackend as __initBackend } from '@splitmask/core';"],
    declare: [],
    setup: [
      "await __initBackend('cpu');",
      'const logitsA = tf.variable(tf.randomNormal<tf.Rank.R3>([2, 3, 8], 0, 1, "float32", 1));',
      'const logitsB = tf.variable(tf.randomNormal<tf.Rank.R3>([2, 3, 8], 0, 1, "float32", 2));',
      "const idsA = tf.tensor2d([[1, 2, 3], [4, 5, 6]], [2, 3], 'int32');",
      "const idsB = tf.tensor2d([[7, 0, 1], [2, 3, 4]], [2, 3], 'int32');",
      'const pooledA = tf.variable(tf.randomNormal<tf.Rank.R2>([2, 4], 0, 1, "float32", 3));',
      'const pooledB = tf.variable(tf.randomNormal<tf.Rank.R2>([2, 4], 0, 1, "float32", 4));',
      'const varList = [logitsA, logitsB, pooledA, pooledB];',
      'const step = 0;',
    ],
  },
  {
    dir: 'datasets',
    run: false,
    imports: ["import * as tf from '@tensorflow/tfjs-core';"],
    declare: [],
    setup: [],
  },
  {
    dir: 'eval',
    run: false,
    imports: [],
    declare: [
      'declare const trainPixels: Float32Array;',
      'declare const testPixels: Float32Array;',
      'declare const nTrain: number;',
      'declare const nTest: number;',
      'declare const trainLabels: Int32Array;',
      'declare const testLabels: Int32Array;',
    ],
    setup: [],
  },
  {
    dir: 'splitmask',
    run: true,
    imports: [],
    declare: [],
    setup: [
      // 64 pseudo-random 32x32 grey images; the run is stopped after its second logged step (a timer
      // would not fire: the training loop never yields to the event loop's timer phase).
      'const myImages = { pixels: new Uint8Array(64 * 32 * 32).map((_, i) => (i * 2654435761) >>> 24), count: 64, size: 32, channels: 1 as const };',
      'const __stop = new AbortController();',
      'const signal = __stop.signal;',
      'const __log = console.log;',
      'let __logged = 0;',
      'console.log = (...a: unknown[]) => { __log(...a); if (++__logged >= 2) __stop.abort(); };',
    ],
  },
];

/** The first ```ts block of a README. */
export function firstTsBlock(readme) {
  const m = /^```ts\n([\s\S]*?)^```/m.exec(readme);
  if (!m) throw new Error('no ```ts block');
  return m[1];
}

/** Splits a snippet into its import statements and the rest. */
export function splitImports(code) {
  const imports = [];
  const body = code.replace(/^import\s[\s\S]*?\sfrom\s+['"][^'"]+['"];?[ \t]*(\/\/[^\n]*)?\n/gm, (s) => {
    imports.push(s.trimEnd());
    return '';
  });
  return { imports, body };
}

/** The TypeScript source of one package's example (same text for .mts, .cts and .ts). */
export function exampleSource(root, ex) {
  const snippet = firstTsBlock(readFileSync(join(root, 'packages', ex.dir, 'README.md'), 'utf8'));
  const { imports, body } = splitImports(snippet);
  const indent = (lines) => lines.map((l) => (l ? `  ${l}` : l)).join('\n');
  return [
    `// ${ex.dir}: the first ts block of packages/${ex.dir}/README.md, verbatim, inside main().`,
    ...imports,
    ...ex.imports,
    ...ex.declare,
    '',
    'async function main(): Promise<void> {',
    indent(ex.setup),
    indent(body.split('\n')),
    '}',
    '',
    "main().then(() => console.log('example ok'), (e) => { console.error(e); process.exit(1); });",
    '',
  ].join('\n');
}
