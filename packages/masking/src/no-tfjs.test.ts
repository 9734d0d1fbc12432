// The package must run in data workers without tfjs: it imports only `@splitmask/core/rng`, and that
// entry must not pull tfjs in (checked in a fresh Node process on core's built CJS entry).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';

const srcDir = import.meta.dirname;

test('sources import only @splitmask/core/rng from outside the package (besides node: in tests)', () => {
  const external = new Set<string>();
  for (const file of readdirSync(srcDir, { recursive: true }) as string[]) {
    if (!file.endsWith('.ts')) continue;
    const text = readFileSync(join(srcDir, file), 'utf8');
    for (const m of text.matchAll(/^(?:import|export)\b[^;]*?from '([^'.][^']*)';/gms)) external.add(m[1]);
  }
  const allowed = new Set(['@splitmask/core/rng', 'vitest', 'node:fs', 'node:path', 'node:child_process']);
  expect(external.has('@splitmask/core/rng')).toBe(true);
  expect([...external].filter((x) => !allowed.has(x))).toEqual([]);
});

test('@splitmask/core/rng loads no @tensorflow module', () => {
  const script =
    "require('@splitmask/core/rng');" +
    "console.log(JSON.stringify(Object.keys(require.cache).filter((k) => k.includes('@tensorflow'))))";
  const out = execFileSync(process.execPath, ['-e', script], { cwd: join(srcDir, '..'), encoding: 'utf8' });
  expect(JSON.parse(out)).toEqual([]);
});
