/**
 * Parameter trees: nested plain objects (and arrays, for `blocks`) whose leaves are tensors.
 * Flat names are timm's dotted paths (`blocks.3.attn.qkv.weight`), so checkpoints map name for name.
 */
import * as tf from '@tensorflow/tfjs-core';

/** A nested tree of tensors; arrays are indexed as `blocks.0`, `blocks.1`, ... */
export type ParamTree<T = tf.Tensor> = T | ParamTreeNode<T> | ParamTree<T>[];
/** An object node of a parameter tree. */
export interface ParamTreeNode<T = tf.Tensor> {
  [key: string]: ParamTree<T>;
}

/**
 * Maps a tree of tensors to the same tree of Variables (what `init*` returns). Each leaf keeps its rank
 * (`Tensor2D` → `Variable<Rank.R2>`), so the tree is accepted wherever the tensor tree is.
 */
export type VariableTree<P> =
  P extends tf.Tensor<infer R>
    ? tf.Variable<R>
    : P extends (infer E)[]
      ? VariableTree<E>[]
      : { [K in keyof P]: VariableTree<P[K]> };

function isLeaf(x: unknown): x is tf.Tensor {
  return x instanceof tf.Tensor;
}

/**
 * Flattens a tree to `{ 'a.b.0.c': tensor }` in depth-first key order.
 * @example flattenParams({ norm: { weight, bias } }) // { 'norm.weight': weight, 'norm.bias': bias }
 */
export function flattenParams<T extends tf.Tensor = tf.Tensor>(
  tree: unknown,
  prefix = '',
): Record<string, T> {
  const out: Record<string, T> = {};
  const visit = (node: unknown, path: string): void => {
    if (isLeaf(node)) {
      out[path] = node as T;
    } else if (Array.isArray(node)) {
      node.forEach((child, i) => {
        visit(child, path ? `${path}.${i}` : String(i));
      });
    } else if (node !== null && typeof node === 'object') {
      for (const [key, child] of Object.entries(node)) visit(child, path ? `${path}.${key}` : key);
    } else if (node !== undefined) {
      throw new TypeError(`flattenParams: leaf '${path}' is not a tensor (got ${typeof node})`);
    }
  };
  visit(tree, prefix);
  return out;
}

/**
 * Rebuilds a tree from flat names, using `template` for structure; throws naming missing keys.
 * Leaves of the result are taken from `flat` (not copied).
 */
export function unflattenParams<P>(template: P, flat: Record<string, tf.Tensor>, prefix = ''): P {
  const missing: string[] = [];
  const build = (node: unknown, path: string): unknown => {
    if (isLeaf(node)) {
      const t = flat[path];
      if (!t) missing.push(path);
      return t;
    }
    if (Array.isArray(node)) return node.map((child, i) => build(child, path ? `${path}.${i}` : String(i)));
    if (node !== null && typeof node === 'object') {
      return Object.fromEntries(
        Object.entries(node).map(([key, child]) => [key, build(child, path ? `${path}.${key}` : key)]),
      );
    }
    return node;
  };
  const tree = build(template, prefix) as P;
  if (missing.length)
    throw new Error(`unflattenParams: missing ${missing.length} tensors: ${missing.join(', ')}`);
  return tree;
}

/** Total number of scalar parameters in a tree. */
export function countParams(tree: unknown): number {
  return Object.values(flattenParams(tree)).reduce((n, t) => n + t.size, 0);
}

/** Maps every leaf, keeping the structure. */
export function mapParams<P>(tree: P, fn: (t: tf.Tensor, name: string) => tf.Tensor): P {
  const flat = flattenParams(tree);
  const mapped: Record<string, tf.Tensor> = {};
  for (const [name, t] of Object.entries(flat)) mapped[name] = fn(t, name);
  return unflattenParams(tree, mapped);
}

/**
 * Turns a tree of tensors into trainable Variables named `${role}/${flatName}`. Disposes the inputs.
 * Variable names are process-global in tfjs, so `role` (e.g. 'student', 'teacher') must be unique.
 */
export function toVariables<P>(tree: P, role: string, trainable = true): VariableTree<P> {
  return mapParams(tree, (t, name) => {
    const v = tf.variable(t, trainable, `${role}/${name}`);
    t.dispose();
    return v;
  }) as unknown as VariableTree<P>;
}

/** Deep copy of every leaf (fresh tensors, not Variables). */
export function cloneParams<P>(tree: P): P {
  return mapParams(tree, (t) => tf.clone(t));
}

/** Assigns `source` leaves into Variables of `target` with the same names; shapes must match. */
export function assignParams(target: unknown, source: unknown): void {
  const dst = flattenParams<tf.Variable>(target);
  const src = flattenParams(source);
  for (const [name, v] of Object.entries(dst)) {
    const t = src[name];
    if (!t) throw new Error(`assignParams: source has no tensor '${name}'`);
    if (!tf.util.arraysEqual(t.shape, v.shape)) {
      throw new Error(`assignParams: '${name}' has shape [${t.shape}] but the variable is [${v.shape}]`);
    }
    v.assign(t);
  }
}

/** Disposes every leaf of a tree. */
export function disposeParams(tree: unknown): void {
  for (const t of Object.values(flattenParams(tree))) t.dispose();
}

/** The leaves as a list, for `tf.variableGrads(f, varList)`. */
export function varList(tree: unknown): tf.Variable[] {
  return Object.values(flattenParams<tf.Variable>(tree));
}

/**
 * A tree of fresh zero tensors with the leaves' shapes and dtypes (e.g. gradient accumulators).
 * The caller owns the result.
 * @example const acc = zerosLikeParams(params); // same structure, all zeros
 */
export function zerosLikeParams<P>(tree: P): P {
  return mapParams(tree, (t) => tf.zerosLike(t));
}

/**
 * Flat name → shape of every leaf, in flatten order.
 * @example paramShapes({ head: { weight } }) // { 'head.weight': [384, 1000] }
 */
export function paramShapes(tree: unknown): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [name, t] of Object.entries(flattenParams(tree))) out[name] = [...t.shape];
  return out;
}

/**
 * The flat (timm) name of a Variable created by `toVariables`: its name without the `role/` prefix.
 * @example stripRole('student/blocks.0.norm1.weight') // 'blocks.0.norm1.weight'
 */
export function stripRole(variableName: string): string {
  const i = variableName.lastIndexOf('/'); // flat names never contain '/', roles may
  return i < 0 ? variableName : variableName.slice(i + 1);
}
