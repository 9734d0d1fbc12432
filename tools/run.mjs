#!/usr/bin/env node
// The README's two commands end here: `npm test` and `npm run demo` on a machine with only Node 20 + npm.
// 1. Make sure pnpm 12.4.2 is on PATH (installed locally into .tools/ if absent; no root needed).
// 2. `pnpm install --frozen-lockfile` and build every package.
// 3. test: run every package's tests through turbo and print one summary line ("N passed, M failed").
//    demo: run `splitmask demo` (the main job on the embedded Fashion-MNIST) with any extra arguments.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const PNPM_VERSION = '12.4.2';
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const [mode = 'test', ...rest] = process.argv.slice(2);
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1', TURBO_NO_UPDATE_NOTIFIER: '1' };

function run(cmd, args, opts = {}) {
  console.log(`\n$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, env, stdio: 'inherit', ...opts });
  return r.status ?? 1;
}

function pnpmVersionOnPath() {
  try {
    return execFileSync('pnpm', ['--version'], {
      env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return null;
  }
}

function ensurePnpm() {
  const localBin = join(root, '.tools', 'node_modules', '.bin');
  env.PATH = `${localBin}${delimiter}${env.PATH}`;
  if (pnpmVersionOnPath() === PNPM_VERSION) return;
  // turbo runs the first pnpm on PATH, so the pinned one goes first.
  const status = run('npm', [
    'install',
    '--prefix',
    '.tools',
    '--no-save',
    '--no-audit',
    '--no-fund',
    `pnpm@${PNPM_VERSION}`,
  ]);
  if (status !== 0 || pnpmVersionOnPath() !== PNPM_VERSION) {
    console.error(`Could not install pnpm@${PNPM_VERSION} into .tools/ (npm exit ${status}).`);
    process.exit(1);
  }
}

function summariseTests() {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for (const group of ['packages', 'examples']) {
    const dir = join(root, group);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      const file = join(dir, name, 'test-results', 'vitest.json');
      if (!existsSync(file)) continue;
      const r = JSON.parse(readFileSync(file, 'utf8'));
      passed += r.numPassedTests;
      failed += r.numFailedTests;
      skipped += r.numPendingTests + (r.numTodoTests ?? 0);
      console.log(
        `${group}/${name}: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests} skipped`,
      );
    }
  }
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
  return failed;
}

ensurePnpm();
if (run('pnpm', ['install', '--frozen-lockfile']) !== 0) process.exit(1);
if (run('pnpm', ['exec', 'turbo', 'run', 'build', '--output-logs=errors-only']) !== 0) process.exit(1);

if (mode === 'test') {
  // Two cores: two packages' suites at a time; --force so cached results never stand in for a run.
  const status = run('pnpm', [
    'exec',
    'turbo',
    'run',
    'test',
    '--concurrency=2',
    '--force',
    '--continue',
    ...rest,
  ]);
  const failed = summariseTests();
  process.exit(status !== 0 || failed > 0 ? 1 : 0);
} else if (mode === 'demo') {
  process.exit(run('node', [join(root, 'packages', 'cli', 'dist', 'bin.js'), 'demo', ...rest]));
} else {
  console.error(`tools/run.mjs: unknown mode '${mode}' (expected 'test' or 'demo')`);
  process.exit(2);
}
