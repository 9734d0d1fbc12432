/**
 * End-to-end: builds the app (vite build), serves dist/ on 127.0.0.1 with COOP/COEP, and drives Debian's
 * headless Chromium through playwright-core. Skips (with the reason) when /usr/bin/chromium is absent.
 *
 * SwiftShader WebGPU compiles a shader per kernel and shape (tens of seconds for the first step), so the
 * WebGPU page runs the shared forward/backward parity case (and the backend choice), and the training
 * run that checks loss, checkpoint and reload uses the page's wasm backend (measured numbers: README).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { useBackend } from '@splitmask/test-utils';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { decodeSubset, takeImages } from '../src/data';
import { type ParityResult, runParityCase } from '../src/parity';
import { e2eSkipReason, launchChromium, serveStatic } from './harness';

const root = fileURLToPath(new URL('..', import.meta.url));
const artifacts = join(root, 'test-results');
const skip = e2eSkipReason();
if (skip) console.warn(`[e2e] skipped: ${skip}`);

type DemoState = {
  backend?: { name: string; adapter: string | null; skipped: { choice: string; reason: string }[] };
  events: { step: number; parts: Record<string, number>; imgsPerSec: number; stepMs: number }[];
  restored: { step: number; parts: Record<string, number> }[];
  errors: { code: string; message: string; fallback?: string }[];
  checkpoints: { step: number; bytes: number }[];
  started?: { step: number; resumed: boolean; numParams: number; workers: number };
  done: boolean;
  previews: number;
  knn: { step: number; top1: number; top5: number; bank: number; query: number; ms: number }[];
};

const readState = (page: Page) =>
  page.evaluate(() => (globalThis as unknown as { splitmaskDemo: { state: DemoState } }).splitmaskDemo.state);

async function waitFor(
  page: Page,
  pred: (s: DemoState) => boolean,
  what: string,
  ms: number,
  expectedErrors: string[] = [],
): Promise<DemoState> {
  const end = Date.now() + ms;
  for (;;) {
    const s = await readState(page);
    if (pred(s)) return s;
    if (s.errors.some((e) => !e.fallback && !expectedErrors.includes(e.code)))
      throw new Error(`${what}: page error ${JSON.stringify(s.errors)}`);
    if (Date.now() > end)
      throw new Error(`${what}: timed out after ${ms} ms; state ${JSON.stringify(s).slice(0, 600)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const parityInPage = (page: Page) =>
  page.evaluate(() =>
    (globalThis as unknown as { splitmaskDemo: { parity(): Promise<ParityResult> } }).splitmaskDemo.parity(),
  );

function expectParity(page: ParityResult, node: ParityResult): void {
  console.log(`[e2e] parity page ${JSON.stringify(page)} node ${JSON.stringify(node)}`);
  for (const k of ['total', 'mim', 'nce']) {
    expect(Math.abs(page.parts[k] - node.parts[k]), `${page.backend} vs node ${k}`).toBeLessThan(
      2e-4 * Math.abs(node.parts[k]) + 1e-5,
    );
  }
  expect(page.parts.nceAcc).toBe(node.parts.nceAcc);
  expect(Math.abs(page.gradNorm - node.gradNorm) / node.gradNorm, `${page.backend} grad norm`).toBeLessThan(
    1e-3,
  );
  expect(page.numParams).toBe(node.numParams);
}

/** A 24-bit BMP of a gray uint8 image (browsers decode BMP; no encoder dependency needed). */
function grayBmp(pixels: Uint8Array, size: number): Uint8Array {
  const row = Math.ceil((size * 3) / 4) * 4;
  const out = new Uint8Array(54 + row * size);
  const v = new DataView(out.buffer);
  out.set([0x42, 0x4d]);
  v.setUint32(2, out.length, true);
  v.setUint32(10, 54, true);
  v.setUint32(14, 40, true);
  v.setInt32(18, size, true);
  v.setInt32(22, -size, true); // top-down rows
  v.setUint16(26, 1, true);
  v.setUint16(28, 24, true);
  v.setUint32(34, row * size, true);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++)
      out.fill(pixels[y * size + x], 54 + y * row + 3 * x, 54 + y * row + 3 * x + 3);
  return out;
}

