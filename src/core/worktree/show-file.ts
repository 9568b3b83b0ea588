/**
 * `hub show REV:PATH`: one file as of REV. A small file is its blob; a large file is its content
 * (not its pointer, unlike `git show`), streamed from the store and verified as every read is;
 * content the store lacks is exit 3 naming the oid.
 */
import { NotFoundError, UsageError } from '../../errors.js';
import { readBlob, readPointerBlob } from '../../repo/object-store.js';
import { resolveRevision } from '../../repo/refs.js';
import { requireManifest, streamObject } from '../../store/reassemble.js';
import type { CoreContext } from '../context.js';
import { commitFiles } from './head-tree.js';
import { ensureInStore } from './materialize.js';
import { withRepo } from './repo-session.js';

/** The `--json` shape of `hub show REV:PATH` (the bytes go to stdout only without --json). */
export interface ShowFileResult {
  revision: string;
  commit: string;
  path: string;
  blob: string;
  large: { oid: string; size: number } | null;
}

/** Finds `REV:PATH` and, with a sink, streams its content there. */
export async function showFile(ctx: CoreContext, spec: string, sink?: (bytes: Uint8Array) => void): Promise<ShowFileResult> {
  const at = spec.indexOf(':');
  const rev = spec.slice(0, at) || 'HEAD';
  const path = spec.slice(at + 1).replace(/^\.?\/+/, '');
  if (!path) throw new UsageError(`'${spec}' names no file: use REV:PATH`, {}, 'bad_path');
  return withRepo(ctx, {}, async (s) => {
    const commit = await resolveRevision(s.paths.gitdir, rev);
    const file = (await commitFiles(s.paths, commit)).get(path);
    if (!file) throw new NotFoundError(`path '${path}' does not exist in '${rev}'`, { data: { path, revision: rev } }, 'path_not_found');
    const large = file.mode === 0o120000 ? undefined : await readPointerBlob(s.paths.gitdir, file.oid);
    if (sink) {
      if (!large) sink(await readBlob(s.paths.gitdir, file.oid));
      else {
        if (!(await ensureInStore(s, large.oid))) throw new NotFoundError(`content of '${path}' (oid ${large.oid}) is not in the store`, { hint: "run 'hub fetch' (or 'hub pull --include PATH') first", data: { path, oid: large.oid } }, 'content_missing');
        await streamObject(s.store, requireManifest(s.store, large.oid), sink, ctx.progress, ctx.signal, `Reading ${path}`);
      }
    }
    return { revision: rev, commit, path, blob: file.oid, large: large ?? null };
  });
}
