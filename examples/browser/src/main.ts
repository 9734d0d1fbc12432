/**
 * The page: collects choices, loads images (bundled subset or a folder), drives the training worker and
 * shows what it reports. `window.splitmaskDemo` exposes the state for the end-to-end test.
 * URL parameters (used by the e2e test, handy for sharing): backend, size, tokenizer, steps, batch,
 * images (use only the first N bundled images), ckpt (checkpoint every N steps), knn (k-NN monitor every
 * N steps on the bundled labelled images, default 10, 0 = off), autostart=1, and
 * simulateGpuFailureAt=N (debug: a fake GPU out-of-memory error at step N, to see the wasm fallback).
 */
import type { BackendChoice, BackendInfo } from '@splitmask/core';
import type { ImageArray } from '@splitmask/splitmask';
import type { DemoChoice, ModelSize, TokenizerKind } from './config';
import { decodeImageFiles, decodeSubset, FASHION_MNIST_CLASSES, takeImages } from './data';
import { deleteCheckpoint } from './idb';
import type { KnnPoint } from './knn';
import type { ParityResult } from './parity';
import type { FromWorker, Picture, ToWorker } from './protocol';
import type { StepEvent } from './session';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const params = new URLSearchParams(location.search);

/** What the e2e test reads. */
const state = {
  backend: undefined as BackendInfo | undefined,
  events: [] as StepEvent[],
  /** Events restored from the checkpoint on resume (steps before this page load). */
  restored: [] as StepEvent[],
  errors: [] as { code: string; message: string; fallback?: string }[],
  checkpoints: [] as { step: number; bytes: number; ms: number }[],
  started: undefined as { step: number; resumed: boolean; numParams: number; workers: number } | undefined,
  done: false,
  paused: false,
  previews: 0,
  exported: undefined as { bytes: number; step: number } | undefined,
  parity: undefined as ParityResult | undefined,
  /** k-NN monitor measurements (restored ones included). */
  knn: [] as KnnPoint[],
};

function setIf<T extends HTMLInputElement | HTMLSelectElement>(id: string, key: string): void {
  const v = params.get(key);
  if (v !== null) $<T>(id).value = v;
}
setIf('backend', 'backend');
setIf('size', 'size');
setIf('tokenizer', 'tokenizer');
setIf('steps', 'steps');
setIf('batch', 'batch');

const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
const send = (m: ToWorker, transfer: Transferable[] = []) => worker.postMessage(m, transfer);
let waiters: ((m: FromWorker) => boolean)[] = [];

function showError(e: { code: string; message: string; fallback?: string }): void {
  state.errors.push(e);
  const div = document.createElement('div');
  div.className = 'error';
  div.textContent = `${e.code}: ${e.message}${e.fallback ? ` — fallback: ${e.fallback}` : ''}`;
  $('errors').append(div);
}

function describeBackend(info: BackendInfo): string {
  const lines = [`active: ${info.name} (requested '${info.choice}', tfjs ${info.tfjsVersion})`];
  if (info.adapter) lines.push(`adapter: ${info.adapter}`);
  if (info.simd !== null) lines.push(`wasm SIMD: ${info.simd}, threads: ${info.threads}`);
  lines.push(`cross-origin isolated: ${globalThis.crossOriginIsolated === true}`);
  for (const s of info.skipped) lines.push(`skipped ${s.choice}: ${s.reason}`);
  for (const n of info.notes) {
    // the worker turns wasm threads off on purpose (README: the threaded build fails once bundled)
    if (n.startsWith('wasm threads'))
      lines.push('note: wasm threads: off (tfjs threaded build fails when bundled)');
    else lines.push(`note: ${n}`);
  }
  return lines.join('\n');
}

function drawPicture(p: Picture, title: string): HTMLCanvasElement {
  const c = document.createElement('canvas');
  c.width = p.width;
  c.height = p.height;
  c.title = title;
  c.getContext('2d')?.putImageData(new ImageData(new Uint8ClampedArray(p.data), p.width, p.height), 0, 0);
  return c;
}

