/**
 * esbuild plugin for core's Node gradient registry (dist/register-node.cjs).
 *
 * tfjs-core's Node build registers no gradients, and its ESM gradient sources cannot be imported by
 * Node (extension-less specifiers in a CommonJS package). So we bundle those sources, and only those:
 * `register_all_gradients`, `gradients/*`, `public/chained_ops/*` and the few internal gradient ops
 * that tfjs-core does not export (`avgPoolGrad`, `conv2DBackpropFilter`, ...). Every other module they
 * import (ops, kernel names, util, the engine, the Tensor class) becomes a facade over the user's
 * installed `@tensorflow/tfjs-core` (`require('@tensorflow/tfjs-core')`), so no copy of tfjs-core's
 * engine, tensors or ops is inlined and the gradients are registered against the user's tfjs-core.
 * A name the public API lacks makes the build fail with the module and the name.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import type { Plugin } from 'esbuild';

const require = createRequire(import.meta.url);
const DIST = join(dirname(require.resolve('@tensorflow/tfjs-core/package.json')), 'dist');
// Namespaces of tfjs-core's public API that hold the helpers gradient code imports by module.
const NAMESPACES = ['backend_util', 'util', 'broadcast_util', 'slice_util', 'tensor_util', 'image'] as const;
// Internal values with a public equivalent.
const SPECIAL: Record<string, string> = {
  'engine.js:ENGINE': 'tf.engine()',
  'tensor.js:getGlobalTensorClass': '() => tf.Tensor',
};

const isRegistryCode = (file: string): boolean =>
  /[\\/](gradients|chained_ops)[\\/]/.test(file) || file.endsWith('register_all_gradients.js');

type Imports = Map<string, Set<string>>; // module file → imported names ('*' for a namespace import)

function importsOf(file: string): [string, string[]][] {
  const code = readFileSync(file, 'utf8');
  const out: [string, string[]][] = [];
  for (const m of code.matchAll(
    /import\s+(?:(\*\s+as\s+\w+)|\{([^}]*)\})\s+from\s+'([^']+)'|import\s+'([^']+)'/g,
  )) {
    const spec = m[3] ?? m[4];
    if (!spec.startsWith('.')) continue;
    const target = `${resolve(dirname(file), spec)}.js`;
    const names = m[1]
      ? ['*']
      : m[2]
        ? m[2]
            .split(',')
            .map((n) => n.trim().split(/\s+as\s+/)[0])
            .filter(Boolean)
        : [];
    out.push([target, names]);
  }
  return out;
}

/** Public-API expression for `name` imported from tfjs-core module `file`, or undefined. */
function publicPath(tf: Record<string, unknown>, file: string, name: string): string | undefined {
  const key = `${relative(DIST, file)}:${name}`;
  if (SPECIAL[key]) return SPECIAL[key];
  if (name === '*') {
    // `import * as conv_util from '../ops/conv_util'`: the helpers live in backend_util (or a namesake).
    const base = relative(DIST, file).replace(/\.js$/, '').split(/[\\/]/).pop() as string;
    return base in tf ? `tf.${base}` : 'tf.backend_util';
  }
  if (name in tf) return `tf.${name}`;
  const ns = NAMESPACES.find((n) => typeof tf[n] === 'object' && tf[n] !== null && name in (tf[n] as object));
  return ns ? `tf.${ns}.${name}` : undefined;
}

/** Which modules are bundled (registry code and internal ops) and which become facades, with names. */
function plan(entry: string): { inline: Set<string>; facades: Imports } {
  const tf = require('@tensorflow/tfjs-core') as Record<string, unknown>;
  const inline = new Set<string>();
  const facades: Imports = new Map();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (inline.has(file)) continue;
    inline.add(file);
    for (const [target, names] of importsOf(file)) {
      const publicOk = !isRegistryCode(target) && names.every((n) => publicPath(tf, target, n) !== undefined);
      if (publicOk && names.length > 0) {
        const set = facades.get(target) ?? new Set();
        for (const n of names) set.add(n);
        facades.set(target, set);
      } else queue.push(target);
    }
  }
  for (const f of inline) facades.delete(f);
  return { inline, facades };
}

export function tfjsPublicPlugin(entries: string[]): Plugin {
  return {
    name: 'tfjs-public',
    setup(build) {
      const tf = require('@tensorflow/tfjs-core') as Record<string, unknown>;
      const plans = entries.map((e) => plan(join(DIST, e)));
      const facades: Imports = new Map();
      for (const p of plans)
        for (const [f, ns] of p.facades) facades.set(f, new Set([...(facades.get(f) ?? []), ...ns]));
      build.onResolve({ filter: /^@tensorflow\/tfjs-core\/dist\// }, (args) => ({
        path: `${join(DIST, args.path.slice('@tensorflow/tfjs-core/dist/'.length))}.js`,
      }));
      build.onResolve({ filter: /^\.\.?\// }, (args) => {
        if (!args.importer.startsWith(DIST)) return undefined;
        const file = `${resolve(args.resolveDir, args.path)}.js`;
        return facades.has(file) ? { path: file, namespace: 'tfjs-public' } : { path: file };
      });
      build.onLoad({ filter: /.*/, namespace: 'tfjs-public' }, (args) => {
        const names = facades.get(args.path) as Set<string>;
        const where = (n: string): string => {
          const expr = publicPath(tf, args.path, n);
          if (!expr)
            throw new Error(
              `tfjs-public: ${relative(DIST, args.path)} exports '${n}', not public in tfjs-core`,
            );
          return expr;
        };
        // A namespace import (`import * as conv_util`) gets the public namespace object itself, as a
        // CommonJS module (esbuild's interop copies its members); named imports get one binding each.
        const contents = names.has('*')
          ? `module.exports = require('@tensorflow/tfjs-core')${where('*').slice(2)};`
          : [
              "import * as tf from '@tensorflow/tfjs-core';",
              ...[...names].map((n) => `export const ${n} = ${where(n)};`),
            ].join('\n');
        return { contents, resolveDir: DIST, loader: 'js' };
      });
    },
  };
}
