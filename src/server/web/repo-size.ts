/**
 * The size of a repository at a commit, as the home and repository pages show it: files, bytes
 * (large files at their real size, from their LFS pointers) and how many are large. Reading it is
 * O(files) (one `git ls-tree -r -l`, then the small blobs that may be pointers in one buffered
 * `git cat-file --batch`), so it runs in the content workers (a `size` task), never on the request
 * thread.
 */
import { runGit, type BareRepo } from '../git-read.js';
import type { ContentTask } from './content-task.js';
import { pointerOf } from '../../formats/lfs-pointer.js';

/** Size of a repository at a commit. */
export interface RepoSize {
  files: number;
  /** Bytes of every file, large files at their real size. */
  bytes: number;
  /** Files committed as Git LFS pointers. */
  largeFiles: number;
}

const SHA = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;
const OBJECT_LINE = /^[0-9a-f]{40,64} blob (\d+)$/;

/** The task measuring the repository at `bareDir` at commit `commit` (its result is cached under this exact key). */
export function sizeTask(bareDir: string, commit: string): ContentTask & { type: 'size' } {
  return { type: 'size', bareDir, commit };
}

/** No LFS object is read to measure a repository. */
export const noObjects = async (oids: string[]): Promise<boolean[]> => oids.map(() => false);

/** The size of the repository `bare` at commit `commit`. */
export async function repoSize(bare: BareRepo, commit: string): Promise<RepoSize> {
  if (!SHA.test(commit)) throw new Error(`not a commit id: ${commit}`);
  const size: RepoSize = { files: 0, bytes: 0, largeFiles: 0 };
  const candidates = new Map<string, number>(); // blobs that may be LFS pointers, by oid: how many files
  for (const rec of (await runGit(bare.dir, ['ls-tree', '-r', '-l', '-z', commit])).toString('utf8').split('\0')) {
    const tab = rec.indexOf('\t');
    if (tab < 0) continue;
    const [mode, type, oid, bytes] = rec.slice(0, tab).split(/ +/);
    if (type !== 'blob') continue;
    size.files++;
    size.bytes += Number(bytes);
    if (mode !== '120000' && Number(bytes) >= 100 && Number(bytes) < 1024) candidates.set(oid, (candidates.get(oid) ?? 0) + 1);
  }
  if (candidates.size === 0) return size;
  // one buffered batch: a long-running reader answers a line at a time, slow for thousands
  const out = await runGit(bare.dir, ['cat-file', '--batch', '--buffer'], [...candidates.keys()].map((o) => `${o}\n`).join(''));
  let at = 0;
  for (const [, count] of candidates) {
    const nl = out.indexOf(0x0a, at);
    const m = OBJECT_LINE.exec(out.toString('latin1', at, nl));
    if (!m) throw new Error('git cat-file --batch: unexpected output');
    const blobSize = Number(m[1]);
    const pointer = pointerOf(out.subarray(nl + 1, nl + 1 + blobSize));
    if (pointer) {
      size.bytes += count * (pointer.size - blobSize);
      size.largeFiles += count;
    }
    at = nl + 1 + blobSize + 1;
  }
  return size;
}
