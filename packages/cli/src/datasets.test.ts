import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatasetError, type ImageDataset } from '@splitmask/datasets';
import { ConfigError } from '@splitmask/splitmask';
import { beforeAll, describe, expect, test } from 'vitest';
import { loadImages, openDataset, summarizeSkipped, toImageArray } from './datasets';

function fakeDataset(n: number, size: number, channels: number): ImageDataset {
  return {
    length: n,
    numClasses: 2,
    get: async (i) => ({
      image: {
        data: new Uint8Array(size * size * channels).fill(10 * i),
        width: size,
        height: size,
        channels,
      },
      label: i % 2,
    }),
  };
}

test('toImageArray: copies same-size images, resizes others, converts channels, honours limit', async () => {
  const same = await toImageArray(fakeDataset(5, 8, 1), { size: 8, channels: 1, limit: 3 });
  expect([same.count, same.size, same.channels]).toEqual([3, 8, 1]);
  expect(same.pixels[2 * 64]).toBe(20);
  expect(Array.from(same.labels ?? [])).toEqual([0, 1, 0]);
  const resized = await toImageArray(fakeDataset(2, 12, 3), { size: 6, channels: 1 });
  expect(resized.pixels.length).toBe(2 * 36);
  expect(resized.pixels[36 + 7]).toBe(10); // a constant image stays constant after resize + greyscale
});

test('openDataset names what it accepts', async () => {
  await expect(openDataset('imagenet-22k')).rejects.toThrow(ConfigError);
  await expect(openDataset('imagenet-22k')).rejects.toThrow(/expected fashion-mnist, mnist or a folder/);
});

test('embedded Fashion-MNIST: any prefix is class-balanced; test split is held out', async () => {
  const train = await loadImages('fashion-mnist', 'train', { imageSize: 28, inChans: 1 }, 50);
  const counts = new Array(10).fill(0);
  for (const l of train.labels ?? []) counts[l]++;
  expect(counts).toEqual(new Array(10).fill(5));
  const test32 = await loadImages('fashion-mnist', 'test', { imageSize: 32, inChans: 1 }, 10);
  expect(test32.size).toBe(28); // padded later by the source, not resized
}, 60_000);

describe('image folders with broken files', () => {
  let root: string;
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'cli-broken-'));
    const sharp = (await import('sharp')).default;
    const png = await sharp({
      create: { width: 9, height: 9, channels: 3, background: { r: 50, g: 60, b: 70 } },
    })
      .png()
      .toBuffer();
    writeFileSync(join(root, 'a-good.png'), png);
    writeFileSync(join(root, 'b-zero.jpg'), new Uint8Array(0));
    writeFileSync(join(root, 'c-truncated.png'), png.subarray(0, Math.floor(png.length / 2)));
    writeFileSync(join(root, 'd-text.jpg'), 'this is not a JPEG');
    writeFileSync(join(root, 'e-good.png'), png);
    writeFileSync(join(root, 'notes.txt'), 'hello');
  });

  test('skipped by default, each named with its reason; the good ones load', async () => {
    const got = await loadImages(root, 'train', { imageSize: 8, inChans: 3 });
    expect(got.count).toBe(2);
    expect(got.pixels.length).toBe(2 * 8 * 8 * 3);
    const names = got.skipped.map((s) => s.file.slice(s.file.lastIndexOf('/') + 1));
    expect(names).toEqual(['notes.txt', 'b-zero.jpg', 'c-truncated.png', 'd-text.jpg']);
    for (const s of got.skipped) expect(s.reason.length).toBeGreaterThan(5);
    const line = summarizeSkipped(got.skipped, 'run/skipped-files.txt') as string;
    expect(line).toMatch(
      /^skipped 4 file\(s\) .*notes\.txt.*b-zero\.jpg.*c-truncated\.png.*, and 1 more; full list: run\/skipped-files\.txt/,
    );
    expect(summarizeSkipped([])).toBeUndefined();
  });

  test('--strict: the first bad file is an error naming it', async () => {
    await expect(
      loadImages(root, 'train', { imageSize: 8, inChans: 3 }, undefined, { strict: true }),
    ).rejects.toThrow(/b-zero\.jpg: cannot decode image/);
  });

  test('no readable image is one clear EMPTY_DATASET error naming the folder', async () => {
    const bad = mkdtempSync(join(tmpdir(), 'cli-allbad-'));
    writeFileSync(join(bad, 'x.jpg'), 'nope');
    const err = await loadImages(bad, 'train', { imageSize: 8, inChans: 3 }).catch((e) => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect(err.message).toMatch(
      new RegExp(`^${bad}: no readable image among 1 file\\(s\\) \\(.*x\\.jpg: cannot decode`),
    );
  });
});
