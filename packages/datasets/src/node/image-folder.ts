/**
 * Image folders and file lists (Node): torchvision-`ImageFolder`-style class subfolders → labels
 * (sorted folder names), a flat or nested folder without class folders → unlabelled, or an explicit file
 * list. Decoding is lazy (per `get`) with sharp. Nothing outside the root is read: symlinks whose target
 * resolves outside it are refused with `OUTSIDE_ROOT`.
 */
import type { Dirent } from 'node:fs';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { checkIndex, DatasetError } from '../errors';
import type { DecodeOptions, ImageDataset, ImageDecoder } from '../types';
import { sharpDecoder } from './decode-sharp';

/** Extensions recognised as images (lower case). */
export const IMAGE_EXTENSIONS: readonly string[] = Object.freeze(['.jpg', '.jpeg', '.png', '.webp']);

/** Options shared by `imageFolder` and `imageFileList`. */
export interface ImageFilesOptions extends Pick<DecodeOptions, 'channels'> {
  /** Default: sharp. */
  decode?: ImageDecoder;
  /** Default `IMAGE_EXTENSIONS`. */
  extensions?: readonly string[];
}

/** Options of `imageFolder`. */
export interface ImageFolderOptions extends ImageFilesOptions {
  /**
   * 'folders': each subfolder of root is a class; 'none': all images (recursively) unlabelled;
   * 'auto' (default): 'folders' when root holds subfolders and no images directly, else 'none'.
   */
  labels?: 'auto' | 'folders' | 'none';
}

/** A file-backed dataset; `files[i]` is the path of sample i. */
export interface ImageFileDataset extends ImageDataset {
  readonly files: readonly string[];
  readonly labels?: Int32Array;
  /** Files found under the root without an image extension (not samples; listed so apps can report them). */
  readonly ignored?: readonly string[];
}

function fsError(e: unknown, path: string, what: string): DatasetError {
  const code = (e as { code?: string })?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR')
    return new DatasetError('MISSING_FILE', `${what}: ${path} does not exist`, { path, cause: e });
  return new DatasetError('MISSING_FILE', `${what}: cannot read ${path} (${code ?? String(e)})`, {
    path,
    cause: e,
  });
}

