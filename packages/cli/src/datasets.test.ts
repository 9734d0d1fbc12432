import type { ImageDataset } from '@splitmask/datasets';
import { ConfigError } from '@splitmask/splitmask';
import { expect, test } from 'vitest';
import { loadImages, openDataset, toImageArray } from './datasets';

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
