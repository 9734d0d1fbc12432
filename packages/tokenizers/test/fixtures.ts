/** Typed access to the reference fixtures written by tools/fixtures_tokenizers.py. */
import { fileURLToPath } from 'node:url';
import { loadFixture, loadJsonFixture } from '@splitmask/test-utils';

/** The package directory (fixtures live in test/fixtures). */
export const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));

/** A dense array as the fixture script writes it. */
export interface FixtureArray {
  shape: number[];
  data: number[];
}

export interface TokenizeFixture {
  patchSize: number;
  vocabSize: number;
  mean: number[];
  std: number[];
  images: FixtureArray;
  codebook: FixtureArray;
  patches: FixtureArray;
  tokens: FixtureArray;
}

export interface KMeansFixture {
  dim: number;
  k: number;
  iterations: number;
  points: FixtureArray;
  init: FixtureArray;
  inertia: number[];
  iterationsRun: number;
  emptyClustersReseeded: number;
  centroids: FixtureArray;
  assignments: number[];
}

export interface DalleFixture {
  images: FixtureArray;
  logits: FixtureArray;
  tokens: FixtureArray;
}

export const fixture = <T>(name: string): T => loadJsonFixture<T>(PACKAGE_DIR, name);
export const fixtureBytes = (name: string): Uint8Array => loadFixture(PACKAGE_DIR, name);