function drawChart(): void {
  const canvas = $<HTMLCanvasElement>('chart');
  const ctx = canvas.getContext('2d');
  if (!ctx || state.events.length === 0) return;
  const { width: w, height: h } = canvas;
  ctx.clearRect(0, 0, w, h);
  const series: [string, string][] = [
    ['total', '#1d2b45'],
    ['mim', '#e8710a'],
    ['nce', '#1e6eff'],
  ];
  const all = state.events.flatMap((e) => series.map(([k]) => e.parts[k]));
  const max = Math.max(...all) * 1.05;
  const n = Math.max(2, state.events[0].totalSteps);
  series.forEach(([k, color], j) => {
    ctx.strokeStyle = color;
    ctx.beginPath();
    state.events.forEach((e, i) => {
      const x = 30 + ((e.step - 1) / (n - 1)) * (w - 40);
      const y = h - 20 - (e.parts[k] / max) * (h - 30);
      if (i === 0) ctx.moveTo(x, y);
      else ctx.lineTo(x, y);
    });
    ctx.stroke();
    ctx.fillStyle = color;
    ctx.fillText(k, 36 + j * 50, 12);
  });
  ctx.fillStyle = '#555';
  ctx.fillText(max.toFixed(2), 0, 16);
  ctx.fillText('0', 0, h - 20);
}

/** The k-NN top-1 curve (percent, 0–100) against the step. */
function drawKnnChart(): void {
  const canvas = $<HTMLCanvasElement>('knn-chart');
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const { width: w, height: h } = canvas;
  ctx.clearRect(0, 0, w, h);
  ctx.fillStyle = '#555';
  ctx.fillText('100 %', 0, 12);
  ctx.fillText('0 %', 0, h - 20);
  ctx.fillText('k-NN top-1 (query set)', 40, 12);
  const total = state.events.at(-1)?.totalSteps ?? Number($<HTMLInputElement>('steps').value);
  const n = Math.max(1, total);
  const pts = [...state.knn].sort((a, b) => a.step - b.step);
  ctx.strokeStyle = '#0a8f4a';
  ctx.fillStyle = '#0a8f4a';
  ctx.beginPath();
  pts.forEach((p, i) => {
    const x = 36 + (p.step / n) * (w - 46);
    const y = h - 20 - (p.top1 / 100) * (h - 30);
    if (i === 0) ctx.moveTo(x, y);
    else ctx.lineTo(x, y);
    ctx.fillRect(x - 2, y - 2, 4, 4);
  });
  ctx.stroke();
}

function showKnn(): void {
  const last = state.knn.at(-1);
  if (last)
    $('m-knn').textContent =
      `${last.top1.toFixed(1)} % (top-5 ${last.top5.toFixed(1)} %) at step ${last.step}; ${last.bank} bank / ${last.query} query images, ${last.ms.toFixed(0)} ms`;
  drawKnnChart();
}

function onStep(e: StepEvent): void {
  state.events.push(e);
  $('m-step').textContent = `${e.step} / ${e.totalSteps}`;
  $('m-ips').textContent = e.imgsPerSec.toFixed(1);
  $('m-total').textContent = e.parts.total.toFixed(4);
  $('m-mim').textContent = e.parts.mim.toFixed(4);
  $('m-nce').textContent = e.parts.nce.toFixed(4);
  $('m-acc').textContent = `${(100 * e.parts.nceAcc).toFixed(0)} %`;
  $('m-lr').textContent = e.lr.toExponential(2);
  $('m-mem').textContent = `${e.numTensors} / ${(e.numBytes / 2 ** 20).toFixed(1)}`;
  drawChart();
}

