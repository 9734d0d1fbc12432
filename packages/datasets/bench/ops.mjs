#!/usr/bin/env node
// Per-op CPU cost (ms of process CPU time per call) of the transforms on a 500×375 RGB image / 224² view.
// Usage: node bench/ops.mjs (after `pnpm build`).
import { createRng } from '@splitmask/core/rng';
import {
  adjustHue,
  adjustSaturation,
  createTwoViewTransform,
  gaussianBlur,
  normalize,
  resize,
} from '../dist/index.js';

const img = {
  data: new Uint8Array(500 * 375 * 3).map((_, i) => (i * 37) % 251),
  width: 500,
  height: 375,
  channels: 3,
};
const view = resize(img, 224, 224, 'bicubic');
const box = { top: 20, left: 50, height: 300, width: 300 };
const rng = createRng(0);
const twoView = createTwoViewTransform({ size: 224, secondSize: 112 });
const ops = {
  'resize bicubic 300²→224²': () => resize(img, 224, 224, 'bicubic', box),
  'resize lanczos 300²→112²': () => resize(img, 112, 112, 'lanczos', box),
  'resize bilinear 300²→224²': () => resize(img, 224, 224, 'bilinear', box),
  'normalize 224²': () => normalize(view, [0.5], [0.5]),
  'gaussianBlur r=1.5 224²': () => gaussianBlur(view, 1.5),
  'adjustHue 224²': () => adjustHue(view, 0.1),
  'adjustSaturation 224²': () => adjustSaturation(view, 1.3),
  'two-view 224+112 (full transform)': () => twoView(img, rng),
};
for (const [name, fn] of Object.entries(ops)) {
  for (let i = 0; i < 5; i++) fn();
  const c0 = process.cpuUsage();
  for (let i = 0; i < 30; i++) fn();
  const c = process.cpuUsage(c0);
  console.log(`${name.padEnd(36)} ${((c.user + c.system) / 1000 / 30).toFixed(2).padStart(6)} ms CPU`);
}
