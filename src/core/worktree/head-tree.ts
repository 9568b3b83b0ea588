/**
 * The files of HEAD's tree, and the "index matches tree X" record that lets status skip reading
 * HEAD's tree when the index has not changed since hub last wrote it from a commit.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../fs/atomic-file.js';
import { flattenTree, readCommitTree, type TreeFile } from '../../repo/object-store.js';
import { readHead, type HeadState } from '../../repo/refs.js';
import type { RepoPaths } from '../../repo/repository.js';

/** The files of a commit's tree by path. */
export async function commitFiles(paths: RepoPaths, commit: string | undefined): Promise<Map<string, TreeFile>> {
  const files = new Map<string, TreeFile>();
  if (!commit) return files;
  for (const f of await flattenTree(paths.gitdir, await readCommitTree(paths.gitdir, commit))) files.set(f.path, f);
  return files;
}

/** The tree id of a commit (undefined for none). */
export async function treeOf(paths: RepoPaths, commit: string | undefined): Promise<string | undefined> {
  return commit ? readCommitTree(paths.gitdir, commit) : undefined;
}

interface IndexState {
  tree: string;
  size: number;
  mtimeNs: string;
}

function indexStat(paths: RepoPaths): { size: number; mtimeNs: string } | undefined {
  const p = join(paths.gitdir, 'index');
  if (!existsSync(p)) return undefined;
  const st = statSync(p, { bigint: true });
  return { size: Number(st.size), mtimeNs: String(st.mtimeNs) };
}

/** Records that the index (as it is on disk now) holds exactly `tree`. */
export function recordIndexTree(paths: RepoPaths, tree: string | undefined): void {
  const st = indexStat(paths);
  if (!st || !tree) return;
  // a cache: not fsynced (fs/atomic-file.ts); a record whose size and mtime are not the index's is ignored
  writeFileAtomic(join(paths.hubdir, 'index-tree'), JSON.stringify({ tree, ...st } satisfies IndexState), { durable: false });
}

/** True when the index on disk is unchanged since it was recorded as holding `tree`. */
export function indexHoldsTree(paths: RepoPaths, tree: string | undefined): boolean {
  if (!tree) return false;
  try {
    const rec = JSON.parse(readFileSync(join(paths.hubdir, 'index-tree'), 'utf8')) as IndexState;
    const st = indexStat(paths);
    return !!st && rec.tree === tree && rec.size === st.size && rec.mtimeNs === st.mtimeNs;
  } catch {
    return false;
  }
}

/** HEAD and its files (read lazily by callers that need them). */
export async function headOf(paths: RepoPaths): Promise<HeadState> {
  return readHead(paths.gitdir);
}
