/**
 * The file side of `hub download`: which files of a tree are selected, which of them the local
 * folder already holds, and writing the others. Every file is written tmp + rename (large files
 * from the store, verified against their sha256 before they appear). Beside each written file a
 * small record `<folder>/.cache/hub/download/<path>.json` (blob, oid, size and the stat of what
 * was written) lets the next download skip a file whose stat still matches, as `hf download
 * --local-dir` does with `.cache/huggingface/download/<path>.metadata`.
 */
import { chmodSync, lstatSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { NotFoundError } from '../../errors.js';
import type { ProgressSink } from '../../progress.js';
import { looksLikePointer, parsePointer } from '../../formats/lfs-pointer.js';
import { readBlob, type TreeFile } from '../../repo/object-store.js';
import { assertNoSymlinkParents, assertSafeTreePath } from '../../repo/safe-path.js';
import { commitFile, symlinkAtomic, writeFileAtomic } from '../../fs/atomic-file.js';
import { catToFile } from '../../store/reassemble.js';
import type { Store } from '../../store/store.js';
import { pathFilter } from '../worktree/path-filter.js';

/** Where the per-file records live inside the download folder. */
export const METADATA_DIR = '.cache/hub/download';
/** Where large files wait, verified, before their rename (inside the folder: same file system). */
export const STAGING_DIR = '.cache/hub/tmp';
/** Tree paths under this prefix are never written: they would collide with the records. */
const RESERVED = '.cache/hub/';

const GITLINK = 0o160000;
const SYMLINK = 0o120000;

/**
 * Where the files of a revision come from: the object database of a cache git directory, or an
 * HF API listing (whose tree already says which files are LFS and how large they are).
 */
export interface RevisionFiles {
  /** The blob of a file (an LFS file's is its pointer). */
  blob(file: TreeFile): Promise<Uint8Array>;
  /** What a listing already says about `file`; undefined: read its blob. */
  listed?(file: TreeFile): { lfs?: { oid: string; size: number }; size: number } | undefined;
}

/** The files of a revision held in the git directory `gitdir`. */
export function gitFiles(gitdir: string): RevisionFiles {
  return { blob: (file) => readBlob(gitdir, file.oid) };
}

/** A selected file and what it takes to put it on disk. */
export interface PlannedFile {
  file: TreeFile;
  /** The LFS pointer of a large file. */
  lfs?: { oid: string; size: number };
  size: number;
  /** The folder already holds it (its record and stat match). */
  upToDate: boolean;
}

/** The record kept for one downloaded file. */
interface FileRecord {
  commit: string;
  blob: string;
  mode: number;
  oid?: string;
  size: number;
  mtimeNs: string;
  ctimeNs: string;
  ino: number;
}

/**
 * The files of `tree` that `paths` (exact files or directories; all when empty) and
 * --include/--exclude select. A PATH that names nothing in the tree is a NotFoundError.
 */
export function selectFiles(tree: readonly TreeFile[], paths: readonly string[], include: readonly string[] | undefined, exclude: readonly string[] | undefined, where: string): { files: TreeFile[]; singleFile?: string; filtersIgnored?: boolean } {
  const wanted = paths.map((p) => p.replace(/^(\.\/)+/, '').replace(/\/+$/, '')).map((p) => (p === '.' ? '' : p));
  for (const w of wanted) {
    if (!tree.some((f) => w === '' || f.path === w || f.path.startsWith(`${w}/`))) {
      throw new NotFoundError(`path '${w}' is not in ${where}`, { data: { path: w } }, 'path_not_found');
    }
  }
  // as `hf download`: named files are downloaded whatever --include/--exclude say (the filters
  // still apply inside a named directory, which hf cannot name)
  const onlyFiles = wanted.length > 0 && wanted.every((w) => tree.some((f) => f.path === w));
  const filtersIgnored = onlyFiles && !!(include?.length || exclude?.length);
  const filter = filtersIgnored ? () => true : pathFilter(include, exclude);
  const files = tree.filter(
    (f) =>
      f.mode !== GITLINK &&
      !f.path.startsWith(RESERVED) &&
      (!wanted.length || wanted.some((w) => w === '' || f.path === w || f.path.startsWith(`${w}/`))) &&
      filter(f.path),
  );
  for (const f of files) assertSafeTreePath(f.path, where);
  const singleFile = wanted.length === 1 && files.some((f) => f.path === wanted[0]) ? wanted[0] : undefined;
  return { files, singleFile, ...(filtersIgnored ? { filtersIgnored } : {}) };
}

function recordPath(folder: string, path: string): string {
  return join(folder, METADATA_DIR, `${path}.json`);
}

function readRecord(folder: string, path: string): FileRecord | undefined {
  try {
    return JSON.parse(readFileSync(recordPath(folder, path), 'utf8')) as FileRecord;
  } catch {
    return undefined;
  }
}

/** True when `folder/<file.path>` is what its record says was written for this blob. */
function isUpToDate(folder: string, file: TreeFile): boolean {
  const rec = readRecord(folder, file.path);
  if (!rec || rec.blob !== file.oid || rec.mode !== file.mode) return false;
  try {
    const st = lstatSync(join(folder, file.path), { bigint: true });
    const kindOk = file.mode === SYMLINK ? st.isSymbolicLink() : st.isFile();
    return kindOk && Number(st.size) === rec.size && String(st.mtimeNs) === rec.mtimeNs && String(st.ctimeNs) === rec.ctimeNs && Number(st.ino) === rec.ino;
  } catch {
    return false;
  }
}

function pointerOf(bytes: Uint8Array): { oid: string; size: number } | undefined {
  if (!looksLikePointer(bytes)) return undefined;
  try {
    const p = parsePointer(bytes);
    return { oid: p.oid, size: p.size };
  } catch {
    return undefined; // a small file that merely starts like a pointer
  }
}

/** Reads each selected file's pointer (if any) and whether the folder already holds it. */
export async function planFiles(source: RevisionFiles, folder: string, files: readonly TreeFile[]): Promise<PlannedFile[]> {
  const out: PlannedFile[] = [];
  for (const file of files) {
    const known = source.listed?.(file);
    if (known) {
      out.push({ file, ...(known.lfs ? { lfs: known.lfs } : {}), size: known.size, upToDate: isUpToDate(folder, file) });
      continue;
    }
    const bytes = await source.blob(file);
    const lfs = file.mode === SYMLINK ? undefined : pointerOf(bytes);
    const size = lfs ? lfs.size : bytes.length;
    out.push({ file, lfs, size, upToDate: isUpToDate(folder, file) });
  }
  return out;
}

/**
 * Writes `p` into `folder` (atomically; large files from `store`, verified), then its record. A
 * large file this download just received may be in `staged` (oid -> a verified staging file in
 * the folder's `.cache/hub/tmp`): it is renamed into place instead of reassembled. Aborted
 * (`signal`), a file being reassembled never appears and its temporary file is removed.
 */
export async function writePlanned(source: RevisionFiles, folder: string, store: Store, commit: string, p: PlannedFile, progress: ProgressSink, staged?: Map<string, string>, signal?: AbortSignal): Promise<void> {
  const { file } = p;
  const dest = join(folder, file.path);
  assertNoSymlinkParents(folder, file.path);
  if (file.mode === SYMLINK) {
    symlinkAtomic(Buffer.from(await source.blob(file)).toString(), dest);
  } else {
    const ready = p.lfs && staged?.get(p.lfs.oid);
    if (ready) {
      staged!.delete(p.lfs!.oid);
      mkdirSync(dirname(dest), { recursive: true });
      commitFile(ready, dest);
    } else if (p.lfs) await catToFile(store, p.lfs.oid, dest, { progress, signal });
    else writeFileAtomic(dest, await source.blob(file), { mode: 0o644 });
    chmodSync(dest, file.mode === 0o100755 ? 0o755 : 0o644);
  }
  const st = lstatSync(dest, { bigint: true });
  const rec: FileRecord = { commit, blob: file.oid, mode: file.mode, ...(p.lfs ? { oid: p.lfs.oid } : {}), size: Number(st.size), mtimeNs: String(st.mtimeNs), ctimeNs: String(st.ctimeNs), ino: Number(st.ino) };
  writeFileAtomic(recordPath(folder, file.path), `${JSON.stringify(rec)}\n`);
}
