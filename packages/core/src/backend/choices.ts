/**
 * The frozen vocabulary of backend choices and what each one needs installed. One table, so the
 * resolver, its errors and the docs cannot drift apart.
 */

/** Every value `initBackend` accepts, in documentation order. */
export const BACKEND_CHOICES = Object.freeze([
  'auto',
  'cpu',
  'wasm',
  'webgl',
  'webgpu',
  'tensorflow',
  'tensorflow-gpu',
] as const);

/** A backend choice: 'auto' or one concrete backend. */
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

/** A concrete (non-'auto') backend choice. */
export type ConcreteBackend = Exclude<BackendChoice, 'auto'>;

/** JavaScript runtime families that pick different 'auto' orders. */
export type Runtime = 'node' | 'browser';

/** Order 'auto' tries, best first (native TensorFlow in Node, GPUs in browsers, wasm before pure JS). */
export const AUTO_ORDER: Readonly<Record<Runtime, readonly ConcreteBackend[]>> = Object.freeze({
  node: Object.freeze(['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const),
  browser: Object.freeze(['webgpu', 'webgl', 'wasm', 'cpu'] as const),
});

/** npm packages each concrete choice imports (in order), and the tfjs backend name it registers. */
export const BACKEND_PACKAGES: Readonly<
  Record<ConcreteBackend, { readonly packages: readonly string[]; readonly tfName: string }>
> = Object.freeze({
  cpu: { packages: ['@tensorflow/tfjs-backend-cpu'], tfName: 'cpu' },
  wasm: { packages: ['@tensorflow/tfjs-backend-wasm'], tfName: 'wasm' },
  webgl: { packages: ['@tensorflow/tfjs-backend-webgl'], tfName: 'webgl' },
  webgpu: { packages: ['@tensorflow/tfjs-backend-webgpu'], tfName: 'webgpu' },
  tensorflow: { packages: ['@tensorflow/tfjs-node'], tfName: 'tensorflow' },
  'tensorflow-gpu': { packages: ['@tensorflow/tfjs-node-gpu'], tfName: 'tensorflow' },
});

/** Version the optional `webgpu` (Dawn for Node) package is tested at. */
export const DAWN_NODE_VERSION = '0.6.2';

/** True when `x` is one of BACKEND_CHOICES. */
export function isBackendChoice(x: unknown): x is BackendChoice {
  return typeof x === 'string' && (BACKEND_CHOICES as readonly string[]).includes(x);
}

/**
 * The exact command that installs what `choice` needs, pinned to the running tfjs-core version.
 * @example installCommand('tensorflow', '4.22.0') // 'npm install @tensorflow/tfjs-node@4.22.0'
 */
export function installCommand(
  choice: ConcreteBackend,
  tfjsVersion: string,
  runtime: Runtime = 'node',
): string {
  const pkgs = BACKEND_PACKAGES[choice].packages.map((p) => `${p}@${tfjsVersion}`);
  if (choice === 'webgpu' && runtime === 'node') pkgs.push(`webgpu@${DAWN_NODE_VERSION}`);
  return `npm install ${pkgs.join(' ')}`;
}
