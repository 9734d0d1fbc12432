#!/usr/bin/env node
// Consumer tests: the packages as npm users meet them, outside this workspace.
//  1. `pnpm pack` every published package (workspace:* becomes the version).
//  2. `npm install` the tarballs into fresh folders under the OS temp dir: a Node app (every package,
//     the tfjs cpu + wasm backends) and a browser app (the libraries and tfjs-core only).
//  3. Each package's README example (tools/consumer/examples.mjs) type-checked with `tsc --strict`
//     under node16 (as .mts and .cts), bundler and node10 resolution, and run as ESM and CommonJS.
//  4. esbuild `--platform=browser` bundles of every browser-facing entry: must build (no Node
//     built-ins), hold exactly one copy of tfjs-core (none for masking and core/rng), sizes min+gzip.
//  5. `npx splitmask --help`, `--version`, each subcommand's `--help`, and a tiny `npx splitmask demo`.
// Prints one line per check and ends with `N passed, M failed`; exits 1 on any failure.
// Versions of everything installed come from this repository's package.json files; tsc and esbuild are
// the root devDependencies. Usage: node tools/consumer/run.mjs [--no-build] [--keep] [--sizes]
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { EXAMPLES, exampleSource } from './examples.mjs';
import { checkSnippets } from './snippets.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = new Set(process.argv.slice(2));
const WORK = mkdtempSync(join(tmpdir(), 'splitmask-consumer-'));
const BIN = join(ROOT, 'node_modules', '.bin');
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1', npm_config_update_notifier: 'false' };
const readJson = (p) => JSON.parse(readFileSync(p, 'utf8'));

let passed = 0;
let failed = 0;
function report(name, ok, detail = '') {
  if (ok) passed++;
  else failed++;
  const lines = detail.trim().split('\n').slice(0, 25).join('\n    ');
  console.log(`${ok ? 'ok' : 'not ok'} - ${name}${!ok && lines ? `\n    ${lines}` : ''}`);
}

