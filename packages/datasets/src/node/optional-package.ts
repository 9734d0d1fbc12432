/**
 * The Node loaders' heavy dependencies (`fashion-mnist` ~149 MB, `mnist` ~41 MB, `sharp` with libvips)
 * are optional peer dependencies: a browser app or a Node app that never calls them installs none. The
 * first call loads them, and a missing one is a `DatasetError('MISSING_PACKAGE')` naming the package and
 * the install command.
 */
import { createRequire } from 'node:module';
import { DatasetError } from '../errors';

/** The optional packages and the versions this release is tested with. */
export const OPTIONAL_PACKAGES = {
  'fashion-mnist': '1.1.0',
  mnist: '1.1.0',
  sharp: '0.35.5',
} as const;
export type OptionalPackage = keyof typeof OPTIONAL_PACKAGES;

/** The typed error for a missing optional package. @example throw missingPackage('sharp', 'imageFolder'); */
export function missingPackage(name: OptionalPackage, feature: string, cause?: unknown): DatasetError {
  const install = `npm install ${name}@${OPTIONAL_PACKAGES[name]}`;
  return new DatasetError(
    'MISSING_PACKAGE',
    `${feature} needs the optional package '${name}', which is not installed: run \`${install}\``,
    { path: name, cause },
  );
}

const isNotFound = (e: unknown): boolean =>
  typeof e === 'object' &&
  e !== null &&
  /MODULE_NOT_FOUND|ERR_MODULE_NOT_FOUND/.test(String((e as { code?: unknown }).code));

/**
 * Resolves the `package.json` of an optional package (for data files inside it).
 * @example const pkgJson = resolveOptional('mnist', 'loadMnist');
 */
export function resolveOptional(
  name: OptionalPackage,
  feature: string,
  resolve: (id: string) => string = createRequire(import.meta.url).resolve,
): string {
  try {
    return resolve(`${name}/package.json`);
  } catch (e) {
    throw isNotFound(e) ? missingPackage(name, feature, e) : e;
  }
}

/**
 * Imports an optional package, turning "not installed" into the typed error.
 * @example const sharp = (await importOptional('sharp', 'sharpDecoder', () => import('sharp'))).default;
 */
export async function importOptional<T>(
  name: OptionalPackage,
  feature: string,
  load: () => Promise<T>,
): Promise<T> {
  try {
    return await load();
  } catch (e) {
    throw isNotFound(e) ? missingPackage(name, feature, e) : e;
  }
}
