// The library path must run in browsers: no Node built-ins, globals or CommonJS in src/ (tests excluded).
// File I/O is the Node entry (node.ts, serialize-node.ts), which may import @splitmask/core/node.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const SRC = fileURLToPath(new URL('.', import.meta.url));
const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? files(join(dir, e.name))
      : e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !/^(node|serialize-node)\.ts$/.test(e.name)
        ? [join(dir, e.name)]
        : [],
  );

test.each(files(SRC).map((f) => [f.slice(SRC.length)]))('%s uses no Node-only API', (name) => {
  const code = readFileSync(join(SRC, name), 'utf8');
  const imports = [...code.matchAll(/from '([^']+)'/g)].map((m) => m[1]);
  for (const spec of imports)
    expect(spec, `${name} imports ${spec}`).toMatch(/^(\.|@splitmask\/core$|@tensorflow\/tfjs-core$)/);
  expect(code).not.toMatch(/\bprocess\.|\bBuffer\b|\brequire\(|__dirname/);
});