function sh(cmd, argv, opts = {}) {
  const r = spawnSync(cmd, argv, { env, encoding: 'utf8', maxBuffer: 1 << 28, timeout: 300_000, ...opts });
  return {
    code: r.status ?? 1,
    out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}`,
    stdout: r.stdout ?? '',
  };
}

function du(dir) {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) total += du(p);
    else if (e.isFile()) total += statSync(p).size;
  }
  return total;
}
const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
const mb = (n) => `${(n / 1024 / 1024).toFixed(1)} MiB`;

// ---- the packages ---------------------------------------------------------------------------------
const packages = readdirSync(join(ROOT, 'packages'))
  .filter((d) => existsSync(join(ROOT, 'packages', d, 'package.json')))
  .map((dir) => ({ dir, pkg: readJson(join(ROOT, 'packages', dir, 'package.json')) }))
  .filter((p) => !p.pkg.private);
const libraries = packages.filter((p) => p.pkg.name.startsWith('@splitmask/'));
const core = readJson(join(ROOT, 'packages', 'core', 'package.json'));
const rootPkg = readJson(join(ROOT, 'package.json'));
const TFJS = core.devDependencies['@tensorflow/tfjs-core'];
const thirdParty = {
  node: [
    `@tensorflow/tfjs-core@${TFJS}`,
    `@tensorflow/tfjs-backend-cpu@${core.devDependencies['@tensorflow/tfjs-backend-cpu']}`,
    `@tensorflow/tfjs-backend-wasm@${core.devDependencies['@tensorflow/tfjs-backend-wasm']}`,
    `@types/node@${rootPkg.devDependencies['@types/node']}`,
  ],
  browser: [`@tensorflow/tfjs-core@${TFJS}`],
};

// Dependency direction: core ← masking, tokenizers, vit, losses, datasets ← splitmask (methods, the
// training loop) ← eval (its fine-tuning runs on that loop) ← the `splitmask` app. A package may depend
// only on packages of a lower layer: no cycles, and no library imports the application.
const LAYER = {
  '@splitmask/core': 0,
  '@splitmask/masking': 1,
  '@splitmask/tokenizers': 1,
  '@splitmask/vit': 1,
  '@splitmask/losses': 1,
  '@splitmask/datasets': 1,
  '@splitmask/splitmask': 2,
  '@splitmask/eval': 3,
  splitmask: 4,
};
for (const p of packages) {
  const deps = Object.keys({ ...p.pkg.dependencies, ...p.pkg.peerDependencies }).filter((d) => d in LAYER);
  const up = deps.filter((d) => !(LAYER[d] < LAYER[p.pkg.name]));
  report(
    `${p.pkg.name} depends only on lower layers`,
    p.pkg.name in LAYER && up.length === 0,
    `depends on ${up.join(', ')}`,
  );
}

if (!args.has('--no-build')) {
  const r = sh('pnpm', ['exec', 'turbo', 'run', 'build', '--output-logs=errors-only'], { cwd: ROOT });
  report('build every package', r.code === 0, r.out);
  if (r.code !== 0) finish();
}

const tgzDir = join(WORK, 'tarballs');
mkdirSync(tgzDir);
const tarballs = {};
for (const p of packages) {
  const r = sh('pnpm', ['pack', '--pack-destination', tgzDir], { cwd: join(ROOT, 'packages', p.dir) });
  const file = readdirSync(tgzDir).find(
    (f) => f === `${p.pkg.name.replace('@', '').replace('/', '-')}-${p.pkg.version}.tgz`,
  );
  report(`pnpm pack ${p.pkg.name}`, r.code === 0 && !!file, r.out);
  if (file) tarballs[p.pkg.name] = join(tgzDir, file);
}

function npmApp(name, specs) {
  const dir = join(WORK, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, private: true, type: 'commonjs' }));
  const r = sh('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...specs], { cwd: dir });
  report(`npm install into a fresh ${name} (${specs.length} packages)`, r.code === 0, r.out);
  return dir;
}
const nodeApp = npmApp('node-app', [...Object.values(tarballs), ...thirdParty.node]);
const browserApp = npmApp('browser-app', [
  ...libraries.map((p) => tarballs[p.pkg.name]),
  ...thirdParty.browser,
]);

// @splitmask/masking is advertised as free of tfjs: installed alone (with core, whose tfjs-core peer is
// optional), it must load and run in Node as ESM and CJS with no @tensorflow package present.
const maskingApp = npmApp(
  'masking-app',
  [tarballs['@splitmask/masking'], tarballs['@splitmask/core']].filter(Boolean),
);
{
  const tfjsInstalled = existsSync(join(maskingApp, 'node_modules', '@tensorflow'));
  report(
    'npm install @splitmask/masking pulls in no @tensorflow package',
    !tfjsInstalled,
    'node_modules/@tensorflow exists',
  );
  const code =
    "const { a, b } = m.splitMask({ height: 4, width: 4 }, rng.createRng(0)); if (a.visible.length !== 8 || b.visible.length !== 8) throw new Error('bad split'); console.log('masking ok');";
  const esm = sh(
    'node',
    [
      '--input-type=module',
      '-e',
      `import * as m from '@splitmask/masking'; import * as rng from '@splitmask/core/rng'; ${code}`,
    ],
    { cwd: maskingApp },
  );
  report(
    'ESM import of @splitmask/masking without tfjs',
    esm.code === 0 && /masking ok/.test(esm.out),
    esm.out,
  );
  const cjs = sh(
    'node',
    ['-e', `const m = require('@splitmask/masking'); const rng = require('@splitmask/core/rng'); ${code}`],
    { cwd: maskingApp },
  );
  report(
    'CJS require of @splitmask/masking without tfjs',
    cjs.code === 0 && /masking ok/.test(cjs.out),
    cjs.out,
  );
}

// tfjs-core is never inlined: core's Node gradient registry holds only tfjs-core's gradient and
// chained-op definitions and registers them against the user's tfjs-core, in ESM and in CJS.
{
  const file = join(nodeApp, 'node_modules', '@splitmask', 'core', 'dist', 'register-node.cjs');
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  report(
    'core/dist/register-node.cjs holds no copy of tfjs-core (engine, environment)',
    text !== '' && !text.includes('Cannot evaluate flag'),
    file,
  );
  const probe =
    "const n = Object.values(tf).filter((k) => typeof k === 'string' && tf.getGradient(k)).length; if (n < 100 || typeof tf.Tensor.prototype.square !== 'function') throw new Error(n + ' gradients'); console.log('grads ok', n);";
  const esm = sh(
    'node',
    [
      '--input-type=module',
      '-e',
      `import '@splitmask/core'; import * as tf from '@tensorflow/tfjs-core'; ${probe}`,
    ],
    { cwd: nodeApp },
  );
  report(
    "ESM: importing @splitmask/core registers tfjs-core's gradients and chained ops",
    esm.code === 0 && /grads ok/.test(esm.out),
    esm.out,
  );
  const cjs = sh(
    'node',
    ['-e', `require('@splitmask/core'); const tf = require('@tensorflow/tfjs-core'); ${probe}`],
    { cwd: nodeApp },
  );
  report(
    "CJS: requiring @splitmask/core registers tfjs-core's gradients and chained ops",
    cjs.code === 0 && /grads ok/.test(cjs.out),
    cjs.out,
  );
}

// ---- README examples: tsc --strict under three resolutions, then run as ESM and CJS -------------------
const exDir = join(nodeApp, 'examples');
for (const r of ['node16', 'bundler', 'node10']) mkdirSync(join(exDir, r), { recursive: true });
for (const ex of EXAMPLES) {
  const src = exampleSource(ROOT, ex);
  writeFileSync(join(exDir, 'node16', `${ex.dir}.mts`), src);
  writeFileSync(join(exDir, 'node16', `${ex.dir}.cts`), src);
  writeFileSync(join(exDir, 'bundler', `${ex.dir}.ts`), src);
  writeFileSync(join(exDir, 'node10', `${ex.dir}.ts`), src);
}
// DOM: tfjs-core's own typings name browser types. Errors inside tfjs-core's .d.ts are not ours and
// are ignored below; errors in our .d.ts files (skipLibCheck off) count against the package.
const common = {
  strict: true,
  target: 'ES2022',
  lib: ['ES2022', 'DOM'],
  types: ['node'],
  skipLibCheck: false,
  noEmitOnError: false,
};
const tsconfigs = {
  node16: { ...common, module: 'Node16', moduleResolution: 'Node16', outDir: 'out' },
  bundler: { ...common, module: 'ESNext', moduleResolution: 'Bundler', noEmit: true },
  node10: { ...common, module: 'CommonJS', moduleResolution: 'Node10', noEmit: true },
};
for (const [res, compilerOptions] of Object.entries(tsconfigs)) {
  const dir = join(exDir, res);
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions, include: ['*.ts', '*.mts', '*.cts'] }),
  );
  const r = sh(join(BIN, 'tsc'), ['-p', dir], { cwd: dir });
  const errors = r.stdout
    .split('\n')
    .filter((l) => /error TS/.test(l) && !l.includes('node_modules/@tensorflow/'));
  for (const ex of EXAMPLES) {
    const mine = errors.filter((l) => l.startsWith(`${ex.dir}.`) || l.includes(`/@splitmask/${ex.dir}/`));
    report(`tsc --strict ${res}: ${ex.dir} README example`, mine.length === 0, mine.join('\n'));
  }
  const other = errors.filter(
    (l) => !EXAMPLES.some((ex) => l.startsWith(`${ex.dir}.`) || l.includes(`/@splitmask/${ex.dir}/`)),
  );
  report(`tsc --strict ${res}: no errors in other packages' typings`, other.length === 0, other.join('\n'));
}
for (const ex of EXAMPLES.filter((e) => e.run)) {
  for (const ext of ['mjs', 'cjs']) {
    const file = join(exDir, 'node16', 'out', `${ex.dir}.${ext}`);
    const r = existsSync(file)
      ? sh('node', [file], { cwd: exDir, timeout: 120_000 })
      : { code: 1, out: 'not emitted' };
    report(
      `${ext === 'mjs' ? 'ESM' : 'CJS'} run: ${ex.dir} README example`,
      r.code === 0 && /example ok/.test(r.out),
      r.out.slice(-3000),
    );
  }
}