describe.skipIf(skip !== null)('browser e2e (headless Chromium)', () => {
  let server: Server;
  let url: string;
  let profile: string;
  let ctx: BrowserContext;
  let nodeParity: ParityResult;
  const timings: Record<string, number | number[]> = {};

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    let t = Date.now();
    const { build } = await import('vite');
    await build({ root, configFile: join(root, 'vite.config.ts'), logLevel: 'error' });
    timings.buildMs = Date.now() - t;
    ({ url, server } = await serveStatic(join(root, 'dist')));
    profile = mkdtempSync(join(tmpdir(), 'splitmask-e2e-'));
    ctx = await launchChromium(profile);
    t = Date.now();
    await useBackend('cpu');
    const { readFileSync } = await import('node:fs');
    const bundled = decodeSubset(new Uint8Array(readFileSync(join(root, 'public', 'fashion-mnist-512.bin'))));
    nodeParity = await runParityCase(takeImages(bundled, 8));
    timings.nodeParityMs = Date.now() - t;
  }, 120_000);

  afterAll(async () => {
    await ctx?.close();
    server?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    console.log(`[e2e] timings ${JSON.stringify(timings)}`);
  });

  test('auto picks WebGPU when Chromium offers an adapter; forward/backward parity with Node', async () => {
    const page = await ctx.newPage();
    await page.goto(`${url}?backend=auto`);
    const t = Date.now();
    const result = await parityInPage(page);
    timings.pageParityMs = Date.now() - t;
    const s = await readState(page);
    const webgpuSkipped = s.backend?.skipped.find((x) => x.choice === 'webgpu');
    if (webgpuSkipped) {
      // no adapter here: the page must say so and fall back (webgl, then wasm)
      expect(s.errors.some((e) => e.code === 'NO_WEBGPU')).toBe(true);
      expect((await page.locator('#errors').textContent()) ?? '').toContain('fallback');
    } else {
      expect(s.backend?.name).toBe('webgpu');
      expect(s.backend?.adapter).toBeTruthy();
    }
    expect((await page.locator('#backend-info').textContent()) ?? '').toContain(`active: ${s.backend?.name}`);
    expect(result.backend).toBe(s.backend?.name);
    expectParity(result, nodeParity);
    await page.close();
  }, 150_000);

  test('without a WebGPU adapter the page says so and falls back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'splitmask-e2e-nogpu-'));
    const plain = await launchChromium(dir, { webgpu: false }); // no --enable-unsafe-webgpu: no adapter
    try {
      const page = await plain.newPage();
      await page.goto(`${url}?backend=auto`);
      const info = await page.evaluate(() =>
        (
          globalThis as unknown as { splitmaskDemo: { initBackend(): Promise<DemoState['backend']> } }
        ).splitmaskDemo.initBackend(),
      );
      expect(info?.name).toBe('webgl');
      expect(info?.skipped.map((x) => x.choice)).toEqual(['webgpu']);
      const errors = (await page.locator('#errors').textContent()) ?? '';
      expect(errors).toContain('NO_WEBGPU');
      expect(errors).toContain('fallback: webgl');
      await page.screenshot({ path: join(artifacts, 'e2e-no-webgpu.png') });
    } finally {
      await plain.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  test('a GPU failure mid-run (simulated out of memory on webgl) is shown and training goes on on wasm', async () => {
    const page = await ctx.newPage();
    try {
      const q = 'backend=webgl&size=tiny&tokenizer=random-projection&steps=3&batch=4&images=32&ckpt=1&knn=0';
      await page.goto(`${url}?${q}&simulateGpuFailureAt=2&autostart=1`);
      const s = await waitFor(page, (x) => x.done, 'fallback run', 90_000);
      expect(s.errors).toHaveLength(1);
      expect(s.errors[0]).toMatchObject({ code: 'GPU_OUT_OF_MEMORY', fallback: 'wasm' });
      expect(s.backend?.name).toBe('wasm');
      // step 1 ran on webgl and was checkpointed; wasm resumed from it and finished steps 2 and 3
      expect(s.started).toMatchObject({ step: 1, resumed: true });
      expect(s.events.map((e) => e.step)).toEqual([1, 2, 3]);
      const errors = (await page.locator('#errors').textContent()) ?? '';
      expect(errors).toContain('webgl failed: simulated out-of-memory');
      expect(errors).toContain('fallback: wasm');
    } finally {
      await page.close();
    }
  }, 120_000);

  test('a folder of images: undecodable files are reported and skipped, training starts on the rest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'splitmask-e2e-folder-'));
    const folder = join(dir, 'my-images');
    mkdirSync(folder);
    const { readFileSync } = await import('node:fs');
    const bundled = decodeSubset(new Uint8Array(readFileSync(join(root, 'public', 'fashion-mnist-512.bin'))));
    for (let i = 0; i < 12; i++) {
      writeFileSync(
        join(folder, `img${i}.bmp`),
        grayBmp(bundled.pixels.subarray(i * 784, (i + 1) * 784), 28),
      );
    }
    writeFileSync(join(folder, 'broken.png'), 'not a png');
    const page = await ctx.newPage();
    try {
      await page.goto(`${url}?backend=wasm&size=tiny&tokenizer=random-projection&steps=2&batch=4&ckpt=0`);
      await page.check('input[name=data][value=folder]');
      await page.setInputFiles('#folder', folder);
      await page.click('#start');
      const s = await waitFor(page, (x) => x.done, 'folder run', 60_000, ['UNSUPPORTED_IMAGE']);
      expect(s.errors.map((e) => e.code)).toEqual(['UNSUPPORTED_IMAGE']);
      expect(s.errors[0].message).toContain('broken.png');
      expect(s.events.map((e) => e.step)).toEqual([1, 2]);
      expect((await page.locator('#errors').textContent()) ?? '').toContain("cannot decode 'broken.png'");
    } finally {
      await page.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);

  test('data-parallel Web Workers (?workers=2, wasm) train like one worker', async () => {
    const run = async (workers: number) => {
      const page = await ctx.newPage();
      const q = `backend=wasm&size=tiny&tokenizer=random-projection&steps=4&batch=8&images=64&ckpt=0&knn=0&autostart=1&workers=${workers}`;
      const t = Date.now();
      await page.goto(`${url}?${q}`);
      const s = await waitFor(page, (x) => x.done, `${workers} workers`, 90_000);
      timings[`workers${workers}Ms`] = Date.now() - t;
      await page.close();
      return s;
    };
    const one = await run(1);
    const two = await run(2);
    expect(one.started?.workers).toBe(1);
    expect(two.started?.workers).toBe(2); // the page is cross-origin isolated: SharedArrayBuffer works
    expect(two.events.map((e) => e.step)).toEqual([1, 2, 3, 4]);
    two.events.forEach((e, i) => {
      for (const k of ['total', 'mim', 'nce'])
        expect(Math.abs(e.parts[k] - one.events[i].parts[k]), `${k} step ${i + 1}`).toBeLessThan(
          1e-5 * Math.abs(one.events[i].parts[k]) + 1e-6,
        );
    });
  }, 200_000);

  test('trains on the bundled data (wasm), loss decreases, a checkpoint survives a reload', async () => {
    const page = await ctx.newPage();
    const q = 'backend=wasm&size=tiny&tokenizer=kmeans&steps=16&batch=16&images=128&ckpt=4&knn=8&autostart=1';
    let t = Date.now();
    await page.goto(`${url}?${q}`);
    const s1 = await waitFor(page, (s) => s.checkpoints.some((c) => c.step === 8), 'first 8 steps', 90_000);
    timings.first8StepsMs = Date.now() - t;
    expect(s1.backend?.name).toBe('wasm');
    expect(s1.started).toMatchObject({ step: 0, resumed: false });
    // k-NN monitor on the bundled labels: the initial encoder (step 0), then every 8 steps
    expect(s1.knn.map((p) => p.step).slice(0, 2)).toEqual([0, 8]);
    expect(await page.locator('#previews canvas').count()).toBeGreaterThanOrEqual(8);

    // reload mid-run: the page finds the IndexedDB checkpoint (step ≥ 8) and continues from it
    t = Date.now();
    await page.reload();
    const s2 = await waitFor(page, (s) => s.done, 'resumed run', 90_000);
    timings.resumedRunMs = Date.now() - t;
    expect(s2.started?.resumed).toBe(true);
    expect(s2.started?.step).toBeGreaterThanOrEqual(8);
    // the checkpoint carried the loss history: the chart continues where it was
    const resumedAt = s2.started?.step ?? 0;
    expect(s2.restored.map((e) => e.step)).toEqual(Array.from({ length: resumedAt }, (_, i) => i + 1));
    const common = Math.min(resumedAt, s1.events.length); // the run went on while s1 was read
    expect(s2.restored.slice(0, common).map((e) => e.parts.total)).toEqual(
      s1.events.slice(0, common).map((e) => e.parts.total),
    );
    const all = s2.events;
    expect(all.map((e) => e.step)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const first = mean(all.slice(0, 3).map((e) => e.parts.total));
    const last = mean(all.slice(-3).map((e) => e.parts.total));
    expect(last, `loss ${first} → ${last}`).toBeLessThan(first);
    timings.wasmImgsPerSec = Math.round(10 * mean(all.slice(-3).map((e) => e.imgsPerSec))) / 10;
    expect((await page.locator('#status').textContent()) ?? '').toContain('done: 16 steps');
    // k-NN: steps 0 and 8 restored from the checkpoint record, 16 measured after the reload
    expect(s2.knn.map((p) => p.step)).toEqual([0, 8, 16]);
    for (const p of s2.knn) {
      expect(Number.isFinite(p.top1) && p.top1 >= 0 && p.top1 <= 100, JSON.stringify(p)).toBe(true);
      expect(p).toMatchObject({ bank: 256, query: 128 });
    }
    const knnLast = s2.knn[2];
    expect((await page.locator('#m-knn').textContent()) ?? '').toContain(`${knnLast.top1.toFixed(1)} %`);
    expect((await page.locator('#m-knn').textContent()) ?? '').toContain('at step 16');
    timings.knnTop1 = s2.knn.map((p) => p.top1);
    timings.knnMs = Math.round(s2.knn.reduce((a, p) => a + p.ms, 0) / s2.knn.length);
    await page.screenshot({ path: join(artifacts, 'e2e-trained.png'), fullPage: true });
    // the page's memory, workers included (cross-origin isolated pages only)
    timings.pageMemoryMiB = await page.evaluate(async () => {
      const p = performance as unknown as {
        measureUserAgentSpecificMemory?: () => Promise<{ bytes: number }>;
      };
      return p.measureUserAgentSpecificMemory
        ? Math.round((await p.measureUserAgentSpecificMemory()).bytes / 2 ** 20)
        : -1;
    });

    // export: timm-named safetensors
    const download = page.waitForEvent('download');
    await page.click('#export');
    const file = await download;
    expect(file.suggestedFilename()).toBe('splitmask-vit-step16.safetensors');
    await page.close();
  }, 200_000);
});
