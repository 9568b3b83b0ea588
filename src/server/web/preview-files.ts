/**
 * Which files have a preview on their file page (a tensor list, a table's first rows), as the
 * content task that computes it, so that the blob page and the work computed when a push ends
 * ({@link previewableFiles}, compute-ahead.ts) name the same task and share its cached result.
 */
import { kindOfPath } from '../../diff/file-kind.js';
import type { BareRepo } from '../git-read.js';
import type { ContentTask } from './content-task.js';
import { changedPaths } from './git-history.js';
import type { RepoObjects } from './git-objects.js';
import { pointerOf } from '../../formats/lfs-pointer.js';
import type { FileRef } from './web-sources.js';

/** Most files of one commit whose previews are computed ahead. */
export const MAX_PREVIEWS_AHEAD = 32;
/** Most changed paths of one commit looked at for them. */
const MAX_PATHS_SCANNED = 100_000;

/** A file of a commit that has a preview. */
export interface PreviewFile {
  path: string;
  ref: FileRef;
}

/** The task computing the preview of `ref` at `path` in the repository at `bareDir`, or undefined when its kind has none. */
export function previewTask(bareDir: string, path: string, ref: FileRef): (ContentTask & { type: 'tensors' | 'table' }) | undefined {
  const kind = kindOfPath(path);
  if (kind?.kind === 'tensors' && kind.format !== 'safetensors-index') return { type: 'tensors', bareDir, ref, name: path, format: kind.format };
  if (kind?.kind === 'table') return { type: 'table', bareDir, ref, name: path, format: kind.format };
  return undefined;
}

/**
 * The files commit `b` added or changed against `a` (undefined: every file of a root commit)
 * that have a preview, at most {@link MAX_PREVIEWS_AHEAD}: large files by their LFS pointer.
 * Runs in the content worker (it reads git's whole list of changed paths).
 */
export async function previewableFiles(bare: BareRepo, objects: RepoObjects, a: string | undefined, b: string): Promise<PreviewFile[]> {
  const { changes } = await changedPaths(bare, a, b, MAX_PATHS_SCANNED);
  const picked = changes.filter((c) => c.oidB !== '' && /^100[0-7]{3}$/.test(c.modeB) && previewTask('', c.path, { kind: 'git', oid: '', size: 0 })).slice(0, MAX_PREVIEWS_AHEAD);
  const sizes = (await objects.info(picked.map((c) => c.oidB))).map((o) => o?.size);
  const small = picked.filter((_, i) => (sizes[i] ?? 0) < 1024);
  const heads = new Map((await objects.contents(small.map((c) => c.oidB))).map((o, i) => [small[i].oidB, o?.content]));
  return picked.map((c, i) => {
    const bytes = heads.get(c.oidB);
    const pointer = bytes ? pointerOf(bytes) : undefined;
    return { path: c.path, ref: pointer ? { kind: 'lfs', ...pointer } : { kind: 'git', oid: c.oidB, size: sizes[i] ?? 0 } };
  });
}
