/** Small working-tree file operations shared by checkout, restore, rm and mv. */
import { lstatSync, rmdirSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import type { WorktreeFile } from '../../repo/worktree-scan.js';

/** lstat of one working-tree path as a scanned file (undefined when absent or a directory). */
export function statWorktreePath(workdir: string, path: string): WorktreeFile | undefined {
  let st;
  try {
    st = lstatSync(join(workdir, path), { bigint: true });
  } catch {
    return undefined;
  }
  if (!st.isFile() && !st.isSymbolicLink()) return undefined;
  return {
    path,
    kind: st.isSymbolicLink() ? 'symlink' : 'file',
    mode: Number(st.mode),
    size: Number(st.size),
    mtimeNs: st.mtimeNs,
    ctimeNs: st.ctimeNs,
    ino: Number(st.ino),
    dev: Number(st.dev),
    uid: Number(st.uid),
    gid: Number(st.gid),
  };
}

/** Removes directories left empty by removing `paths` (never the work tree, nor `keep` and its parents: the user's current directory). */
export function pruneEmptyDirs(workdir: string, paths: readonly string[], keep?: string): void {
  const dirs = new Set<string>();
  for (const p of paths) for (let d = dirname(p); d !== '.' && d !== ''; d = dirname(d)) dirs.add(d);
  const kept = keep ? resolve(keep) : undefined;
  for (const d of [...dirs].sort((a, b) => b.length - a.length)) {
    const full = resolve(workdir, d);
    if (kept && (kept === full || kept.startsWith(`${full}${sep}`))) continue;
    try {
      rmdirSync(full);
    } catch {
      /* not empty, or gone */
    }
  }
}
