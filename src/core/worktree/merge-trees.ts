/**
 * The three-way merge of two commits' files against their merge base, path by path, as git's
 * merge (ort, without rename detection) decides them: a path only one side changed takes that
 * side; a path both changed the same way takes it; otherwise it is merged or conflicts.
 *
 * Large files are merged on their pointer blobs and never by content: the pointer says which
 * side changed (so only-one-side changes need no content at all), and a large file both sides
 * changed differently is a conflict that keeps "ours" in the working tree. Binary blobs (a NUL
 * in the first 8000 bytes, git's test) conflict the same way. Text both sides changed goes
 * through git's own merge (repo/merge-file.ts).
 */
import { ConflictError } from '../../errors.js';
import { compareIndexPaths } from '../../formats/git-index.js';
import { looksLikePointer } from '../../formats/lfs-pointer.js';
import { looksBinary, mergeText, type MergeLabels } from '../../repo/merge-file.js';
import { readBlob, writeBlob, type TreeFile } from '../../repo/object-store.js';
import type { RepoPaths } from '../../repo/repository.js';

/** Why a path conflicts. */
export type MergeConflictReason = 'content' | 'large-file' | 'binary' | 'modify-delete' | 'mode';

/** One conflicted path: its stages (1 base, 2 ours, 3 theirs; absent sides left out) and what the working tree gets. */
export interface PathConflict {
  path: string;
  reason: MergeConflictReason;
  stages: { stage: 1 | 2 | 3; file: TreeFile }[];
  /** The file the working tree holds while the conflict waits (markers, ours, or the side that kept it). */
  worktree: TreeFile;
}

/** The merged files (by path) and the conflicts; a conflicted path is in `files` as its working-tree version. */
export interface TreeMerge {
  files: Map<string, TreeFile>;
  conflicts: PathConflict[];
}

const same = (a?: TreeFile, b?: TreeFile) => (!a && !b) || (!!a && !!b && a.oid === b.oid && a.mode === b.mode);

/** Merges `ours` and `theirs` (files by path) against `base`. */
export async function mergeTrees(paths: RepoPaths, base: Map<string, TreeFile>, ours: Map<string, TreeFile>, theirs: Map<string, TreeFile>, labels: MergeLabels, signal?: AbortSignal): Promise<TreeMerge> {
  const files = new Map<string, TreeFile>();
  const conflicts: PathConflict[] = [];
  const all = new Set([...base.keys(), ...ours.keys(), ...theirs.keys()]);
  for (const path of [...all].sort(compareIndexPaths)) {
    const b = base.get(path);
    const o = ours.get(path);
    const t = theirs.get(path);
    let result: TreeFile | undefined;
    if (same(o, t)) result = o;
    else if (same(b, o)) result = t;
    else if (same(b, t)) result = o;
    else {
      const merged = await mergePath(paths, path, b, o, t, labels, signal);
      if ('conflict' in merged) {
        conflicts.push(merged.conflict);
        result = merged.conflict.worktree;
      } else result = merged.file;
    }
    if (result) files.set(path, result);
  }
  refuseDirectoryFileClash(files);
  return { files, conflicts };
}

/** A path both sides changed, differently. */
async function mergePath(paths: RepoPaths, path: string, b: TreeFile | undefined, o: TreeFile | undefined, t: TreeFile | undefined, labels: MergeLabels, signal?: AbortSignal): Promise<{ file: TreeFile } | { conflict: PathConflict }> {
  const stages: PathConflict['stages'] = [];
  if (b) stages.push({ stage: 1, file: b });
  if (o) stages.push({ stage: 2, file: o });
  if (t) stages.push({ stage: 3, file: t });
  const conflict = (reason: MergeConflictReason, worktree: TreeFile) => ({ conflict: { path, reason, stages, worktree } });
  if (!o || !t) return conflict('modify-delete', (o ?? t)!); // the side that kept the file stays in the working tree
  const regular = (f: TreeFile) => f.mode === 0o100644 || f.mode === 0o100755;
  if (!regular(o) || !regular(t) || (b && !regular(b))) return conflict('content', o); // symlinks, submodules: keep ours
  // the mode merges on its own; both changing it differently is a conflict too
  const mode = b?.mode === o.mode ? t.mode : b?.mode === t.mode || o.mode === t.mode ? o.mode : undefined;
  if (o.oid === t.oid) return mode === undefined ? conflict('mode', o) : { file: { path, mode, oid: o.oid } };
  if (b && b.oid === o.oid) return mode === undefined ? conflict('mode', o) : { file: { path, mode, oid: t.oid } };
  if (b && b.oid === t.oid) return mode === undefined ? conflict('mode', o) : { file: { path, mode, oid: o.oid } };
  // both changed the content: pointers and blobs are small, so reading them is cheap
  const [bb, ob, tb] = await Promise.all([b ? readBlob(paths.gitdir, b.oid) : new Uint8Array(), readBlob(paths.gitdir, o.oid), readBlob(paths.gitdir, t.oid)]);
  if ([bb, ob, tb].some((x) => looksLikePointer(x))) return conflict('large-file', o);
  if ([bb, ob, tb].some(looksBinary)) return conflict('binary', o);
  const merged = await mergeText(paths, bb, ob, tb, labels, signal);
  const file = { path, mode: mode ?? o.mode, oid: writeBlob(paths.gitdir, merged.bytes) };
  if (merged.clean && mode !== undefined) return { file };
  return conflict(merged.clean ? 'mode' : 'content', file);
}

/** A path that is a file on one side and a directory on the other is beyond this merge: git handles it. */
function refuseDirectoryFileClash(files: Map<string, TreeFile>): void {
  for (const path of files.keys()) {
    for (let i = path.indexOf('/'); i > 0; i = path.indexOf('/', i + 1)) {
      const dir = path.slice(0, i);
      if (files.has(dir)) {
        throw new ConflictError(`'${dir}' is a file on one side of the merge and a directory on the other`, { hint: 'hub cannot merge this; hub repositories are git repositories: run git merge', data: { path: dir } }, 'merge_unsupported');
      }
    }
  }
}
