#!/usr/bin/env node
// Generates the API reference in docs/api (typedoc 0.28 + typedoc-plugin-markdown, pinned in the root
// package.json; configuration in typedoc.json), then names each module by its import specifier
// ("core/src/node" → "@splitmask/core/node", "cli/src" → "splitmask") in headings and link texts.
// Usage: pnpm docs:api
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const r = spawnSync(join(root, 'node_modules', '.bin', 'typedoc'), [], { cwd: root, stdio: 'inherit' });
if (r.status !== 0) process.exit(r.status ?? 1);

const specifier = (pkg, sub) => (pkg === 'cli' ? 'splitmask' : `@splitmask/${pkg}`) + (sub ? `/${sub}` : '');
const rename = (text) =>
  text.replace(/\b([a-z]+)\/src(?:\/(node|rng))?\b/g, (_, pkg, sub) => specifier(pkg, sub));
function walk(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p);
    else if (e.name.endsWith('.md')) {
      const md = readFileSync(p, 'utf8')
        .split('\n')
        // Rename everywhere except inside link targets `](...)` and code spans.
        .map((line) =>
          line
            .split(/(\]\([^)]*\)|`[^`]*`)/)
            .map((part, i) => (i % 2 === 1 ? part : rename(part)))
            .join(''),
        )
        .join('\n');
      writeFileSync(p, md);
    }
  }
}
walk(join(root, 'docs', 'api'));
console.log('docs/api written');