function insideRoot(rootReal: string, target: string): boolean {
  const rel = relative(rootReal, target);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/** Recursively lists image files under `dir` (sorted), refusing symlinks that leave `rootReal`. */
async function walk(
  dir: string,
  rootReal: string,
  exts: readonly string[],
  seen: Set<string>,
  ignored: string[] = [],
): Promise<string[]> {
  const real = await realpath(dir);
  if (seen.has(real)) return [];
  seen.add(real);
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    throw fsError(e, dir, 'imageFolder');
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const out: string[] = [];
  for (const ent of entries) {
    const path = join(dir, ent.name);
    let isDir = ent.isDirectory();
    let isFile = ent.isFile();
    if (ent.isSymbolicLink()) {
      const target = await realpath(path).catch((e) => {
        throw fsError(e, path, 'imageFolder (broken symlink)');
      });
      if (!insideRoot(rootReal, target))
        throw new DatasetError(
          'OUTSIDE_ROOT',
          `imageFolder: ${path} links to ${target}, outside the root ${rootReal}`,
          {
            path,
          },
        );
      const st = await stat(target);
      isDir = st.isDirectory();
      isFile = st.isFile();
    }
    if (isDir) out.push(...(await walk(path, rootReal, exts, seen, ignored)));
    else if (isFile && exts.includes(extname(ent.name).toLowerCase())) out.push(path);
    else if (isFile) ignored.push(path);
  }
  return out;
}

function fileDataset(
  files: string[],
  labels: Int32Array | undefined,
  classNames: string[] | undefined,
  options: ImageFilesOptions,
): ImageFileDataset {
  const decode = options.decode ?? sharpDecoder;
  return {
    length: files.length,
    numClasses: classNames?.length,
    classNames,
    files,
    labels,
    get: async (i) => {
      checkIndex(i, files.length, 'image files');
      const path = files[i];
      let bytes: Uint8Array;
      try {
        bytes = await readFile(path);
      } catch (e) {
        throw fsError(e, path, 'image files');
      }
      const image = await decode(bytes, { channels: options.channels, name: path });
      return labels ? { image, label: labels[i] } : { image };
    },
  };
}

/**
 * Lists an image folder (eagerly) and returns a lazily decoding dataset.
 * Errors: `MISSING_FILE` (root missing), `EMPTY_DATASET` (no images, or a class folder without images,
 * naming it), `OUTSIDE_ROOT` (symlink escaping root).
 * @example const ds = await imageFolder('data/train'); // data/train/<class>/*.jpg
 */
export async function imageFolder(root: string, options: ImageFolderOptions = {}): Promise<ImageFileDataset> {
  const exts = options.extensions ?? IMAGE_EXTENSIONS;
  let rootReal: string;
  try {
    rootReal = await realpath(root);
    if (!(await stat(rootReal)).isDirectory())
      throw new DatasetError('MISSING_FILE', `imageFolder: ${root} is not a directory`, { path: root });
  } catch (e) {
    throw e instanceof DatasetError ? e : fsError(e, root, 'imageFolder');
  }
  const top = await readdir(rootReal, { withFileTypes: true });
  const hasTopImages = top.some((d) => !d.isDirectory() && exts.includes(extname(d.name).toLowerCase()));
  const classDirs = top
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  const mode = options.labels ?? 'auto';
  const byFolder = mode === 'folders' || (mode === 'auto' && classDirs.length > 0 && !hasTopImages);
  const seen = new Set<string>();
  const ignored: string[] = [];
  if (!byFolder) {
    const files = await walk(rootReal, rootReal, exts, seen, ignored);
    if (files.length === 0)
      throw new DatasetError(
        'EMPTY_DATASET',
        `imageFolder: no ${exts.join('/')} images under ${root}` +
          (ignored.length ? ` (${ignored.length} other file(s), e.g. ${ignored[0]})` : ''),
        { path: root },
      );
    return { ...fileDataset(files, undefined, undefined, options), ignored };
  }
  if (classDirs.length === 0)
    throw new DatasetError('EMPTY_DATASET', `imageFolder: ${root} has no class subfolders`, { path: root });
  const files: string[] = [];
  const labels: number[] = [];
  for (const [c, name] of classDirs.entries()) {
    const dir = join(rootReal, name);
    const found = await walk(dir, rootReal, exts, seen, ignored);
    if (found.length === 0)
      throw new DatasetError(
        'EMPTY_DATASET',
        `imageFolder: class folder ${dir} has no ${exts.join('/')} images`,
        {
          path: dir,
        },
      );
    files.push(...found);
    for (let k = 0; k < found.length; k++) labels.push(c);
  }
  return { ...fileDataset(files, Int32Array.from(labels), classDirs, options), ignored };
}

/** An entry of `imageFileList`: a path (relative to `root` if given) and an optional label. */
export type FileListEntry = string | { path: string; label?: number };

/**
 * A dataset over an explicit list of files (all labelled or all unlabelled). Every file is checked to
 * exist up front; with `root`, relative paths resolve against it and must stay inside it.
 * @example const ds = await imageFileList([{ path: 'a.jpg', label: 0 }, { path: 'b.png', label: 1 }], { root: 'imgs' });
 */
export async function imageFileList(
  entries: readonly FileListEntry[],
  options: ImageFilesOptions & { root?: string; numClasses?: number; classNames?: string[] } = {},
): Promise<ImageFileDataset> {
  if (entries.length === 0) throw new DatasetError('EMPTY_DATASET', 'imageFileList: no files given');
  const rootReal =
    options.root === undefined
      ? undefined
      : await realpath(options.root).catch((e) => {
          throw fsError(e, options.root as string, 'imageFileList');
        });
  const files: string[] = [];
  const labels: number[] = [];
  for (const e of entries) {
    const p = typeof e === 'string' ? e : e.path;
    const path = rootReal === undefined ? resolve(p) : resolve(rootReal, p);
    const real = await realpath(path).catch((err) => {
      throw fsError(err, path, 'imageFileList');
    });
    if (rootReal !== undefined && !insideRoot(rootReal, real))
      throw new DatasetError(
        'OUTSIDE_ROOT',
        `imageFileList: ${p} resolves to ${real}, outside the root ${rootReal}`,
        { path: p },
      );
    files.push(path);
    if (typeof e !== 'string' && e.label !== undefined) labels.push(e.label);
  }
  if (labels.length !== 0 && labels.length !== files.length)
    throw new DatasetError(
      'INVALID_ARGUMENT',
      `imageFileList: ${labels.length} of ${files.length} entries have labels; label all or none`,
    );
  const numClasses = labels.length ? (options.numClasses ?? Math.max(...labels) + 1) : undefined;
  const ds = fileDataset(
    files,
    labels.length ? Int32Array.from(labels) : undefined,
    options.classNames,
    options,
  );
  return numClasses === undefined ? ds : { ...ds, numClasses };
}
