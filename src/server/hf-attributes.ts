/**
 * `.gitattributes` work of the HF write API, run on a worker thread (work-jobs.ts): reading the
 * attribute files of a tree, deciding which paths are LFS (`filter=lfs`), and adding the
 * `git lfs track --filename` lines for pointers no rule covers. Matching is linear per rule and
 * path (wildmatch.ts) but a repository may hold many rules and a commit many paths, so none of
 * it runs on the event loop. An attribute file larger than {@link MAX_ATTRIBUTES_BYTES} is
 * refused (422): git reads up to 100 MB of one, no hub client writes more than a few KB.
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import { addTrackedFilenames, AttributeMatcher, parseGitattributes, type AttributeSource } from '../formats/gitattributes.js';
import * as git from './git-write.js';
import { HttpError } from './http-util.js';

/** The largest `.gitattributes` the HF write API reads. */
export const MAX_ATTRIBUTES_BYTES = 16 << 20;

/** A `.gitattributes` file of a tree: its directory ('' for the root) and its content, a blob or a staged file. */
export interface AttributeFile {
  base: string;
  blob?: string;
  file?: string;
}

/** Whether `path` names a `.gitattributes` file. */
export function isAttributesPath(path: string): boolean {
  return path === '.gitattributes' || path.endsWith('/.gitattributes');
}

/** The directory a `.gitattributes` path applies to. */
export function attributesBase(path: string): string {
  return path.slice(0, Math.max(0, path.length - '/.gitattributes'.length));
}

function tooLarge(base: string): HttpError {
  return new HttpError(422, `${base === '' ? '' : `${base}/`}.gitattributes is larger than ${MAX_ATTRIBUTES_BYTES} bytes`);
}

/** The text of one attribute file (422 when too large). */
export async function attributeText(dir: string, f: AttributeFile): Promise<string> {
  if (f.file !== undefined) {
    if ((await stat(f.file)).size > MAX_ATTRIBUTES_BYTES) throw tooLarge(f.base);
    return readFile(f.file, 'utf8');
  }
  if (f.blob === undefined) return '';
  const bytes = await git.readBlobUpTo(dir, f.blob, MAX_ATTRIBUTES_BYTES);
  if (bytes === undefined) throw tooLarge(f.base);
  return bytes.toString('utf8');
}

/** The attribute files of commit `tip`'s tree (regular files only). */
export async function attributeFilesAt(dir: string, tip: string | undefined): Promise<AttributeFile[]> {
  const files: AttributeFile[] = [];
  for (const [path, entry] of tip ? await git.listTree(dir, tip) : []) {
    if (isAttributesPath(path) && entry.mode.startsWith('100')) files.push({ base: attributesBase(path), blob: entry.oid });
  }
  return files;
}

/** A matcher over `files`, with the root file's text returned too ('' when there is none). */
export async function attributeMatcher(dir: string, files: readonly AttributeFile[]): Promise<{ matcher: AttributeMatcher; rootText: string }> {
  const sources: AttributeSource[] = [];
  let rootText = '';
  for (const f of files) {
    const text = await attributeText(dir, f);
    if (f.base === '') rootText = text;
    sources.push({ base: f.base, rules: parseGitattributes(text) });
  }
  return { matcher: new AttributeMatcher(sources), rootText };
}

/** What {@link lfsPlan} decided. */
export interface LfsPlan {
  /** 1 where `paths[i]` has filter=lfs. */
  lfs: Uint8Array;
  /** Whether the root `.gitattributes` was rewritten to `rootOut`. */
  rootWritten: boolean;
}

/**
 * For a new tree with attribute files `files`: which of `paths` are LFS, and, when some of
 * `track` (paths that will hold pointers) are not, the root `.gitattributes` with a
 * `--filename` line for each written to `rootOut` (as the HF Hub does, so git-lfs smudges them).
 */
export async function lfsPlan(a: { dir: string; files: AttributeFile[]; paths: string[]; track: string[]; rootOut: string }): Promise<LfsPlan> {
  const { matcher, rootText } = await attributeMatcher(a.dir, a.files);
  const lfs = new Uint8Array(a.paths.length);
  a.paths.forEach((p, i) => (lfs[i] = matcher.isLfs(p) ? 1 : 0));
  const untracked = a.track.filter((p) => !matcher.isLfs(p));
  if (untracked.length === 0) return { lfs, rootWritten: false };
  await writeFile(a.rootOut, addTrackedFilenames(rootText, untracked).text, { flag: 'wx' });
  return { lfs, rootWritten: true };
}
