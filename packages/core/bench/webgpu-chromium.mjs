#!/usr/bin/env node
// core's WGSL kernels in headless Chromium's WebGPU (SwiftShader when there is no GPU): bundles
// bench/chromium-entry.ts (core's sources, tfjs-core, tfjs-backend-webgpu) with esbuild, serves it on
// 127.0.0.1 (a secure context, so navigator.gpu exists) and runs Debian's Chromium through playwright-core
// (never a downloaded browser). Prints each check (float64 references, tfjs's own kernels) and writes
// bench-results/core-webgpu-chromium.json; exits 1 if a check fails, 2 if Chromium is missing.
// Usage: node bench/webgpu-chromium.mjs   (CHROMIUM_PATH overrides /usr/bin/chromium)
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(chromiumPath)) {
  console.error(
    `${chromiumPath} is absent: apt-get install -y chromium (Debian's; no browser is downloaded)`,
  );
  process.exit(2);
}
// esbuild comes with tsup (core's build); playwright-core with the browser example.
const esbuild = createRequire(join(here, '..', 'package.json'))('esbuild');
const { chromium } = createRequire(join(root, 'examples', 'browser', 'package.json'))('playwright-core');

const bundle = await esbuild.build({
  entryPoints: [join(here, 'chromium-entry.ts')],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  write: false,
  logLevel: 'error',
});
const page = '<!doctype html><meta charset="utf-8"><script type="module" src="/entry.js"></script>';
const server = createServer((req, res) => {
  const js = req.url === '/entry.js';
  res.writeHead(200, { 'Content-Type': js ? 'text/javascript' : 'text/html' });
  res.end(js ? bundle.outputFiles[0].text : page);
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const profile = mkdtempSync(join(tmpdir(), 'splitmask-chromium-'));
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: chromiumPath,
  headless: true,
  args: [
    '--headless=new',
    '--enable-unsafe-webgpu',
    '--no-sandbox',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-quic',
  ],
});
let result;
try {
  const tab = await browser.newPage();
  tab.on('console', (m) => m.type() === 'error' && console.error(`page: ${m.text()}`));
  await tab.goto(`http://127.0.0.1:${server.address().port}/`);
  await tab.waitForFunction(() => globalThis.__result !== undefined, null, { timeout: 300_000 });
  result = await tab.evaluate(() => globalThis.__result);
} finally {
  await browser.close();
  server.close();
  rmSync(profile, { recursive: true, force: true });
}
result.chromium = chromiumPath;
result.date = new Date().toISOString();
mkdirSync(join(here, '..', 'bench-results'), { recursive: true });
writeFileSync(
  join(here, '..', 'bench-results', 'core-webgpu-chromium.json'),
  `${JSON.stringify(result, null, 2)}\n`,
);
if (result.error) {
  console.error(result.error);
  process.exit(1);
}
console.log(`adapter: ${JSON.stringify(result.adapter)}`);
for (const r of result.rows)
  console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${r.check}: ${r.err.toExponential(2)} (tol ${r.tol})`);
process.exit(result.ok ? 0 : 1);