// ---- every ts/js block of the READMEs and docs, type-checked (snippets.mjs) ----------------------------
for (const s of checkSnippets(ROOT, join(nodeApp, 'snippets'), join(BIN, 'tsc'))) {
  report(`tsc --strict snippet ${s.name}`, s.ok, s.detail);
}

// ---- browser bundles ------------------------------------------------------------------------------------
const esbuild = (await import(join(ROOT, 'node_modules', 'esbuild', 'lib', 'main.js'))).default;
// One line of tfjs-core's environment.ts: present once per copy of tfjs-core in a bundle.
const TFJS_MARKER = 'Cannot evaluate flag';
async function bundle(name, code, { external = [] } = {}) {
  const entry = join(browserApp, `bundle-${name.replace(/[^a-z0-9]+/gi, '-')}.mjs`);
  writeFileSync(entry, code);
  try {
    const r = await esbuild.build({
      entryPoints: [entry],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      minify: true,
      write: false,
      metafile: true,
      logLevel: 'silent',
      external,
      absWorkingDir: browserApp,
    });
    const text = r.outputFiles[0].text;
    return { ok: true, text, gz: gzipSync(text, { level: 9 }).length, min: text.length, meta: r.metafile };
  } catch (e) {
    return {
      ok: false,
      error: (e.errors ?? [e])
        .map((x) => `${x.text ?? x}${x.location ? ` (${x.location.file}:${x.location.line})` : ''}`)
        .join('\n'),
    };
  }
}
const entries = [];
for (const p of libraries) {
  for (const sub of Object.keys(p.pkg.exports ?? { '.': 1 })) {
    if (sub === './package.json' || sub === './node' || sub.startsWith('./node/')) continue;
    entries.push(`${p.pkg.name}${sub === '.' ? '' : sub.slice(1)}`);
  }
}
const tfjsFree = new Set(['@splitmask/masking', '@splitmask/core/rng']);
for (const spec of entries) {
  const b = await bundle(spec, `export * from '${spec}';\n`);
  if (!b.ok) {
    report(`esbuild --platform=browser ${spec}`, false, b.error);
    continue;
  }
  const copies = b.text.split(TFJS_MARKER).length - 1;
  const want = tfjsFree.has(spec) ? 'none' : 'at most one';
  report(
    `esbuild --platform=browser ${spec} (${kb(b.gz)} min+gzip, ${copies} tfjs-core)`,
    tfjsFree.has(spec) ? copies === 0 : copies <= 1,
    `${copies} copies of tfjs-core in the bundle, expected ${want}`,
  );
}
const sizes = [
  ['masking alone', "export * from '@splitmask/masking';"],
  ['vit + core', "export * from '@splitmask/vit';\nexport * from '@splitmask/core';"],
  [
    'SplitMask trainer (createPretrainer)',
    "export { createPretrainer, createArraySource, resolvePretrainConfig } from '@splitmask/splitmask';",
  ],
  ['whole @splitmask/splitmask', "export * from '@splitmask/splitmask';"],
];
console.log('# browser bundle sizes, min+gzip (with tfjs-core | tfjs-core external)');
for (const [name, code] of sizes) {
  const a = await bundle(name, code);
  const b = await bundle(`${name}-ext`, code, { external: ['@tensorflow/*'] });
  console.log(`#   ${name}: ${a.ok ? kb(a.gz) : 'fails'} | ${b.ok ? kb(b.gz) : 'fails'}`);
}