worker.onmessage = (ev: MessageEvent<FromWorker>) => {
  const m = ev.data;
  waiters = waiters.filter((w) => !w(m));
  switch (m.type) {
    case 'backend':
      state.backend = m.info;
      $<HTMLSelectElement>('backend').value = m.info.name;
      $('backend-info').textContent = describeBackend(m.info);
      for (const s of m.info.skipped) {
        if (s.choice === 'webgpu') showError({ code: 'NO_WEBGPU', message: s.reason, fallback: m.info.name });
      }
      break;
    case 'status':
      $('status').textContent = m.message;
      break;
    case 'started':
      state.started = { step: m.step, resumed: m.resumed, numParams: m.numParams, workers: m.workers };
      state.restored = m.history;
      state.events = [...m.history];
      state.knn = [...m.knnHistory];
      drawChart();
      showKnn();
      $('status').textContent =
        `${m.resumed ? `resumed at step ${m.step}` : 'started'}; ${m.numParams.toLocaleString()} parameters` +
        (m.workers > 1 ? `; ${m.workers} Web Workers` : '');
      $<HTMLButtonElement>('pause').disabled = false;
      $<HTMLButtonElement>('export').disabled = false;
      break;
    case 'step':
      onStep(m.event);
      break;
    case 'knn':
      state.knn.push(m.point);
      showKnn();
      break;
    case 'preview': {
      state.previews++;
      const box = $('previews');
      box.replaceChildren();
      m.splits.forEach((split, i) => {
        const div = document.createElement('div');
        div.className = 'example';
        div.append(drawPicture(split, 'A/B split'), drawPicture(m.tokens[i], 'token map'));
        const label = m.labels[i];
        div.append(
          document.createElement('br'),
          label === undefined ? '' : (FASHION_MNIST_CLASSES[label] ?? ''),
        );
        box.append(div);
      });
      break;
    }
    case 'checkpoint':
      state.checkpoints.push({ step: m.step, bytes: m.bytes, ms: m.ms });
      $('checkpoint-info').textContent =
        `checkpoint at step ${m.step} in IndexedDB (${(m.bytes / 1024).toFixed(0)} KiB, ${m.ms.toFixed(0)} ms)`;
      break;
    case 'paused':
      state.paused = true;
      $('status').textContent = `paused at step ${m.step}`;
      $('pause').textContent = 'Resume';
      break;
    case 'done':
      state.done = true;
      $('status').textContent = `done: ${m.step} steps`;
      break;
    case 'export': {
      state.exported = { bytes: m.bytes.length, step: m.step };
      const blob = new Blob([m.bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' });
      const a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = `splitmask-vit-step${m.step}.safetensors`;
      a.click();
      break;
    }
    case 'parity':
      state.parity = m.result;
      break;
    case 'error':
      showError(m);
      break;
  }
};
worker.onerror = (e) => showError({ code: 'WORKER', message: e.message });

let bundled: Promise<ImageArray> | undefined;
function loadBundled(): Promise<ImageArray> {
  bundled ??= fetch(`${import.meta.env.BASE_URL}fashion-mnist-512.bin`)
    .then((r) => {
      if (!r.ok) throw new Error(`fetching the bundled images: HTTP ${r.status}`);
      return r.arrayBuffer();
    })
    .then((b) => decodeSubset(new Uint8Array(b)));
  return bundled;
}

async function chosenImages(): Promise<{ images: ImageArray; name: string; labelled?: ImageArray }> {
  const useFolder = document.querySelector<HTMLInputElement>('input[name=data]:checked')?.value === 'folder';
  const files = $<HTMLInputElement>('folder').files;
  if (useFolder && files && files.length > 0) {
    const { data, skipped } = await decodeImageFiles(Array.from(files), 28, (n) => {
      $('status').textContent = `decoding images: ${n}/${files.length}`;
    });
    for (const s of skipped.slice(0, 5)) showError({ code: s.code, message: s.message });
    if (skipped.length > 5)
      showError({ code: 'UNSUPPORTED_IMAGE', message: `${skipped.length - 5} more files skipped` });
    if (data.count < 8)
      throw new Error(`only ${data.count} images could be decoded from the folder (need at least 8)`);
    return { images: data, name: `folder:${files[0].webkitRelativePath.split('/')[0]}:${data.count}` };
  }
  const all = await loadBundled();
  const n = Number(params.get('images') ?? all.count);
  return { images: takeImages(all, n), name: `fashion-mnist:${n}`, labelled: all };
}

function choice(): DemoChoice {
  return {
    size: $<HTMLSelectElement>('size').value as ModelSize,
    tokenizer: $<HTMLSelectElement>('tokenizer').value as TokenizerKind,
    steps: Number($<HTMLInputElement>('steps').value),
    batchSize: Number($<HTMLInputElement>('batch').value),
  };
}

function runKey(c: DemoChoice, dataName: string): string {
  return `${dataName}|${c.size}|${c.tokenizer}|${c.steps}|${c.batchSize}`;
}

let backendReady: Promise<void> | undefined;
function initBackendOnce(): Promise<void> {
  backendReady ??= new Promise<void>((resolve) => {
    waiters.push((m) => {
      if (m.type === 'backend' || m.type === 'error') resolve();
      return m.type === 'backend' || m.type === 'error';
    });
    send({ type: 'init', backend: $<HTMLSelectElement>('backend').value as BackendChoice });
  });
  return backendReady;
}

async function start(): Promise<void> {
  $<HTMLButtonElement>('start').disabled = true;
  try {
    await initBackendOnce();
    const { images, name, labelled } = await chosenImages();
    const c = choice();
    const every = Number(params.get('ckpt') ?? 10);
    const knnEvery = Number(params.get('knn') ?? 10);
    $('m-knn').textContent = labelled
      ? knnEvery > 0
        ? `every ${knnEvery} steps`
        : 'off (?knn=0)'
      : 'needs labelled images (the bundled subset); a folder has none';
    const failAt = params.get('simulateGpuFailureAt');
    send({
      type: 'start',
      choice: c,
      images,
      runKey: runKey(c, name),
      resume: true,
      checkpointEvery: every,
      workers: Number(params.get('workers') ?? 1),
      simulateGpuFailureAt: failAt === null ? undefined : Number(failAt),
      knn: labelled && knnEvery > 0 ? { images: labelled, every: knnEvery } : undefined,
    });
  } catch (e) {
    showError({ code: 'START', message: e instanceof Error ? e.message : String(e) });
    $<HTMLButtonElement>('start').disabled = false;
  }
}

$('start').addEventListener('click', () => void start());
$('pause').addEventListener('click', () => {
  if (state.paused) {
    state.paused = false;
    $('pause').textContent = 'Pause';
    send({ type: 'resume' });
  } else send({ type: 'pause' });
});
$('export').addEventListener('click', () => send({ type: 'export' }));
$('reset').addEventListener('click', async () => {
  const { name } = await chosenImages();
  await deleteCheckpoint(runKey(choice(), name));
  $('checkpoint-info').textContent = 'checkpoint deleted';
});

/** Runs the shared parity case in the worker on the page's backend. */
async function parity(): Promise<ParityResult> {
  await initBackendOnce();
  const images = takeImages(await loadBundled(), 8);
  return new Promise((resolve, reject) => {
    waiters.push((m) => {
      if (m.type === 'parity') resolve(m.result);
      else if (m.type === 'error') reject(new Error(m.message));
      else return false;
      return true;
    });
    send({ type: 'parity', images });
  });
}

/** Initialises the worker's backend (the form's choice) and returns what it picked. */
async function initBackend(): Promise<BackendInfo | undefined> {
  await initBackendOnce();
  return state.backend;
}

Object.assign(globalThis, { splitmaskDemo: { state, parity, start, initBackend } });
if (params.get('autostart') === '1') void start();
