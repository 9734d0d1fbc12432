#!/usr/bin/env node
// Packs what tools/device-check.sh needs on a machine that can download nothing (a lent GPU box with no
// registry access): this machine's Node binary, the built workspace packages (dist/) and the runtime part
// of node_modules (the tfjs backends, Dawn's `webgpu` for linux-x64, pngjs, ...), plus the Vulkan loader
// and glvnd as Debian packages when apt can fetch them. Everything lands in .devkit/ (git-ignored):
//   .devkit/node.xz          the node executable (xz)
//   .devkit/modules.tar.xz   packages/*/dist, packages/*/node_modules links, node_modules/.pnpm/<runtime deps>
//   .devkit/debs/*.deb       the Vulkan loader and glvnd for amd64 (optional)
// tools/device-check.sh unpacks it when it finds no built packages or no `node` (see --kit there).
//
// Usage (after `pnpm install && pnpm build`):  node tools/device-kit.mjs
// Only x86-64 Linux builds are packed (the GPU machines are x86-64).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const KIT = join(ROOT, '.devkit');
const STORE = join(ROOT, 'node_modules', '.pnpm');
// Dataset packages (190 MB of images), sharp (native, per-platform) and the tfjs-node bindings (they
// download libtensorflow at install time) stay behind: the device check needs none of them.
const LEAVE_OUT = new Set([
  'fashion-mnist',
  'mnist',
  'sharp',
  '@tensorflow/tfjs-node',
  '@tensorflow/tfjs-node-gpu',
]);

if (process.arch !== 'x64' || process.platform !== 'linux')
  throw new Error(`device-kit packs x86-64 Linux builds; this is ${process.platform}-${process.arch}`);

const depsOf = (pkgDir) => {
  const p = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  return [
    ...Object.keys(p.dependencies ?? {}),
    ...Object.keys(p.optionalDependencies ?? {}),
    ...Object.keys(p.peerDependencies ?? {}),
  ].filter((d) => !LEAVE_OUT.has(d));
};

/** The .pnpm/<entry> folder a resolved package lives in, or null for a workspace package. */
const storeEntryOf = (real) => {
  const rel = relative(STORE, real);
  return rel.startsWith('..') ? null : rel.split(sep)[0];
};

// Walk the runtime dependency closure from every workspace package, through pnpm's links.
const entries = new Set();
const seen = new Set();
const packages = readdirSync(join(ROOT, 'packages')).filter((d) =>
  existsSync(join(ROOT, 'packages', d, 'package.json')),
);
const visit = (fromNodeModules, name) => {
  const link = join(fromNodeModules, name);
  if (!existsSync(link)) return; // an optional peer that is not installed
  const real = realpathSync(link);
  if (seen.has(real)) return;
  seen.add(real);
  const entry = storeEntryOf(real);
  if (!entry) return; // workspace package: its own deps are walked from packages/
  entries.add(entry);
  // A stored package's deps are its siblings: .pnpm/<entry>/node_modules/<dep>.
  for (const dep of depsOf(real)) visit(join(STORE, entry, 'node_modules'), dep);
};
for (const p of packages) {
  const dir = join(ROOT, 'packages', p);
  for (const dep of depsOf(dir)) visit(join(dir, 'node_modules'), dep);
  if (!existsSync(join(dir, 'dist')) && p !== 'test-utils')
    throw new Error(`packages/${p}/dist is missing: run pnpm build first`);
}

rmSync(KIT, { recursive: true, force: true });
mkdirSync(KIT, { recursive: true });
const paths = [
  ...[...entries].sort().map((e) => `node_modules/.pnpm/${e}`),
  ...packages.flatMap((p) =>
    ['dist', 'node_modules'].map((d) => `packages/${p}/${d}`).filter((d) => existsSync(join(ROOT, d))),
  ),
];
// Dawn ships every platform's dawn.node (130 MB); only linux-x64 travels. Source maps are not needed.
const excludes = [
  '--exclude=*/webgpu/dist/darwin-*',
  '--exclude=*/webgpu/dist/win32-*',
  '--exclude=*/webgpu/dist/linux-arm64',
];
excludes.push('--exclude=*.map', '--exclude=.turbo', '--exclude=test-results');
execFileSync('tar', ['-cJf', join(KIT, 'modules.tar.xz'), ...excludes, ...paths], {
  cwd: ROOT,
  stdio: 'inherit',
  env: { ...process.env, XZ_OPT: '-6 -T0' },
});
execFileSync('sh', ['-c', `xz -T0 -6 -c "${process.execPath}" > "${join(KIT, 'node.xz')}"`], {
  stdio: 'inherit',
});

// The Vulkan loader (the GPU image may lack it): fetched with a private apt state, the system's untouched.
const debs = join(KIT, 'debs');
mkdirSync(debs, { recursive: true });
try {
  const lists = join(KIT, '.apt-lists');
  mkdirSync(join(lists, 'partial'), { recursive: true });
  const o = ['-oAPT::Architecture=amd64', '-oAPT::Architectures=amd64', `-oDir::State::Lists=${lists}`];
  execFileSync('apt-get', [...o, '-qq', 'update'], { stdio: 'ignore' });
  // libGLX_nvidia (the NVIDIA Vulkan ICD) needs glvnd's libGLdispatch; the rest of glvnd comes with it.
  const names = ['libvulkan1', 'libglvnd0', 'libglx0', 'libgl1', 'libegl1', 'libopengl0', 'libgles2'];
  execFileSync('apt-get', [...o, '-qq', 'download', ...names], { cwd: debs, stdio: 'ignore' });
  rmSync(lists, { recursive: true, force: true });
} catch (e) {
  console.error(
    `device-kit: no libvulkan1 .deb (${e.message.split('\n')[0]}); the device must have a Vulkan loader`,
  );
}

const mib = (f) => (statSync(f).size / 2 ** 20).toFixed(1);
console.log(
  `device-kit: ${entries.size} stored packages + ${packages.length} workspace packages -> ` +
    `.devkit/modules.tar.xz ${mib(join(KIT, 'modules.tar.xz'))} MiB, node.xz ${mib(join(KIT, 'node.xz'))} MiB, ` +
    `debs: ${readdirSync(debs).join(', ') || 'none'}`,
);