// ---- the CLI through npm's bin link --------------------------------------------------------------------
const cliPkg = packages.find((p) => p.pkg.bin?.splitmask);
if (cliPkg) {
  const npx = (argv, opts) => sh('npx', ['--no', '--', 'splitmask', ...argv], { cwd: nodeApp, ...opts });
  let r = npx(['--help']);
  report('npx splitmask --help', r.code === 0 && /splitmask <command>/.test(r.stdout), r.out);
  r = npx(['--version']);
  report('npx splitmask --version', r.code === 0 && r.stdout.trim() === cliPkg.pkg.version, r.out);
  for (const sub of [['demo'], ['pretrain'], ['tokenizer'], ['eval'], ['eval', 'knn']]) {
    r = npx([...sub, '--help']);
    report(`npx splitmask ${sub.join(' ')} --help`, r.code === 0 && r.stdout.length > 40, r.out);
  }
  r = npx([]);
  report(
    'npx splitmask (no command) exits non-zero with usage',
    r.code !== 0 && /splitmask/.test(r.out),
    r.out,
  );
  const out = join(WORK, 'demo');
  r = npx(['demo', '--tiny', '--steps', '1', '--out', out], { timeout: 240_000 });
  report(
    'npx splitmask demo --tiny --steps 1',
    r.code === 0 && existsSync(join(out, 'log.jsonl')) && /k-NN/.test(r.out),
    r.out.slice(-3000),
  );
}

// ---- sizes ---------------------------------------------------------------------------------------------
console.log('# tarball size | install size (npm install <package> alone into a fresh folder)');
for (const p of packages) {
  const tgz = tarballs[p.pkg.name];
  if (!tgz) continue;
  let install = '';
  if (args.has('--sizes')) {
    const dir = join(WORK, `size-${p.dir}`);
    mkdirSync(dir);
    writeFileSync(join(dir, 'package.json'), '{"private":true}');
    const deps = Object.keys(p.pkg.dependencies ?? {}).filter((d) => d.startsWith('@splitmask/'));
    const closure = new Set(deps);
    for (const d of [...closure]) {
      const dp = packages.find((x) => x.pkg.name === d);
      for (const dd of Object.keys(dp?.pkg.dependencies ?? {}))
        if (dd.startsWith('@splitmask/')) closure.add(dd);
    }
    const r = sh(
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        '--loglevel=error',
        tgz,
        ...[...closure].map((d) => tarballs[d]),
      ],
      { cwd: dir },
    );
    install = r.code === 0 ? ` | ${mb(du(join(dir, 'node_modules')))}` : ' | install failed';
  }
  console.log(`#   ${p.pkg.name}: ${kb(statSync(tgz).size)}${install}`);
}
console.log(`#   node app (every package + tfjs cpu/wasm): ${mb(du(join(nodeApp, 'node_modules')))}`);
console.log(`#   browser app (libraries + tfjs-core): ${mb(du(join(browserApp, 'node_modules')))}`);

finish();

function finish() {
  if (!args.has('--keep')) rmSync(WORK, { recursive: true, force: true });
  else console.log(`# kept ${WORK}`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed > 0 ? 1 : 0);
}
